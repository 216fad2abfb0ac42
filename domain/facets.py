"""The facet schema (what a document is) and the filter compiler (which documents a search may use).

One schema for the document registry, every chunk and every citation; one definition of what a filter means,
compiled three ways: a Chroma ``where`` clause, a test on one metadata dict, and a mask over in-memory columns.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any


@dataclass(kw_only=True)
class Facets:
    """The document-level fields a reader filters on and a citation shows (inherited by the records)."""

    title: str = ""
    date: str = ""  # ISO yyyy-mm-dd or "": the document's own date (a letter's, a meeting's, a publication's)
    council: str = ""  # the gazetteer's canonical name (domain/data/councils.toml)
    doc_type: str = ""  # a domain.kinds DOC_KINDS value
    inspection_type: str = ""  # a domain.kinds INSPECTION_TYPES value (the framework's family)
    framework: str = ""  # a domain.kinds FRAMEWORKS value
    inspection_start: str = ""  # ISO: the first day of the inspection's fieldwork, where the text states it
    inspection_end: str = ""  # ISO: its last day
    published: str = ""  # ISO: the publication date the document states
    lead_inspector: str = ""

    @property
    def year(self) -> int:
        """The year a question means by "the 2019 inspection": the fieldwork's, else the document's date's."""
        for value in (self.inspection_start, self.date, self.published):
            if value[:4].isdigit():
                return int(value[:4])
        return 0

    @property
    def when(self) -> str:
        """The date a citation shows, saying what it is ("inspected 11-15 September 2023", "dated 9 May 2018")."""
        if self.inspection_start and self.inspection_end:
            return "inspected " + date_span(self.inspection_start, self.inspection_end)
        if self.date:
            return "dated " + long_date(self.date)
        return ""

    def facets(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in FACET_FIELDS}


FACET_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Facets))

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")


def long_date(iso: str) -> str:
    """"2023-09-15" -> "15 September 2023" (the text unchanged if it is not an ISO date)."""
    try:
        year, month, day = (int(x) for x in iso.split("-"))
        return f"{day} {_MONTHS[month - 1]} {year}"
    except (ValueError, IndexError):
        return iso


def date_span(start: str, end: str) -> str:
    """"11 to 15 September 2023", "30 September to 11 October 2024", "5 December 2022 to 15 February 2023"."""
    a, b = long_date(start).split(" "), long_date(end).split(" ")
    if len(a) != 3 or len(b) != 3 or start == end:
        return long_date(start) if start == end else f"{long_date(start)} to {long_date(end)}"
    if a[2] != b[2]:
        return f"{' '.join(a)} to {' '.join(b)}"
    if a[1] != b[1]:
        return f"{a[0]} {a[1]} to {' '.join(b)}"
    return f"{a[0]} to {' '.join(b)}"


@dataclass(frozen=True)
class Clause:
    """One condition: ``op`` is "eq" (any of ``fields`` equals ``value``), "gte" or "lte" (an int field).
    ``or_unknown``: a document that does not state the field (``""``, year 0) passes too."""

    op: str
    fields: tuple[str, ...]
    value: Any
    or_unknown: bool = False

    @property
    def unknown(self) -> Any:
        return "" if self.op == "eq" else 0

    def holds(self, meta: Mapping[str, Any]) -> bool:
        if self.op == "eq":
            values = [meta.get(f) for f in self.fields]
            return self.value in values or (self.or_unknown and all(v in ("", None) for v in values))
        number = int(meta.get(self.fields[0]) or 0)
        if self.or_unknown and number == 0:
            return True
        return number >= self.value if self.op == "gte" else number <= self.value


#: Filter fields compared for equality with one metadata field of the same name.
_EQUALS = ("council", "doc_type", "inspection_type", "framework", "source", "doc_id")
#: Every metadata field a filter can read (the columns an in-memory index must keep).
FILTER_COLUMNS = (*_EQUALS, "section", "section_kind", "year")


@dataclass(frozen=True)
class Filters:
    """Metadata filters applied to both the dense and the keyword side of retrieval."""

    council: str | None = None
    year_from: int | None = None
    year_to: int | None = None
    doc_type: str | None = None
    inspection_type: str | None = None
    framework: str | None = None
    section: str | None = None  # a heading ("Areas for improvement") or a section kind ("improvement")
    source: str | None = None  # file name
    doc_id: str | None = None  # one document (a question about one council's latest inspection)
    #: Documents that do not state the council or the year pass those filters (a question's implied scope must
    #: never hide a document whose council could not be read; a user's own filter is strict).
    lenient: bool = False

    def is_empty(self) -> bool:
        return not any(v for k, v in asdict(self).items() if k != "lenient")

    def clauses(self) -> tuple[Clause, ...]:
        loose = self.lenient
        out = [Clause("eq", (name,), getattr(self, name), loose and name == "council")
               for name in _EQUALS if getattr(self, name)]
        if self.year_from:
            out.append(Clause("gte", ("year",), int(self.year_from), loose))
        if self.year_to:
            out.append(Clause("lte", ("year",), int(self.year_to), loose))
        if self.section:
            out.append(Clause("eq", ("section", "section_kind"), self.section))
        return tuple(out)

    def chroma_where(self) -> dict[str, Any] | None:
        """The filters as a Chroma ``where`` clause (None for no filter)."""
        compiled: list[dict[str, Any]] = []
        for c in self.clauses():
            if c.op == "eq":
                alternatives = [{f: c.value} for f in c.fields]
            else:
                alternatives = [{c.fields[0]: {"$gte" if c.op == "gte" else "$lte": c.value}}]
            if c.or_unknown:
                alternatives += [{f: c.unknown} for f in c.fields]
            compiled.append(alternatives[0] if len(alternatives) == 1 else {"$or": alternatives})
        if not compiled:
            return None
        return compiled[0] if len(compiled) == 1 else {"$and": compiled}

    def matches(self, meta: Mapping[str, Any]) -> bool:
        return all(c.holds(meta) for c in self.clauses())

    def mask(self, equals: Callable[[str, Any], Any], numbers: Callable[[str], Any], size: int) -> Any:
        """The filters over in-memory columns, as a boolean numpy array of ``size`` rows.

        ``equals(field, value)``: the rows whose ``field`` equals ``value``; ``numbers(field)``: the column as ints.
        """
        import numpy as np

        keep = np.ones(size, dtype=bool)
        for c in self.clauses():
            if c.op == "eq":
                hit = np.zeros(size, dtype=bool)
                for f in c.fields:
                    hit |= equals(f, c.value)
                if c.or_unknown:
                    unknown = np.ones(size, dtype=bool)
                    for f in c.fields:
                        unknown &= equals(f, "")
                    hit |= unknown
            else:
                column = numbers(c.fields[0])
                hit = column >= c.value if c.op == "gte" else column <= c.value
                if c.or_unknown:
                    hit |= column == 0
            keep &= hit
        return keep
