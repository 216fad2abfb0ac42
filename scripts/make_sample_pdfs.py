#!/usr/bin/env python3
"""Render sample text documents from data/sample/ as realistic multi-page PDFs.

One-off fixture generator: the PDFs in data/sample_pdf/ are committed, so this
script only needs to be re-run if the rendering rules change.  Output is
deterministic (fixed creation date and metadata), so re-running produces
byte-identical files.

Requires fpdf2 (and pypdf for --check) and the DejaVu TTF fonts.

Usage:
    python scripts/make_sample_pdfs.py            # write the PDFs
    python scripts/make_sample_pdfs.py --check    # write, then verify with pypdf
"""
from __future__ import annotations

import argparse
import re
import sys
from datetime import UTC, datetime
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace

ROOT = Path(__file__).resolve().parent.parent
SRC_DIR = ROOT / "data" / "sample"
OUT_DIR = ROOT / "data" / "sample_pdf"
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")

FONT = "DejaVu"
BODY_SIZE = 11
LINE_H = 5.4          # mm, for 11pt text
PARA_GAP = 3.0        # mm after a paragraph
SMALL_SIZE = 8
SMALL_LINE_H = 3.8
MARGIN_L = 25
MARGIN_R = 22
MARGIN_T = 22
MARGIN_B = 22         # bottom of the body area (page footer sits below it)
BULLET = "\u2022"

# PDF-to-text extractions of Word documents render list bullets as
# private-use glyphs (Symbol U+F0B7, Wingdings U+F06E ...).
PUA_BULLET_RE = re.compile(r"^[\ue000-\uf8ff]\s*")


# --------------------------------------------------------------------------
# PDF writer
# --------------------------------------------------------------------------
class DocPDF(FPDF):
    """A4 document with "Page N of M" footer and bottom-of-page footnotes."""

    def __init__(self, *, title: str, author: str, subject: str,
                 created: datetime, keywords: str = ""):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.set_margins(MARGIN_L, MARGIN_T, MARGIN_R)
        self.set_auto_page_break(True, MARGIN_B)
        self.set_title(title)
        self.set_author(author)
        self.set_subject(subject)
        if keywords:
            self.set_keywords(keywords)
        self.set_creator("inspection-assistant scripts/make_sample_pdfs.py")
        self.set_producer("fpdf2")
        self.set_lang("en-GB")
        self.set_creation_date(created)
        self.set_font(FONT, "", BODY_SIZE)
        self.base_l_margin = MARGIN_L
        # footnotes: number -> text; which page each one was referenced on
        self.footnote_text: dict[str, str] = {}
        self.page_footnotes: dict[int, list[str]] = {}
        self.pending_footnotes: list[str] = []

    # -- page furniture ----------------------------------------------------
    def _footnotes_height(self, nums: list[str]) -> float:
        if not nums:
            return 0.0
        saved = (self.font_family, self.font_style, self.font_size_pt)
        self.set_font(FONT, "", SMALL_SIZE)
        h = 4.0  # separator rule + gap
        for n in nums:
            h += self.multi_cell(self.epw_base - 5, SMALL_LINE_H,
                                 self.footnote_text[n], dry_run=True,
                                 output="HEIGHT") + 1.0
        self.set_font(*saved)
        return h

    @property
    def epw_base(self) -> float:
        return self.w - MARGIN_L - MARGIN_R

    def _update_bottom_margin(self) -> None:
        nums = self.page_footnotes.get(self.page, []) + self.pending_footnotes
        reserve = self._footnotes_height(nums)
        self.set_auto_page_break(True, MARGIN_B + reserve + (2 if reserve else 0))

    def header(self):
        self._update_bottom_margin()

    def footer(self):
        saved_l = self.l_margin
        self.l_margin = MARGIN_L
        nums = self.page_footnotes.get(self.page_no(), [])
        if nums:
            y = self.h - MARGIN_B - self._footnotes_height(nums)
            self.set_draw_color(90, 90, 90)
            self.set_line_width(0.2)
            self.line(MARGIN_L, y + 1, MARGIN_L + 50, y + 1)
            y += 4
            self.set_font(FONT, "", SMALL_SIZE)
            for n in nums:
                self.set_xy(MARGIN_L, y)
                self.char_vpos = "SUP"
                self.cell(5, SMALL_LINE_H, n)
                self.char_vpos = "LINE"
                self.set_xy(MARGIN_L + 5, y)
                h = self.multi_cell(self.epw_base - 5, SMALL_LINE_H,
                                    self.footnote_text[n], align="L",
                                    output="HEIGHT")
                y += h + 1.0
        self.set_font(FONT, "", SMALL_SIZE + 1)
        self.set_text_color(70, 70, 70)
        self.set_xy(MARGIN_L, self.h - 14)
        self.cell(self.epw_base, 5, f"Page {self.page_no()} of {{nb}}",
                  align="C")
        self.set_text_color(0, 0, 0)
        self.l_margin = saved_l

    # -- flow helpers ------------------------------------------------------
    def ensure_space(self, h: float) -> None:
        """Start a new page unless `h` mm fit above the page-break trigger."""
        if self.get_y() + h > self.page_break_trigger:
            self.add_page()

    def vspace(self, h: float) -> None:
        if self.get_y() > self.t_margin + 0.1:  # no gap at the top of a page
            self.set_y(self.get_y() + h)

    def heading(self, text: str, size: float = BODY_SIZE + 1,
                space_above: float = 5.0, space_below: float = 2.0,
                indent: float = 0.0) -> None:
        self.vspace(space_above)
        self.set_font(FONT, "B", size)
        lh = size * 0.4935
        # keep the heading with at least two lines of the following text
        n_lines = len(self.multi_cell(self.epw_base - indent, lh, text,
                                      dry_run=True, output="LINES"))
        self.ensure_space(n_lines * lh + 2 * LINE_H + space_below)
        self.l_margin = MARGIN_L + indent
        self.set_x(MARGIN_L + indent)
        self.multi_cell(0, lh, text, align="L", new_x="LMARGIN", new_y="NEXT")
        self.l_margin = MARGIN_L
        self.set_x(MARGIN_L)
        self.set_y(self.get_y() + space_below)
        self.set_font(FONT, "", BODY_SIZE)

    def paragraph(self, runs, *, indent: float = 0.0, label: str | None = None,
                  label_indent: float = 0.0, align: str = "L",
                  gap: float = PARA_GAP, size: float = BODY_SIZE,
                  lh: float = LINE_H) -> None:
        """Write a paragraph.

        `runs` is a str or a list of (text, style) with style "", "B" or
        "SUP:<footnote number>".  `label` (a bullet or paragraph number) is
        printed in the hanging-indent gutter at `label_indent`.
        """
        if isinstance(runs, str):
            runs = [(runs, "")]
        fn_nums = [s.split(":", 1)[1] for _, s in runs if s.startswith("SUP:")]
        if fn_nums:
            self.pending_footnotes.extend(fn_nums)
            self._update_bottom_margin()
        self.ensure_space(lh * 2 if len(runs[0][0]) > 90 else lh)
        y0 = self.get_y()
        if label is not None:
            self.set_font(FONT, "", size)
            self.set_xy(MARGIN_L + label_indent, y0)
            self.cell(max(indent - label_indent, 1), lh, label)
        self.l_margin = MARGIN_L + indent
        self.set_xy(MARGIN_L + indent, y0)
        simple = len(runs) == 1 and not runs[0][1].startswith("SUP")
        if simple:
            text, style = runs[0]
            self.set_font(FONT, style, size)
            self.multi_cell(0, lh, text, align=align,
                            new_x="LMARGIN", new_y="NEXT")
        else:
            for text, style in runs:
                if style.startswith("SUP:"):
                    num = style.split(":", 1)[1]
                    self.set_font(FONT, "", size)
                    self.char_vpos = "SUP"
                    self.write(lh, text)
                    self.char_vpos = "LINE"
                    self.pending_footnotes.remove(num)
                    self.page_footnotes.setdefault(self.page, []).append(num)
                else:
                    self.set_font(FONT, style, size)
                    self.write(lh, text)
            self.ln(lh)
        self.l_margin = MARGIN_L
        self.set_x(MARGIN_L)
        self.set_y(self.get_y() + gap)
        self.set_font(FONT, "", BODY_SIZE)

    def rule(self) -> None:
        self.vspace(2)
        self.ensure_space(6)
        y = self.get_y() + 1
        self.set_draw_color(120, 120, 120)
        self.set_line_width(0.3)
        self.line(MARGIN_L, y, self.w - MARGIN_R, y)
        self.set_y(y + 4)

    def data_table(self, rows: list[list[str]], *, indent: float = 0.0,
                   col_widths=None) -> None:
        self.vspace(1)
        self.ensure_space(4 * LINE_H)
        self.l_margin = MARGIN_L + indent
        self.set_x(self.l_margin)
        ncols = max(len(r) for r in rows)
        self.set_font(FONT, "", BODY_SIZE - 1)
        self.set_draw_color(110, 110, 110)
        self.set_line_width(0.2)
        with self.table(width=self.epw_base - indent, col_widths=col_widths,
                        align="LEFT", text_align="LEFT",
                        line_height=(BODY_SIZE - 1) * 0.5,
                        padding=1.5, first_row_as_headings=True,
                        headings_style=FontFace(emphasis="BOLD",
                                                fill_color=(225, 230, 238)),
                        ) as table:
            for r in rows:
                row = table.row()
                cells = list(r) + [""] * (ncols - len(r))
                if len(cells) > 1 and all(not c for c in cells[1:]):
                    row.cell(cells[0], colspan=ncols)
                else:
                    for c in cells:
                        row.cell(c)
        self.l_margin = MARGIN_L
        self.set_x(MARGIN_L)
        self.set_y(self.get_y() + PARA_GAP + 1)
        self.set_font(FONT, "", BODY_SIZE)


# --------------------------------------------------------------------------
# Text helpers
# --------------------------------------------------------------------------
def join_wrapped(parts: list[str]) -> str:
    """Join hard-wrapped lines into one paragraph string."""
    out = ""
    for p in parts:
        p = p.strip()
        if not p:
            continue
        if not out:
            out = p
        elif out.endswith("-") and len(out) > 1 and out[-2].isalpha():
            out += p  # compound word broken at its hyphen: "co-" + "location"
        else:
            out += " " + p
    return re.sub(r"\s+", " ", out).strip()


def strip_markup(s: str) -> str:
    s = re.sub(r"</p>\s*<p>", "\n", s)
    s = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", s)   # [text](#) -> text
    s = s.replace("**", "")
    s = re.sub(r"</?(?:sup|sub|p|u|b|i|em|strong|br)\s*/?>", "", s, flags=re.IGNORECASE)
    return s


# --------------------------------------------------------------------------
# Ofsted letter (PDF-to-text extraction with hard line breaks)
# --------------------------------------------------------------------------
LETTER_HEADING_RE = re.compile(
    r"^(Key Strengths|Areas for improvement|Next steps|Case study: .+)$")
RECIPIENT_RE = re.compile(r"^[A-Z][\w’'.\-]*(?: [A-Z][\w’'.\-]*){1,3}, ")
SIGNOFF_ORGS = ["Ofsted", "Care Quality Commission", "HMI Constabulary",
                "HMI Probation"]


def parse_letter(text: str):
    raw = text.splitlines()
    # 1. pull out footnotes (separator line of spaces, then "N text ...")
    footnotes: dict[str, str] = {}
    lines: list[str] = []
    i = 0
    while i < len(raw):
        if re.fullmatch(r" {20,}", raw[i]):
            j = i + 1
            while j < len(raw) and not raw[j].strip():
                j += 1
            m = re.match(r"^\s*(\d+) (.*)$", raw[j]) if j < len(raw) else None
            if m:
                num, parts = m.group(1), [m.group(2)]
                j += 1
                while not parts[-1].rstrip().endswith(".") and j < len(raw):
                    if raw[j].strip():
                        parts.append(raw[j])
                    j += 1
                footnotes[num] = join_wrapped(parts)
                lines.append("")
                i = j
                continue
        lines.append(raw[i].rstrip())
        i += 1

    blocks = []
    # 2. date, address block, salutation, subject line
    idx = 0
    while not lines[idx].strip():
        idx += 1
    blocks.append(("date", lines[idx].strip()))
    idx += 1
    recipients: list[list[str]] = []
    while not lines[idx].strip().startswith("Dear "):
        s = lines[idx].strip()
        if s:
            if RECIPIENT_RE.match(s) or not recipients:
                recipients.append([s])
            else:
                recipients[-1].append(s)
        idx += 1
    blocks.append(("address", [join_wrapped(r) for r in recipients]))
    blocks.append(("salutation", lines[idx].strip()))
    idx += 1
    while not lines[idx].strip():
        idx += 1
    subject = []
    while lines[idx].strip():
        subject.append(lines[idx])
        idx += 1
    blocks.append(("subject", join_wrapped(subject)))

    # 3. body up to "Yours sincerely"
    cur: dict | None = None

    def flush():
        nonlocal cur
        if cur and cur["parts"]:
            blocks.append((cur["type"], join_wrapped(cur["parts"])))
        cur = None

    while idx < len(lines):
        s = lines[idx].strip()
        idx += 1
        if s.startswith("Yours sincerely"):
            flush()
            blocks.append(("closing", s))
            break
        if not s:
            if cur and (cur["type"] != "bullet"
                        or re.search(r"[.:;!?)’”]$", cur["parts"][-1].strip())):
                flush()
            continue
        if LETTER_HEADING_RE.match(s):
            flush()
            blocks.append(("heading", s))
            continue
        if PUA_BULLET_RE.match(s):
            flush()
            cur = {"type": "bullet", "parts": [PUA_BULLET_RE.sub("", s)]}
            continue
        if cur is None:
            cur = {"type": "para", "parts": []}
        cur["parts"].append(s)
    flush()

    # 4. signatories: "OrgA OrgB" / name / title / name / title, repeated
    rest = [ln.strip() for ln in lines[idx:] if ln.strip()]
    groups = []
    k = 0
    while k + 5 <= len(rest):
        pair = None
        for org in SIGNOFF_ORGS:
            if rest[k].startswith(org + " ") and rest[k][len(org) + 1:] in SIGNOFF_ORGS:
                pair = (org, rest[k][len(org) + 1:])
        if not pair:
            break
        groups.append((pair, (rest[k + 1], rest[k + 2]), (rest[k + 3], rest[k + 4])))
        k += 5
    if groups and k == len(rest):
        blocks.append(("signatories", groups))
    else:
        for ln in rest:
            blocks.append(("line", ln))
    return blocks, footnotes


def add_footnote_refs(text: str, footnotes: dict[str, str], used: set[str]):
    """Split text into runs, turning "Sea.1 This" / "agencies2." into superscripts."""
    runs = []
    pos = 0
    for m in re.finditer(r"(?<=[A-Za-z.])(\d{1,2})(?=[\s.,;]|$)", text):
        num = m.group(1)
        if num in footnotes and num not in used:
            used.add(num)
            runs.append((text[pos:m.start()], ""))
            runs.append((num, "SUP:" + num))
            pos = m.end()
    runs.append((text[pos:], ""))
    return [r for r in runs if r[0]]


def render_letter(pdf: DocPDF, blocks, footnotes) -> None:
    pdf.footnote_text.update(footnotes)
    used: set[str] = set()
    pdf.add_page()
    # thin coloured band as a letterhead accent (no text)
    pdf.set_fill_color(70, 40, 110)
    pdf.rect(0, 0, pdf.w, 6, style="F")
    for bi, (kind, val) in enumerate(blocks):
        if kind == "date":
            pdf.set_font(FONT, "", BODY_SIZE)
            pdf.set_y(MARGIN_T + 4)
            pdf.cell(pdf.epw_base, LINE_H, val, align="R",
                     new_x="LMARGIN", new_y="NEXT")
            pdf.set_y(pdf.get_y() + 8)
        elif kind == "address":
            for rec in val:
                pdf.paragraph(rec, gap=0.6)
            pdf.set_y(pdf.get_y() + 8)
        elif kind == "salutation":
            pdf.paragraph(val, gap=PARA_GAP + 1)
        elif kind == "subject":
            pdf.paragraph([(val, "B")], gap=PARA_GAP + 2)
        elif kind == "heading":
            pdf.heading(val, size=BODY_SIZE + 1, space_above=6)
        elif kind == "para":
            pdf.paragraph(add_footnote_refs(val, footnotes, used))
        elif kind == "bullet":
            pdf.paragraph(add_footnote_refs(val, footnotes, used),
                          indent=8, label=BULLET, label_indent=1.5)
        elif kind == "closing":
            pdf.vspace(2)
            # keep "Yours sincerely" and the signature block on one page
            nxt = blocks[bi + 1] if bi + 1 < len(blocks) else None
            n_groups = len(nxt[1]) if nxt and nxt[0] == "signatories" else 0
            pdf.ensure_space(LINE_H + 5 + n_groups * (3 * LINE_H + 12))
            pdf.paragraph(val, gap=5)
        elif kind == "signatories":
            col = pdf.epw_base * 0.55
            for (org_a, org_b), (name_a, title_a), (name_b, title_b) in val:
                pdf.ensure_space(4 * LINE_H + 7)
                y = pdf.get_y()
                pdf.set_font(FONT, "B", BODY_SIZE)
                pdf.set_xy(MARGIN_L, y)
                pdf.cell(col, LINE_H, org_a)
                pdf.cell(pdf.epw_base - col, LINE_H, org_b)
                y += LINE_H + 7  # room for the signature
                pdf.set_font(FONT, "", BODY_SIZE)
                for a, b in ((name_a, name_b), (title_a, title_b)):
                    pdf.set_xy(MARGIN_L, y)
                    pdf.cell(col, LINE_H, a)
                    pdf.cell(pdf.epw_base - col, LINE_H, b)
                    y += LINE_H
                pdf.set_xy(MARGIN_L, y + 5)
        elif kind == "line":
            pdf.paragraph(val, gap=1)
    # any footnote never referenced in the text goes at the end
    leftover = [n for n in footnotes if n not in used]
    if leftover:
        pdf.vspace(4)
        for n in leftover:
            pdf.paragraph(f"{n} {footnotes[n]}", size=SMALL_SIZE,
                          lh=SMALL_LINE_H, gap=1)


# --------------------------------------------------------------------------
# Markdown-ish council reports
# --------------------------------------------------------------------------
NUMBERED_RE = re.compile(r"^(?:-\s+(\d+(?:\.\d+)*)|(\d+\.\d+))\s+(.*)$")
LIST_ITEM_RE = re.compile(r"^(\d+)\.\s+(.*)$")
BULLET_RE = re.compile(r"^-\s+(.*)$")
HEADING_RE = re.compile(r"^(#{1,6})\s+(.*)$")


def _starts_item(line: str) -> bool:
    s = line.strip()
    return bool("\t" in line or NUMBERED_RE.match(s) or BULLET_RE.match(s)
                or LIST_ITEM_RE.match(s) or HEADING_RE.match(s)
                or re.fullmatch(r"-{3,}", s))


def _join_md(lines: list[str]) -> str:
    """Join a block's lines; markdown hard breaks (two trailing spaces) kept."""
    out = ""
    for ln in lines:
        piece = ln.strip()
        if not out:
            out = piece
        else:
            out += piece if out.endswith("\n") else " " + piece
        if ln.endswith("  "):
            out += "\n"
    return out.strip()


def parse_markdown(text: str, infer_headings: bool = False):
    groups: list[list[str]] = []
    cur: list[str] = []
    for line in text.splitlines():
        if not line.strip():
            if cur:
                groups.append(cur)
                cur = []
        else:
            cur.append(line.rstrip("\n"))
    if cur:
        groups.append(cur)

    # split groups into items; each list/table/heading line starts a new item
    items: list[list[str]] = []
    for g in groups:
        first = g[0].strip()
        if items and first[:1].islower():
            # paragraph broken across a page in the source: continue it
            items.pop()  # drop the group boundary marker
            items[-1].extend(g)
            items.append(None)
            continue
        for line in g:
            if not items or _starts_item(line) or items[-1] is None or "\t" in items[-1][-1]:
                items.append([line])
            else:
                items[-1].append(line)
        items.append(None)  # group boundary
    items = [x for x in items if x is not None]

    blocks = []
    for it in items:
        first = it[0].strip()
        if "\t" in it[0]:
            rows = [[strip_markup(c).strip() for c in ln.split("\t")] for ln in it
                    if not re.fullmatch(r"[-\s|]+", ln)]
            if blocks and blocks[-1][0] == "table":
                blocks[-1][1].extend(rows)
            elif rows:
                blocks.append(("table", rows))
            continue
        if re.fullmatch(r"-{3,}", first):
            blocks.append(("rule", None))
            continue
        joined = _join_md(it)
        m = HEADING_RE.match(joined)
        if m:
            blocks.append(("heading", len(m.group(1)),
                           strip_markup(m.group(2)).strip()))
            continue
        m = NUMBERED_RE.match(joined)
        if m:
            blocks.append(("numbered", m.group(1) or m.group(2),
                           strip_markup(m.group(3)).strip()))
            continue
        m = BULLET_RE.match(joined)
        if m:
            blocks.append(("bullet", strip_markup(m.group(1)).strip()))
            continue
        m = LIST_ITEM_RE.match(joined)
        if m:
            blocks.append(("listitem", m.group(1) + ".",
                           strip_markup(m.group(2)).strip()))
            continue
        if joined.startswith("**") and joined.endswith("**"):
            blocks.append(("bold", strip_markup(joined).strip()))
            continue
        plain = strip_markup(joined).strip()
        if (infer_headings and len(it) == 1 and len(plain) <= 150
                and not re.search(r"[.:;,]$", plain) and ": " not in plain
                and not plain[:1].isdigit()):
            blocks.append(("subheading", plain))
        else:
            blocks.append(("para", plain))
    return blocks


NUM_INDENT = 14  # hanging indent for "3.9  text"


def render_report(pdf: DocPDF, blocks) -> None:
    pdf.add_page()
    in_numbered = False
    first_text = True
    for bi, blk in enumerate(blocks):
        kind = blk[0]
        if kind == "heading":
            level, text = blk[1], blk[2]
            size = {1: 17, 2: 14, 3: 12.5}.get(level, 11.5)
            pdf.heading(text, size=size, space_above=3 if first_text else 6,
                        space_below=2.5)
            in_numbered = False
        elif kind in ("bold", "subheading"):
            pdf.heading(blk[1], size=BODY_SIZE + (1 if kind == "subheading" else 0),
                        space_above=3 if first_text else 5, space_below=2)
            in_numbered = False
        elif kind == "rule":
            pdf.rule()
            in_numbered = False
        elif kind == "numbered":
            num, text = blk[1], blk[2]
            if not text:
                pdf.paragraph(num)
            else:
                pdf.paragraph(text, indent=NUM_INDENT, label=num, align="J")
            in_numbered = True
        elif kind == "bullet":
            base = NUM_INDENT if in_numbered else 0
            pdf.paragraph(blk[1], indent=base + 8, label=BULLET,
                          label_indent=base + 2, align="J", gap=2)
        elif kind == "listitem":
            pdf.paragraph(blk[2], indent=8, label=blk[1], label_indent=1,
                          align="J", gap=2)
        elif kind == "table":
            rows = blk[1]
            ncols = max(len(r) for r in rows)
            widths = (22, 52, 26) if ncols == 3 else (30, 70)
            indent = NUM_INDENT if in_numbered else 0
            pdf.data_table(rows, indent=indent, col_widths=widths[:ncols])
        elif kind == "para":
            text = blk[1]
            nxt = blocks[bi + 1] if bi + 1 < len(blocks) else None
            if re.fullmatch(r"\d+", text) and nxt and nxt[0] == "table":
                # paragraph number introducing a table ("26" + options table)
                pdf.ensure_space(6 * LINE_H)
                pdf.paragraph(text, gap=0.5)
                pdf.set_y(pdf.get_y() - LINE_H - 0.5)
                in_numbered = True
                continue
            if "\n" in text:
                for ln in text.split("\n"):
                    pdf.paragraph(ln, indent=NUM_INDENT if in_numbered else 0,
                                  gap=0.5)
                pdf.set_y(pdf.get_y() + PARA_GAP)
            else:
                pdf.paragraph(text, indent=NUM_INDENT if in_numbered else 0,
                              align="J")
        first_text = False


# --------------------------------------------------------------------------
DOCS = [
    {
        "src": "southend-jtai-inspection-letter-2018-05-09.txt",
        "kind": "letter",
        "title": "Joint targeted area inspection of Southend-on-Sea: "
                 "inspection findings letter",
        "author": "Ofsted",
        "subject": "Joint targeted area inspection of the multi-agency response "
                   "to child sexual exploitation, children associated with gangs "
                   "and at risk of exploitation and children missing from home, "
                   "care or education in Southend-on-Sea",
        "created": datetime(2018, 5, 9, 9, 0, 0, tzinfo=UTC),
    },
    {
        "src": "cheshire-east-committee-report-jtai-progress-2023-07-10.txt",
        "kind": "report",
        "infer_headings": True,
        "title": "Update on progress against the Joint Targeted Area Inspection "
                 "Action Plan",
        "author": "Cheshire East Council",
        "subject": "Children and Families Committee, 10 July 2023",
        "created": datetime(2023, 6, 30, 9, 0, 0, tzinfo=UTC),
    },
    {
        "src": "southend-cabinet-report-jtai-2018-06-19.txt",
        "kind": "report",
        "infer_headings": False,
        "title": "Joint targeted area inspection (JTAI): report to Cabinet",
        "author": "Southend-on-Sea Borough Council",
        "subject": "Report of Deputy Chief Executive for People to Cabinet, "
                   "19 June 2018",
        "created": datetime(2018, 6, 8, 9, 0, 0, tzinfo=UTC),
    },
]


def build(doc: dict) -> Path:
    text = (SRC_DIR / doc["src"]).read_text(encoding="utf-8")
    pdf = DocPDF(title=doc["title"], author=doc["author"],
                 subject=doc["subject"], created=doc["created"],
                 keywords="sample fixture; joint targeted area inspection")
    if doc["kind"] == "letter":
        blocks, footnotes = parse_letter(text)
        render_letter(pdf, blocks, footnotes)
    else:
        render_report(pdf, parse_markdown(text, doc.get("infer_headings", False)))
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    out = OUT_DIR / (Path(doc["src"]).stem + ".pdf")
    pdf.output(str(out))
    return out


CHECKS = {
    "southend-jtai-inspection-letter-2018-05-09.pdf": (
        5, "The conduct of MACE meetings lacks sufficient structure and rigour"),
    "cheshire-east-committee-report-jtai-progress-2023-07-10.pdf": (
        2, "82% of the actions are now complete"),
    "southend-cabinet-report-jtai-2018-06-19.pdf": (
        2, "The letter identified 29 areas for improvement across the partnership"),
}


def check(paths: list[Path]) -> int:
    from pypdf import PdfReader

    failures = 0
    for p in paths:
        min_pages, sentence = CHECKS[p.name]
        reader = PdfReader(str(p))
        pages = [re.sub(r"\s+", " ", pg.extract_text() or "") for pg in reader.pages]
        hits = [i + 1 for i, t in enumerate(pages) if sentence in t]
        size_kb = p.stat().st_size / 1024
        ok = bool(hits) and len(pages) >= min_pages and size_kb < 200
        failures += not ok
        print(f"{'OK ' if ok else 'FAIL'} {p.name}: {len(pages)} pages, "
              f"{size_kb:.1f} KB, sentence on page(s) {hits or 'NOT FOUND'}")
    return failures


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true",
                    help="verify the PDFs with pypdf after writing them")
    args = ap.parse_args(argv)
    paths = []
    for doc in DOCS:
        out = build(doc)
        paths.append(out)
        print(f"wrote {out.relative_to(ROOT)}")
    if args.check:
        return 1 if check(paths) else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
