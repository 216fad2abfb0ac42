#!/usr/bin/env python3
"""Write each sample document in data/sample/*.txt as a Word file and as a web page, into data/sample_formats/.

The fixtures for tests/test_formats.py: a .docx or .html copy of a document must give the same chunks as
its .txt. The copies are written the way people make them, not as text dumps:

* Word: headings in Heading styles; numbered paragraphs and lists with Word's *automatic* numbering (the
  numbers are not in the text, only in numbering.xml), a multi-level list where labels go "3." / "3.1";
  bullets in the List Bullet style; short multi-line blocks (addresses) with line breaks; footnotes at the
  end after a rule. A label that automatic numbering cannot produce in sequence is typed into the text.
* HTML: the same content inside <main>, wrapped in a site's furniture (cookie banner, header with
  navigation, breadcrumbs, a related-links sidebar, a feedback strip, a footer) that the reader must drop;
  runs of numbered paragraphs 1, 2, 3 as <ol start=…>, dotted numbers typed into <p>.

The structure comes from the text parser itself (``ingest.structure.parse_blocks``). Output is
deterministic, so re-running rewrites identical files.

Usage:
    python scripts/make_sample_formats.py
"""

from __future__ import annotations

import html
import io
import re
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from docx import Document  # noqa: E402
from docx.oxml import parse_xml  # noqa: E402
from docx.oxml.ns import nsdecls, qn  # noqa: E402

from ingest.loaders import _decode_text  # noqa: E402
from ingest.normalize import clean_line  # noqa: E402
from ingest.structure import Block, parse_blocks  # noqa: E402

SRC_DIR = ROOT / "data" / "sample"
OUT_DIR = ROOT / "data" / "sample_formats"
FIXED_DATE = (2024, 1, 1, 0, 0, 0)


def blocks_of(path: Path) -> list[Block]:
    text, _ = _decode_text(path, path.read_bytes())
    return parse_blocks([text], paged=False)


def _short_lines(block: Block) -> list[str] | None:
    """The lines of an address-like block (every line short), kept as line breaks; None for prose."""
    lines = [ln.strip() for ln in block.original.split("\n") if ln.strip()]
    if len(lines) > 1 and all(len(ln) < 70 for ln in lines):
        return [clean_line(ln) for ln in lines]
    return None


# --- Word ----------------------------------------------------------------------------------------------------


class _Lists:
    """Automatic numbering for the document: one abstract numbering per list, levels "%1." / "%1.%2" /
    "%1.%2.%3", and the counters Word will show, to tell whether a label can be produced."""

    def __init__(self, doc) -> None:
        self.numbering = doc.part.numbering_part.element
        self.lists: list[tuple[int, list[int]]] = []  # (numId, counters)
        self.next_abstract = 100
        self.next_num = 100

    def _new(self) -> tuple[int, list[int]]:
        abstract_id, num_id = self.next_abstract, self.next_num
        self.next_abstract += 1
        self.next_num += 1
        levels = "".join(
            f'<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="decimal"/>'
            f'<w:lvlText w:val="{".".join(f"%{k + 1}" for k in range(i + 1))}{"." if i == 0 else ""}"/>'
            f'<w:lvlJc w:val="left"/><w:pPr><w:ind w:left="{567 * (i + 1)}" w:hanging="567"/></w:pPr></w:lvl>'
            for i in range(3))
        abstract = parse_xml(f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{abstract_id}">'
                             f'<w:multiLevelType w:val="multilevel"/>{levels}</w:abstractNum>')
        num = parse_xml(f'<w:num {nsdecls("w")} w:numId="{num_id}"><w:abstractNumId w:val="{abstract_id}"/></w:num>')
        first_num = self.numbering.find(qn("w:num"))
        if first_num is not None:
            first_num.addprevious(abstract)  # abstractNum elements must come before num elements
        else:
            self.numbering.append(abstract)
        self.numbering.append(num)
        entry = (num_id, [0, 0, 0])
        self.lists.append(entry)
        return entry

    def place(self, label: str) -> tuple[int, int] | None:
        """(numId, ilvl) that makes Word show ``label`` next, or None (type the label instead)."""
        if not re.fullmatch(r"\d+(?:\.\d+){0,2}", label):
            return None
        parts = [int(p) for p in label.split(".")]
        depth = len(parts) - 1
        for num_id, counters in reversed(self.lists):
            shown = counters[:depth] + [counters[depth] + 1]
            if all(c >= 1 for c in shown) and shown == parts:
                counters[depth] += 1
                counters[depth + 1:] = [0] * (2 - depth)
                return num_id, depth
        if parts == [1]:
            num_id, counters = self._new()
            counters[0] = 1
            return num_id, 0
        return None


def _numbered(paragraph, num_id: int, ilvl: int) -> None:
    ppr = paragraph._p.get_or_add_pPr()
    ppr.append(parse_xml(f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{ilvl}"/><w:numId w:val="{num_id}"/></w:numPr>'))


def _lines_paragraph(doc, lines: list[str], style: str | None = None):
    paragraph = doc.add_paragraph(style=style)
    for i, line in enumerate(lines):
        run = paragraph.add_run(line)
        if i < len(lines) - 1:
            run.add_break()
    return paragraph


def write_docx(blocks: list[Block], out: Path) -> None:
    doc = Document()
    lists = _Lists(doc)
    footnotes = [b for b in blocks if b.kind == "footnote"]
    for block in blocks:
        if block.kind == "footnote":
            continue
        if block.kind == "heading":
            level = block.level if block.markdown and block.level else 2
            paragraph = doc.add_paragraph(style=f"Heading {min(level, 9)}")
            place = lists.place(block.label) if block.label else None
            if place:
                _numbered(paragraph, *place)
                paragraph.add_run(block.text)
            else:
                paragraph.add_run(f"{block.label}. {block.text}" if block.label else block.text)
        elif block.kind == "numbered":
            place = lists.place(block.label)
            paragraph = doc.add_paragraph()
            if place:
                _numbered(paragraph, *place)
                paragraph.add_run(block.text)
            else:
                paragraph.add_run(f"{block.label} {block.text}")
        elif block.kind == "bullet":
            doc.add_paragraph(block.text, style="List Bullet")
        else:
            if block.label:  # "a number alone on a line labels what follows"
                doc.add_paragraph(block.label)
            lines = _short_lines(block)
            if lines:
                _lines_paragraph(doc, lines)
            else:
                doc.add_paragraph(block.text)
    for note in footnotes:
        doc.add_paragraph("_" * 12)
        doc.add_paragraph(f"{note.label} {note.text}")
    buffer = io.BytesIO()
    doc.save(buffer)
    out.write_bytes(_deterministic_zip(buffer.getvalue()))


def _deterministic_zip(data: bytes) -> bytes:
    """The same archive with fixed entry dates, so a re-run writes identical bytes."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, FIXED_DATE)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            payload = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                payload = re.sub(rb"<dcterms:(created|modified)[^>]*>[^<]*</dcterms:\1>", b"", payload)
            target.writestr(fixed, payload)
    return buffer.getvalue()


# --- HTML ----------------------------------------------------------------------------------------------------

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{title} | Council website</title>
  <link rel="stylesheet" href="/css/site.css">
  <script>window.dataLayer = window.dataLayer || []; function gtag() {{ dataLayer.push(arguments); }}</script>
</head>
<body>
  <a class="skip-link" href="#main-content">Skip to main content</a>
  <div class="cookie-banner" role="region" aria-label="Cookies on this website">
    <h2 class="cookie-banner__heading">Cookies on our website</h2>
    <p>We use some essential cookies to make this website work. We would like to set additional cookies to
       understand how you use the site, remember your settings and improve our services.</p>
    <button type="button">Accept additional cookies</button> <button type="button">Reject additional cookies</button>
    <a href="/cookies">View cookies</a>
  </div>
  <header class="site-header" role="banner">
    <a href="/" class="site-header__logo"><img src="/img/logo.svg" alt="Council logo"></a>
    <nav class="site-nav" aria-label="Main menu">
      <ul>
        <li><a href="/bins">Bins, recycling and waste</a></li>
        <li><a href="/council-tax">Council tax</a></li>
        <li><a href="/schools">Schools and education</a></li>
        <li><a href="/social-care">Children and families</a></li>
        <li><a href="/democracy">Councillors, meetings and democracy</a></li>
      </ul>
    </nav>
    <form class="site-search" action="/search"><label for="q">Search this site</label><input id="q" name="q"></form>
  </header>
  <div class="breadcrumbs"><ol><li><a href="/">Home</a></li><li><a href="/democracy">Democracy</a></li>
    <li>Meeting documents</li></ol></div>
  <div class="page-wrapper">
    <main id="main-content" class="document">
{body}
    </main>
    <aside class="related-links">
      <h2>Related documents</h2>
      <ul><li><a href="/agenda">Agenda for this meeting</a></li><li><a href="/minutes">Minutes</a></li>
        <li><a href="/archive">Earlier reports to this committee</a></li></ul>
    </aside>
  </div>
  <div class="feedback"><p>Was this page useful? <a href="/feedback?yes">Yes</a> <a href="/feedback?no">No</a></p>
    <p>Report a problem with this page, or tell us how we could make it better.</p></div>
  <footer class="site-footer" role="contentinfo">
    <ul><li><a href="/accessibility">Accessibility statement</a></li><li><a href="/privacy">Privacy notice</a></li>
      <li><a href="/contact">Contact us</a></li><li><a href="/jobs">Jobs</a></li></ul>
    <p>&copy; Council. All content is available under the Open Government Licence v3.0, except where otherwise
       stated.</p>
  </footer>
</body>
</html>
"""


def write_html(blocks: list[Block], title: str, out: Path) -> None:
    esc = html.escape
    body: list[str] = []
    footnotes = [b for b in blocks if b.kind == "footnote"]
    i = 0
    items = [b for b in blocks if b.kind != "footnote"]
    while i < len(items):
        block = items[i]
        if block.kind == "heading":
            level = block.level if block.markdown and block.level else 2
            text = f"{block.label}. {block.text}" if block.label else block.text
            body.append(f"      <h{min(level, 6)}>{esc(text)}</h{min(level, 6)}>")
        elif block.kind == "numbered" and block.label.isdigit():
            run = [block]
            while (i + 1 < len(items) and items[i + 1].kind == "numbered" and items[i + 1].label.isdigit()
                   and int(items[i + 1].label) == int(run[-1].label) + 1):
                i += 1
                run.append(items[i])
            start = f' start="{block.label}"' if block.label != "1" else ""
            body.append(f"      <ol{start}>" + "".join(f"<li>{esc(b.text)}</li>" for b in run) + "</ol>")
        elif block.kind == "numbered":
            body.append(f"      <p>{esc(block.label)} {esc(block.text)}</p>")
        elif block.kind == "bullet":
            run = [block]
            while i + 1 < len(items) and items[i + 1].kind == "bullet":
                i += 1
                run.append(items[i])
            body.append("      <ul>" + "".join(f"<li>{esc(b.text)}</li>" for b in run) + "</ul>")
        else:
            if block.label:
                body.append(f"      <p>{esc(block.label)}</p>")
            lines = _short_lines(block)
            inner = "<br>\n".join(esc(ln) for ln in lines) if lines else esc(block.text)
            body.append(f"      <p>{inner}</p>")
        i += 1
    if footnotes:
        body.append('      <div class="footnotes">')
        for note in footnotes:
            body.append(f'      <hr><p id="fn{esc(note.label)}">{esc(note.label)} {esc(note.text)}</p>')
        body.append("      </div>")
    out.write_text(PAGE.format(title=esc(title), body="\n".join(body)), encoding="utf-8")


def main() -> None:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    for path in sorted(SRC_DIR.glob("*.txt")):
        blocks = blocks_of(path)
        title = next((b.text for b in blocks if b.kind == "heading"), path.stem)
        write_docx(blocks, OUT_DIR / f"{path.stem}.docx")
        write_html(blocks, title, OUT_DIR / f"{path.stem}.html")
        print(f"{path.name}: {len(blocks)} blocks -> .docx, .html")


if __name__ == "__main__":
    main()
