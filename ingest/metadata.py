"""Document-level metadata (the facets) read from the text itself (never from the file name).

The council comes from the gazetteer (domain/gazetteer.py) matched against the title and opening; an Ofsted
report's framework, inspection dates, publication date, lead inspector and judgements from
``ingest.report_fields`` (each with its citation); the kind of document from the layout profiles. A field that
cannot be read stays empty: a wrong council or date in a citation is worse than none.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields
from datetime import date
from pathlib import Path

from domain.facets import Facets
from domain.gazetteer import load as load_gazetteer
from domain.kinds import FRAMEWORK_BY_VALUE, INSPECTION_LETTER, INSPECTION_REPORT, family_of
from domain.layouts import doc_kind_of, inspection_type_of
from domain.text import ends_with_function_word
from ingest.normalize import clean_line
from ingest.report_fields import FieldCitation, extract_report_fields

MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"], start=1)}
_DATE = re.compile(
    r"\b(\d{1,2})(?:st|nd|rd|th)?\s+(January|February|March|April|May|June|July|August|September|October|"
    r"November|December)\s*,?\s+(\d{4})\b", re.I)


@dataclass
class DocumentMetadata(Facets):
    """A document's facets as read from its text (fields it cannot read stay empty), with the judgements an
    inspection report states and the citation of every field read from a report's own lines."""

    grades: dict[str, str] = field(default_factory=dict)  # judgement area key (domain.kinds) -> grade
    citations: dict[str, FieldCitation] = field(default_factory=dict)  # field ("grades.<area>") -> page + quote

    def merged(self, overrides: dict[str, str]) -> DocumentMetadata:
        """The metadata with a user's overrides (sidecar, CLI flags); an overridden field loses its citation."""
        names = {f.name for f in fields(Facets)}
        chosen = {k: v for k, v in overrides.items() if k in names and v}
        data = {**asdict(self), **chosen}
        data["citations"] = {k: v for k, v in self.citations.items() if k not in chosen}
        return DocumentMetadata(**data)


#: How much of a document's opening names its council (the title and the first page or so).
OPENING_CHARS = 3000


def extract_metadata(pages: Sequence[str] | str) -> DocumentMetadata:
    pages = [pages] if isinstance(pages, str) else list(pages)
    text = "\n".join(pages)
    clean = _clean(text)
    report = extract_report_fields(pages)
    title = _title(text)
    council = load_gazetteer().document_council(title, clean[:OPENING_CHARS])
    framework = FRAMEWORK_BY_VALUE.get(report.framework)
    return DocumentMetadata(
        title=title, date=_date(text), council=council.name if council else "",
        doc_type=_doc_type(clean, framework.publishes if framework else ""),
        inspection_type=family_of(report.framework) or inspection_type_of(clean),
        framework=report.framework, inspection_start=report.inspection_start, inspection_end=report.inspection_end,
        published=report.published, lead_inspector=report.lead_inspector, grades=dict(report.grades),
        citations=dict(report.citations),
    )


def _clean(text: str) -> str:
    text = re.sub(r"</?\w+[^>]*>", "", text).replace("**", "").replace("__", "")
    return re.sub(r"^\s*#+\s*", "", text, flags=re.M)


def _date(text: str) -> str:
    """The letter's or meeting's date: the first full date in the document's opening."""
    head = _clean(text)[:1500]
    m = _DATE.search(head)
    if not m:
        return ""
    try:
        return date(int(m.group(3)), MONTHS[m.group(2).lower()], int(m.group(1))).isoformat()
    except ValueError:
        return ""


def _doc_type(clean: str, published_kind: str) -> str:
    """The layout profiles decide, except that a document titled as an Ofsted report is one (a SIF report's
    "report of the inspection … council … recommendations" would otherwise read as a committee report)."""
    kind = doc_kind_of(clean)
    if published_kind == INSPECTION_REPORT.value and kind != INSPECTION_LETTER.value:
        return published_kind
    return kind


def _wrapped(lines: list[str], start: int) -> str:
    """A title starting at ``lines[start]``, re-joined across the hard wraps of a PDF text layer."""
    parts = [lines[start].strip()]
    for line in lines[start + 1:start + 6]:
        line = line.strip()
        prev = parts[-1]
        if not line or prev.endswith((".", ":", ";")):
            break
        tail_of_long_line = len(line.split()) <= 2 and len(prev.split()) >= 8 and line[:1].isupper()
        if line[:1].islower() or ends_with_function_word(prev) or prev.endswith(",") or tail_of_long_line:
            parts.append(line)
        else:
            break
    return _squash(" ".join(parts))


def _title(text: str) -> str:
    raw = text.replace("\r", "")
    # An inspection letter: the subject paragraph after the salutation (blank-line separated in text
    # exports; hard-wrapped with no blank line in PDF text layers).
    m = re.search(r"^\s*Dear [^\n]*,\s*\n\s*\n((?:[^\n]*\S[^\n]*\n)+)", raw, re.M)
    if m:
        return _squash(m.group(1))
    m = re.search(r"^\s*Dear [^\n]*,[ \t]*\n(.*)", raw, re.M | re.S)
    if m:
        return _wrapped(m.group(1).split("\n"), 0)
    # Markdown exports: the first bold/heading block that reads like a title.
    for block in re.findall(r"(?:^#+\s*)?\*\*(.+?)\*\*", raw, re.S | re.M):
        cand = _squash(block)
        if len(cand.split()) >= 5 and re.search(r"inspection|progress|update|response|report on", cand, re.I) \
                and not cand.lower().startswith("report of"):
            return cand
    lines = [_squash(line) for line in _clean(raw).split("\n")]
    for i, line in enumerate(lines[:60]):
        if 4 <= len(line.split()) <= 25 and re.search(r"inspection", line, re.I) and not line.endswith("."):
            return _wrapped(lines, i)
    for i, line in enumerate(lines[:20]):
        if 4 <= len(line.split()) <= 25:
            return _wrapped(lines, i)
    return ""


def _squash(text: str) -> str:
    # clean_line drops a footnote marker glued to a word ("… Children Board1")
    return clean_line(re.sub(r"\s+", " ", _clean(text))).strip().rstrip(",")


def read_sidecar(path: Path) -> dict[str, str]:
    """Overrides from ``<file>.meta.json`` (e.g. {"council": "Southend-on-Sea", "date": "2018-05-09"})."""
    sidecar = path.with_name(path.name + ".meta.json")
    if not sidecar.exists():
        return {}
    data = json.loads(sidecar.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{sidecar.name} must hold a JSON object")
    return {str(k): str(v) for k, v in data.items() if v is not None}
