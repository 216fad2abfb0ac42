"""The wording of Ofsted children's services reports (``data/ofsted_report.toml``), loaded and checked.

This module only reads and validates the data; the matching lives in ``ingest/report_fields.py``. Every key in
the file must be a value of the vocabulary (``domain.kinds``), so a typo fails at load time, not as a field
that silently never fills.
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from pathlib import Path

from domain.kinds import AREA_BY_KEY, FRAMEWORK_BY_VALUE, GRADES, INSPECTION_TYPES

DATA_FILE = Path(__file__).resolve().parent / "data" / "ofsted_report.toml"


@dataclass(frozen=True)
class AreaWording:
    """Where one judgement is stated: table rows, section headings, sentences (regexes with a ``grade`` group)."""

    key: str
    table: tuple[str, ...] = ()
    heading: tuple[str, ...] = ()
    sentence: tuple[str, ...] = ()
    sentence_any_page: bool = False


@dataclass(frozen=True)
class JudgementWording:
    """The judgements of one kind of report (keyed by the framework entry that detects it)."""

    areas: tuple[AreaWording, ...]
    table_pages: int  # tables and sentences are read on the first n pages; 0 = every page
    ambiguous_if_different: bool  # one area graded differently in two places: leave it empty


@dataclass(frozen=True)
class FrameworkTitle:
    value: str  # a framework value, or a family (ILACS) whose framework is decided by the fieldwork length
    patterns: tuple[str, ...]


@dataclass(frozen=True)
class ReportWording:
    grades: dict[str, str]  # phrase -> grade value
    grade_numbers: dict[int, str]
    date_labels: tuple[str, ...]
    lead_labels: tuple[str, ...]
    published_labels: tuple[str, ...]
    designations: tuple[str, ...]
    signoffs: tuple[str, ...]
    visit_date_patterns: tuple[str, ...]
    letter_frameworks: tuple[str, ...]  # documents that are letters: dated, signed, dates in a sentence
    frameworks: tuple[FrameworkTitle, ...]
    title_window: int
    ilacs_short: str
    ilacs_standard: str
    short_max_days: int
    judgements: dict[str, JudgementWording]  # framework entry value -> its judgements


def _strings(table: dict, key: str) -> tuple[str, ...]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ValueError(f"{DATA_FILE.name}: '{key}' must be a list of non-empty strings")
    return tuple(value)


def _check(ok: bool, message: str) -> None:
    if not ok:
        raise ValueError(f"{DATA_FILE.name}: {message}")


@functools.cache
def report_wording(path: Path = DATA_FILE) -> ReportWording:
    """The wording file, parsed and validated against ``domain.kinds`` (cached: it is read once)."""
    with path.open("rb") as handle:
        data = tomllib.load(handle)

    grades = {phrase.lower(): grade for phrase, grade in data["grades"].items()}
    for phrase, grade in grades.items():
        _check(grade in GRADES, f"grade phrase '{phrase}' maps to '{grade}', not one of {GRADES}")
    numbers = {int(n): g for n, g in data.get("pre_sif_grade_numbers", {}).items()}
    for grade in numbers.values():
        _check(grade in GRADES, f"grade number maps to unknown grade '{grade}'")

    ilacs = data["ilacs_inspection"]
    for value in (ilacs["short"], ilacs["standard"]):
        _check(value in FRAMEWORK_BY_VALUE, f"unknown framework '{value}' in [ilacs_inspection]")
    frameworks = tuple(FrameworkTitle(f["value"], _strings(f, "patterns")) for f in data["framework"])
    for f in frameworks:
        _check(f.value in FRAMEWORK_BY_VALUE or f.value in INSPECTION_TYPES, f"unknown framework '{f.value}'")

    letters = data.get("letters", {})
    letter_frameworks = _strings(letters, "frameworks")
    for value in letter_frameworks:
        _check(value in FRAMEWORK_BY_VALUE, f"unknown framework '{value}' in [letters]")

    judgements: dict[str, JudgementWording] = {}
    known = {f.value for f in frameworks}
    for name, group in data.get("judgements", {}).items():
        _check(name in known, f"[judgements.{name}] names no [[framework]] entry")
        areas = []
        for area in group.get("area", []):
            _check(area["key"] in AREA_BY_KEY, f"unknown judgement area '{area['key']}' in [judgements.{name}]")
            for pattern in _strings(area, "sentence"):
                _check("(?P<grade>GRADE)" in pattern, f"sentence pattern without (?P<grade>GRADE): {pattern!r}")
            areas.append(AreaWording(area["key"], _strings(area, "table"), _strings(area, "heading"),
                                     _strings(area, "sentence"), bool(area.get("sentence_any_page", False))))
        judgements[name] = JudgementWording(tuple(areas), int(group.get("table_pages", 0)),
                                            bool(group.get("ambiguous_if_different", False)))

    labels = data["labels"]
    return ReportWording(
        grades=grades,
        grade_numbers=numbers,
        date_labels=_strings(labels, "inspection_dates"),
        lead_labels=_strings(labels, "lead_inspector"),
        published_labels=_strings(labels, "published"),
        designations=_strings(labels, "inspector_designations"),
        signoffs=_strings(labels, "letter_signoff"),
        visit_date_patterns=_strings(letters, "visit_date_patterns"),
        letter_frameworks=letter_frameworks,
        frameworks=frameworks,
        title_window=int(data["framework_detection"]["title_window"]),
        ilacs_short=ilacs["short"],
        ilacs_standard=ilacs["standard"],
        short_max_days=int(ilacs["short_max_days"]),
        judgements=judgements,
    )
