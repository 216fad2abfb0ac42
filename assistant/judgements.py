"""The judgements table: every Ofsted report's council, framework, dates, lead inspector and grades, each cell
cited to the page and line of the report that states it.

Ingest read these facts from the reports' own lines (``ingest.report_fields``) and kept them on each document's
registry entry; this module only arranges them. A value the report does not state stays empty. The older
frameworks' judgements fill an ILACS column only where the judgement is the same one
(``domain.layouts.JUDGEMENT_AREA_EQUIVALENTS``); the rest stay under their own names in ``other_grades``.
The CLI, the Judgements page and the chat's aggregate answers all read this one table.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from domain.gazetteer import load as load_gazetteer
from domain.kinds import ADEQUATE, AREA_BY_KEY, FRAMEWORK_BY_VALUE, FRAMEWORKS, GRADES, ILACS_AREAS, family_of
from domain.layouts import JUDGEMENT_AREA_EQUIVALENTS
from vectorstore.records import DocumentRecord

#: The table's grade columns, in the order Ofsted's ILACS reports list them.
AREA_KEYS: tuple[str, ...] = tuple(a.key for a in ILACS_AREAS)
#: The row fields besides the grades, in the order the JSON and CSV give them.
FIELDS: tuple[str, ...] = ("source", "path", "council", "framework", "inspection_start", "inspection_end",
                           "published", "lead_inspector")
#: Column headings short enough for a terminal or a table (the full labels are domain.kinds' ILACS_AREAS).
AREA_HEADINGS: dict[str, str] = {"overall_effectiveness": "Overall", "impact_of_leaders": "Leaders",
                                 "help_and_protection": "Help & protection", "in_care": "In care",
                                 "care_leavers": "Care leavers"}
#: The fields a citation can back (a grade's is "grades.<area>").
CITED: tuple[str, ...] = ("inspection_start", "inspection_end", "published", "lead_inspector")


@dataclass(frozen=True)
class JudgementRow:
    """One report's row. ``citations`` maps a field ("lead_inspector", "grades.in_care") to ``{page, quote}``."""

    doc_id: str
    source: str
    path: str
    council: str
    framework: str
    inspection_start: str
    inspection_end: str
    published: str
    lead_inspector: str
    grades: dict[str, str]  # every AREA_KEYS key; "" where the report gives no such judgement
    other_grades: dict[str, str] = field(default_factory=dict)  # an older framework's own judgements
    citations: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def date(self) -> str:
        """The date the row sorts and charts by: the fieldwork's first day, else the publication's."""
        return self.inspection_start or self.published

    @property
    def year(self) -> int:
        return int(self.date[:4]) if self.date[:4].isdigit() else 0

    @property
    def graded(self) -> bool:
        return any(self.grades.values()) or any(self.other_grades.values())

    def to_dict(self) -> dict[str, Any]:
        """The CLI's ``--json`` object: FIELDS, ``grades`` (the five ILACS keys), ``citations``."""
        out: dict[str, Any] = {name: getattr(self, name) for name in FIELDS}
        out["grades"] = dict(self.grades)
        if self.other_grades:
            out["other_grades"] = dict(self.other_grades)
        out["citations"] = {k: dict(v) for k, v in self.citations.items()}
        return out


def grade_source(doc: DocumentRecord, area: str) -> str:
    """The report's own judgement key that gives ``area``'s grade (itself, or an older framework's same
    judgement), or "" if the report grades no such judgement."""
    return next((k for k in (area, *JUDGEMENT_AREA_EQUIVALENTS.get(area, ())) if doc.grades.get(k)), "")


def row_of(doc: DocumentRecord) -> JudgementRow:
    """A report's row: its own facts; an ILACS column filled from an older framework's same judgement."""
    grades: dict[str, str] = {}
    citations: dict[str, dict[str, Any]] = {k: dict(doc.citations[k]) for k in CITED if k in doc.citations}
    used: set[str] = set()
    for key in AREA_KEYS:
        source = grade_source(doc, key)
        grades[key] = doc.grades[source] if source else ""
        if source:
            used.add(source)
            if f"grades.{source}" in doc.citations:
                citations[f"grades.{key}"] = dict(doc.citations[f"grades.{source}"])
    other = {k: g for k, g in doc.grades.items() if k not in used and k not in AREA_KEYS and k in AREA_BY_KEY and g}
    for key in other:
        if f"grades.{key}" in doc.citations:
            citations[f"grades.{key}"] = dict(doc.citations[f"grades.{key}"])
    return JudgementRow(doc_id=doc.doc_id, source=doc.source, path=doc.path, council=doc.council,
                        framework=doc.framework, inspection_start=doc.inspection_start,
                        inspection_end=doc.inspection_end, published=doc.published,
                        lead_inspector=doc.lead_inspector, grades=grades, other_grades=other, citations=citations)


def is_ofsted_report(doc: DocumentRecord) -> bool:
    """An Ofsted inspection's own publication (a report or a visit letter of a known framework)."""
    framework = FRAMEWORK_BY_VALUE.get(doc.framework)
    return framework is not None and doc.doc_type == framework.publishes


def matches_framework(framework: str, wanted: str) -> bool:
    """``--framework`` takes a framework ("ILACS standard", "focused visit") or a family ("ILACS", "SIF")."""
    want = wanted.strip().casefold()
    return want in (framework.casefold(), family_of(framework).casefold())


def check_framework(wanted: str) -> None:
    """Raises ValueError unless ``wanted`` names a framework or a family (a typo would match nothing)."""
    names = dict.fromkeys([f.value for f in FRAMEWORKS] + [f.family for f in FRAMEWORKS])
    if wanted.strip().casefold() not in {n.casefold() for n in names}:
        raise ValueError(f"unknown framework {wanted!r}: one of {', '.join(repr(n) for n in names)}")


def judgement_rows(documents: Iterable[DocumentRecord], council: str | None = None,
                   framework: str | None = None, latest: bool = False) -> list[JudgementRow]:
    """The table, by council then date. ``council``: any spelling the gazetteer knows. ``latest``: each
    council's latest graded inspection (its latest report if none is graded).

    Raises ValueError for a council name the gazetteer does not know (the caller says so in one line)."""
    wanted = council_name(council) if council else None
    rows = [row_of(d) for d in documents if is_ofsted_report(d) and (wanted is None or d.council == wanted)]
    if framework:
        rows = [r for r in rows if matches_framework(r.framework, framework)]
    rows.sort(key=lambda r: (r.council, r.date, r.source))
    return latest_per_council(rows) if latest else rows


def council_name(council: str) -> str:
    """The gazetteer's name for any spelling of a council ("Hull", "North Northants", "Bolton Council").

    Raises ValueError for a name it does not know."""
    known = load_gazetteer().canonical(council)
    if known is None:
        raise ValueError(f"unknown council {council!r}: use the name Ofsted gives it (e.g. 'Leeds')")
    return known.name


def latest_per_council(rows: Sequence[JudgementRow]) -> list[JudgementRow]:
    """Each council's latest graded row (its latest row if none is graded), by council."""
    best: dict[str, JudgementRow] = {}
    for row in sorted(rows, key=lambda r: (r.council, r.date, r.source)):
        current = best.get(row.council)
        if current is None or row.graded or not current.graded:
            best[row.council] = row
    return [best[c] for c in sorted(best)]


def csv_columns() -> list[str]:
    """FIELDS, one column per grade, then each cited value's page and quote."""
    cols = list(FIELDS) + list(AREA_KEYS)
    for name in (*CITED, *AREA_KEYS):
        cols += [f"{name} page", f"{name} quote"]
    return cols


def flat(row: JudgementRow) -> dict[str, Any]:
    """A row as one flat record (CSV, spreadsheet, the UI's table)."""
    out: dict[str, Any] = {name: getattr(row, name) for name in FIELDS}
    out |= {key: row.grades.get(key, "") for key in AREA_KEYS}
    for name in (*CITED, *AREA_KEYS):
        cited = row.citations.get(name if name in CITED else f"grades.{name}", {})
        out[f"{name} page"] = cited.get("page") or ""
        out[f"{name} quote"] = cited.get("quote", "")
    return out


def to_csv(rows: Sequence[JudgementRow]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=csv_columns(), lineterminator="\n")
    writer.writeheader()
    writer.writerows(flat(r) for r in rows)
    return buffer.getvalue()


def to_xlsx(rows: Sequence[JudgementRow]) -> bytes:
    """An Excel workbook: the table on one sheet (header frozen, filters on), what each column means on another."""
    from openpyxl import Workbook  # only exports need it

    book = Workbook()
    sheet = book.active
    sheet.title = "Judgements"
    columns = csv_columns()
    sheet.append(columns)
    for row in rows:
        record = flat(row)
        sheet.append([record[c] for c in columns])
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    about = book.create_sheet("About")
    about.append(["column", "meaning"])
    meanings = {"source": "the report's file", "path": "where it was read from", "council": "the local authority",
                "framework": "the inspection framework", "inspection_start": "fieldwork's first day (ISO)",
                "inspection_end": "fieldwork's last day (ISO)", "published": "publication date the report states",
                "lead_inspector": "as the report names them"}
    meanings |= {a.key: f"grade: {a.label} (empty: not stated)" for a in ILACS_AREAS}
    for col in columns:
        base = col.removesuffix(" page").removesuffix(" quote")
        what = meanings.get(col) or (f"page stating {base}" if col.endswith(" page") else f"line quoted for {base}")
        about.append([col, what])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def grade_distribution(rows: Sequence[JudgementRow]) -> dict[str, dict[str, int]]:
    """Per ILACS column, how many of ``rows`` give each grade (best first; empty cells are not counted).

    The grades are ILACS's four, plus the pre-2013 "adequate" only when some row gives it (it is a grade of
    its own, not "requires improvement")."""
    used = [g for g in GRADES if g != ADEQUATE or any(ADEQUATE in r.grades.values() for r in rows)]
    return {key: {g: sum(r.grades.get(key) == g for r in rows) for g in used} for key in AREA_KEYS}


def council_timeline(rows: Sequence[JudgementRow], council: str) -> list[JudgementRow]:
    """One council's rows (any spelling of its name), oldest first. Raises ValueError for an unknown name."""
    name = council_name(council)
    return sorted((r for r in rows if r.council == name), key=lambda r: (r.date, r.source))


def grade_points(rows: Sequence[JudgementRow]) -> list[dict[str, str]]:
    """Every stated grade of ``rows`` as one point (date, area key and label, grade, source) for a chart
    of grades over time; rows without a date have no place on it and are left out."""
    return [{"date": r.date, "area": key, "area_label": AREA_BY_KEY[key].label, "grade": r.grades[key],
             "source": r.source}
            for r in rows if r.date for key in AREA_KEYS if r.grades.get(key)]
