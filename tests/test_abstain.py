"""Abstention signals beyond the evidence threshold."""

from __future__ import annotations

from assistant import Assistant
from assistant.abstain import answer_type_mismatch, unknown_subject


def test_figure_and_grade_questions_need_a_figure_or_grade() -> None:
    assert answer_type_mismatch("How much did the system cost?", ["Significant investment was made."])
    assert not answer_type_mismatch("How many areas for improvement?", ["The letter identified 29 areas."])
    assert answer_type_mismatch("What grade did the council get?", ["Services were inspected in July."])
    assert not answer_type_mismatch("What grade did the council get?", ["Services require improvement to be good."])
    assert not answer_type_mismatch("What did inspectors say about MACE?", ["Nothing numeric here."])


def test_unknown_names_and_years_are_detected(assistant: Assistant) -> None:
    lexical, years = assistant.retriever.lexical, assistant.retriever.document_years
    assert years == {2018, 2019, 2023}
    assert "Norfolk" in unknown_subject("What did Norfolk's JTAI letter say?", lexical, years, "")
    assert "2021" in unknown_subject("What did the 2021 inspection of Southend find?", lexical, years, "")
    assert unknown_subject("What did the 2021 inspection find?", lexical, years, "Corporate Plan 2021-2025") == ""
    assert unknown_subject("What did inspectors say about Southend in 2018?", lexical, years, "") == ""
    assert unknown_subject("Norfolk is not the first word here? no: Ofsted is known", lexical, years, "") == ""


def test_question_about_an_unknown_council_abstains_with_a_reason(assistant: Assistant) -> None:
    answer = assistant.ask("What did Norfolk's JTAI letter say about children missing from education?")
    assert answer.abstained and "Norfolk" in answer.notice
