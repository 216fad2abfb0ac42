"""'What needs to improve?' answered with the report's own list, item by item, each quoted and cited."""

from __future__ import annotations

import pytest

from domain.facets import long_date

pytestmark = pytest.mark.slow


def test_ilacs_what_needs_to_improve_is_the_reports_list(real_ci_assistant) -> None:
    answer = real_ci_assistant.ask("What did Ofsted say Bury needs to improve in 2025?")
    assert not answer.abstained
    assert "What needs to improve (5 items):" in answer.text
    assert len(answer.citations) == 5
    for c in answer.citations:  # every item is the list's own line, from Bury's 2025 report
        assert c.section_kind == "improvement" and c.council == "Bury" and c.quote in c.text
    assert answer.citations[0].quote.startswith("The quality of plans and contingency planning for children")
    # a councillor's words for the same question
    assert "What needs to improve (5 items):" in real_ci_assistant.ask("What does Bury need to fix?").text


def test_sif_areas_for_improvement_are_listed_in_order(real_ci_assistant) -> None:
    answer = real_ci_assistant.ask("What did the 2014 inspection say Bolton needed to improve?")
    assert not answer.abstained
    assert {c.inspection_start[:4] for c in answer.citations} == {"2014"}
    assert {c.section_kind for c in answer.citations} <= {"improvement", "recommendations"}
    assert len(answer.citations) >= 5
    assert all(s.supported for s in answer.sentences)


def test_the_list_ends_where_the_reports_closing_section_begins(real_ci_assistant) -> None:
    # Bolton 2014: "Information about this inspection" follows the last item in the same chunk
    answer = real_ci_assistant.ask("What did the 2014 inspection say Bolton needed to improve?")
    assert "Areas for improvement (12 items):" in answer.text
    assert "Inspectors have looked closely" not in answer.text


def test_a_topic_named_keeps_the_lists_items_on_it(real_ci_assistant) -> None:
    answer = real_ci_assistant.ask("What needs to improve in CAMHS in Bolton in 2014?")
    assert "Areas for improvement (the 1 item on CAMHS):" in answer.text
    assert len(answer.citations) == 1 and "mental health services (CAMHS)" in answer.citations[0].quote
    # the list's own words ("local authority") are no topic
    lado = real_ci_assistant.ask("What needs to improve for the local authority designated officer in Bury?")
    assert "(the 1 item on designated officer)" in lado.text and "(LADO)" in lado.citations[0].quote


def test_what_was_wrong_with_a_topic_is_answered_by_the_findings_not_the_list(real_ci_assistant) -> None:
    answer = real_ci_assistant.ask("What was wrong with supervision in Bury in 2025?")
    assert "What needs to improve (" not in answer.text
    assert not answer.abstained


def test_a_question_about_one_area_is_not_answered_with_the_whole_list(real_ci_assistant) -> None:
    answer = real_ci_assistant.ask("What needs to improve for care leavers in Bury?")
    assert "What needs to improve (" not in answer.text


def test_what_must_improve_for_an_area_quotes_what_its_section_says_falls_short(real_ci_assistant) -> None:
    # Bolton's 2023 list has no item on care leavers: the section's own shortfalls answer, not its praise
    answer = real_ci_assistant.ask("what needs to improve for care leavers in Bolton?")
    assert not answer.abstained
    assert "tenancies are at risk" in answer.text
    cited = [c for c in answer.citations if "tenancies are at risk" in c.quote]
    assert cited and cited[0].section_kind == "care_leavers" and cited[0].inspection_start.startswith("2023")


def test_an_area_question_is_led_by_its_grade_and_its_sections_opening(real_ci_assistant) -> None:
    answer = real_ci_assistant.ask("Summarise the 2026 findings on care leavers in Liverpool.")
    assert not answer.abstained
    grade, first, second = answer.sentences[:3]
    assert "care leavers: requires improvement" in grade.text
    opening = answer.citations[first.citations[0] - 1]
    assert opening.section_kind == "care_leavers" and opening.inspection_start.startswith("2026")
    # the section's first two sentences, verbatim and in order, under one citation
    assert second.citations == first.citations
    assert opening.quote.startswith("Since the last inspection") and opening.quote in opening.text
    assert "personal advisers" in second.text
    assert len(answer.sentences) <= 1 + real_ci_assistant.settings.max_answer_sentences


def test_a_section_judging_two_named_areas_as_one_leads_the_answer(real_ci_assistant) -> None:
    # a 2018 report judges "children in care and care leavers" together: that section answers, led by its grade
    answer = real_ci_assistant.ask("What did the 2018 inspection say about children in care and care leavers in "
                                   "Bolton?")
    assert not answer.abstained
    assert ": good [1]" in answer.sentences[0].text
    lead = answer.citations[answer.sentences[1].citations[0] - 1]
    assert lead.section_kind == "in_care" and lead.quote.startswith("Most children who become looked after")
    # the judgements table's row is not repeated after the grade it gave
    assert [c.section_kind for c in answer.citations].count("judgements") == 1


def test_a_question_about_the_inspection_as_a_whole_gets_the_overall_grade_and_the_summary(real_ci_assistant) -> None:
    answer = real_ci_assistant.ask("How is Bolton doing?")
    assert not answer.abstained
    assert "overall effectiveness: good [1]" in answer.sentences[0].text
    summary = answer.citations[1]
    assert summary.section_kind == "summary" and summary.inspection_start.startswith("2023")
    assert summary.quote.startswith("Since the last inspection in 2018, Bolton children’s services")
    why = real_ci_assistant.ask("Why was Liverpool judged inadequate in 2023?")
    assert "overall effectiveness: inadequate [1]" in why.sentences[0].text
    assert {c.inspection_start[:4] for c in why.citations} == {"2023"} and why.citations[1].section_kind == "summary"


def test_a_grade_question_is_not_an_overview(real_ci_assistant) -> None:
    answer = real_ci_assistant.ask("What grade did Bury get in 2025?")
    assert [c.section_kind for c in answer.citations] == ["judgements"]
    # a report that gives no overall judgement is not answered with its summary instead
    assert real_ci_assistant.ask("What was Liverpool's overall judgement in 2026?").abstained


def test_an_area_question_is_answered_from_its_section_however_few_words_it_shares(real_ci_assistant) -> None:
    from assistant import Assistant, Settings

    # evidence so strict that only the named area's own section can answer
    strict = Assistant(Settings.from_env(data_dir=real_ci_assistant.settings.data_dir, abstain_threshold=0.99),
                       store=real_ci_assistant.store)
    answer = strict.ask("Summarise the 2025 findings on help and protection in Bury.")
    assert not answer.abstained, answer.notice
    assert {c.section_kind for c in answer.citations} >= {"help_and_protection"}
    assert all(c.inspection_start.startswith("2025") for c in answer.citations)
    # the same strictness abstains on a question that names no area, and on an area of no indexed council
    assert strict.ask("What did inspectors say about MACE meetings in Bury?").abstained
    assert strict.ask("Summarise the findings on care leavers.").abstained


def test_why_an_area_was_judged_so_is_its_grade_and_then_its_sections_findings(real_ci_assistant) -> None:
    answer = real_ci_assistant.ask("Why were care leavers in Liverpool judged inadequate in 2023?")
    assert not answer.abstained
    assert "care leavers: inadequate" in answer.sentences[0].text
    assert len(answer.sentences) >= 3  # the grade alone does not say why
    assert "care_leavers" in {c.section_kind for c in answer.citations}
    # the section opens with what was done since the last inspection: its first shortfalls lead instead
    from domain.layouts import states_shortfall

    second = answer.sentences[1]
    assert states_shortfall(second.claim) and answer.citations[second.citations[0] - 1].section_kind == "care_leavers"


@pytest.mark.parametrize("question", ["What went wrong in Liverpool after 2018?",
                                      "Is Liverpool better than it was in 2018?"])
def test_a_change_counted_from_a_year_spans_that_inspection_and_the_later_ones(real_ci_assistant, question) -> None:
    plan = real_ci_assistant.plan(question)
    assert plan.change and [d.year for d in plan.inspections][0] == 2018 and len(plan.inspections) >= 2


def test_a_change_the_passages_say_little_about_adds_how_the_latest_report_says_it_changed(real_ci_assistant) -> None:
    from assistant import Assistant, Settings

    strict = Assistant(Settings.from_env(data_dir=real_ci_assistant.settings.data_dir, abstain_threshold=0.99),
                       store=real_ci_assistant.store)
    answer = strict.ask("What went wrong in Liverpool after 2018?")
    assert not answer.abstained, answer.notice
    assert answer.text.startswith("Liverpool's overall effectiveness: requires improvement (May 2018)")
    latest = strict.plan("What went wrong in Liverpool after 2018?").inspections[-1]
    since = next(s for s in answer.sentences if s.lead.startswith("At the "))
    cited = answer.citations[since.citations[0] - 1]
    assert cited.section_kind == "summary" and cited.path == latest.path
    assert since.lead == f"At the {long_date(latest.inspection_start).split(' ', 1)[-1]} inspection:"


def test_what_a_council_needs_to_do_better_is_the_reports_list(real_ci_assistant) -> None:
    answer = real_ci_assistant.ask("What does Bury need to do better?")
    assert not answer.abstained
    assert answer.sentences[0].lead.startswith("What needs to improve")
    assert {c.section_kind for c in answer.citations} == {"improvement"}


def test_asked_what_is_wrong_an_area_is_not_led_by_an_opening_of_strengths(real_ci_assistant) -> None:
    from domain.layouts import states_shortfall

    answer = real_ci_assistant.ask("What is wrong with help and protection in Bury?")
    assert "help and protection: requires improvement" in answer.sentences[0].text
    assert "benefit from effective early help" not in answer.text  # the section's opening, a strength
    assert states_shortfall(answer.sentences[1].claim)
