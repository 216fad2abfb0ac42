"""Word (.docx) and HTML documents as markdown-ish text, and a file's type told from its bytes.

Both converters write what ``ingest.structure`` already understands from a ``.md`` export: ``## **bold**`` headings,
``- `` bullets, numbered paragraphs as ``3.2 text``, one paragraph per block separated by blank lines, so a
Word or HTML copy of a document is chunked like its text copy.

Word specifics:

* headings come from the paragraph style (``Heading 1``…``Heading 9``, ``Title``, or any style based on
  them) or an outline level; ``#`` count = heading level;
* Word's automatic numbering is not in the text: the label ("3.", "3.2", "(a)") is rebuilt from the
  paragraph's ``numPr`` (or its style's) and ``numbering.xml``: counters per abstract numbering (as Word
  counts: lists sharing one abstract definition continue each other unless a ``startOverride`` restarts
  them), deeper levels restart when a shallower one moves on, ``lvlText`` patterns such as ``%1.%2``,
  formats decimal / letters / roman; bullet levels become ``- ``;
* a table becomes one paragraph per row, ``| cell | cell |`` (a leading ``|`` keeps a short row from being
  taken for a heading);
* footnotes are appended after a rule, numbered in order, as the PDF text layer has them; running
  headers/footers and text boxes are left out (layout, not the document's text).

HTML: see :func:`html_document`.
"""

from __future__ import annotations

import contextlib
import io
import re
import zipfile
from dataclasses import dataclass

#: A web page "holds a document" when its main text, after navigation and banners are removed, has at least
#: this many words. Ofsted's "Report not found" page has about 60; the shortest real letter or committee
#: report has several hundred.
MIN_DOCUMENT_WORDS = 150

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


# --- telling the type from the bytes --------------------------------------------------------------------------


def sniff(data: bytes) -> str:
    """``"pdf"``, ``"docx"``, ``"zip"`` (another or a broken zip), ``"html"`` or ``"text"`` (anything else)."""
    head = data[:1024]
    if head.lstrip().startswith(b"%PDF") or b"%PDF-" in head:
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                return "docx" if "word/document.xml" in archive.namelist() else "zip"
        except (zipfile.BadZipFile, OSError, ValueError):
            return "zip"
    return "html" if looks_like_html(data) else "text"


_HTML_START = re.compile(rb"^(?:\s|<\?xml[^>]*>|<!--.*?-->)*<(?:!doctype\s+html|html[\s>])", re.I | re.S)


def looks_like_html(data: bytes) -> bool:
    """Starts (after a byte-order mark, white space, an XML declaration or comments) with a doctype or <html>."""
    head = data[:4096]
    for bom, codec in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if head.startswith(bom):
            head = head[len(bom):].decode(codec, "ignore").encode("ascii", "ignore")
            break
    return _HTML_START.match(head) is not None


# --- Word ----------------------------------------------------------------------------------------------------


@dataclass
class _Level:
    start: int
    fmt: str  # decimal | lowerLetter | upperLetter | lowerRoman | upperRoman | bullet | none | …
    text: str  # lvlText, e.g. "%1.%2"
    legal: bool = False  # isLgl: shown as decimal numbers whatever the format


class _Numbering:
    """numbering.xml: which abstract list a numId uses, its levels, and the running counters."""

    def __init__(self, root) -> None:
        self.abstract: dict[str, dict[int, _Level]] = {}
        self.num_abstract: dict[str, str] = {}
        self.overrides: dict[str, dict[int, int]] = {}  # numId -> level -> startOverride
        self.level_overrides: dict[str, dict[int, _Level]] = {}
        self.counters: dict[str, list[int]] = {}
        self.seen: set[str] = set()
        if root is None:
            return
        for absnum in root.iter(f"{_W}abstractNum"):
            self.abstract[absnum.get(f"{_W}abstractNumId")] = {
                int(lvl.get(f"{_W}ilvl", "0")): _level(lvl) for lvl in absnum.iter(f"{_W}lvl")}
        for num in root.iter(f"{_W}num"):
            num_id = num.get(f"{_W}numId")
            ref = num.find(f"{_W}abstractNumId")
            if ref is not None:
                self.num_abstract[num_id] = ref.get(f"{_W}val")
            for override in num.iter(f"{_W}lvlOverride"):
                ilvl = int(override.get(f"{_W}ilvl", "0"))
                start = override.find(f"{_W}startOverride")
                if start is not None:
                    self.overrides.setdefault(num_id, {})[ilvl] = int(start.get(f"{_W}val", "1"))
                lvl = override.find(f"{_W}lvl")
                if lvl is not None:
                    self.level_overrides.setdefault(num_id, {})[ilvl] = _level(lvl)

    def label(self, num_id: str, ilvl: int) -> tuple[str, bool]:
        """The label the next paragraph of list ``num_id`` at level ``ilvl`` shows, and whether it is a bullet."""
        abstract_id = self.num_abstract.get(num_id)
        levels = dict(self.abstract.get(abstract_id or "", {}))
        levels.update(self.level_overrides.get(num_id, {}))
        if ilvl not in levels:
            return "", False
        counters = self.counters.setdefault(abstract_id or num_id, [0] * 10)
        if num_id not in self.seen:
            self.seen.add(num_id)
            for level, start in self.overrides.get(num_id, {}).items():
                if level < len(counters):
                    counters[level] = start - 1
                    counters[level + 1:] = [0] * (len(counters) - level - 1)
        level = levels[ilvl]
        counters[ilvl] = counters[ilvl] + 1 if counters[ilvl] else level.start
        counters[ilvl + 1:] = [0] * (len(counters) - ilvl - 1)
        if level.fmt == "bullet":
            return "", True
        if level.fmt == "none":
            return "", False

        def number(match: re.Match) -> str:
            k = int(match.group(1)) - 1
            lvl = levels.get(k, level)
            value = counters[k] or lvl.start
            return _format_number(value, "decimal" if level.legal else lvl.fmt)

        return re.sub(r"%([1-9])", number, level.text).strip(), False


def _level(lvl) -> _Level:
    def val(tag: str, default: str) -> str:
        node = lvl.find(f"{_W}{tag}")
        return node.get(f"{_W}val", default) if node is not None else default

    return _Level(int(val("start", "1")), val("numFmt", "decimal"), val("lvlText", ""),
                  lvl.find(f"{_W}isLgl") is not None)


def _format_number(value: int, fmt: str) -> str:
    if fmt in ("lowerLetter", "upperLetter"):
        letters = ""
        while value > 0:
            value, rem = divmod(value - 1, 26)
            letters = chr(ord("a") + rem) + letters
        return letters.upper() if fmt == "upperLetter" else letters
    if fmt in ("lowerRoman", "upperRoman"):
        roman = _roman(value)
        return roman.upper() if fmt == "upperRoman" else roman
    return str(value)  # decimal, decimalZero and the rest: the number itself is what a reader cites


def _roman(value: int) -> str:
    out = ""
    for number, digits in ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"),
                           (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")):
        while value >= number:
            out, value = out + digits, value - number
    return out


class _Styles:
    """Paragraph styles: heading level and numbering, following ``basedOn`` chains."""

    def __init__(self, root) -> None:
        self.styles: dict[str, object] = {}
        if root is not None:
            for style in root.iter(f"{_W}style"):
                self.styles[style.get(f"{_W}styleId")] = style

    def _chain(self, style_id: str | None):
        seen = set()
        while style_id and style_id in self.styles and style_id not in seen:
            seen.add(style_id)
            style = self.styles[style_id]
            yield style
            based = style.find(f"{_W}basedOn")
            style_id = based.get(f"{_W}val") if based is not None else None

    def heading_level(self, style_id: str | None) -> int:
        for style in self._chain(style_id):
            name_node = style.find(f"{_W}name")
            name = (name_node.get(f"{_W}val", "") if name_node is not None else "").lower()
            match = re.fullmatch(r"heading\s*([1-9])", name)
            if match:
                return int(match.group(1))
            if name == "title":
                return 1
            level = _outline_level(style.find(f"{_W}pPr"))
            if level:
                return level
        return 0

    def numbering(self, style_id: str | None) -> tuple[str, int] | None:
        for style in self._chain(style_id):
            found = _num_pr(style.find(f"{_W}pPr"))
            if found:
                return found
        return None


def _outline_level(ppr) -> int:
    node = ppr.find(f"{_W}outlineLvl") if ppr is not None else None
    if node is None:
        return 0
    level = int(node.get(f"{_W}val", "9"))
    return level + 1 if level < 9 else 0  # 9 = body text


def _num_pr(ppr) -> tuple[str, int] | None:
    node = ppr.find(f"{_W}numPr") if ppr is not None else None
    if node is None:
        return None
    num_id = node.find(f"{_W}numId")
    ilvl = node.find(f"{_W}ilvl")
    return (num_id.get(f"{_W}val", "0") if num_id is not None else "",
            int(ilvl.get(f"{_W}val", "0")) if ilvl is not None else 0)


_SKIP = {f"{_W}{tag}" for tag in ("del", "moveFrom", "txbxContent", "footnoteReference", "endnoteReference",
                                  "instrText", "delText", "rPrChange", "pPrChange")}


def _run_text(element) -> str:
    """Visible text under ``element``: runs, hyperlinks, tracked insertions, fields' results; not deleted text,
    field codes or text boxes."""
    parts: list[str] = []
    stack = [element]
    while stack:
        node = stack.pop()
        tag = node.tag
        if tag in _SKIP:
            continue
        if tag == f"{_W}t":
            parts.append(node.text or "")
        elif tag == f"{_W}tab":
            parts.append("\t")
        elif tag in (f"{_W}br", f"{_W}cr"):
            parts.append("\n")
        elif tag == f"{_W}noBreakHyphen":
            parts.append("-")
        stack.extend(reversed(list(node)))
    return "".join(parts)


def docx_markdown(data: bytes) -> str:
    """The text of a .docx as markdown-ish paragraphs (see the module doc). Raises ``ValueError`` if the file
    is not a readable Word document."""
    from lxml import etree

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        parts = {name: archive.read(name) for name in ("word/document.xml", "word/numbering.xml",
                                                       "word/styles.xml", "word/footnotes.xml")
                 if name in archive.namelist()}
    except (zipfile.BadZipFile, OSError, ValueError, KeyError, RuntimeError) as exc:  # RuntimeError: encrypted
        raise ValueError(f"{type(exc).__name__}: {exc}") from exc
    if "word/document.xml" not in parts:
        raise ValueError("no word/document.xml in the archive")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True, recover=False)
    try:
        doc = etree.fromstring(parts["word/document.xml"], parser)
        numbering = _Numbering(etree.fromstring(parts["word/numbering.xml"], parser)
                               if "word/numbering.xml" in parts else None)
        styles = _Styles(etree.fromstring(parts["word/styles.xml"], parser) if "word/styles.xml" in parts else None)
        notes = etree.fromstring(parts["word/footnotes.xml"], parser) if "word/footnotes.xml" in parts else None
    except etree.XMLSyntaxError as exc:
        raise ValueError(f"damaged XML ({exc})") from exc
    body = doc.find(f"{_W}body")
    blocks: list[str] = []
    if body is not None:
        _body_blocks(body, numbering, styles, blocks)
    blocks += _footnotes(notes)
    return "\n\n".join(blocks) + "\n" if blocks else ""


def _body_blocks(container, numbering: _Numbering, styles: _Styles, out: list[str]) -> None:
    for child in container:
        if child.tag == f"{_W}p":
            block = _paragraph(child, numbering, styles)
            if block:
                out.append(block)
        elif child.tag == f"{_W}tbl":
            out += _table_rows(child)
        elif child.tag in (f"{_W}sdt", f"{_W}sdtContent", f"{_W}customXml", f"{_W}ins"):
            content = child.find(f"{_W}sdtContent") if child.tag == f"{_W}sdt" else child
            _body_blocks(child if content is None else content, numbering, styles, out)


def _paragraph(p, numbering: _Numbering, styles: _Styles) -> str:
    ppr = p.find(f"{_W}pPr")
    style_node = ppr.find(f"{_W}pStyle") if ppr is not None else None
    style_id = style_node.get(f"{_W}val") if style_node is not None else None
    num = _num_pr(ppr) or styles.numbering(style_id)
    text = "\n".join(line.strip() for line in _run_text(p).replace("\t", " ").split("\n"))
    text = text.strip("\n")
    label, bullet = "", False
    if num and num[0] not in ("", "0"):
        label, bullet = numbering.label(*num)  # counted even when empty: Word numbers empty items too
    if not text.strip():
        return ""
    level = _outline_level(ppr) or styles.heading_level(style_id)
    if level:
        return _md_heading(level, f"{label} {text}" if label else text)
    if bullet:
        indent = "  " * (num[1] if num else 0)
        return f"{indent}- {text}"
    return f"{label} {text}" if label else text


def _md_heading(level: int, text: str) -> str:
    """``## **text**``: headings are bold in a markdown export too, and title detection looks for bold."""
    return f"{'#' * min(level, 6)} **{' '.join(text.replace('**', '').split())}**"


def _table_rows(tbl) -> list[str]:
    rows: list[str] = []
    for tr in tbl.iter(f"{_W}tr"):
        if tr.getparent() is not tbl:
            continue  # a nested table's rows are read as part of its cell
        cells = []
        for tc in tr.findall(f"{_W}tc"):
            merge = tc.find(f"{_W}tcPr/{_W}vMerge")
            if merge is not None and merge.get(f"{_W}val", "continue") == "continue":
                continue  # the lower part of a vertically merged cell: its text is in the cell above
            paras = [" ".join(_run_text(p).split()) for p in tc.iter(f"{_W}p")]
            cells.append(" ".join(t for t in paras if t))
        if any(cells):
            rows.append("| " + " | ".join(cells) + " |")
    return rows


def _footnotes(root) -> list[str]:
    if root is None:
        return []
    out: list[str] = []
    for note in root.iter(f"{_W}footnote"):
        if note.get(f"{_W}type") not in (None, "normal"):
            continue  # separators and continuation notices
        text = " ".join(_run_text(note).split())
        if text:
            out.append(f"{'_' * 12}\n{len(out) + 1} {text}")  # the rule + "1 text" shape of a PDF's footnotes
    return out


# --- HTML ----------------------------------------------------------------------------------------------------

_BLOCK_TAGS = {"p", "div", "section", "article", "main", "blockquote", "pre", "address", "figure", "figcaption",
               "dl", "dt", "dd", "center", "details", "summary", "header", "footer"}
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_DROP_TAGS = ["script", "style", "noscript", "template", "svg", "iframe", "form", "button", "input", "select",
              "textarea", "nav", "aside", "object", "embed", "canvas", "map", "dialog", "menu"]
_DROP_ROLES = {"navigation", "banner", "contentinfo", "search", "complementary", "dialog", "alertdialog", "menu",
               "menubar", "toolbar"}
# Class/id words of site furniture. Matched against whole words of the attribute (split on - and _), so
# "header__logo" matches and "heading--title" does not.
_BOILERPLATE = re.compile(r"^(?:cookies?|consent|gdpr|banners?|breadcrumbs?|crumbs?|skip|skiplink|nav|navbar|"
                          r"navigation|menu|megamenu|sidebar|footer|header|masthead|share|sharing|social|feedback|"
                          r"newsletter|subscribe|promo|advert|ads|related|popup|modal|toolbar|search|"
                          r"print|nonvisual|visually|hidden|sr|offscreen|phase|survey|rating)$")
_MAIN_HINT = re.compile(r"^(?:main|content|maincontent|article|body|document|report|page-content|primary)$")


@dataclass
class HtmlDocument:
    title: str  # <title>, else the first <h1>
    text: str  # the main content as markdown-ish paragraphs
    words: int  # words in ``text``

    @property
    def holds_document(self) -> bool:
        return self.words >= MIN_DOCUMENT_WORDS


def html_document(data: bytes | str) -> HtmlDocument:
    """The main content of a web page: navigation, banners (cookie notices), headers, footers, forms and
    scripts removed; headings as ``#`` lines, list items as ``- `` (``<ol>`` items as ``1.`` or ``(a)``),
    table rows as ``| a | b |``, one block per paragraph.

    Main content is ``<main>`` (or ``role=main``) when the page has one, else its single ``<article>``, else
    an element whose id/class says content, else the element with the most paragraph text outside links
    (a text-density pick, for pages without semantic markup)."""
    from bs4 import BeautifulSoup

    try:
        soup = BeautifulSoup(data, "lxml")
    except Exception:  # lxml missing or refusing the bytes: the pure-Python parser
        soup = BeautifulSoup(data, "html.parser")
    title = " ".join(soup.title.get_text(" ").split()) if soup.title else ""
    root = _main_root(soup)
    _strip_boilerplate(root)
    if not title:
        h1 = root.find("h1") or soup.find("h1")
        title = " ".join(h1.get_text(" ").split()) if h1 else ""
    blocks: list[str] = []
    _html_blocks(root, blocks, list_depth=0)
    text = "\n\n".join(b for b in blocks if b.strip())
    words = len(re.findall(r"\w+", re.sub(r"^(?:#+|\s*-|\|)", " ", text, flags=re.M)))
    return HtmlDocument(title, text + "\n" if text else "", words)


def _classes(tag) -> list[str]:
    attrs = getattr(tag, "attrs", None) or {}
    values = attrs.get("class") or []
    if isinstance(values, str):
        values = values.split()
    values = list(values) + [attrs.get("id") or ""]
    return [word for value in values for word in re.split(r"[-_\s]+", str(value).lower()) if word]


def _main_root(soup):
    body = soup.body or soup
    for candidate in (soup.find("main"), soup.find(attrs={"role": "main"})):
        if candidate is not None and _text_words(candidate) > 0:
            return candidate
    articles = soup.find_all("article")
    if len(articles) == 1:
        return articles[0]
    hinted = [tag for tag in body.find_all(["div", "section"]) if any(_MAIN_HINT.match(w) for w in _classes(tag))
              and not any(_BOILERPLATE.match(w) for w in _classes(tag))]
    if hinted:
        best = max(hinted, key=_paragraph_words)
        if _paragraph_words(best) >= 0.5 * _paragraph_words(body):
            return best
    # Text density: the smallest element that still holds most of the page's paragraph text.
    total = _paragraph_words(body)
    best = body
    for tag in body.find_all(["div", "section", "td"]):
        words = _paragraph_words(tag)
        if words >= 0.8 * total and len(tag.get_text()) < len(best.get_text()):
            best = tag
    return best


def _text_words(tag) -> int:
    return len(tag.get_text(" ").split())


def _paragraph_words(tag) -> int:
    """Words in paragraphs, list items and headings under ``tag``, less those inside links (menus are links)."""
    words = 0
    for block in tag.find_all(["p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "td", "blockquote"]):
        if block.find(["p", "li", "td"]):
            continue  # counted at the inner block
        links = sum(len(a.get_text(" ").split()) for a in block.find_all("a"))
        words += max(0, len(block.get_text(" ").split()) - links)
    return words


def _strip_boilerplate(root) -> None:
    for tag in root.find_all(_DROP_TAGS):
        tag.decompose()
    total = _paragraph_words(root)
    for tag in list(root.find_all(True)):
        if getattr(tag, "decomposed", False) or tag is root:
            continue
        attrs = tag.attrs or {}
        hidden = ("hidden" in attrs or attrs.get("aria-hidden") == "true"
                  or re.search(r"display\s*:\s*none|visibility\s*:\s*hidden", str(attrs.get("style", ""))))
        page_furniture = (attrs.get("role") in _DROP_ROLES
                          or (tag.name in ("header", "footer") and not tag.find(["h1", "h2"])))
        # A class word is weaker evidence: never let it remove a wrapper that holds most of the text.
        named_furniture = (any(_BOILERPLATE.match(w) for w in _classes(tag))
                           and _paragraph_words(tag) < 0.5 * max(total, 1))
        if hidden or page_furniture or named_furniture:
            tag.decompose()


def _inline_text(tag) -> str:
    """A block's own text, ``<br>`` as a line break, other markup dropped."""
    from bs4 import NavigableString, Tag

    parts: list[str] = []

    def walk(node) -> None:
        for child in node.children:
            if isinstance(child, Tag):
                if child.name == "br":
                    parts.append("\n")
                elif child.name in ("sup",) and child.get_text().strip().isdigit():
                    continue  # footnote markers
                else:
                    walk(child)
            elif isinstance(child, NavigableString) and type(child).__name__ in ("NavigableString", "CData"):
                parts.append(str(child))

    walk(tag)
    lines = [" ".join(line.split()) for line in "".join(parts).split("\n")]
    return "\n".join(line for line in lines if line)


def _html_blocks(node, out: list[str], list_depth: int) -> None:
    from bs4 import NavigableString, Tag

    buffer: list[str] = []  # inline content between blocks ("<div>text <b>more</b><p>…")

    def flush() -> None:
        text = "\n".join(" ".join(line.split()) for line in "".join(buffer).split("\n"))
        text = "\n".join(line for line in text.split("\n") if line)
        if text:
            out.append(text)
        buffer.clear()

    for child in node.children:
        if isinstance(child, NavigableString):
            if type(child).__name__ in ("NavigableString", "CData"):
                buffer.append(str(child))
            continue
        if not isinstance(child, Tag):
            continue
        name = child.name
        if name == "br":
            buffer.append("\n")
        elif name == "hr":  # a rule before footnotes, as in the PDF text layer
            flush()
            out.append("_" * 12)
        elif name in _HEADINGS:
            flush()
            text = " ".join(child.get_text(" ").split())
            if text:
                out.append(_md_heading(_HEADINGS[name], text))
        elif name == "p":
            flush()
            text = _inline_text(child)
            if text:
                out.append(text)
        elif name in ("ul", "ol"):
            flush()
            _list_items(child, out, list_depth)
        elif name == "table":
            flush()
            out += _html_table(child)
        elif name == "pre":
            flush()
            text = "\n".join(line.rstrip() for line in child.get_text().split("\n") if line.strip())
            if text:
                out.append(text)
        elif name in _BLOCK_TAGS or name == "li":
            flush()
            _html_blocks(child, out, list_depth)
        else:  # inline (span, a, strong, em…): part of the running paragraph
            if child.find(list(_BLOCK_TAGS) + list(_HEADINGS) + ["ul", "ol", "table", "p"]):
                flush()
                _html_blocks(child, out, list_depth)  # a <span> or <a> wrapping blocks (it happens)
            else:
                buffer.append(_inline_text(child) if child.find("br") else child.get_text())
    flush()


def _list_items(lst, out: list[str], depth: int) -> None:
    ordered = lst.name == "ol"
    try:
        number = int(lst.get("start", "1"))
    except ValueError:
        number = 1
    kind = (lst.get("type") or "1") if ordered else ""
    for item in lst.find_all("li", recursive=False):
        nested = item.find_all(["ul", "ol"], recursive=False)
        for sub in nested:
            sub.extract()
        inner: list[str] = []
        _html_blocks(item, inner, depth + 1)
        text = " ".join(" ".join(b.split()) for b in inner if not b.startswith("#"))
        if text:
            if ordered:
                with contextlib.suppress(ValueError):
                    number = int(item.get("value", number))
                mark = _ordered_mark(number, kind)
            else:
                mark = "-"
            out.append(f"{'  ' * depth}{mark} {text}")
        number += 1
        for sub in nested:
            _list_items(sub, out, depth + 1)


def _ordered_mark(number: int, kind: str) -> str:
    fmt = {"a": "lowerLetter", "A": "upperLetter", "i": "lowerRoman", "I": "upperRoman"}.get(kind)
    return f"({_format_number(number, fmt)})" if fmt else f"{number}."


def _html_table(table) -> list[str]:
    rows = []
    for tr in table.find_all("tr"):
        if tr.find_parent("table") is not table:
            continue
        cells = [" ".join(cell.get_text(" ").split()) for cell in tr.find_all(["td", "th"], recursive=False)]
        if any(cells):
            rows.append("| " + " | ".join(cells) + " |")
    return rows
