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
    date: str = ""  # ISO yyyy-mm-dd or ""
    council: str = ""
    doc_type: str = ""  # a domain.kinds DOC_KINDS value
    inspection_type: str = ""  # a domain.kinds INSPECTION_TYPES value

    @property
    def year(self) -> int:
        return int(self.date[:4]) if self.date[:4].isdigit() else 0

    def facets(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in FACET_FIELDS}


FACET_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Facets))


@dataclass(frozen=True)
class Clause:
    """One condition: ``op`` is "eq" (any of ``fields`` equals ``value``), "gte" or "lte" (an int field)."""

    op: str
    fields: tuple[str, ...]
    value: Any

    def holds(self, meta: Mapping[str, Any]) -> bool:
        if self.op == "eq":
            return any(meta.get(f) == self.value for f in self.fields)
        number = int(meta.get(self.fields[0]) or 0)
        return number >= self.value if self.op == "gte" else number <= self.value


#: Filter fields compared for equality with one metadata field of the same name.
_EQUALS = ("council", "doc_type", "inspection_type", "source")
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
    section: str | None = None  # a heading ("Areas for improvement") or a section kind ("improvement")
    source: str | None = None  # file name

    def is_empty(self) -> bool:
        return not any(asdict(self).values())

    def clauses(self) -> tuple[Clause, ...]:
        out = [Clause("eq", (name,), getattr(self, name)) for name in _EQUALS if getattr(self, name)]
        if self.year_from:
            out.append(Clause("gte", ("year",), int(self.year_from)))
        if self.year_to:
            out.append(Clause("lte", ("year",), int(self.year_to)))
        if self.section:
            out.append(Clause("eq", ("section", "section_kind"), self.section))
        return tuple(out)

    def chroma_where(self) -> dict[str, Any] | None:
        """The filters as a Chroma ``where`` clause (None for no filter)."""
        compiled: list[dict[str, Any]] = []
        for c in self.clauses():
            if c.op == "eq":
                alternatives = [{f: c.value} for f in c.fields]
                compiled.append(alternatives[0] if len(alternatives) == 1 else {"$or": alternatives})
            else:
                compiled.append({c.fields[0]: {"$gte" if c.op == "gte" else "$lte": c.value}})
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
                keep &= hit
            elif c.op == "gte":
                keep &= numbers(c.fields[0]) >= c.value
            else:
                keep &= numbers(c.fields[0]) <= c.value
        return keep
