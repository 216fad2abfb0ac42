"""Document-level metadata read from the text itself (never from the file name).

A field that cannot be found stays empty: a wrong council or date in a citation is worse than none.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

from domain.facets import Facets
from domain.layouts import NOT_PLACE_WORDS, doc_kind_of, inspection_type_of
from domain.text import ends_with_function_word

MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"], start=1)}
_DATE = re.compile(
    r"\b(\d{1,2})(?:st|nd|rd|th)?\s+(January|February|March|April|May|June|July|August|September|October|"
    r"November|December)\s*,?\s+(\d{4})\b", re.I)


@dataclass
class DocumentMetadata(Facets):
    """A document's facets as read from its text (fields it cannot read stay empty)."""

    def merged(self, overrides: dict[str, str]) -> DocumentMetadata:
        data = asdict(self)
        data.update({k: v for k, v in overrides.items() if k in data and v})
        return DocumentMetadata(**data)


def extract_metadata(text: str) -> DocumentMetadata:
    return DocumentMetadata(
        title=_title(text), date=_date(text), council=_council(text),
        doc_type=_doc_type(text), inspection_type=_inspection_type(text),
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


def _doc_type(text: str) -> str:
    return doc_kind_of(_clean(text))


def _inspection_type(text: str) -> str:
    return inspection_type_of(_clean(text))


def _council(text: str) -> str:
    t = re.sub(r"[ \t\u00a0]+", " ", _clean(text))  # keep line breaks: a name never spans lines
    scores: Counter[str] = Counter()
    name = r"((?:[A-Z][\w’']*(?:-(?:on|upon|under|le|in|by)-|[- ](?=[A-Z])))*[A-Z][\w’']+)"
    for m in re.finditer(name + r" (?:Borough |City |County |District |Metropolitan Borough )?Council\b", t):
        scores[m.group(1)] += 3
    for m in re.finditer(r"\b(?:in|across) " + name, t):
        scores[m.group(1)] += 1
    merged: Counter[str] = Counter()
    for n, s in scores.items():
        merged[re.sub(r" (?:Borough|City|County|District|Metropolitan Borough)$", "", n)] += s
    scores = merged
    candidates = {n: s for n, s in scores.items() if n.split()[0].lower() not in NOT_PLACE_WORDS
                  and not n.isupper() and len(n) > 3}
    # "Southend" and "Southend-on-Sea" are one place: credit the longer spelling.
    for short in list(candidates):
        for longer in candidates:
            if longer != short and longer.startswith(short):
                candidates[longer] += candidates[short]
                candidates[short] = 0
    best = max(candidates.items(), key=lambda kv: kv[1], default=("", 0))
    return best[0] if best[1] >= 3 else ""


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
    return re.sub(r"\s+", " ", _clean(text)).strip().rstrip(",")


def read_sidecar(path: Path) -> dict[str, str]:
    """Overrides from ``<file>.meta.json`` (e.g. {"council": "Southend-on-Sea", "date": "2018-05-09"})."""
    sidecar = path.with_name(path.name + ".meta.json")
    if not sidecar.exists():
        return {}
    data = json.loads(sidecar.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{sidecar.name} must hold a JSON object")
    return {str(k): str(v) for k, v in data.items() if v is not None}
