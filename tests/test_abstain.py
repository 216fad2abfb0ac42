"""Abstention signals beyond the evidence threshold."""

from __future__ import annotations

from assistant import Assistant
from assistant.abstain import answer_type_mismatch, unknown_subject
from assistant.answer_type import AskedFor


def test_figure_and_grade_questions_need_a_figure_or_grade() -> None:
    assert answer_type_mismatch(AskedFor.of("How much did the system cost?"), ["Significant investment was made."])
    assert not answer_type_mismatch(AskedFor.of("How many areas for improvement?"), ["The letter identified 29 areas."])
    assert answer_type_mismatch(AskedFor.of("What grade did the council get?"), ["Services were inspected in July."])
    assert not answer_type_mismatch(AskedFor.of("What grade did the council get?"), ["Services require improvement to be good."])
    assert not answer_type_mismatch(AskedFor.of("What did inspectors say about MACE?"), ["Nothing numeric here."])
    # a judgement table's row ends its quote: a grade, though another quote follows
    assert not answer_type_mismatch(AskedFor.of("What was the overall judgement?"),
                                    ["Overall effectiveness Good", "Since the last inspection, services have changed."])


def test_unknown_names_and_years_are_detected(assistant: Assistant) -> None:
    facts = assistant.retriever.facts()
    assert facts.document_years == {2018, 2019, 2023}

    def unknown(question: str, passages_text: str = "") -> str:
        return unknown_subject(assistant.plan(question), facts, passages_text)

    assert "Norfolk" in unknown("What did Norfolk's JTAI letter say?")
    assert "2021" in unknown("What did the 2021 inspection of Southend find?")
    assert unknown("What did the 2021 inspection find?", "Corporate Plan 2021-2025") == ""
    assert unknown("What did inspectors say about Southend in 2018?") == ""
    # a capitalised first word says nothing ... unless the gazetteer knows it as a council
    assert unknown("Quokka is not the first word here? no: Ofsted is known") == ""
    assert "Norfolk" in unknown("Norfolk: how are care leavers doing?")
    assert unknown("Reading the letter again, what did Southend do?") == ""  # an ordinary word, not Reading


def test_question_about_an_unknown_council_abstains_with_a_reason(assistant: Assistant) -> None:
    answer = assistant.ask("What did Norfolk's JTAI letter say about children missing from education?")
    assert answer.abstained and "Norfolk" in answer.notice


def test_expected_answer_types() -> None:
    from assistant.answer_type import expected_types, holds

    assert expected_types("When did MASH+ start?") == {"date"}
    assert expected_types("What proportion of the actions are done?") >= {"percent"}
    assert expected_types("How much did the new system cost?") >= {"money", "number"}
    assert expected_types("how often are MACE meetings held?") == {"frequency"}
    assert expected_types("what did inspectors say about MACE meetings?") == frozenset()
    assert holds("82% of the actions are now complete.", frozenset({"percent", "number"}))
    assert not holds("Most actions are complete.", frozenset({"percent"}))
    assert holds("It started in December 2017.", frozenset({"date"}))
    assert holds("MACE meetings are held monthly.", frozenset({"frequency"}))


def test_a_count_must_count_the_thing_asked_about(assistant: Assistant) -> None:
    terms = assistant.retriever.lexical.terms
    assert "taxi drivers" in answer_type_mismatch(AskedFor.of("How many taxi drivers in Southend have had CSE awareness training?"), ["16 inspectors inspected services."],
        terms)
    assert answer_type_mismatch(AskedFor.of("How many teachers and pupils did the ambassadors reach?"),
                                ["work done by ambassadors with over 1600 teachers and schoolchildren;"], terms) == ""
    assert answer_type_mismatch(AskedFor.of("How many strengths did the letter list?"),
                                ["In total the letter identifies 27 areas of strength."], terms) == ""


def test_a_council_named_with_a_document_it_does_not_have_abstains(assistant: Assistant) -> None:
    from assistant.abstain import absent_combination

    def absent(question: str) -> str:
        return absent_combination(assistant.plan(question).mentions, assistant.retriever.facts().lexicon)

    assert absent("What did the Cheshire East JTAI letter say?") == "no JTAI inspection letter from Cheshire East is indexed"
    assert absent("What did Southend's JTAI letter say?") == ""
    assert absent("What did the letter say?") == "" and absent("What did Cheshire East do?") == ""
    assert absent("Did Cheshire East issue a press release?") == "no press release from Cheshire East is indexed"
    answer = assistant.ask("What Ofsted grade did Cheshire East get at its most recent ILACS inspection?")
    assert answer.abstained and answer.notice == "no ILACS document from Cheshire East is indexed"


def test_the_question_scopes_the_search_to_the_documents_it_names(assistant: Assistant) -> None:
    from domain.facets import Filters

    def scope(question: str, filters: Filters | None = None) -> Filters | None:
        return assistant.plan(question, filters=filters).scope

    assert scope("What did the 2019 inspection describe as very strong in Southend?") == \
        Filters(council="Southend-on-Sea", year_from=2019, year_to=2019, lenient=True)
    # no JTAI document is from 2019: "by February 2019" is a year of events, the council and type remain
    assert scope("What percentage of Southend's JTAI plan was done by February 2019?") == \
        Filters(council="Southend-on-Sea", inspection_type="JTAI", lenient=True)
    # the user's own filter wins; a question naming no scope has none
    assert scope("What did Southend do?", Filters(council="Cheshire East")) is None
    assert scope("what did inspectors say about MACE meetings?") is None
    answer = assistant.ask("What did the 2019 inspection describe as very strong in Southend?")
    assert answer.scope == {"council": "Southend-on-Sea", "year_from": 2019, "year_to": 2019}
    assert {p.chunk.date[:4] for p in answer.passages} == {"2019"}
    assert "virtual school" in answer.text


def test_a_question_for_a_named_person_needs_a_name() -> None:
    from assistant.answer_type import expected_types, holds

    person = frozenset({"person"})
    assert expected_types("Who chaired the partnership in 2023?") == person
    assert expected_types("What was the name of the lead inspector?") == person
    assert expected_types("Who attends MAPPA meetings in Southend?") == frozenset()  # agencies, not a name
    assert holds("Elizabeth Chidgey, Independent chair of the Southend LSCB, said: “We accept”", person)
    assert holds("Assistant Chief Constable Andy Prophet, Essex Police, said: “There is”", person)
    assert holds("Cllr James Courtenay, Executive Councillor for Children and Learning", person)
    assert not holds("Each day the lead inspector met with the Deputy Chief Executive, Director of Services", person)
    assert "a person's name" in answer_type_mismatch(AskedFor.of("Who chaired the board?"), ["The board meets monthly."])


def test_a_question_about_who_runs_the_services_needs_the_organisation() -> None:
    from assistant.answer_type import expected_types, holds

    provider = frozenset({"provider"})
    assert expected_types("Who runs children's services in North Northamptonshire?") == provider
    assert expected_types("who delivers social care for Slough?") == provider
    assert holds("Children’s services have been delivered by Northamptonshire Children’s Trust (NCT) since 2021.",
                 provider)
    assert holds("Services are run by Achieving for Children, a community interest company.", provider)
    assert not holds("Foster carers value the support provided by their workers.", provider)
    mismatch = answer_type_mismatch(AskedFor.of("Who runs children's services in Bury?"),
                                    ["Foster carers value the support provided by their workers."])
    assert "the organisation delivering the services" in mismatch


def test_a_question_asking_why_a_grade_was_given_wants_the_reasons() -> None:
    from assistant.answer_type import expected_types

    assert expected_types("How were care leavers in Peterborough judged?") == {"grade"}
    assert expected_types("Why were care leavers in Peterborough judged inadequate?") == frozenset()
    assert expected_types("What led to Liverpool being rated inadequate?") == frozenset()


def test_an_area_in_a_year_with_no_inspection_of_the_council_abstains(real_ci_assistant) -> None:
    # Bolton was inspected in 2014, 2018 and 2023; Bury's 2025 report makes 2025 a year the index holds
    answer = real_ci_assistant.ask("How did Bolton do for care leavers in 2025?")
    assert answer.abstained and "no inspection of Bolton from 2025" in answer.notice
    assert not real_ci_assistant.ask("How did Bolton do for care leavers in 2023?").abstained
