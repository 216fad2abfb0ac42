"""Answers and conversations as Markdown and Word (.docx), laid out for pasting into a committee report.

Each answer: the question, the answer with its [n] markers, then a "References" list::

    [1] Title (2018-05-09), Areas for improvement, para 7, p. 9 — "The quoted sentence."

Text is written literally (no Markdown escaping): the export is for people, not for a Markdown renderer.
Also here: ``escape_markdown`` and ``quote_spans``, which the UI uses to show document text safely.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from assistant.compose import ALSO, GROUP_TITLES
from assistant.types import Answer, Citation, Passage
from domain.facets import Filters

NO_COVERAGE = "The documents don't appear to cover this."
MAX_CLOSEST = 5  # closest passages listed for an abstention
GROUP_LEADS = (*GROUP_TITLES.values(), ALSO)  # lead-ins of grouped answers
ELISION = " [...] "
# CommonMark lets any ASCII punctuation be backslash-escaped; these are the ones Streamlit's Markdown
# (GFM + math + emoji shortcodes + colour directives) gives a meaning to, plus "&" (entities) and "=" (headings).
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>$~&=:^])")
# Characters XML 1.0 (so python-docx) refuses.
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


# -- safe display helpers (used by app.py) ----------------------------------------------------------------
def escape_markdown(text: str) -> str:
    """Make document text display literally in ``st.markdown``: no links, HTML, LaTeX, emphasis or lists.

    Line breaks become spaces: passages are shown as running text.
    """
    flat = " ".join((text or "").split())
    return _MD_SPECIAL.sub(r"\\\1", flat)


def quote_spans(text: str, quote: str) -> list[tuple[str, bool]]:
    """Split ``text`` into (piece, is_quoted) around the quoted sentence(s), matching whitespace-tolerantly.

    ``quote`` may hold several sentences joined with " [...] "; each is located in turn.
    """
    spans: list[tuple[str, bool]] = []
    parts = [" ".join(p.split()) for p in (quote or "").split(ELISION.strip())]
    position = 0
    for part in parts:
        if len(part) < 3:
            continue
        pattern = r"\s+".join(re.escape(w) for w in part.split())
        m = re.compile(pattern).search(text, position)
        if not m:
            continue
        if m.start() > position:
            spans.append((text[position:m.start()], False))
        spans.append((m.group(0), True))
        position = m.end()
    if position < len(text):
        spans.append((text[position:], False))
    return spans or [(text, False)]


def highlighted_markdown(text: str, quote: str) -> str:
    """Escaped Markdown of a passage with the quoted sentence(s) in bold."""
    out = []
    for piece, quoted in quote_spans(text, quote):
        escaped = escape_markdown(piece)
        if not escaped:
            continue
        out.append(f"**{escaped}**" if quoted else escaped)
    return " ".join(out)


def source_label(c: Citation) -> str:
    """'[n] title — date — council — section, para/page' (plain text; escape before rendering)."""
    parts = [f"[{c.n}] {c.title or c.source}", c.when, c.council, c.location()]
    return " — ".join(p for p in parts if p)


def passage_label(p: Passage, rank: int | None = None) -> str:
    c = p.chunk
    location = ", ".join(x for x in (c.section, _para(c.paragraph), f"p. {c.page}" if c.page else "") if x)
    head = f"{rank}. {c.title or c.source}" if rank is not None else (c.title or c.source)
    return " — ".join(x for x in (head, c.when, c.council, location) if x)


def answer_paragraphs(answer: Answer) -> list[str]:
    """The answer text as paragraphs (grouped answers put "Inspectors found strengths:" etc. on their own)."""
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", answer.text or "") if p.strip()]


def split_lead(paragraph: str, grouped: bool = True) -> tuple[str, str]:
    """("Areas for improvement:", rest) for a grouped answer's paragraph; ("", paragraph) otherwise."""
    if grouped:
        for lead in GROUP_LEADS:
            if paragraph.startswith(lead):
                return lead, paragraph[len(lead):].lstrip()
    return "", paragraph


def scope_label(scope: dict[str, Any]) -> str:
    """The question's implied scope as a reader sees it ("searched only …: Southend-on-Sea, 2019, ILACS"), or ""."""
    if not scope:
        return ""
    year = scope.get("year_from") if scope.get("year_from") == scope.get("year_to") else None
    parts = [scope.get("council"), str(year) if year else None, scope.get("inspection_type")]
    return "searched only the documents the question names: " + ", ".join(p for p in parts if p)


def describe_filters(filters: Filters | None) -> str:
    if filters is None or filters.is_empty():
        return ""
    parts = []
    if filters.council:
        parts.append(f"council: {filters.council}")
    if filters.year_from or filters.year_to:
        parts.append(f"years: {filters.year_from or '…'}–{filters.year_to or '…'}")
    for name, label in (("doc_type", "document type"), ("inspection_type", "inspection"), ("section", "section"),
                        ("source", "file")):
        value = getattr(filters, name)
        if value:
            parts.append(f"{label}: {value}")
    return "; ".join(parts)


def reference_line(c: Citation) -> str:
    """'[n] title (date), section, paragraph, page — "quoted sentence"'."""
    quote = " ".join((c.quote or "").split())
    ocr = " (text read by OCR from a scanned page: check it against the page)" if c.ocr else ""
    return f"[{c.n}] {c.reference()}{ocr}" + (f' — "{quote}"' if quote else "")


# -- Markdown ---------------------------------------------------------------------------------------------
@dataclass
class Turn:
    answer: Answer
    filters: Filters | None = None


def _turns(items: Sequence[Answer | Turn | tuple[Answer, Filters | None]]) -> list[Turn]:
    out = []
    for item in items:
        if isinstance(item, Turn):
            out.append(item)
        elif isinstance(item, Answer):
            out.append(Turn(item))
        else:
            out.append(Turn(item[0], item[1]))
    return out


def answer_markdown(answer: Answer, filters: Filters | None = None, level: int = 2, number: int | None = None) -> str:
    h = "#" * max(1, min(level, 5))
    title = f"{number}. {_flat(answer.question)}" if number is not None else _flat(answer.question)
    lines = [f"{h} {title}", ""]
    described = describe_filters(filters)
    if described:
        lines += [f"_Filters: {described}_", ""]
    if answer.abstained:
        lines += [NO_COVERAGE, ""]
        if answer.passages:
            lines += [f"{h}# Closest passages", ""]
            for i, p in enumerate(answer.passages[:MAX_CLOSEST], 1):
                lines.append(f"{i}. {passage_label(p)} — \"{_excerpt(p.chunk.text)}\"")
            lines.append("")
        return "\n".join(lines).rstrip() + "\n"
    for paragraph in answer_paragraphs(answer):
        lead, rest = split_lead(paragraph, bool(answer.groups))
        lines += [f"**{lead}** {rest}" if lead else paragraph, ""]
    if answer.citations:
        lines += [f"{h}# References", ""]
        lines += [reference_line(c) + "  " for c in answer.citations]  # two spaces: a Markdown line break
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def conversation_markdown(items: Sequence[Answer | Turn | tuple[Answer, Filters | None]],
                          title: str = "Inspection assistant — questions and answers") -> str:
    turns = _turns(items)
    head = f"# {title}\n\n_Exported {datetime.now():%Y-%m-%d %H:%M}; {len(turns)} question(s)._\n"
    body = [answer_markdown(t.answer, t.filters, level=2, number=i) for i, t in enumerate(turns, 1)]
    return "\n".join([head, *body])


# -- Word -------------------------------------------------------------------------------------------------
def answer_docx(answer: Answer, filters: Filters | None = None) -> bytes:
    return _docx_bytes([Turn(answer, filters)], title=None)


def conversation_docx(items: Sequence[Answer | Turn | tuple[Answer, Filters | None]],
                      title: str = "Inspection assistant — questions and answers") -> bytes:
    return _docx_bytes(_turns(items), title=title)


def _docx_bytes(turns: list[Turn], title: str | None) -> bytes:
    from docx import Document
    from docx.shared import Pt

    document = Document()
    if title:
        document.add_heading(_xml(title), level=0)
        document.add_paragraph(_xml(f"Exported {datetime.now():%Y-%m-%d %H:%M}; {len(turns)} question(s)."))
    numbered = len(turns) > 1 or bool(title)
    for i, turn in enumerate(turns, 1):
        answer = turn.answer
        question = _flat(answer.question)
        document.add_heading(_xml(f"{i}. {question}" if numbered else question), level=1)
        described = describe_filters(turn.filters)
        if described:
            document.add_paragraph().add_run(_xml(f"Filters: {described}")).italic = True
        if answer.abstained:
            document.add_paragraph(NO_COVERAGE)
            if answer.passages:
                document.add_heading("Closest passages", level=2)
                for k, p in enumerate(answer.passages[:MAX_CLOSEST], 1):
                    para = document.add_paragraph(_xml(f"{k}. {passage_label(p)} — "))
                    para.add_run(_xml(f"\u201c{_excerpt(p.chunk.text)}\u201d")).italic = True
            continue
        for paragraph in answer_paragraphs(answer):
            lead, rest = split_lead(paragraph, bool(answer.groups))
            para = document.add_paragraph()
            if lead:
                para.add_run(lead + " ").bold = True
            para.add_run(_xml(rest))
        if answer.citations:
            document.add_heading("References", level=2)
            for c in answer.citations:
                para = document.add_paragraph()
                para.paragraph_format.space_after = Pt(4)
                para.add_run(_xml(f"[{c.n}] ")).bold = True
                para.add_run(_xml(c.reference()))
                quote = _flat(c.quote)
                if quote:
                    para.add_run(" — ")
                    para.add_run(_xml(f"\u201c{quote}\u201d")).italic = True
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# -- helpers ----------------------------------------------------------------------------------------------
def _flat(text: str) -> str:
    return " ".join((text or "").split())


def _excerpt(text: str, words: int = 40) -> str:
    parts = _flat(text).split()
    return " ".join(parts[:words]) + (" …" if len(parts) > words else "")


def _para(paragraph: str) -> str:
    if not paragraph:
        return ""
    return f"para {paragraph}" if paragraph[0].isdigit() else paragraph


def _xml(text: str) -> str:
    return _XML_BAD.sub("", text or "")


def file_stem(text: str, default: str = "answer") -> str:
    """A short, safe download file name stem from a question."""
    stem = re.sub(r"[^A-Za-z0-9]+", "-", text or "").strip("-").lower()[:50].strip("-")
    return stem or default
