"""Ingestion into a real (embedded) Chroma index: PDFs with page numbers, incremental re-runs, prune, recovery.

Each module fixture builds one index; tests compare the index before and after their own change, so they do
not depend on each other's order.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import CABINET_ILACS, CABINET_JTAI, CHESHIRE, LETTER, PRESS, SAMPLE_DIR, SAMPLE_PDF_DIR  # noqa: F401

from ingest import IngestOptions, ingest
from ingest.loaders import load_file
from ingest.pipeline import doc_id_for, prepare_document
from vectorstore import ChunkRecord, IndexStore, token_counter

pytestmark = pytest.mark.slow


def open_store(data_dir: Path) -> IndexStore:
    from assistant.config import Settings

    return Settings.from_env(data_dir=data_dir).open_store()


def chunk_ids(store: IndexStore) -> dict[str, set[str]]:
    """doc_id -> ids of its chunks in the index."""
    got = store.chunks.get(include=["metadatas"])
    out: dict[str, set[str]] = {}
    for chunk_id, meta in zip(got["ids"], got["metadatas"]):
        out.setdefault(meta["doc_id"], set()).add(chunk_id)
    return out


def sentence_hashes(store: IndexStore, doc_id: str) -> set[str]:
    got = store.sentences.get(where={"doc_id": doc_id}, include=["metadatas"])
    return {m["doc_hash"] for m in got["metadatas"]}


def registry(store: IndexStore) -> dict[str, str]:
    """source -> doc_id."""
    return {d.source: d.doc_id for d in store.list_documents()}


def by_status(report) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for outcome in report.outcomes:
        out.setdefault(outcome.status, []).append(outcome.source)
    return {k: sorted(v) for k, v in out.items()}


# --- PDFs ---------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pdf_index(make_index):
    built = make_index("pdf-index", source=SAMPLE_PDF_DIR)
    return built.store, built.report, list(built.store.iter_chunks())


def pdf_chunks_containing(chunks: list[ChunkRecord], stem: str, phrase: str) -> list[ChunkRecord]:
    return [c for c in chunks if c.source == f"{stem}.pdf" and phrase in c.text]


def test_pdfs_are_ingested(pdf_index):
    store, report, chunks = pdf_index
    assert not report.failed, report.failed
    assert by_status(report) == {"added": sorted(p.name for p in SAMPLE_PDF_DIR.glob("*.pdf"))}
    docs = {d.source: d for d in store.list_documents()}
    assert docs[f"{LETTER}.pdf"].pages == 15
    assert docs[f"{CABINET_JTAI}.pdf"].pages == 4
    assert all(d.file_type == "pdf" for d in docs.values())
    assert sum(d.chunks for d in docs.values()) == store.count_chunks() == len(chunks)


def test_pdf_chunks_have_page_numbers(pdf_index):
    _, _, chunks = pdf_index
    for chunk in chunks:
        assert chunk.page >= 1, chunk.id
        assert chunk.page_end >= chunk.page, chunk.id


def test_pdf_mace_chunk_is_on_page_9(pdf_index):
    _, _, chunks = pdf_index
    hits = pdf_chunks_containing(chunks, LETTER, "The conduct of MACE meetings lacks sufficient structure")
    assert len(hits) == 1
    chunk = hits[0]
    assert chunk.page == 9 or (chunk.page == 8 and chunk.page_end >= 9), (chunk.page, chunk.page_end)
    assert chunk.section == "Areas for improvement"
    assert "such as children’s ages" in chunk.text


def test_pdf_chunk_page_ranges_cover_the_82_percent_pages(pdf_index):
    _, _, chunks = pdf_index
    hits = pdf_chunks_containing(chunks, CHESHIRE, "82% of the actions are now complete")
    assert hits
    for page in (1, 3):
        assert any(c.page <= page <= c.page_end for c in hits), page


def test_pdf_29_areas_chunk_is_on_page_2(pdf_index):
    _, _, chunks = pdf_index
    hits = pdf_chunks_containing(chunks, CABINET_JTAI, "The letter identified 29 areas for improvement")
    assert len(hits) == 1
    assert hits[0].page == 2


def test_stored_chunks_are_the_prepared_chunks(pdf_index):
    store, _, chunks = pdf_index
    path = Path(store.list_documents()[0].path)
    _, prepared, sentences = prepare_document(load_file(path, 50_000_000), {}, 256, token_counter())
    stored = {c.id: c for c in chunks if c.path == str(path)}
    assert set(stored) == {c.id for c in prepared}
    for chunk in prepared:
        assert stored[chunk.id].text == chunk.text
        assert (stored[chunk.id].page, stored[chunk.id].page_end) == (chunk.page, chunk.page_end)
    got = store.sentences.get(where={"doc_id": doc_id_for(path)}, include=[])
    assert set(got["ids"]) == {s.id for s in sentences}


# --- incremental ingest of the text corpus ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus_index(make_index):
    built = make_index("incremental")
    return built.store, built.corpus, built.data_dir, built.report


def run(corpus_index, paths=None, **options):
    store, corpus, data_dir, _ = corpus_index
    return ingest(store, paths or [corpus], IngestOptions(**options), lock_dir=data_dir)


def test_first_ingest_adds_every_document(corpus_index):
    store, _, _, first = corpus_index
    assert not first.failed, first.failed
    assert by_status(first)["added"] == sorted(p.name for p in SAMPLE_DIR.glob("*.txt"))
    assert first.chunks_written == store.count_chunks()
    assert store.get_state().get("ingest_in_progress") is False


def test_second_ingest_skips_everything_and_changes_nothing(corpus_index):
    store, corpus, _, _ = corpus_index
    before, before_sentences = chunk_ids(store), store.count_sentences()
    fingerprint, version = store.fingerprint(), store.registry_version()
    report = run(corpus_index)
    assert store.registry_version() == version  # readers keep their caches
    assert set(by_status(report)) == {"skipped"}
    assert len(report.outcomes) == len(list(corpus.glob("*.txt")))
    assert report.chunks_written == 0
    assert chunk_ids(store) == before
    assert store.count_sentences() == before_sentences
    assert store.fingerprint() == fingerprint
    docs = {d.source: d.chunks for d in store.list_documents()}
    assert {o.source: o.chunks for o in report.outcomes} == docs


def test_modified_file_replaces_only_its_own_chunks(corpus_index):
    store, corpus, _, _ = corpus_index
    path = corpus / f"{PRESS}.txt"
    doc_id = registry(store)[path.name]
    before, version = chunk_ids(store), store.registry_version()
    with path.open("a", encoding="utf-8") as handle:
        handle.write("\nThe council will publish a further update on the action plan in the autumn.\n")
    report = run(corpus_index)
    assert by_status(report)["updated"] == [path.name]
    assert set(by_status(report)) == {"updated", "skipped"}
    assert store.registry_version() != version
    after = chunk_ids(store)
    assert after[doc_id].isdisjoint(before[doc_id])  # a new version: new ids
    assert {k: v for k, v in after.items() if k != doc_id} == {k: v for k, v in before.items() if k != doc_id}
    # no stale chunks or sentences of the old version remain
    record = store.get_document(doc_id)
    assert record is not None
    got = store.chunks.get(where={"doc_id": doc_id}, include=["metadatas", "documents"])
    assert len(got["ids"]) == record.chunks
    assert {m["doc_hash"] for m in got["metadatas"]} == {record.content_hash}
    assert any("further update on the action plan in the autumn" in t for t in got["documents"])
    assert sentence_hashes(store, doc_id) == {record.content_hash}


def test_force_reindexes_with_the_same_ids(corpus_index):
    store, corpus, _, _ = corpus_index
    path = corpus / f"{PRESS}.txt"
    before = chunk_ids(store)
    report = run(corpus_index, paths=[path], force=True)
    assert by_status(report) == {"updated": [path.name]}
    assert chunk_ids(store) == before


def test_changed_sidecar_reindexes_the_file(corpus_index):
    store, corpus, _, _ = corpus_index
    path = corpus / f"{PRESS}.txt"
    doc_id = registry(store)[path.name]
    before = chunk_ids(store)[doc_id]
    sidecar = corpus / f"{path.name}.meta.json"
    sidecar.write_text('{"council": "Southend-on-Sea area"}', encoding="utf-8")
    try:
        report = run(corpus_index, paths=[path])
        assert by_status(report) == {"updated": [path.name]}
        assert store.get_document(doc_id).council == "Southend-on-Sea area"
        assert chunk_ids(store)[doc_id].isdisjoint(before)
    finally:
        sidecar.unlink()
        run(corpus_index, paths=[path])
    assert store.get_document(doc_id).council == "Southend-on-Sea"
    assert chunk_ids(store)[doc_id] == before


def test_deleted_file_is_pruned(corpus_index):
    store, corpus, _, _ = corpus_index
    path = corpus / f"{CABINET_ILACS}.txt"
    doc_id = registry(store)[path.name]
    before = chunk_ids(store)
    assert before[doc_id]
    path.unlink()
    without_prune = run(corpus_index)
    assert "removed" not in by_status(without_prune)
    assert store.get_document(doc_id) is not None  # nothing is removed unless asked
    report = run(corpus_index, prune=True)
    assert by_status(report)["removed"] == [path.name]
    assert set(by_status(report)) == {"removed", "skipped"}
    assert store.get_document(doc_id) is None
    assert path.name not in registry(store)
    assert store.chunks.get(where={"doc_id": doc_id})["ids"] == []
    assert store.sentences.get(where={"doc_id": doc_id})["ids"] == []
    assert chunk_ids(store) == {k: v for k, v in before.items() if k != doc_id}


def test_interrupted_ingest_is_cleaned_up(corpus_index):
    store, corpus, _, _ = corpus_index
    doc_id = registry(store)[f"{LETTER}.txt"]
    before = chunk_ids(store)
    vector = np.full((1, 384), 1 / np.sqrt(384), dtype=np.float32)
    orphans = [
        # a half-written new version of an indexed document
        ChunkRecord(id=f"{doc_id}-0000000000-0000", text="Orphaned text of an unfinished version.", doc_id=doc_id,
                    doc_hash="0" * 64, source=f"{LETTER}.txt", path=str(corpus / f"{LETTER}.txt")),
        # a document whose registry record was never written
        ChunkRecord(id="feedfacefeedface-1111111111-0000", text="Orphaned text of a new document.",
                    doc_id="feedfacefeedface", doc_hash="1" * 64, source="new.txt", path=str(corpus / "new.txt")),
    ]
    for orphan in orphans:
        store.upsert_chunks([orphan], vector)
    store.set_state(ingest_in_progress=True)
    report = run(corpus_index)
    assert report.swept_orphans >= 2
    assert set(by_status(report)) == {"skipped"}
    assert store.get_chunks([o.id for o in orphans]) == []
    assert chunk_ids(store) == before
    assert store.get_state()["ingest_in_progress"] is False


def test_orphans_are_left_alone_when_no_ingest_was_interrupted(corpus_index):
    store, corpus, _, _ = corpus_index
    report = run(corpus_index)
    assert report.swept_orphans == 0


# --- the shared session index (read-only) ------------------------------------------------------------------------


def test_session_index_holds_exactly_the_prepared_chunks(sample_index):
    from assistant.config import Settings

    store = Settings.from_env(data_dir=sample_index).open_store()
    count = token_counter()
    stored = chunk_ids(store)
    docs = store.list_documents()
    assert len(docs) == 5
    for doc in docs:
        _, chunks, sentences = prepare_document(load_file(Path(doc.path), 50_000_000), {}, 256, count)
        assert stored[doc.doc_id] == {c.id for c in chunks}, doc.source
        assert doc.chunks == len(chunks)
        assert sentence_hashes(store, doc.doc_id) == {doc.content_hash}
    assert store.count_sentences() >= store.count_chunks()


# --- sentence vectors from the chunk's own pass ---------------------------------------------------------------------


def test_pooled_spans_come_from_the_texts_own_pass():
    from vectorstore import Embedder

    embedder = Embedder()
    first = "Most care leavers live in suitable accommodation."
    second = "For some, their choices are limited when tenancies are at risk."
    texts = [f"Bolton — Care leavers: {first} {second}", "A short text."]
    at = texts[0].index(first)
    spans = [[(at, at + len(first)), (texts[0].index(second), texts[0].index(second) + len(second))], []]
    vecs, span_vecs = embedder.encode_with_spans(texts, spans)
    assert np.allclose(vecs, embedder.encode(texts), atol=1e-5)  # the texts' own vectors are unchanged
    assert span_vecs.shape == (2, embedder.dimension)
    assert np.allclose(np.linalg.norm(span_vecs, axis=1), 1.0, atol=1e-5)
    alone = embedder.encode([first, second])
    assert float(span_vecs[0] @ alone[0]) > float(span_vecs[0] @ alone[1])  # each span is its own sentence


def test_a_span_past_the_models_word_pieces_is_encoded_on_its_own():
    from vectorstore import Embedder

    embedder = Embedder()
    tail = "The last sentence is beyond what the model reads."
    text = "Filler words go on. " * 120 + tail
    _, span_vecs = embedder.encode_with_spans([text], [[(text.index(tail), len(text))]])
    assert np.allclose(span_vecs[0], embedder.encode([tail])[0], atol=1e-5)


def test_a_pooled_ingest_stores_a_vector_for_every_sentence(tmp_path: Path):
    store = open_store(tmp_path)
    report = ingest(store, [SAMPLE_DIR / f"{LETTER}.txt"], IngestOptions(sentence_vectors="pooled"), lock_dir=tmp_path)
    assert not report.failed
    chunks = list(store.iter_chunks())
    stored = store.sentences_of([c.id for c in chunks])
    assert sum(len(v) for v in stored.values()) == store.count_sentences() > len(chunks)
    for pairs in stored.values():
        for _, vec in pairs:
            assert abs(float(np.linalg.norm(vec)) - 1.0) < 1e-4


def test_the_sentence_vectors_setting_is_checked_and_reaches_ingest():
    from assistant.config import Settings

    settings = Settings.from_env(env={"INSPECTION_ASSISTANT_SENTENCE_VECTORS": "pooled"})
    assert IngestOptions.from_settings(settings, force=True).sentence_vectors == "pooled"
    with pytest.raises(ValueError, match="unknown sentence_vectors 'fast'"):
        Settings.from_env(env={}, sentence_vectors="fast")
