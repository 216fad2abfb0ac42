"""Structure-aware chunking: one finding (bullet / numbered paragraph) per chunk where possible.

Chunks never cross a section heading, never split a sentence, and always fit the embedder's window
*including* the "title — section:" prefix that is embedded with them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from domain.layouts import KNOWN_HEADING, section_kind
from domain.text import split_sentences
from ingest.structure import Block


@dataclass
class DraftChunk:
    text: str
    original: str
    section: str
    section_kind: str
    paragraph: str
    page: int
    page_end: int
    n_tokens: int
    sentences: list[str] = field(default_factory=list)
    section_grade: str = ""  # the grade its section's heading carries (a report's judgement sections)


@dataclass
class _Unit:
    text: str
    original: str
    label: str
    page: int
    page_end: int
    tokens: int


def embedding_prefix(title: str, section: str) -> str:
    short_title = " ".join(title.split()[:16])
    return f"{short_title} — {section}: " if section else f"{short_title}: "


class PageLocator:
    """Find which page(s) a chunk's text is printed on, by its first and last characters.

    Works on letters and digits only, so hyphenation, bullets and line breaks in the text layer don't matter,
    and it holds for pieces of split paragraphs and for merged ones alike.
    """

    def __init__(self, pages: list[str]):
        self.keys = [re.sub(r"[^a-z0-9]", "", page.lower()) for page in pages]
        self.cursor = 0  # chunks come in reading order: search forward from the last hit first

    def _page_of(self, probe: str) -> int:
        order = list(range(self.cursor, len(self.keys))) + list(range(0, self.cursor))
        for index in order:
            if probe and probe in self.keys[index]:
                return index
        return -1

    def locate(self, text: str, fallback: tuple[int, int]) -> tuple[int, int]:
        key = re.sub(r"[^a-z0-9]", "", text.lower())
        first, last = self._page_of(key[:32]), self._page_of(key[-32:])
        if first < 0 or last < 0:
            return fallback
        self.cursor = first
        return first + 1, max(first, last) + 1


def chunk_blocks(
    blocks: list[Block],
    title: str,
    count_tokens: Callable[[str], int],
    max_tokens: int = 256,
    merge_below: int = 60,
    merge_budget: int = 160,
    pages: list[str] | None = None,
) -> list[DraftChunk]:
    """Group blocks into chunks.

    ``max_tokens`` bounds prefix + text as the embedder counts them; blocks shorter than ``merge_below``
    are merged with neighbours of the same section (and paragraph number family) up to ``merge_budget``.
    """
    sections: list[tuple[str, str, str, list[_Unit]]] = []  # (heading, its kind, its grade, units)
    section, skind, grade, units = "", section_kind(""), "", []
    counters: dict[tuple[str, str], int] = {}
    last_label = ""
    for block in blocks:
        if block.kind == "heading":
            if units:
                sections.append((section, skind, grade, units))
            # a sub-heading keeps its section's kind ("Areas for improvement: Leadership, management and …")
            section = f"{block.parent}: {block.text}" if block.parent else block.text
            skind, grade, units = section_kind(block.parent or block.text), block.grade, []
            last_label = block.label
            continue
        if block.kind == "footnote":
            if units:
                sections.append((section, skind, grade, units))
            section, skind, grade, units = "Footnotes", section_kind("Footnotes"), "", []
            label = f"footnote {block.label}"
        elif block.label:
            label = last_label = block.label
        elif block.kind == "bullet" and block.markdown and last_label:
            label = last_label  # a sub-item of a numbered paragraph ("- Developed a new …" under 15)
        elif last_label and block.kind == "para" and not KNOWN_HEADING.match(section):
            label = last_label  # body under "6.2 Financial Implications"
        else:
            kind = "bullet" if block.kind == "bullet" else "para"
            counters[(section, kind)] = counters.get((section, kind), 0) + 1
            label = f"{kind} {counters[(section, kind)]}"
        units.append(_Unit(block.text, block.original, label, block.page, block.page_end, count_tokens(block.text)))
    if units:
        sections.append((section, skind, grade, units))

    chunks: list[DraftChunk] = []
    locator = PageLocator(pages) if pages and len(pages) > 1 else None
    for section, skind, grade, units in sections:
        prefix_tokens = count_tokens(embedding_prefix(title, section)) - 2  # specials are counted once
        budget = max_tokens - prefix_tokens
        for group in _merge_small(units, merge_below, min(merge_budget, budget)):
            for piece in _split_long(group, budget, count_tokens):
                if locator is not None:
                    piece.page, piece.page_end = locator.locate(piece.text, (piece.page, piece.page_end))
                chunks.append(
                    DraftChunk(
                        text=piece.text,
                        original=piece.original,
                        section=section,
                        section_kind=skind,
                        section_grade=grade,
                        paragraph=piece.label,
                        page=piece.page,
                        page_end=piece.page_end,
                        n_tokens=piece.tokens + prefix_tokens,
                        sentences=split_sentences(piece.text),
                    )
                )
    return chunks


def _label_span(first: str, last: str) -> str:
    return first if first == last else f"{first}–{last.split()[-1] if first.split()[0] == last.split()[0] else last}"


def _merge_small(units: list[_Unit], merge_below: int, budget: int) -> list[_Unit]:
    out: list[_Unit] = []
    lead_scheme = ""  # set while the last unit is a list's introduction ("… is recommended to:") and its items
    first_item = ""  # the label of that list's first item
    for unit in units:
        prev = out[-1] if out else None
        same_family = prev is not None and (prev.label.split()[0] == unit.label.split()[0] or unit.label == prev.label)
        # A list's items belong with the sentence that introduces them, whatever their own numbering; a unit
        # numbered like the introduction itself (the next paragraph, "3.12" after "3.11") ends the list.
        if prev is not None and not lead_scheme and prev.text.rstrip().endswith(":"):
            lead_scheme = _scheme(prev.label.split("–")[0])
        list_item = bool(lead_scheme) and _scheme(unit.label) != lead_scheme
        if (
            prev is not None
            and (same_family or list_item)
            and (prev.tokens < merge_below or unit.tokens < merge_below or unit.label == prev.label.split("–")[-1]
                 or list_item)
            and prev.tokens + unit.tokens <= budget
        ):
            if not list_item:  # a merge of two ordinary paragraphs ends any list before them
                lead_scheme = first_item = ""
            first = prev.label.split("–")[0]
            label = _label_span(first, unit.label)
            if list_item:
                # Numbered items under an unnumbered introduction are cited by their numbers ("1–3"); items
                # under a numbered paragraph ("3.11" and its bullets) by the paragraph's.
                first_item = first_item or unit.label
                label = _label_span(first_item, unit.label) if _scheme(first) in _COUNTERS and \
                    _scheme(unit.label) not in _COUNTERS else prev.label
            out[-1] = _Unit(
                text=prev.text + "\n" + unit.text,
                original=prev.original + "\n" + unit.original,
                label=label,
                page=prev.page,
                page_end=unit.page_end,
                tokens=prev.tokens + unit.tokens - 2,
            )
        else:
            lead_scheme = first_item = ""
            out.append(unit)
    return out


_COUNTERS = ("para", "bullet")  # labels we count ourselves, for text without numbers of its own


def _scheme(label: str) -> str:
    """How a paragraph label numbers: "para"/"bullet" labels by their word, "3.11" as "3.#", "1" as "#"."""
    head = label.split()[0] if label else ""
    if re.fullmatch(r"[\d.]+", head):
        return re.sub(r"\d+$", "#", head)
    return head


def _split_long(unit: _Unit, budget: int, count_tokens: Callable[[str], int]) -> list[_Unit]:
    if unit.tokens <= budget:
        return [unit]
    sentences = split_sentences(unit.text)
    pieces: list[list[str]] = [[]]
    for sentence in sentences:
        candidate = " ".join(pieces[-1] + [sentence])
        if pieces[-1] and count_tokens(candidate) > budget:
            pieces.append([sentence])
        else:
            pieces[-1].append(sentence)
    out = []
    for sents in pieces:
        text = " ".join(sents)
        tokens = count_tokens(text)
        if tokens > budget:  # one sentence longer than the window: fall back to clause boundaries
            out += _split_clauses(text, budget, count_tokens, unit)
            continue
        out.append(_Unit(text, unit.original, unit.label, unit.page, unit.page_end, tokens))
    return out


def _split_clauses(text: str, budget: int, count_tokens: Callable[[str], int], unit: _Unit) -> list[_Unit]:
    parts = re.split(r"(?<=[;,:])\s+", text)
    out, current = [], ""
    for part in parts:
        candidate = f"{current} {part}".strip()
        if current and count_tokens(candidate) > budget:
            out.append(current)
            current = part
        else:
            current = candidate
    out.append(current)
    final = []
    for piece in out:
        words = piece.split()
        while count_tokens(" ".join(words)) > budget:  # a single run-on clause: cut on words
            cut = max(1, len(words) * budget // count_tokens(" ".join(words)) - 1)
            final.append(" ".join(words[:cut]))
            words = words[cut:]
        final.append(" ".join(words))
    return [_Unit(p, unit.original, unit.label, unit.page, unit.page_end, count_tokens(p)) for p in final if p]
