"""ingest.report_fields: the facts of a report read from its page texts, each cited to a verbatim line.

The synthetic pages imitate each layout as pypdf extracts it (split table cells, stray spaces, running
headers), with made-up councils and people; a last test reads a few real reports if /work/shared/ilacs is
there.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from domain.ofsted import DATA_FILE, report_wording
from ingest.report_fields import FieldCitation, ReportFields, extract_report_fields

REAL = Path("/work/shared/ilacs")


def pypdf(text: str) -> str:
    """Text as pypdf extracts it: each line ends with a space."""
    return "\n".join(line + " " for line in text.split("\n"))


def assert_cited(fields: ReportFields, pages: list[str]) -> None:
    """Every value has a citation whose quote is verbatim text of its page."""
    values = {"framework": fields.framework, "inspection_start": fields.inspection_start,
              "inspection_end": fields.inspection_end, "published": fields.published,
              "lead_inspector": fields.lead_inspector} | {f"grades.{k}": v for k, v in fields.grades.items()}
    for name, value in values.items():
        if value:
            cite = fields.citations[name]
            assert isinstance(cite, FieldCitation)
            assert cite.quote and cite.quote in pages[cite.page - 1], (name, cite)


# -- ILACS --------------------------------------------------------------------------------------------------
ILACS_2019 = pypdf("""

1

Anyshire County Council

Inspection of children’s social care services

Inspection dates: 4 March 2019 to 15 March 2019

Lead inspector:  Jane Example
Her Majesty’s Inspector

Judgement Grade
The impact of leaders on social work practice with children
and families Good
The experiences and progress of children who need help and
protection Requires improvement to be good
The experiences and progress of children in care and care
leavers Outstanding
Overall effectiveness Good

Leaders have a clear focus on the most vulnerable children.
""")

ILACS_2023_P1 = pypdf("""
Inspection of Somewhere local authority
children’s services
Inspection dates: 11 to 15 September 2023
Lead inspector: Sam Person-Smith, His Majesty’s Inspector
Judgement Grade
The impact of leaders on social work
practice with children and families
Good
The experiences and progress of
children who need help and protection
Requires improvement to be good
The experiences and progress of
children in care
Inadequate
The experiences and progress of care
leavers
Good
Overall effectiveness  Requires improvement to be good
Since the last inspection, leaders have made good-quality services a priority.
""")

ILACS_2023_P2 = pypdf("""
Inspection of Somewhere local authority children’s services
11 to 15 September 2023 2
What needs to improve?
◼ The quality of plans.
The experiences and progress of children who need help and
protection: requires improvement to be good
1. Children are seen promptly.
The experiences and progress of children in care: inadequate
2. Too many children move home.
""")


def test_ilacs_2018_2019_layout():
    pages = [ILACS_2019]
    f = extract_report_fields(pages)
    assert f.framework == "ILACS standard"  # 4 to 15 March: two weeks
    assert (f.inspection_start, f.inspection_end) == ("2019-03-04", "2019-03-15")
    assert f.lead_inspector == "Jane Example"
    assert f.citations["lead_inspector"].quote == "Lead inspector:  Jane Example \nHer Majesty’s Inspector"
    # "children in care and care leavers" is one judgement then: in_care; no care leavers judgement
    assert f.grades == {"impact_of_leaders": "good", "help_and_protection": "requires improvement",
                        "in_care": "outstanding", "overall_effectiveness": "good"}
    assert f.citations["grades.in_care"].quote == (
        "The experiences and progress of children in care and care \nleavers Outstanding")
    assert f.published == ""  # ILACS reports do not state it: never guessed
    assert_cited(f, pages)


def test_ilacs_2023_layout_with_headings():
    pages = [ILACS_2023_P1, ILACS_2023_P2]
    f = extract_report_fields(pages)
    assert f.framework == "ILACS short"  # 11 to 15 September: one week
    assert f.lead_inspector == "Sam Person-Smith"
    assert f.grades == {"impact_of_leaders": "good", "help_and_protection": "requires improvement",
                        "in_care": "inadequate", "care_leavers": "good",
                        "overall_effectiveness": "requires improvement"}
    assert f.citations["grades.help_and_protection"].page == 1  # the table, not the heading
    assert f.citations["framework"].quote.startswith("Inspection of Somewhere local authority")
    assert f.citations["framework"].quote.endswith("11 to 15 September 2023")
    assert not f.notes
    assert_cited(f, pages)


def test_headings_fill_an_unreadable_table_and_a_disagreement_is_noted():
    p1 = ILACS_2023_P1.split("Judgement Grade")[0]  # no table
    f = extract_report_fields([p1, ILACS_2023_P2])
    assert f.grades == {"help_and_protection": "requires improvement", "in_care": "inadequate"}
    assert f.citations["grades.in_care"] == FieldCitation(2, "The experiences and progress of children in care: inadequate")

    p2 = ILACS_2023_P2.replace("children in care: inadequate", "children in care: good")
    f = extract_report_fields([ILACS_2023_P1, p2])
    assert f.grades["in_care"] == "inadequate"  # the table wins
    assert any("in_care" in n and "heading p2: good" in n for n in f.notes)


def test_post_reform_report_has_no_overall_effectiveness_and_split_fieldwork():
    page = pypdf("""
Inspection of Elsewhere local authority
children’s services
Inspection dates: 5 to 9 December 2025 and 14 to 15 January 2026
Lead inspector: Alex Doe, His Majesty’s Inspector
Judgement Grade
The impact of leaders on practice with
children and families
Outstanding
The experiences and progress of
children who need help and protection
Good
The experiences and progress of
children in care
Good
The experiences and progress of care
leavers
Requires improvement to be good
The experiences of children in Elsewhere have improved.
""")
    f = extract_report_fields([page])
    assert f.framework == "ILACS short"  # decided on the first fieldwork block
    assert (f.inspection_start, f.inspection_end) == ("2025-12-05", "2026-01-15")  # first start, last end
    assert "overall_effectiveness" not in f.grades
    assert f.grades["impact_of_leaders"] == "outstanding"
    assert f.grades["care_leavers"] == "requires improvement"
    assert_cited(f, [page])


def test_a_standard_first_block_then_a_short_return_is_standard():
    page = ILACS_2023_P1.replace("11 to 15 September 2023",
                                 "30 September to 11 October 2024 and 13 to 16 January 2025")
    f = extract_report_fields([page])
    assert f.framework == "ILACS standard"
    assert (f.inspection_start, f.inspection_end) == ("2024-09-30", "2025-01-16")


# -- SIF ----------------------------------------------------------------------------------------------------
SIF_P1 = pypdf("""

 1

Anytown Council
Inspection of services for children in need of help and
protection, children looked after and care leavers
and
Review of the effectiveness of the local safeguarding children
board1
Inspection date: 14 January – 5 February 2014
The overall judgement is requires improvement
There are no widespread or serious failures.
It is Ofsted’s expectation that, as a minimum, all children and young people receive
good help, care and protection.
1. Children who need help and protection Requires improvement
2. Children looked after and achieving permanence
Good

2.1 Adoption performance  Outstanding
2.2 Experiences and progress of care leavers Good
3. Leadership, management and governance Requires improvement

The effectiveness of the Local Safeguarding Children Board (LSCB)
is inadequate
""")

SIF_LAST = pypdf("""
 33
Information about this inspection
The inspection team consisted of seven of Her Majesty’s Inspectors (HMI) from
Ofsted.
The inspection team
Lead inspector: Pat Example HMI
Deputy lead inspector: Robin Other
Team inspectors: Kim One, Lee Two
""")


def test_sif_layout():
    pages = [SIF_P1, "Contents\n", "The lead inspector Meets Everyone weekly.\n", SIF_LAST]
    f = extract_report_fields(pages)
    assert f.framework == "SIF"
    assert (f.inspection_start, f.inspection_end) == ("2014-01-14", "2014-02-05")
    assert f.published == ""
    assert f.lead_inspector == "Pat Example"  # not the deputy, not the sentence
    assert f.citations["lead_inspector"] == FieldCitation(4, "Lead inspector: Pat Example HMI")
    assert f.grades == {
        "overall_effectiveness": "requires improvement", "help_and_protection": "requires improvement",
        "looked_after_permanence": "good", "adoption": "outstanding", "care_leavers": "good",
        "leadership_management_governance": "requires improvement", "lscb": "inadequate"}
    assert_cited(f, pages)


def test_sif_reinspection_ignores_the_previous_judgements_it_quotes():
    p1 = pypdf("""
 1
Someborough Council
Re-inspection of services for children in need of help and
protection, children looked after and care leavers
Inspection date: 13 November 2017 to 24 November 2017
Report published: 19 January 2018
Children’s services in Someborough require improvement to be
good
1. Children who need help and protection Requires improvement
2. Children looked after and achieving
permanence Good
2.1 Adoption performance Good
2.2 Experiences and progress of care leavers requires improvement to be good
3. Leadership, management and governance Good
""")
    p2 = "Children’s services in Someborough benefit from outstanding leadership of adoption.\n"
    p3 = pypdf("""The last inspection was published in May 2015. The judgements for the local authority were:
− overall effectiveness: inadequate
− children who need help and protection: inadequate
""")
    pages = [p1, p2, p3]
    f = extract_report_fields(pages)
    assert f.framework == "SIF"
    assert f.published == "2018-01-19"
    assert f.grades["overall_effectiveness"] == "requires improvement"
    assert f.citations["grades.overall_effectiveness"].quote == (
        "Children’s services in Someborough require improvement to be \ngood")
    assert f.grades["help_and_protection"] == "requires improvement"
    assert f.grades["care_leavers"] == "requires improvement"
    assert "lscb" not in f.grades
    assert not f.notes
    assert_cited(f, pages)


# -- 2009-2013 ----------------------------------------------------------------------------------------------
PRE_SIF_COVER = pypdf("""

Inspection of looked after children
services
Anyshire County Council


Inspection dates: 15-19 July 2013
Reporting inspector Alex Example HMI

Age group: All
Published: 23 August 2013
""")


def test_pre_sif_layout():
    findings = pypdf("""Anyshire County Council Inspection of looked after children services
24
Record of main findings
Services for looked after children
Overall effectiveness Adequate Grade 3
Capacity to improve Good Grade 2
""")
    section = pypdf("""Overall effectiveness of services for looked
after children and young people
Grade 3 (adequate)
8. The judgement for overall effectiveness is adequate.
""")
    pages = [PRE_SIF_COVER, section, findings]
    f = extract_report_fields(pages)
    assert f.framework == "pre-SIF"
    assert (f.inspection_start, f.inspection_end, f.published) == ("2013-07-15", "2013-07-19", "2013-08-23")
    assert f.lead_inspector == "Alex Example"
    assert f.grades == {"overall_effectiveness": "adequate"}
    assert_cited(f, pages)


def test_pre_sif_two_different_overall_judgements_are_ambiguous():
    cover = PRE_SIF_COVER.replace("looked after children \nservices", "safeguarding and looked after children services")
    safeguarding = "Safeguarding services\nOverall effectiveness Good\nCapacity for improvement Good\n"
    looked_after = "Services for looked after children\nOverall effectiveness Adequate\n"
    f = extract_report_fields([cover, safeguarding, looked_after])
    assert f.framework == "pre-SIF"
    assert "overall_effectiveness" not in f.grades
    assert any("overall_effectiveness" in n for n in f.notes)


# -- letters ------------------------------------------------------------------------------------------------
def letter(title: str, findings: str, signature: str) -> str:
    return pypdf(f"""
Ofsted
Piccadilly Gate
Store Street
Manchester
M1 2WD

T 0300 123 1231


12 March 2019

Ms Jo Director
Director of Children’s Services
Anyshire County Council

Dear Ms Director

{title}

This letter summarises the findings of {findings}.

Yours sincerely

{signature}
""")


def test_focused_visit_letter():
    page = letter("Focused visit to Anyshire local authority children’s services",
                  "the focused visit to Anyshire local authority children’s services on 6 and 7 February 2019",
                  "Chris Person \nHer Majesty’s Inspector")
    f = extract_report_fields([page])
    assert f.framework == "focused visit"
    assert (f.inspection_start, f.inspection_end) == ("2019-02-06", "2019-02-07")
    assert f.published == "2019-03-12"
    assert f.citations["published"] == FieldCitation(1, "12 March 2019")
    assert f.lead_inspector == "Chris Person"
    assert f.grades == {}
    assert_cited(f, [page])


def test_monitoring_visit_letter():
    page = letter("Monitoring visit to Anyshire local authority children’s services",
                  "the monitoring visit to Anyshire local authority children’s services on 28 and 29 May 2019",
                  "Chris Person \nHis Majesty’s Inspector")
    f = extract_report_fields([page])
    assert f.framework == "monitoring visit"
    assert (f.inspection_start, f.inspection_end) == ("2019-05-28", "2019-05-29")


def test_jtai_letter_signed_by_several_has_no_lead_inspector():
    page = letter("Joint targeted area inspection of the multi-agency response to children living with domestic "
                  "abuse in Anyshire", "the joint inspection. Between 12 and 16 March 2018, Ofsted, the Care "
                  "Quality Commission and HMI Probation undertook a joint inspection",
                  "Alex Director \nNational Director, Social Care, Ofsted \nSam Other \nDeputy Chief Inspector, CQC")
    f = extract_report_fields([page])
    assert f.framework == "JTAI"
    assert (f.inspection_start, f.inspection_end) == ("2018-03-12", "2018-03-16")
    assert f.lead_inspector == ""


def test_letter_rules_do_not_apply_to_reports():
    """A report's body is not a letter: its "Between ..." sentences and sign-offs are not its dates or lead."""
    page = ILACS_2023_P1.replace("Inspection dates: 11 to 15 September 2023", "").replace(
        "Lead inspector: Sam Person-Smith, His Majesty’s Inspector", "")
    body = "Between 3 and 5 March 2020, leaders met.\nYours sincerely\nPat Person\nHis Majesty’s Inspector\n"
    f = extract_report_fields([page, body])
    assert (f.inspection_start, f.lead_inspector, f.framework) == ("", "", "")
    assert f.grades["in_care"] == "inadequate"


# -- small rules --------------------------------------------------------------------------------------------
def title_page(line: str) -> list[str]:
    return [f"Inspection of Anyshire local authority children’s services\nInspection dates: 1 to 5 July 2024\n{line}\n"]


@pytest.mark.parametrize("line, name", [
    ("Lead inspector: Neil Example HMI", "Neil Example"),
    ("Lead inspector: Marie Mc-Example Senior HMI", "Marie Mc-Example"),
    ("Lead inspector: Brendan Example, HMI", "Brendan Example"),
    ("Lead inspector: Helen Example HMI.", "Helen Example"),
    ("Lead inspector:    Nigel Example ", "Nigel Example"),
    ("Lead inspector: Fiona J Example", "Fiona J Example"),
    ("Lead inspector on site: Pietro Example \nReport author: Sean Other", "Pietro Example"),
    ("Lead inspector: Jenny-ellen Example, His Majesty’s Inspector", "Jenny-ellen Example"),
    ("Lead inspector: Máire O’Example, Her Majesty’s Inspector", "Máire O’Example"),
    ("Reporting inspector Gary Example HMI", "Gary Example"),
    ("Deputy lead inspector: Not This-One", ""),
    ("Inspectors met the lead inspector Every Week", ""),
    ("Lead inspector: \nJudgement Grade", ""),
])
def test_lead_inspector_names(line: str, name: str):
    f = extract_report_fields(title_page(line))
    assert f.lead_inspector == name
    if name:
        assert name.split()[0] in f.citations["lead_inspector"].quote


@pytest.mark.parametrize("dates, start, end", [
    ("Inspection dates: 23 April 2018 to 04 May 2018", "2018-04-23", "2018-05-04"),
    ("Inspection dates: 4 November to 8 November 2019", "2019-11-04", "2019-11-08"),
    ("Inspection date: 11 – 22 July 2022", "2022-07-11", "2022-07-22"),
    ("Inspection dates: 15-19 July 2013", "2013-07-15", "2013-07-19"),
    ("Inspection dates: 05 July 2016–27 July 2016", "2016-07-05", "2016-07-27"),
    ("Inspection date: 28 July 2016", "2016-07-28", "2016-07-28"),
    ("Inspection dates: 28 December to 8 January 2016", "2015-12-28", "2016-01-08"),
    ("Inspection date: 12/09/2016 to 06/10/2016", "2016-09-12", "2016-10-06"),
    ("Inspection dates: 19 November-11 December 2013 and 28 – 30 \nJanuary 2014", "2013-11-19", "2014-01-30"),
    ("Inspection dates: 31 February 2019", "", ""),
    ("Inspection dates: to be confirmed", "", ""),
])
def test_inspection_dates(dates: str, start: str, end: str):
    page = f"Inspection of Anyshire local authority children’s services\n{dates}\nLead inspector: A Person\n"
    f = extract_report_fields([page])
    assert (f.inspection_start, f.inspection_end) == (start, end)
    if start:
        assert f.citations["inspection_start"].quote.startswith("Inspection date")


def test_nothing_stated_nothing_read():
    assert extract_report_fields([]) == ReportFields()
    assert extract_report_fields(["", "  \n"]) == ReportFields()
    f = extract_report_fields(["Minutes of the Corporate Parenting Board\nChildren’s services were good.\n"])
    assert (f.framework, f.inspection_start, f.lead_inspector, f.grades) == ("", "", "", {})


def test_wording_file_is_validated(tmp_path: Path):
    assert report_wording().ilacs_short == "ILACS short"
    bad = tmp_path / "bad.toml"
    shutil.copy(DATA_FILE, bad)
    bad.write_text(bad.read_text(encoding="utf-8").replace('key = "adoption"', 'key = "adoptoin"'), encoding="utf-8")
    with pytest.raises(ValueError, match="adoptoin"):
        report_wording(bad)


# -- real reports -------------------------------------------------------------------------------------------
REAL_EXPECTED = {
    "80432_bolton/children's services inspection - 12 june 2018.pdf": dict(
        framework="ILACS standard", inspection_start="2018-04-23", inspection_end="2018-05-04",
        lead_inspector="John Roughton",
        grades={"impact_of_leaders": "good", "help_and_protection": "good", "in_care": "good",
                "overall_effectiveness": "good"}),
    "80432_bolton/children's services inspection - 27 october 2023.pdf": dict(
        framework="ILACS short", inspection_start="2023-09-11", inspection_end="2023-09-15",
        lead_inspector="Lisa Walsh",
        grades={"impact_of_leaders": "good", "help_and_protection": "requires improvement", "in_care": "good",
                "care_leavers": "good", "overall_effectiveness": "good"}),
    "80432_bolton/children's services inspection - 21 march 2014.pdf": dict(
        framework="SIF", inspection_start="2014-01-14", inspection_end="2014-02-05", lead_inspector="Robert Hackeson",
        grades={"overall_effectiveness": "requires improvement", "help_and_protection": "requires improvement",
                "looked_after_permanence": "good", "adoption": "good", "care_leavers": "good",
                "leadership_management_governance": "requires improvement", "lscb": "requires improvement"}),
    "80418_norfolk/children's services inspection,  pdf - 16 august 2013.pdf": dict(
        framework="pre-SIF", inspection_start="2013-07-08", inspection_end="2013-07-12", published="2013-08-16",
        lead_inspector="Gary Lamb", grades={"overall_effectiveness": "inadequate"}),
    "80461_devon/children's services inspection - 13 may 2025.pdf": dict(
        framework="ILACS standard", inspection_start="2024-09-30", inspection_end="2025-01-16", lead_inspector="",
        grades={"impact_of_leaders": "requires improvement", "help_and_protection": "inadequate",
                "in_care": "inadequate", "care_leavers": "inadequate", "overall_effectiveness": "inadequate"}),
    "2637539_north northamptonshire/children's services inspection - 07 july 2026.pdf": dict(
        framework="ILACS standard", inspection_start="2026-05-11", inspection_end="2026-05-22",
        lead_inspector="David Cohen",
        grades={"impact_of_leaders": "outstanding", "help_and_protection": "good", "in_care": "good",
                "care_leavers": "good"}),
}


@pytest.mark.skipif(not REAL.is_dir(), reason="the real reports are not here")
@pytest.mark.parametrize("rel", sorted(REAL_EXPECTED))
def test_real_reports(rel: str):
    from ingest.loaders import load_file

    path = REAL / rel
    if not path.exists():
        pytest.skip(f"{rel} not here")
    pages = load_file(path, 200_000_000).pages
    f = extract_report_fields(pages)
    for name, value in REAL_EXPECTED[rel].items():
        assert getattr(f, name) == value, name
    assert_cited(f, pages)
