"""The offline answerer's choice of sentences (assistant.compose)."""

from __future__ import annotations

from assistant import Assistant
from assistant.compose import compose
from assistant.types import Passage
from vectorstore import ChunkRecord

_SENTENCES = [
    "Workers in the front door apply thresholds effectively, with a good understanding of risk.",
    "Managers in the front door review thresholds decisions promptly and record their reasons clearly.",
    "Social workers follow up concerns in a timely way.",
    "For some children with repeat referrals, the front door does not always apply thresholds consistently.",
]


def _passage(sentence_scores: list[float]) -> Passage:
    chunk = ChunkRecord(id="c1", text=" ".join(_SENTENCES), doc_id="d1", doc_hash="h", source="r.pdf",
                        path="/r.pdf", section="Help and protection", section_kind="help_and_protection")
    return Passage(chunk, score=1.0, scores={"coverage": 1.0}, sentences=list(_SENTENCES),
                   sentence_scores=sentence_scores)


def test_an_answer_of_strengths_keeps_the_inspectors_qualification(assistant: Assistant) -> None:
    plan = assistant.plan("Is the front door applying thresholds properly?")
    draft = compose(plan, [_passage([0.9, 0.8, 0.3, 0.5])], max_sentences=4, sentence_ratio=0.6, per_passage=2)
    claims = [s.claim for s in draft.sentences]
    assert len(claims) == 3 and "does not always apply thresholds" in claims[-1]  # past the 2-per-passage share
    assert draft.citations[0].quote.endswith("does not always apply thresholds consistently.")


def test_no_qualification_is_added_when_strengths_or_a_fact_are_asked(assistant: Assistant) -> None:
    strengths = assistant.plan("What are the strengths of the front door's thresholds?")
    assert "strengths" in strengths.section_cues
    draft = compose(strengths, [_passage([0.9, 0.8, 0.3, 0.5])], max_sentences=4, sentence_ratio=0.6, per_passage=2)
    assert not any("not always" in s.claim for s in draft.sentences)
    fact = assistant.plan("How many thresholds decisions did the front door review?")  # a figure, not a verdict
    assert fact.asked.types
    draft = compose(fact, [_passage([0.9, 0.8, 0.3, 0.5])], max_sentences=4, sentence_ratio=0.6, per_passage=2)
    assert not any("not always" in s.claim for s in draft.sentences)


def test_a_real_reports_caveat_is_quoted_with_its_finding(real_ci_assistant) -> None:
    answer = real_ci_assistant.ask("How well does the MASH in Bury apply thresholds?")
    assert "apply thresholds effectively" in answer.text
    assert "family history" in answer.text  # the next sentences' "do not always consider the family history"
