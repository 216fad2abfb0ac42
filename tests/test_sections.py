"""'What needs to improve?' answered with the report's own list, item by item, each quoted and cited."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow


def test_ilacs_what_needs_to_improve_is_the_reports_list(real_ci_assistant) -> None:
    answer = real_ci_assistant.ask("What did Ofsted say Bury needs to improve in 2025?")
    assert not answer.abstained
    assert "What needs to improve (5 items):" in answer.text
    assert len(answer.citations) == 5
    for c in answer.citations:  # every item is the list's own line, from Bury's 2025 report
        assert c.section_kind == "improvement" and c.council == "Bury" and c.quote in c.text
    assert answer.citations[0].quote.startswith("The quality of plans and contingency planning for children")


def test_sif_areas_for_improvement_are_listed_in_order(real_ci_assistant) -> None:
    answer = real_ci_assistant.ask("What did the 2014 inspection say Bolton needed to improve?")
    assert not answer.abstained
    assert {c.inspection_start[:4] for c in answer.citations} == {"2014"}
    assert {c.section_kind for c in answer.citations} <= {"improvement", "recommendations"}
    assert len(answer.citations) >= 5
    assert all(s.supported for s in answer.sentences)


def test_a_question_about_one_area_is_not_answered_with_the_whole_list(real_ci_assistant) -> None:
    answer = real_ci_assistant.ask("What needs to improve for care leavers in Bury?")
    assert "What needs to improve (" not in answer.text
