"""Page furniture: the running headers and footers, page numbers, contents pages and footnotes of a PDF's pages.

Found from what repeats across the document's own pages, not from any council's wording: a line that recurs,
digits aside, among the first or last few lines of a large share of the pages is a running header or footer
("Inspection of Bolton local authority children’s services" / "11 to 15 September 2023 5"). Footnotes are the
small print at a page's foot that starts with a number a word of the body carries as a marker ("improve?1" …
"1 The areas for improvement have been cross-referenced …"): they are taken out of the page and kept apart.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

#: Lines at each end of a page where running headers and footers sit.
EDGE = 4
#: A line at a page's edge recurring on at least this share of the pages (and on two or more) is furniture.
MIN_SHARE = 0.4
_PAGE_NUMBER = re.compile(r"^\s*(?:page\s+)?-?\s*\d{1,3}\s*-?(?:\s+of\s+\d{1,3})?\s*$", re.I)
# A footnote marker: a digit glued to the end of a word or to its closing punctuation ("board1", "improve?1").
_MARKER = re.compile(r"(?<=[A-Za-z)\]?.,;:’'])(\d{1,2})(?=[\s.,;:]|$)")
_FOOTNOTE_START = re.compile(r"^\s*(\d{1,2})\s+(?=\S)")
_CONTENTS = re.compile(r"^\s*(?:contents|table of contents)\s*$", re.I)
_ENDS_WITH_PAGE = re.compile(r"\S\s+\d{1,3}\s*$")


@dataclass
class Footnote:
    page: int  # 1-based
    label: str
    text: str


@dataclass
class CleanPages:
    pages: list[str]  # the pages without furniture (a contents page becomes empty)
    footnotes: list[Footnote] = field(default_factory=list)
    removed: int = 0  # furniture lines removed


def _norm(line: str) -> str:
    return re.sub(r"\d+", "#", " ".join(line.split())).lower()


def _edges(lines: list[str]) -> list[int]:
    """Indexes of the first and last EDGE non-blank lines."""
    filled = [i for i, line in enumerate(lines) if line.strip()]
    return sorted(set(filled[:EDGE] + filled[-EDGE:]))


def running_lines(pages: list[str]) -> set[str]:
    """The normalised lines that recur at the edges of a large share of the pages (none for 1-2 page files)."""
    if len(pages) < 3:
        return set()
    seen: Counter[str] = Counter()
    for page in pages:
        lines = page.split("\n")
        seen.update({_norm(lines[i]) for i in _edges(lines)})
    need = max(2, MIN_SHARE * len(pages))
    return {line for line, n in seen.items() if n >= need and line}


def is_contents_page(page: str) -> bool:
    """A contents page: headed "Contents", most of its lines ending in a page number."""
    lines = [line for line in page.split("\n") if line.strip()]
    if not any(_CONTENTS.match(line) for line in lines[:6]):
        return False
    numbered = sum(1 for line in lines if _ENDS_WITH_PAGE.search(line))
    return numbered >= 0.5 * (len(lines) - 1)


def clean_pages(pages: list[str]) -> CleanPages:
    running = running_lines(pages)
    out = CleanPages([])
    markers: set[str] = set()
    for number, page in enumerate(pages, start=1):
        if len(pages) > 2 and is_contents_page(page):
            out.pages.append("")
            out.removed += page.count("\n") + 1
            continue
        lines = page.split("\n")
        drop = set()
        for i in _edges(lines):
            line = lines[i]
            # Page 1's top is the title, never a running header; a bare page number is furniture anywhere at an edge.
            top_of_first = number == 1 and i < len(lines) // 2
            if _PAGE_NUMBER.match(line) or (_norm(line) in running and not top_of_first):
                drop.add(i)
        kept = [line for i, line in enumerate(lines) if i not in drop]
        out.removed += len(drop)
        body, notes = _split_footnotes(kept, markers, number)
        markers |= set(_MARKER.findall("\n".join(body)))
        out.footnotes += notes
        out.pages.append("\n".join(body))
    return out


def _split_footnotes(lines: list[str], markers: set[str], page: int) -> tuple[list[str], list[Footnote]]:
    """The page's body lines and its footnotes: from the first line near the foot that starts with a number
    some word carries as a marker (on this page or before), after a blank line or a rule."""
    markers = markers | set(_MARKER.findall("\n".join(lines)))
    filled = [i for i, line in enumerate(lines) if line.strip()]
    foot = filled[-8:]
    start = None
    for i in foot:
        m = _FOOTNOTE_START.match(lines[i])
        previous = lines[i - 1] if i else ""
        after_break = not previous.strip() or set(previous.strip()) <= {"_", "-"}
        if m and m.group(1) in markers and after_break:
            start = i
            break
    if start is None:
        return lines, []
    notes: list[Footnote] = []
    for line in lines[start:]:
        m = _FOOTNOTE_START.match(line)
        if m and m.group(1) in markers:
            notes.append(Footnote(page, m.group(1), line[m.end():].strip()))
        elif line.strip() and notes:
            notes[-1].text = f"{notes[-1].text} {line.strip()}"
    body = lines[:start]
    while body and (not body[-1].strip() or set(body[-1].strip()) <= {"_", "-"}):
        body.pop()
    return body, notes
