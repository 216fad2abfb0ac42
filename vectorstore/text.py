"""Sentence splitting and match-normalisation shared by the index writers (ingest) and readers (assistant).

Both sides must agree on what a sentence is: ingest stores sentence embeddings, the assistant quotes them.
"""

from __future__ import annotations

import re
import unicodedata

_ABBREVIATIONS = {
    "e.g", "i.e", "etc", "cf", "vs", "no", "nos", "dr", "mr", "mrs", "ms", "cllr", "st", "para", "paras",
    "fig", "approx", "inc", "ltd", "co", "dept", "govt", "jan", "feb", "mar", "apr", "jun", "jul", "aug",
    "sep", "sept", "oct", "nov", "dec", "op", "ref", "p", "pp",
}
# A sentence ends at . ! ? (optionally followed by closing quotes/brackets) before whitespace and a
# plausible sentence start. Decimal points and paragraph labels ("3.9") never match: no space follows.
_BOUNDARY = re.compile(r"(?<=[.!?])([\"'”’)\]]*)\s+(?=[\"'“‘(\[]?[A-Z0-9£])")


def split_sentences(text: str) -> list[str]:
    """Split normalised text into sentences; each returned sentence is a verbatim substring of ``text``."""
    text = text.strip()
    if not text:
        return []
    out: list[str] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        end = m.start() + len(m.group(1))
        candidate = text[start:end]
        last_word = re.findall(r"([A-Za-z][A-Za-z.]*)\.[\"'”’)\]]*$", candidate)
        if last_word and last_word[-1].lower().rstrip(".") in _ABBREVIATIONS:
            continue
        # A lone initial ("J. Smith") or a list label ("a.") is not a sentence end.
        if re.search(r"(?:^|\s)[A-Za-z]\.$", candidate):
            continue
        if candidate.strip():
            out.append(candidate.strip())
        start = m.end()
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return out


_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "\u00a0": " "})


def normalize_for_match(text: str) -> str:
    """Case-, quote- and whitespace-insensitive form used to compare quotes with passages."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES).lower()
    return re.sub(r"\s+", " ", text).strip()
