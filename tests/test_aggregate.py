"""Questions about a set of councils' judgements: how they are read (AggregateAsk.of) and answered from the
judgements table over real reports, every council's grade cited to its own report's line."""

from __future__ import annotations

import pytest

from assistant.aggregate import AggregateAsk
from assistant.plan import Mentions
from domain.layouts import grades_named

ASK = [  # (question, councils named, years named, op, area, grades, latest)
    ("Which councils were judged outstanding for care leavers at their latest inspection?", (), (),
     "which", "care_leavers", ("outstanding",), True),
    ("How many councils were judged inadequate overall?", (), (), "count", "overall_effectiveness",
     ("inadequate",), True),
    ("list the councils given an inadequate overall judgement at inspections in 2018", (), (2018,),
     "which", "overall_effectiveness", ("inadequate",), False),
    ("Of Bolton, Bury and Liverpool, which were judged good for children in care at their latest inspection?",
     ("Bolton", "Bury", "Liverpool"), (), "which", "in_care", ("good",), True),
    ("Which councils have gone from inadequate to outstanding?", (), (), "transition", "overall_effectiveness",
     ("inadequate", "outstanding"), False),
    ("Compare Bolton and Bury's latest judgements.", ("Bolton", "Bury"), (), "compare", "overall_effectiveness",
     (), True),
    ("Which councils' most recent inspection found services for care leavers requires improvement to be good?",
     (), (), "which", "care_leavers", ("requires improvement",), True),
]
NOT_ASK = [
    ("What did inspectors say about MACE meetings?", ()),
    ("How did Leeds do for care leavers?", ("Leeds",)),
    ("What was Bolton's overall effectiveness grade in 2023?", ("Bolton",)),
    ("Compare how Bolton and Bury support care leavers", ("Bolton", "Bury")),
    ("Which councils have good practice in return home interviews?", ()),
]


def mentions(councils: tuple[str, ...], years: tuple[int, ...] = ()) -> Mentions:
    return Mentions(councils=frozenset(councils), years=frozenset(years))


@pytest.mark.parametrize(("question", "councils", "years", "op", "area", "grades", "latest"), ASK)
def test_aggregate_questions_are_read(question, councils, years, op, area, grades, latest) -> None:
    from domain.layouts import judgement_areas_named

    ask = AggregateAsk.of(question, mentions(councils, years), judgement_areas_named(question))
    assert ask is not None
    assert (ask.op, ask.area, ask.grades, ask.latest) == (op, area, grades, latest)
    assert ask.councils == tuple(sorted(councils))


@pytest.mark.parametrize(("question", "councils"), NOT_ASK)
def test_other_questions_are_not_aggregates(question, councils) -> None:
    from domain.layouts import judgement_areas_named

    assert AggregateAsk.of(question, mentions(councils), judgement_areas_named(question)) is None


def test_grade_words_in_order_and_to_be_good_is_one_grade() -> None:
    assert grades_named("from Inadequate to requires improvement to be good, then outstanding") == \
        ["inadequate", "requires improvement", "outstanding"]
    assert grades_named("councils rated RI for leaders") == ["requires improvement"]
    assert grades_named("good practice, good work") == []


def test_region_is_read() -> None:
    ask = AggregateAsk.of("Which London boroughs were rated outstanding overall at their latest inspection?",
                          mentions(()), ["overall_effectiveness"])
    assert ask is not None and ask.region == "London"


# -- answered over real reports -----------------------------------------------------------------------------
def _cited_right(answer) -> None:
    """Every citation quotes a line of the report it names, and the line states a grade."""
    assert answer.citations and not answer.abstained
    for c in answer.citations:
        assert c.quote and c.path
        assert any(g in c.quote.lower() for g in ("outstanding", "good", "requires improvement", "inadequate",
                                                  "require improvement"))



@pytest.mark.slow
def test_which_of_named_councils_lists_each_with_its_cited_grade(real_ci_assistant) -> None:
    answer = real_ci_assistant.ask("Of Bolton, Bury and Liverpool, which were judged good for children in care at "
                                "their latest inspection?")
    _cited_right(answer)
    assert "I looked at 3 reports" in answer.text
    for council in ("Bolton", "Bury", "Liverpool"):
        assert council in answer.text
    # each council's grade is cited to that council's own report
    by_council = {s.claim.split(" (")[0]: s for s in answer.sentences}
    assert set(by_council) == {"Bolton", "Bury", "Liverpool"}
    for council, sentence in by_council.items():
        cited = [c for c in answer.citations if c.n in sentence.citations]
        assert cited and all(c.council == council for c in cited), council


@pytest.mark.slow
def test_count_says_how_many_and_lists_them(real_ci_assistant) -> None:
    answer = real_ci_assistant.ask("How many councils were judged inadequate overall at their latest inspection?")
    # Liverpool's 2026 report has no overall judgement (none after April 2026): its 2023 one counts
    _cited_right(answer)
    assert answer.text.startswith("1 council was judged inadequate overall")
    assert "Liverpool" in answer.text and "May 2023" in answer.text or "March 2023" in answer.text


@pytest.mark.slow
def test_compare_latest_judgements_cites_every_grade(real_ci_assistant) -> None:
    answer = real_ci_assistant.ask("Compare Bolton and Bury's latest judgements.")
    _cited_right(answer)
    assert "Bolton (" in answer.text and "Bury (" in answer.text
    assert len(answer.citations) >= 8  # five areas for Bolton's 2023 report, four or five for Bury's 2025 one
    assert {c.council for c in answer.citations} == {"Bolton", "Bury"}


@pytest.mark.slow
def test_change_over_time_is_led_by_the_grades(real_ci_assistant) -> None:
    answer = real_ci_assistant.ask("How did Bolton's overall judgement change between 2014 and 2023?")
    assert not answer.abstained
    first = answer.sentences[0]
    assert first.text.startswith("Bolton's overall effectiveness: requires improvement")
    assert "good" in first.text and len(first.citations) >= 2
    years = {c.inspection_start[:4] for c in answer.citations if c.n in first.citations}
    assert {"2014", "2023"} <= years


@pytest.mark.slow
def test_change_is_answered_by_the_grades_when_the_passages_span_one_inspection(real_ci_assistant) -> None:
    # "since 2014" finds passages of one report only: the grades of each inspection since still answer, cited
    answer = real_ci_assistant.ask("how has Bolton changed since 2014?")
    assert not answer.abstained
    assert answer.text.startswith("Bolton's overall effectiveness: requires improvement (January 2014)")
    assert [c.inspection_start[:4] for c in answer.citations] == ["2014", "2018", "2023"]


@pytest.mark.slow
def test_unknown_set_abstains_saying_why(real_ci_assistant) -> None:
    answer = real_ci_assistant.ask("Which councils went from outstanding to inadequate?")
    assert answer.abstained and "went from outstanding to inadequate" in answer.notice
