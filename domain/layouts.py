"""The layout profiles of the documents (domain/data/layouts.toml), compiled once, with small functions over them.

Ingest uses them to name sections and kinds of document; the assistant to read what a question asks for; the
UI to label sections. Nothing here knows one council or one file.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data"


@cache
def load_data(name: str) -> dict[str, Any]:
    """A TOML file of ``domain/data``, parsed once per process."""
    with open(DATA / name, "rb") as handle:
        return tomllib.load(handle)


def _any_of(words: Iterable[str]) -> str:
    return "|".join(words)


@dataclass(frozen=True)
class SectionKind:
    kind: str
    label: str
    heading: re.Pattern[str]  # a section heading of this kind
    question: re.Pattern[str] | None  # a question asking for this kind of section
    answer_lead: str  # how a grouped answer introduces sentences from it ("" = not grouped)
    filterable: bool  # offered as a filter in the UI


@dataclass(frozen=True)
class _Rule:
    pattern: re.Pattern[str]
    within: int  # search the first N characters (0: all)

    def holds(self, text: str) -> bool:
        return self.pattern.search(text[: self.within] if self.within else text) is not None


@dataclass(frozen=True)
class DocKindProfile:
    kind: str
    rules: tuple[_Rule, ...]
    question: re.Pattern[str] | None


@dataclass(frozen=True)
class InspectionTypeProfile:
    value: str
    mentions: re.Pattern[str]
    question: re.Pattern[str] | None


def _compile(pattern: str | None, flags: int = re.I) -> re.Pattern[str] | None:
    return re.compile(pattern, flags) if pattern else None


_LAYOUTS = load_data("layouts.toml")

SECTION_KINDS: tuple[SectionKind, ...] = tuple(
    SectionKind(s["kind"], s["label"], re.compile(s["heading"], re.I), _compile(s.get("question")),
                s.get("answer_lead", ""), s.get("filterable", True))
    for s in _LAYOUTS["section_kind"])
UNTITLED_SECTION = _LAYOUTS["section_kind_fallback"]["untitled"]
OTHER_SECTION = _LAYOUTS["section_kind_fallback"]["other"]
_SECTION_BY_KIND = {s.kind: s for s in SECTION_KINDS}

#: Headings these documents use; recognised even when a PDF text layer glues them to the previous line.
KNOWN_HEADING = re.compile(r"^(?:" + _any_of(_LAYOUTS["headings"]["known"]) + r")$", re.I)

DOC_KIND_PROFILES: tuple[DocKindProfile, ...] = tuple(
    DocKindProfile(d["kind"], tuple(_Rule(re.compile(r["pattern"], re.I | (re.M if "m" in r.get("flags", "") else 0)),
                                          int(r.get("within", 0))) for r in d["rules"]),
                   _compile(d.get("question")))
    for d in _LAYOUTS["doc_kind"])
INSPECTION_TYPE_PROFILES: tuple[InspectionTypeProfile, ...] = tuple(
    InspectionTypeProfile(t["value"], re.compile(t["mentions"], re.I), _compile(t.get("question")))
    for t in _LAYOUTS["inspection_type"])

#: Statutory boilerplate sections of council reports (implications, contact officer, appendices …).
BOILERPLATE_SECTION = re.compile(_any_of(_LAYOUTS["committee_report"]["boilerplate_sections"]), re.I)
NOT_NAME_WORDS: tuple[str, ...] = tuple(_LAYOUTS["people"]["not_name_words"])
#: A question about how a council's inspections changed over time.
CHANGE_OVER_TIME = re.compile(_any_of(_LAYOUTS["questions"]["change_over_time"]), re.I)
#: The year a question about change counts from (its one group that matched).
CHANGE_FROM = re.compile(_LAYOUTS["questions"]["change_from"], re.I)
_AREA_QUESTIONS = {k: re.compile(v, re.I) for k, v in _LAYOUTS["questions"]["judgement_areas"].items()}
_FIELD_QUESTIONS = {k: re.compile(v, re.I) for k, v in _LAYOUTS["questions"]["report_fields"].items()}
#: The only words a question about a council's inspection as a whole uses, once its council and year are set aside.
OVERVIEW_WORDS: str = " ".join(_LAYOUTS["questions"]["overview"]["words"].split())
#: The only words a question asking for a report's list of what must improve uses (others name a topic).
LIST_WORDS: str = " ".join(_LAYOUTS["questions"]["list"]["words"].split())
#: How a question asks for the list itself, not only for shortfalls ("what was wrong with …")
LIST_ASKED: re.Pattern[str] = re.compile(_LAYOUTS["questions"]["list"]["asks"], re.I)
#: A question asking what falls short in other words ("what was wrong with …", "why … judged inadequate")
SHORTFALL_ASKED: re.Pattern[str] = re.compile(_LAYOUTS["questions"]["shortfall"]["asks"], re.I)
#: Area key -> the areas that stand for it in a framework that named it otherwise.
JUDGEMENT_AREA_EQUIVALENTS: dict[str, tuple[str, ...]] = {
    k: tuple(v) for k, v in _LAYOUTS["questions"]["judgement_area_equivalents"].items()}


#: Questions about a set of councils (answered from the judgements table): which/count/compare/... patterns.
AGGREGATE_QUESTIONS: dict[str, re.Pattern[str]] = {
    k: re.compile(v, re.I) for k, v in _LAYOUTS["questions"]["aggregate"].items()}
_GRADE_WORDS = {k: re.compile(v, re.I) for k, v in
                _LAYOUTS["questions"]["grade_words"].items()}
_TO_BE_GOOD = re.compile(r"\bto be good\b", re.I)


def grades_named(question: str) -> list[str]:
    """The grades a question names, in the order it names them ("from inadequate to outstanding"); "requires
    improvement to be good" is one grade, not two."""
    text = _TO_BE_GOOD.sub(" ", question)
    found: list[tuple[int, str]] = []
    for grade, pattern in _GRADE_WORDS.items():
        found += [(m.start(), grade) for m in pattern.finditer(text)]
    return [g for _, g in sorted(found)]


def judgement_areas_named(question: str) -> list[str]:
    """The judgement areas (domain.kinds keys) a question names, in the data's order."""
    return [key for key, pattern in _AREA_QUESTIONS.items() if pattern.search(question)]


def report_field_asked(question: str) -> str:
    """"lead_inspector" or "dates" when a question asks for that fact of a report, else ""."""
    return next((key for key, pattern in _FIELD_QUESTIONS.items() if pattern.search(question)), "")
ROLE_WORDS: tuple[str, ...] = tuple(_LAYOUTS["people"]["role_words"])


# -- Ofsted reports' judgement headings ---------------------------------------------------------------------------
def _judgement_heading_pattern() -> re.Pattern[str]:
    from domain.ofsted import report_wording

    grades = sorted(report_wording().grades, key=len, reverse=True)  # "requires improvement to be good" first
    heads = "|".join(h.replace(" ", r"\s+") for h in _LAYOUTS["ofsted_report"]["judgement_headings"])
    grade = "|".join(re.escape(g).replace(r"\ ", r"\s+") for g in grades)
    # a separator (":", "is", "is:", a space) only before a grade: "… protection:" alone is a heading still to come
    return re.compile(rf"^\s*(?P<heading>{heads})(?:(?:\s*:\s*|\s+is that it(?:\s+is)?\s+|\s+(?:is|are)(?:\s*:\s*|\s+)|\s+)"
                      rf"(?P<grade>{grade}))?\s*\.?\s*$",
                      re.I)


_JUDGEMENT_HEADING = _judgement_heading_pattern()
_TABLE_HEADER = re.compile(_LAYOUTS["ofsted_report"]["judgement_table_header"], re.I)
_ABOUT_OFSTED = re.compile(r"^\s*(?:" + _any_of(_LAYOUTS["ofsted_report"]["about_ofsted_starts"]) + ")", re.I)


def starts_about_ofsted(text: str) -> bool:
    """Whether a paragraph begins the report's closing boilerplate about Ofsted."""
    return _ABOUT_OFSTED.match(text) is not None
_JUDGEMENT_START = re.compile(r"^\s*(?:" + "|".join(p.replace(" ", r"\s+") for p in
                                                 _LAYOUTS["ofsted_report"]["judgement_heading_starts"]) + r")\b", re.I)


def judgement_heading(text: str) -> tuple[str, str] | None:
    """(heading, grade value) for a report's judgement heading ("The experiences and progress of care leavers:
    requires improvement to be good" -> (".. care leavers", "requires improvement")); grade "" when the heading
    carries none; None for any other text."""
    from domain.ofsted import report_wording

    m = _JUDGEMENT_HEADING.match(" ".join(text.split()))
    if m is None:
        return None
    grade = m.group("grade") or ""
    value = report_wording().grades.get(" ".join(grade.lower().split()), "") if grade else ""
    return " ".join(m.group("heading").split()), value


def starts_judgement_heading(line: str) -> bool:
    """Whether a line begins like a judgement heading (it may wrap onto the next line)."""
    return _JUDGEMENT_START.match(" ".join(line.split())) is not None


def grade_phrase(text: str) -> str:
    """The grade value of a text that is only a grade phrase ("require improvement"), else ""."""
    from domain.ofsted import report_wording

    words = " ".join(text.lower().strip(" .").split())
    words = re.sub(r"^(?::\s*|(?:is|are)(?:\s*:\s*|\s+))", "", words)  # "… protection\nare inadequate.", "are: good"
    return report_wording().grades.get(words, "")


def is_judgement_table_header(text: str) -> bool:
    """A SIF section's own small judgement table ("Key Judgement Judgement Grade …")."""
    return _TABLE_HEADER.match(text) is not None


# -- sections ---------------------------------------------------------------------------------------------------
def section_kind(heading: str) -> str:
    """The kind of section a heading names ("Areas for improvement" -> "improvement")."""
    if not heading:
        return UNTITLED_SECTION
    return next((s.kind for s in SECTION_KINDS if s.heading.search(heading)), OTHER_SECTION)


def section_cues(question: str) -> set[str]:
    """The section kinds a question asks for ("what were the strengths?" -> {"strengths"})."""
    return {s.kind for s in SECTION_KINDS if s.question is not None and s.question.search(question)}


_SHORTFALL = re.compile(_any_of(_LAYOUTS["answers"]["shortfall"]), re.I)


def states_shortfall(text: str) -> bool:
    """The text words a shortfall as inspectors do ("not always", "too soon", "limited")."""
    return bool(_SHORTFALL.search(text))


def section_label(kind: str) -> str:
    s = _SECTION_BY_KIND.get(kind)
    return s.label if s else kind


def answer_leads() -> dict[str, str]:
    """Section kind -> how a grouped answer introduces its sentences, for the kinds that are grouped."""
    return {s.kind: s.answer_lead for s in SECTION_KINDS if s.answer_lead}


def filterable_sections() -> dict[str, str]:
    """Section kind -> label, for the kinds offered as a filter."""
    return {s.kind: s.label for s in SECTION_KINDS if s.filterable}


# -- kinds of document and inspection types ---------------------------------------------------------------------
def doc_kind_of(text: str) -> str:
    """The kind of document a text is, by the first profile whose rules all hold ("other" if none)."""
    for profile in DOC_KIND_PROFILES:
        if all(rule.holds(text) for rule in profile.rules):
            return profile.kind
    return "other"


def doc_kinds_named(question: str) -> set[str]:
    """Kinds of document a question names ("according to the inspection letter")."""
    return {p.kind for p in DOC_KIND_PROFILES if p.question is not None and p.question.search(question)}


def inspection_type_of(text: str) -> str:
    """The inspection type a document names most often ("" if it names none; the later profile on a tie)."""
    counts = [(len(p.mentions.findall(text)), i, p.value) for i, p in enumerate(INSPECTION_TYPE_PROFILES)]
    best = max(counts, default=(0, 0, ""))
    return best[2] if best[0] else ""


def inspection_types_named(question: str, known: Iterable[str]) -> set[str]:
    """The known inspection types a question names: by their value as a word, or by the profile's wording."""
    low = question.lower()
    named = {t for t in known if t and re.search(r"\b" + re.escape(t.lower()) + r"\b", low)}
    for p in INSPECTION_TYPE_PROFILES:
        if p.question is not None and p.question.search(question):
            named |= {t for t in known if t.upper() == p.value.upper()}
    return named
