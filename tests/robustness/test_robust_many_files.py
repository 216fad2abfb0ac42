"""A folder of 1,000 small files (in 10 sub-folders): all ingested, counted, timed; an unchanged re-run skips
them all without writing anything."""

from __future__ import annotations

import time

import pytest
from robustness_helpers import TINY_TEXT, assert_consistent, open_store, snapshot

from ingest import IngestOptions, ingest

pytestmark = pytest.mark.slow

N_FILES = 1_000
BUDGET_S = 90  # generous: the point is "minutes, not hours"; the measured time is printed


@pytest.fixture(scope="module")
def many(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("many-files")
    corpus = root / "corpus"
    for i in range(N_FILES):
        folder = corpus / f"batch-{i // 100:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"note-{i:04d}.txt").write_text(TINY_TEXT.format(i=i), encoding="utf-8")
    data_dir = root / "index"
    store = open_store(data_dir)
    store.embedder.encode_one("warm up")  # time the ingest, not the model load
    started = time.perf_counter()
    report = ingest(store, [corpus], IngestOptions(), lock_dir=data_dir)
    seconds = time.perf_counter() - started
    print(f"\n1,000-file ingest: {seconds:.1f} s ({report.chunks_written} chunks)")
    return store, corpus, data_dir, report, seconds


def test_all_files_are_ingested(many) -> None:
    store, _, _, report, _ = many
    assert report.count("added") == N_FILES and not report.failed, report.failed[:3]
    docs = store.list_documents()
    assert len(docs) == N_FILES and len({d.source for d in docs}) == N_FILES
    assert all(d.chunks == 1 for d in docs)
    assert store.count_chunks() == report.chunks_written == N_FILES
    assert_consistent(snapshot(store))


def test_ingest_time_is_reasonable(many) -> None:
    _, _, _, _, seconds = many
    assert seconds < BUDGET_S, f"1,000 small files took {seconds:.0f} s"


def test_unchanged_rerun_skips_everything(many) -> None:
    store, corpus, data_dir, _, _ = many
    before = snapshot(store)
    started = time.perf_counter()
    again = ingest(store, [corpus], IngestOptions(), lock_dir=data_dir)
    seconds = time.perf_counter() - started
    print(f"\n1,000-file unchanged re-run: {seconds:.1f} s")
    assert again.count("skipped") == N_FILES and again.chunks_written == 0
    assert snapshot(store) == before
    assert seconds < BUDGET_S / 3


def test_one_changed_file_among_many(many) -> None:
    store, corpus, data_dir, _, _ = many
    changed = corpus / "batch-05" / "note-0500.txt"
    changed.write_text(TINY_TEXT.format(i="five hundred (revised)"), encoding="utf-8")
    report = ingest(store, [corpus], IngestOptions(), lock_dir=data_dir)
    assert (report.count("updated"), report.count("skipped")) == (1, N_FILES - 1)
    snap = snapshot(store)
    assert_consistent(snap)
    assert snap.total_chunks == N_FILES
    texts = store.chunks.get(where={"source": "note-0500.txt"}, include=["documents"])["documents"]
    assert texts == [TINY_TEXT.format(i="five hundred (revised)").strip()]
