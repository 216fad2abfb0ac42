"""Recover the structure of inspection letters and committee reports from their text.

Output is a flat list of blocks (headings, numbered paragraphs, bullet items, plain paragraphs) with page
numbers. Handles both the hard-wrapped text layer of PDFs (bullets as symbol glyphs, a blank line inside a
bullet, footnotes between pages) and markdown-ish exports (``#`` headings, ``- 3.9`` numbered paragraphs).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from domain.layouts import (
    KNOWN_HEADING,
    grade_phrase,
    is_judgement_table_header,
    judgement_heading,
    section_kind,
    starts_about_ofsted,
    starts_judgement_heading,
)
from domain.text import ends_with_function_word
from ingest.furniture import clean_pages
from ingest.normalize import BULLET_MARK, clean_line, collapse_spaces, join_hyphenated, vocabulary

_MD_HEADING = re.compile(r"^\s*(#{1,6})\s+(.*)$")
_NUMBERED = re.compile(r"^\s*(?:-\s+)?(\d{1,2}(?:\.\d{1,2}){0,2})\.?(?:\s+(.*))?$")
_DASH_ITEM = re.compile(r"^\s*[-*]\s+(.*)$")
_ENUM_ITEM = re.compile(r"^\s*(?:\(?[a-z]\)|\(?[ivx]+\))\s+(.*)$")
_TERMINAL = (".", ",", ";", ":", "”", "’", '"', "'", "?", "!")
_DATE_LINE = re.compile(r"^\d{1,2}(?:st|nd|rd|th)?\s+[A-Z][a-z]+\s+\d{4}$")
_FOOTNOTE_RULE = re.compile(r"^[ \t\u00a0]{20,}$|^[_]{10,}\s*$")
_PAGE_FOOTER = re.compile(r"^\s*(?:Page\s+\d+(?:\s+of\s+\d+)?|-?\s*\d{1,3}\s*-?)\s*$", re.I)
_NUMBERED_START = re.compile(r"^\s*\d{1,2}(?:\.\d{1,2})*\.?\s+[A-Z]")
_RULE = re.compile(r"^\s*(?:-{3,}|\*{3,}|_{3,})\s*$")
_HAS_DATE = re.compile(r"\b\d{1,2}(?:st|nd|rd|th)?\s+(?:January|February|March|April|May|June|July|August|September|"
                       r"October|November|December)\s+\d{4}\b")
# A line that starts a new paragraph even without a blank line before it (markdown list items).
_ITEM_START = re.compile(r"^\s*[-*]\s+\S")


@dataclass
class Block:
    kind: str  # "heading" | "numbered" | "bullet" | "para" | "footnote"
    text: str
    original: str
    page: int = 0
    page_end: int = 0
    label: str = ""  # paragraph number ("3.9", "12") where the document gives one
    level: int = 0  # heading level (markdown #), 0 for plain headings
    markdown: bool = False
    grade: str = ""  # a judgement heading's grade ("The experiences and progress of care leavers: good")
    parent: str = ""  # a sub-heading's section ("Areas for improvement" over "Leadership, management and …")

#: The section an Ofsted report's opening facts (dates, lead inspector, the judgement table) are kept in.
#: Sections whose judgement-named headings without a grade only group their items (a sub-heading).
SUBHEADED_KINDS = ("improvement", "recommendations", "strengths")
#: Section kinds a heading inside a graded judgement section can have and still be one of its parts.
INNER_KINDS = ("summary", "recommendations", "improvement", "strengths", "other")
ABOUT_OFSTED = "About Ofsted"
JUDGEMENTS_SECTION = "Judgements"
SUMMARY_SECTION = "Summary"


@dataclass
class _Line:
    raw: str
    text: str
    page: int


@dataclass
class _Para:
    lines: list[_Line] = field(default_factory=list)

    @property
    def text(self) -> str:
        return collapse_spaces(" ".join(line.text for line in self.lines))

    @property
    def original(self) -> str:
        return "\n".join(line.raw.rstrip() for line in self.lines)


def _is_heading_text(text: str) -> bool:
    words = text.split()
    return (
        0 < len(words) <= 10
        and not text.endswith(_TERMINAL)
        and (text[0].isupper() or text[0].isdigit())
        and not _HAS_DATE.search(text)
        and len(text) <= 90
    )


def _starts_block(line: str) -> bool:
    """A line that begins a new block whatever precedes it: a numbered paragraph, a bullet, a heading."""
    text = clean_line(line).strip()
    return bool(_NUMBERED_START.match(text) or text.startswith(BULLET_MARK) or KNOWN_HEADING.match(text)
                or starts_judgement_heading(text) or starts_about_ofsted(text))


def _ends_sentence(line: str) -> bool:
    return line.rstrip().endswith((".", "!", "?", ".”", ".’", '."'))


def _lines(pages: list[str], paged: bool) -> list[_Line]:
    raw_lines: list[tuple[str, int]] = []
    for number, page in enumerate(pages, start=1):
        page_lines = page.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n").split("\n")
        if paged:
            # A paragraph that runs across a page break goes on: the page's own blank edges are not paragraph
            # breaks; one is kept only where the next page begins a new block.
            while page_lines and not page_lines[0].strip():
                page_lines.pop(0)
            while page_lines and not page_lines[-1].strip():
                page_lines.pop()
            # A page whose last line ends a sentence ends its paragraph there too: joined, the next page's
            # opening (a judgement table, a heading) would vanish into the previous paragraph.
            if raw_lines and page_lines and (_starts_block(page_lines[0]) or _ends_sentence(raw_lines[-1][0])):
                raw_lines.append(("", number))
        for raw in page_lines:
            raw_lines.append((raw, number if paged else 0))
    vocab = vocabulary(" ".join(r for r, _ in raw_lines))
    out: list[_Line] = []
    footnote_next = False
    for raw, page in raw_lines:
        if _FOOTNOTE_RULE.match(raw):
            footnote_next = True
            out.append(_Line(raw="", text="", page=page))
            continue
        if footnote_next and re.match(r"^\s*\d{1,2}\s+\S", raw):
            out.append(_Line(raw=raw, text="\x00FOOTNOTE " + collapse_spaces(raw), page=page))
            footnote_next = False
            continue
        if raw.strip():
            footnote_next = False
        if paged and _PAGE_FOOTER.match(raw):
            continue  # "Page 3 of 8" and bare page numbers are layout, not text
        for piece in clean_line(raw).split("\n"):
            out.append(_Line(raw=raw, text=piece, page=page))
    texts = join_hyphenated([line.text for line in out], vocab)
    for line, text in zip(out, texts):
        line.text = text
    return out


def _infer_breaks(lines: list[_Line]) -> list[_Line]:
    """PDF text layers carry no blank lines: insert them where a paragraph visibly ends.

    A line that finishes a sentence well short of the usual line width ends its paragraph, and so does a short
    unpunctuated line (a heading, a title, a name) followed by a capitalised line; a numbered line
    ("3.1 Between …") after a finished sentence starts one.
    """
    widths = sorted(len(line.text.rstrip()) for line in lines if line.text.strip())
    if not widths:
        return lines
    typical = widths[int(0.9 * (len(widths) - 1))]
    out: list[_Line] = []
    for i, line in enumerate(lines):
        text = line.text.rstrip()
        nxt = next((n.text.strip() for n in lines[i + 1:i + 2]), "")
        prev = out[-1].text.rstrip() if out else ""
        if text and prev and _NUMBERED_START.match(text) and (prev.endswith(_TERMINAL) or len(prev) < 0.6 * typical):
            out.append(_Line(raw="", text="", page=line.page))
        out.append(line)
        if not text or not nxt:
            continue
        short = len(text) < 0.8 * typical
        if short and (text.endswith((".", "!", "?", ".”", ".’", ":")) or
                      (len(text) < 0.6 * typical and not text.endswith(_TERMINAL) and nxt[:1].isupper()
                       and not ends_with_function_word(text))):
            out.append(_Line(raw="", text="", page=line.page))
    return out


def _in_heading(para: _Para, whole: bool = False) -> bool:
    """Whether a paragraph so far is (``whole``: all of) a judgement heading begun on its first line."""
    if not para.lines or len(para.lines) > 3 or not starts_judgement_heading(para.lines[0].text):
        return False
    return judgement_heading(para.text) is not None if whole else True


def _paragraphs(lines: list[_Line]) -> list[_Para]:
    paras: list[_Para] = []
    current = _Para()
    for line in lines:
        stripped = line.text.strip()
        if _RULE.match(line.text):
            stripped = line.text = ""
        prev_done = not current.lines or current.lines[-1].text.rstrip().endswith(_TERMINAL)
        # a list item may end on its reference, "… aged over 21. (outcome 4, national framework)"
        # (or a one-line heading "Inspection judgements about the local authority" runs into it)
        # (or a SIF section's small table opens with its header, "Key judgement Judgement grade", then the heading)
        item_done = prev_done or current.lines[-1].text.rstrip().endswith(")") or \
            (len(current.lines) == 1 and _is_heading_text(current.lines[0].text.strip())) or \
            is_judgement_table_header(current.lines[-1].text.strip())
        starts_item = (
            stripped.startswith(BULLET_MARK)
            or line.text.startswith("\x00FOOTNOTE")
            or _ITEM_START.match(line.text) is not None
            or (prev_done and KNOWN_HEADING.match(stripped) is not None)
            or (item_done and starts_judgement_heading(stripped) and not _in_heading(current))
            or (item_done and is_judgement_table_header(stripped))
            or (prev_done and starts_about_ofsted(stripped))
        )
        if not stripped or starts_item:
            if current.lines:
                paras.append(current)
            current = _Para()
            if not line.text.strip():
                continue
        current.lines.append(line)
        if len(current.lines) == 1 and paras and grade_phrase(stripped) and judgement_heading(paras[-1].text):
            # "… protection" / "is good": the grade line under a heading ends there, whatever follows it
            paras.append(current)
            current = _Para()
            continue
        # a judgement heading ("The experiences and progress of … protection: good", over one or two lines)
        # is a paragraph of its own, whatever follows it without a blank line
        if line.text.startswith("\x00FOOTNOTE") or KNOWN_HEADING.match(stripped) or _in_heading(current, whole=True):
            paras.append(current)
            current = _Para()
    if current.lines:
        paras.append(current)
    return paras


def parse_blocks(pages: list[str], paged: bool = False, facts: list[tuple[int, str]] | None = None) -> list[Block]:
    """Blocks in reading order; footnotes are moved to the end.

    ``facts``: (1-based page, verbatim line) of the facts an Ofsted report states at its start (dates, lead
    inspector, the judgement table, as ``ingest.report_fields`` cited them): the opening up to the last of them
    on the first page is kept as one "Judgements" section, verbatim, never parsed as headings and paragraphs.
    """
    blocks: list[Block] = []
    pending_label = ""
    footnotes = []
    if paged:
        cleaned = clean_pages(pages)
        pages, footnotes = cleaned.pages, cleaned.footnotes
    if facts:
        pages, opening = _split_opening(pages, facts)
        blocks += opening
    lines = _lines(pages, paged)
    interior_blanks = sum(1 for a, b, c in zip(lines, lines[1:], lines[2:])
                          if not b.text.strip() and a.text.strip() and c.text.strip())
    has_blank_lines = interior_blanks > len(lines) * 0.05
    if paged and not has_blank_lines:
        lines = _infer_breaks(lines)
    about = False  # inside the closing "About Ofsted" page: its address lines are not headings
    for para in _paragraphs(lines):
        first = para.lines[0]
        text, original = para.text, para.original
        page, page_end = first.page, para.lines[-1].page
        if about and not text.startswith("\x00FOOTNOTE"):
            blocks.append(Block("para", text, original, page, page_end))
            continue
        judged = judgement_heading(text) if len(text.split()) <= 30 else None
        same = blocks[-1] if blocks and blocks[-1].kind == "heading" and not blocks[-1].grade else None
        if judged is not None and same is not None and same.text == judged[0]:
            # the heading repeated by its own small table ("Key judgement Judgement grade", the heading, its grade)
            same.grade, same.original, same.parent = judged[1], same.original + "\n" + original, ""
            continue
        if judged is not None:
            # Without a grade inside a list of recommendations it only groups them: a sub-heading there
            # (until a grade follows it: then it opens its judgement section after all).
            section = _open_section(blocks)
            parent = section.text if section and not judged[1] and section_kind(section.text) in SUBHEADED_KINDS \
                else ""
            blocks.append(Block("heading", judged[0], original, page, page_end, grade=judged[1], parent=parent))
            continue
        open_heading = blocks[-1] if blocks and blocks[-1].kind == "heading" and not blocks[-1].grade \
            and judgement_heading(blocks[-1].text) else None
        if open_heading is not None and (grade_phrase(text) or is_judgement_table_header(text)):
            # the grade on the line after the heading, or at the end of the section's own small table
            open_heading.grade = grade_phrase(text) or grade_phrase(para.lines[-1].text)
            open_heading.original += "\n" + original
            open_heading.parent = ""
            continue
        if is_judgement_table_header(text) and len(text.split()) <= 4:
            continue  # a small table's header before the heading it grades: layout, not text
        if starts_about_ofsted(text):
            blocks.append(Block("heading", ABOUT_OFSTED, ABOUT_OFSTED, page, page, markdown=True))
            about = True
        if text.startswith("\x00FOOTNOTE"):
            body = text.replace("\x00FOOTNOTE ", "", 1)
            label, _, rest = body.partition(" ")
            blocks.append(Block("footnote", rest, original, page, page_end, label=label))
            continue
        if text.startswith(BULLET_MARK):
            blocks.append(Block("bullet", text.lstrip(BULLET_MARK).strip(), original, page, page_end))
            continue
        md = _MD_HEADING.match(first.raw.replace("**", ""))
        if md and len(para.lines) <= 3:
            heading = text.lstrip("#").strip()
            numbered = re.match(r"^(\d{1,2}(?:\.\d{1,2})*)\.?\s+(.+)$", heading)
            label, heading = (numbered.group(1), numbered.group(2)) if numbered else ("", heading)
            blocks.append(Block("heading", heading, original, page, page_end, label=label,
                                level=len(md.group(1)), markdown=True))
            continue
        num = _NUMBERED.match(text)
        if num and not _DATE_LINE.match(text) and not _HAS_DATE.match(text):
            label, rest = num.group(1), (num.group(2) or "").strip()
            if not rest:
                pending_label = label  # a number alone on a line labels what follows (e.g. a table)
                continue
            if _is_heading_text(rest) and "." in first.raw.split(rest[:1])[0] + "." and len(rest.split()) <= 8:
                blocks.append(Block("heading", rest, original, page, page_end, label=label))
            else:
                blocks.append(Block("numbered", rest, original, page, page_end, label=label))
            continue
        dash = _DASH_ITEM.match(text) or _ENUM_ITEM.match(text)
        if dash:
            blocks.append(Block("bullet", dash.group(1).strip(), original, page, page_end, markdown=True))
            continue
        if len(para.lines) == 1 and (_is_heading_text(text) or KNOWN_HEADING.match(text)):
            heading = Block("heading", text, original, page, page_end, markdown=first.raw.lstrip().startswith("**"))
            section = _open_section(blocks)
            if section is not None and section.grade and section_kind(text) in INNER_KINDS:
                # "Summary", "Inspection findings" inside a SIF judgement section: its parts, same kind and grade
                heading.parent, heading.grade = section.text, section.grade
            blocks.append(heading)
            continue
        blocks.append(Block("para", text, original, page, page_end, label=pending_label))
        pending_label = ""
    blocks = _demote_heading_runs(_join_continuations(blocks))
    blocks += [Block("footnote", f.text, f"{f.label} {f.text}", f.page, f.page, label=f.label) for f in footnotes]
    return [b for b in blocks if b.kind != "footnote"] + [b for b in blocks if b.kind == "footnote"]


def _open_section(blocks: list[Block]) -> Block | None:
    """The heading of the section the next block falls in (a sub-heading's section, not the sub-heading)."""
    return next((b for b in reversed(blocks) if b.kind == "heading" and not b.parent), None)


def _split_opening(pages: list[str], facts: list[tuple[int, str]]) -> tuple[list[str], list[Block]]:
    """The first page's opening through its last stated fact, as a "Judgements" heading and one verbatim block;
    and the pages without it."""
    first = next((i for i, page in enumerate(pages) if page.strip()), None)
    if first is None:
        return pages, []
    page = pages[first]
    ends = [page.find(quote) + len(quote) for number, quote in facts if number == first + 1 and quote in page]
    if not ends:
        return pages, []
    cut = page.find("\n", max(ends))
    cut = len(page) if cut < 0 else cut
    opening = "\n".join(line.rstrip() for line in page[:cut].split("\n") if line.strip())
    text = collapse_spaces(" ".join(clean_line(line) for line in opening.split("\n")))
    rest = list(pages)
    rest[first] = page[cut:]
    # What follows the table on the first page is the report's summary (a heading of our own: never demoted).
    return rest, [Block("heading", JUDGEMENTS_SECTION, JUDGEMENTS_SECTION, first + 1, first + 1),
                  Block("para", text, opening, first + 1, first + 1),
                  Block("heading", SUMMARY_SECTION, SUMMARY_SECTION, first + 1, first + 1, markdown=True)]


def _join_continuations(blocks: list[Block]) -> list[Block]:
    """Re-join text the page layout broke apart.

    The PDF text layer puts blank lines inside bullets and paragraphs: a plain paragraph right after a
    letter's bullet continues it, and so does any text starting in lower case after an unfinished sentence.
    """
    out: list[Block] = []
    for block in blocks:
        prev = out[-1] if out else None
        unfinished = prev is not None and not prev.text.endswith((".", "!", "?", ".”", ".’", ":"))
        continues = prev is not None and prev.kind != "heading" and (
            (block.kind == "para" and not block.label and prev.kind == "bullet" and not prev.markdown
             and (block.text[:1].islower() or unfinished))
            or (block.kind in ("para", "bullet") and not block.label and block.text[:1].islower() and unfinished)
        )
        if continues:
            assert prev is not None
            prev.text = collapse_spaces(prev.text + " " + block.text)
            prev.original += "\n" + block.original
            prev.page_end = block.page_end
        else:
            out.append(block)
    return out


def _demote_heading_runs(blocks: list[Block]) -> list[Block]:
    """Short lines that only looked like headings.

    A plain 'heading' followed directly by another heading is a signature or address line; a numbered one
    ("4.1 No other options are available") with no body of its own, and no sub-numbered child, is a paragraph.
    """
    for i in range(len(blocks) - 1, -1, -1):  # back to front: a demoted successor is body for its heading
        block = blocks[i]
        if block.kind != "heading" or block.markdown or KNOWN_HEADING.match(block.text):
            continue
        nxt = blocks[i + 1] if i + 1 < len(blocks) else None
        if block.label:
            has_body = nxt is not None and nxt.kind in ("para", "bullet") and not nxt.label
            has_child = nxt is not None and nxt.label.startswith(block.label + ".")
            if not (has_body or has_child):
                block.kind = "numbered"
        elif nxt is None or nxt.kind == "heading":
            block.kind = "para"
    return blocks
