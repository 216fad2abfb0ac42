"""Rerank stage: a local CrossEncoder folder is used when configured; context priors read the question."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant import Assistant, Settings
from assistant.plan import Mentions
from domain.layouts import section_cues
from vectorstore import ChunkRecord


def test_cross_encoder_from_a_local_folder_reranks(sample_index: Path, cross_encoder_dir: Path) -> None:
    settings = Settings.from_env(data_dir=sample_index, rerank="cross-encoder",
                                 cross_encoder_path=str(cross_encoder_dir))
    answer = Assistant(settings).ask("what did inspectors say about MACE meetings?")
    assert answer.passages
    assert all("cross_encoder" in p.scores for p in answer.passages)
    scores = [p.score for p in answer.passages]
    assert scores == sorted(scores, reverse=True)


def test_cross_encoder_without_a_path_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="cross_encoder_path"):
        from assistant.rerank import make_reranker

        make_reranker("cross-encoder", "")


def test_query_context_detects_council_year_and_inspection_type() -> None:
    ctx = Mentions.detect("What did Ofsted say Southend needed to improve in 2019 ILACS?",
                              {"Southend-on-Sea", "Cheshire East"}, {"JTAI", "ILACS"})
    assert ctx.councils == {"Southend-on-Sea"} and ctx.years == {2019} and ctx.inspection_types == {"ILACS"}
    chunk = ChunkRecord(id="c", text="t", doc_id="d", doc_hash="h", source="s", path="/s",
                        council="Southend-on-Sea", date="2019-09-17", inspection_type="ILACS")
    assert ctx.match(chunk) == 1.0
    other = ChunkRecord(id="c", text="t", doc_id="d", doc_hash="h", source="s", path="/s",
                        council="Cheshire East", date="2023-07-10", inspection_type="JTAI")
    assert ctx.match(other) == 0.0
    assert Mentions.detect("what about MACE?", {"Southend-on-Sea"}, {"JTAI"}).match(chunk) == 0.0


def test_a_shared_short_name_does_not_detect_a_second_council() -> None:
    known = {"Cheshire East", "Cheshire West and Chester", "Southend-on-Sea"}
    assert Mentions.detect("When did Cheshire East start its daily meeting?", known, set()).councils == \
        {"Cheshire East"}
    assert Mentions.detect("What did Southend's letter say?", known, set()).councils == {"Southend-on-Sea"}
    assert Mentions.detect("What about Cheshire?", known, set()).councils == set()  # ambiguous: neither


@pytest.mark.parametrize(("text", "short"), [
    ("For some care leavers, their choices for further accommodation are limited.", True),
    ("Plans are not always updated when circumstances change.", True),
    ("Some care leavers move into independence too soon.", True),
    ("Managers don’t review cases often enough.", True),
    ("Care leavers receive high-quality support from personal advisers who know them well.", False),
    ("The local authority has continued to provide good-quality services.", False),
])
def test_a_shortfall_is_recognised_in_inspectors_wording(text: str, short: bool) -> None:
    from domain.layouts import states_shortfall

    assert states_shortfall(text) is short


def test_section_cues() -> None:
    assert section_cues("what were the strengths?") == {"strengths"}
    assert "improvement" in section_cues("what needs to improve for health?")
    assert "improvement" in section_cues("What does Coventry need to do better?")
    # a verdict asked for, not the strengths alone
    assert "strengths" not in section_cues("How strong were Devon's leaders in 2020?")
    assert section_cues("How good is the front door?") == set()
    assert section_cues("What was strong about the front door?") == {"strengths"}


@pytest.mark.parametrize("text", [
    "What did inspectors say about MACE meetings in Southend-on-Sea?",
    "Children’s services: the local authority’s ‘front door’ (MASH+) improved; 27 areas of strength, 1,600 pupils.",
    "Ne’er-do-well café naïve résumé — ÉTÉ 2019/20 x y z",
    "",
])
def test_the_fast_analyser_is_bm25s_analysis(assistant: Assistant, text: str) -> None:
    import bm25s

    from assistant.lexical import STOPWORDS

    lexical = assistant.retriever.lexical
    expected = bm25s.tokenize([text], stopwords=STOPWORDS, stemmer=lexical.stemmer, return_ids=False,
                              show_progress=False)[0]
    assert lexical.terms(text) == expected


@pytest.mark.parametrize(("question", "short"), [
    ("what needs to improve for care leavers?", True),
    ("what were the areas for improvement around MACE meetings?", True),
    ("what were the strengths and areas for improvement around MACE meetings?", False),  # both sides wanted
    ("what were the strengths of the front door?", False),
    ("what was wrong with fostering in Torbay?", True),  # a shortfall in other words (layouts.toml)
    ("why were care leavers in Peterborough judged inadequate?", True),
    ("why were care leavers in Leeds judged outstanding?", False),
    ("why did Cambridgeshire split its services from Peterborough?", False),
])
def test_only_a_question_about_shortfalls_alone_prefers_them(assistant: Assistant, question: str, short: bool) -> None:
    assert assistant.plan(question).asks_shortfall is short
