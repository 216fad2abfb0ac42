"""End-to-end behaviour of Assistant.ask over the sample corpus, and the citation contract."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant import Assistant, Filters, QuestionError
from assistant.retrieval import _shingles
from domain.text import normalize_for_match
from eval.dataset import load_qa

ROOT = Path(__file__).resolve().parent.parent
QA = load_qa(ROOT / "eval" / "qa" / "sample.jsonl")


def test_mace_question_cites_the_letters_mace_paragraph(assistant: Assistant) -> None:
    answer = assistant.ask("what did inspectors say about MACE meetings?")
    assert not answer.abstained
    mace = [c for c in answer.citations if "structure and rigour" in c.text and "children’s ages" in c.text]
    assert mace, [c.text[:80] for c in answer.citations]
    assert mace[0].source == "southend-jtai-inspection-letter-2018-05-09.txt"
    assert mace[0].section == "Areas for improvement"
    assert "MACE" in answer.text


def test_areas_for_improvement_count_is_29_from_the_cabinet_report(assistant: Assistant) -> None:
    answer = assistant.ask("how many areas for improvement did the JTAI letter identify for the partnership?")
    assert not answer.abstained
    assert "29" in answer.text
    cited = [c for c in answer.citations if "29 areas for improvement" in c.quote]
    assert cited and cited[0].source == "southend-cabinet-report-jtai-2018-06-19.txt"
    assert cited[0].paragraph == "3.9"
    marker = re.search(r"29 areas for improvement[^\[]*\[(\d+)\]", answer.text)
    assert marker and int(marker.group(1)) == cited[0].n


@pytest.mark.parametrize("question", [
    "What did inspectors find about adult social care waiting lists in Norfolk County Council?",
    "What is the weather forecast for Leeds tomorrow?",
])
def test_questions_the_documents_do_not_cover_abstain(assistant: Assistant, question: str) -> None:
    answer = assistant.ask(question)
    assert answer.abstained
    assert answer.citations == []
    assert answer.passages, "an abstention still shows the closest passages"
    assert "don't appear to cover" in answer.text


def test_citation_contract_holds_for_every_eval_question(assistant: Assistant) -> None:
    for item in QA:
        answer = assistant.ask(item.question)
        retrieved = {p.chunk.id: p.chunk.text for p in answer.passages}
        numbers = {c.n for c in answer.citations}
        markers = {int(m) for m in re.findall(r"\[(\d+)\]", answer.text)}
        assert markers <= numbers, (item.id, "a marker resolves to no citation")
        assert numbers == set(range(1, len(numbers) + 1)), (item.id, "citations are numbered 1..n")
        for c in answer.citations:
            assert c.chunk_id in retrieved, (item.id, "citation points at a passage that was not retrieved")
            for quote in c.quote.split(" [...] "):
                assert quote and quote in retrieved[c.chunk_id], (item.id, "quote is not verbatim", quote)
        if not answer.abstained:
            assert answer.sentences and all(s.citations for s in answer.sentences), (item.id, "uncited sentence")
            for s in answer.sentences:
                assert re.search(r"\[\d+\]", s.text), (item.id, s.text)


def test_answer_json_has_the_documented_keys(assistant: Assistant) -> None:
    data = assistant.ask("What did inspectors say about return home interviews?").to_dict()
    assert {"answer", "abstained", "citations", "passages", "timings_ms"} <= set(data)
    for c in data["citations"]:
        assert {"n", "source", "title", "date", "section", "paragraph", "page", "text", "quote"} <= set(c)
    for p in data["passages"]:
        assert {"source", "text", "score"} <= set(p)
    assert {"embed_query", "dense", "bm25", "fuse", "rerank", "compose", "total"} <= set(data["timings_ms"])


def test_filters_restrict_both_retrieval_legs(assistant: Assistant) -> None:
    question = "what progress has been made on the action plan?"
    only_cheshire = assistant.ask(question, filters=Filters(council="Cheshire East"))
    assert only_cheshire.passages and {p.chunk.council for p in only_cheshire.passages} == {"Cheshire East"}
    letters = assistant.ask("what were the areas for improvement?", filters=Filters(doc_type="inspection letter"))
    assert {p.chunk.doc_type for p in letters.passages} == {"inspection letter"}
    section = assistant.ask("what did inspectors find?", filters=Filters(section="strengths"))
    assert {p.chunk.section_kind for p in section.passages} == {"strengths"}
    years = assistant.ask("what did the inspection find?", filters=Filters(year_from=2019, year_to=2019))
    assert {p.chunk.date[:4] for p in years.passages} == {"2019"}
    ilacs = assistant.ask("what did the inspection find?", filters=Filters(inspection_type="ILACS"))
    assert ilacs.passages and {p.chunk.inspection_type for p in ilacs.passages} == {"ILACS"}
    press = "southend-press-release-jtai-2018-05-09.txt"
    one_file = assistant.ask("what did the inspection find?", filters=Filters(source=press))
    assert one_file.passages and {p.chunk.source for p in one_file.passages} == {press}


def test_near_duplicate_passages_are_removed(assistant: Assistant) -> None:
    answer = assistant.ask("Which inspectorates carried out the joint inspection between 19 and 23 March 2018?")
    texts = [normalize_for_match(p.chunk.text) for p in answer.passages]
    shingles = [_shingles(t) for t in texts]
    for i in range(len(shingles)):
        for j in range(i + 1, len(shingles)):
            overlap = len(shingles[i] & shingles[j]) / max(1, min(len(shingles[i]), len(shingles[j])))
            assert overlap < assistant.settings.dedupe_threshold, (texts[i][:60], texts[j][:60])
    # the press release repeats the letter's opening verbatim: only one copy survives
    assert sum(t.startswith("between 19 and 23 march 2018, ofsted") and len(t) < 400 for t in texts) <= 1


def test_glossary_expands_acronyms_both_ways(assistant: Assistant) -> None:
    glossary = assistant.retriever.facts().glossary
    assert glossary.terms["MACE"] == "multi-agency child sexual exploitation"
    assert "multi-agency child sexual exploitation" in glossary.expansions("what about MACE meetings?")
    assert "LSCB" in glossary.expansions("what did they say about the local safeguarding children board?")


def test_follow_up_carries_the_previous_topic(assistant: Assistant) -> None:
    history = [{"role": "user", "content": "what did inspectors say about MACE meetings?"},
               {"role": "assistant", "content": "…"}]
    answer = assistant.ask("and what about health agencies?", history=history)
    assert "MACE" in answer.retrieval_query
    assert not answer.abstained


@pytest.mark.parametrize("question, message", [
    ("", "empty question"),
    ("   \n ", "empty question"),
    ("?!?...", "no words"),
    ("x" * 10_000, "too long"),
])
def test_bad_questions_get_a_clear_error(assistant: Assistant, question: str, message: str) -> None:
    with pytest.raises(QuestionError, match=message):
        assistant.ask(question)


def test_odd_but_valid_questions_do_not_crash(assistant: Assistant) -> None:
    for question in ["'; DROP TABLE chunks; --", "$(rm -rf /)", "¿Qué dijeron los inspectores sobre MACE?"]:
        answer = assistant.ask(question)
        assert isinstance(answer.text, str)


def test_langchain_retriever_interface(assistant: Assistant) -> None:
    docs = assistant.retriever.as_langchain().invoke("MACE meetings minutes")
    assert docs and docs[0].metadata["source"].endswith(".txt")
    assert len(docs) <= assistant.settings.k


def test_per_stage_timings_are_reported(assistant: Assistant) -> None:
    timings = assistant.ask("what did inspectors say about MACE meetings?").timings_ms
    for stage in ("embed_query", "dense", "bm25", "fuse", "rerank", "compose"):
        assert timings[stage] >= 0


def test_comparison_questions_retrieve_each_side(assistant: Assistant) -> None:
    sides = assistant.plan("How did Southend and Cheshire East respond?").sides
    assert {s.council for s in sides} == {"Southend-on-Sea", "Cheshire East"}
    assert assistant.plan("what about MACE meetings?").sides == ()
    answer = assistant.ask("When did each council have to get its JTAI response to Ofsted?")
    councils = [p.chunk.council for p in answer.passages[:4]]
    assert {"Southend-on-Sea", "Cheshire East"} <= set(councils)


def test_each_council_splits_only_when_the_index_has_few(assistant: Assistant) -> None:
    from dataclasses import replace

    from assistant.plan import MAX_IMPLICIT_SIDES, Mentions, comparison_sides

    question = "Was either council told to take urgent action?"
    two = replace(assistant.retriever.facts(), councils=frozenset({"Southend-on-Sea", "Cheshire East"}))
    assert {s.council for s in comparison_sides(question, Filters(), Mentions(), two)} == two.councils
    many = replace(two, councils=frozenset(f"Council {i}" for i in range(MAX_IMPLICIT_SIDES + 1)))
    assert comparison_sides(question, Filters(), Mentions(), many) == []


@pytest.mark.parametrize("filters", [Filters(council="Cheshire East"), Filters(year_from=2019, year_to=2019),
                                     Filters(doc_type="committee report"), Filters(section="strengths")])
def test_filtered_dense_search_matches_chromas_filter(assistant: Assistant, filters: Filters,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The exact in-memory search within the filter, the over-fetch + in-memory filter (a filter too loose for
    the exact search) and Chroma's own metadata filter (an over-fetch not allowed) return the same chunks with
    the same cosines (Chroma's HNSW is exact on an index this small)."""
    import assistant.retrieval as retrieval

    vector = assistant.store.embedder.encode_one("what did inspectors say about MACE meetings?")
    k = assistant.settings.candidates
    chroma = assistant.store.query_chunks(vector, k, filters.chroma_where())
    expected = [c.id for c, _ in chroma]
    assert expected
    exact = assistant.retriever._dense(vector, filters)
    assert [c.id for c, _ in exact] == expected
    assert [cos for _, cos in exact] == pytest.approx([cos for _, cos in chroma], abs=1e-5)
    monkeypatch.setattr(retrieval, "EXACT_ROWS", 0)
    assert [c.id for c, _ in assistant.retriever._dense(vector, filters)] == expected
    monkeypatch.setattr(retrieval, "MAX_OVERFETCH", 1)
    assert [c.id for c, _ in assistant.retriever._dense(vector, filters)] == expected


def test_exact_search_reads_no_vector_index(assistant: Assistant, monkeypatch: pytest.MonkeyPatch) -> None:
    """Within one council's chunks the dense leg is answered from the cached vectors: Chroma is asked only for
    the chunks' texts, and keyword-only hits get their cosine from the same vectors."""
    assistant.refresh()

    def no_vector_search(*args, **kwargs):
        raise AssertionError("the filtered search went to Chroma's vector index")

    monkeypatch.setattr(assistant.store, "query_chunks", no_vector_search)
    monkeypatch.setattr(assistant.store, "nearest_chunk_ids", no_vector_search)
    monkeypatch.setattr(assistant.store, "chunk_embeddings", lambda ids: {} if not ids else no_vector_search())
    vector = assistant.store.embedder.encode_one("MACE meetings")
    hits = assistant.retriever._dense(vector, Filters(council="Cheshire East"))
    assert hits and {c.council for c, _ in hits} == {"Cheshire East"}
    passages = assistant.retriever._fuse(hits, assistant.retriever.lexical.search("MACE", 40), vector)
    assert passages and all("dense" in p.scores for p in passages)


def test_unchanged_index_is_not_reread(assistant: Assistant, monkeypatch: pytest.MonkeyPatch) -> None:
    """Refresh costs one read of the registry version; a new retriever over the same version reads the
    registry from the file cache, not from Chroma (~1.5 s at 10k documents)."""
    from assistant.retrieval import HybridRetriever

    assistant.refresh()
    version = assistant.store.registry_version()
    assert version

    def no_registry_reads() -> None:
        raise AssertionError("the registry was read again")

    monkeypatch.setattr(assistant.store, "list_documents", no_registry_reads)
    assistant.refresh()
    fresh = HybridRetriever(assistant.store, assistant.settings)
    fresh.refresh()
    assert fresh.facts().councils == assistant.retriever.facts().councils and not fresh.is_empty()


def test_offline_answer_passes_the_support_check_and_groups_findings(assistant: Assistant) -> None:
    from assistant.support import SUPPORT_THRESHOLD

    answer = assistant.ask("what were the strengths and areas for improvement around MACE meetings?")
    assert answer.sentences and all(s.supported and s.support >= SUPPORT_THRESHOLD for s in answer.sentences)
    assert set(answer.groups) == {"strengths", "improvement"}, answer.text
    assert answer.text.index("Inspectors found strengths") < answer.text.index("Areas for improvement")


def test_langchain_vector_store_over_the_same_collection(assistant: Assistant) -> None:
    """The chunks collection behind LangChain's Chroma wrapper, embedding queries with our packaged model."""
    store = assistant.store.langchain_vectorstore()
    docs = store.similarity_search("MACE meetings lack structure and rigour", k=3)
    assert docs and any("MACE" in d.page_content for d in docs)
    assert {d.metadata["doc_id"] for d in docs} <= {r.doc_id for r in assistant.store.list_documents()}


def test_a_list_is_quoted_with_its_items(assistant: Assistant) -> None:
    # numbered items on their own lines, introduced by a sentence that ends with its colon
    answer = assistant.ask("What was the Children and Families Committee asked to do in the July 2023 report?")
    listed = next(c for c in answer.citations if "is recommended to:" in c.quote)
    assert "Scrutinise the report" in listed.quote and "early 2024" in listed.quote and listed.paragraph == "1"
    assert listed.quote in listed.text  # verbatim, line breaks and all
    # items on new lines after a colon inside a paragraph (3.11 of the ILACS report)
    answer = assistant.ask("What did Ofsted say Southend needed to improve in 2019?")
    listed = next(c for c in answer.citations if "The areas for improvement are:" in c.quote)
    assert "public law outline" in listed.quote and listed.paragraph == "3.11"
    assert "public law outline" in answer.text


def test_a_long_form_said_in_short_finds_its_acronym() -> None:
    from assistant.glossary import Glossary

    g = Glossary({"LSCB": "local safeguarding children board", "MASH+": "multi-agency safeguarding hub",
                  "HMIP": "hmi probation", "EWMHS": "emotional well-being and mental health service"})
    assert g.expansions("Has the safeguarding board been challenging partners enough?") == ["LSCB"]
    assert g.expansions("When did the new safeguarding hub start?") == ["MASH+"]
    assert g.expansions("What did the board say?") == []  # the head noun alone is not the long form
    assert g.expansions("what about mental health?") == []  # no head noun ("service")
    assert g.expansions("what did HMI Probation find?") == ["HMIP"]  # said in full: the acronym is added
    assert g.expansions("what did the LSCB do?") == ["local safeguarding children board"]


def test_cached_chunk_vectors_match_the_store(assistant: Assistant, tmp_path: Path) -> None:
    """The on-disk mirror holds each chunk's stored embedding in its row; a reload (memory-mapped) searches
    the same as the fresh build."""
    import numpy as np

    from assistant.lexical import LexicalIndex

    built = LexicalIndex.open(assistant.store, tmp_path, "test-fingerprint")
    loaded = LexicalIndex.open(assistant.store, tmp_path, "test-fingerprint")
    assert isinstance(loaded.vectors, np.memmap) and loaded.vectors.shape == (len(built.ids), 384)
    some = built.ids[:: max(1, len(built.ids) // 7)]
    stored = assistant.store.chunk_embeddings(some)
    assert all(np.allclose(loaded.vectors_of([cid])[cid], stored[cid], atol=1e-6) for cid in some)
    vector = assistant.store.embedder.encode_one("care leavers")
    mask = built.mask(Filters(council="Cheshire East"))
    assert loaded.dense(vector, mask, 5) == built.dense(vector, mask, 5)
    assert len(built.dense(vector, mask, 5)) == 5
