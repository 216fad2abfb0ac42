"""Read the structured facts of an Ofsted children's services report from its page texts.

``extract_report_fields(pages)`` takes pypdf's ``extract_text()`` per page and returns the framework, the
inspection dates, the publication date, the lead inspector and every judgement grade, each value cited to its
page and the verbatim line(s) stating it. A value the report does not state stays "": nothing is guessed.

All the wording (titles, labels, judgement names, grade phrases) is data: ``domain/data/ofsted_report.toml``,
loaded by ``domain.ofsted``. This module is the one home of the matching.

How text is matched: each page is read as a "flat" text, every run of whitespace one space and curly
apostrophes and dashes plain, so a table cell that pypdf split over lines reads as one phrase; a map from flat
to raw offsets turns every match back into the raw lines it came from (the citation's quote, a substring of
the page text).

Rules worth knowing:
- Framework: the title pattern that matches earliest in the head of the first page. ILACS reports do not say
  short or standard: a first fieldwork block of at most ``short_max_days`` days (one working week) is a short
  inspection, a longer one (two weeks) standard; a split fieldwork ("5 to 9 December 2022 and 14 to 15
  February 2023") is decided on its first block.
- Dates: a split fieldwork's start is the first block's start, its end the last block's end.
- Grades: ILACS reads the judgement table on the first pages, then the section headings ("... in care: good")
  as a second source: the table wins, the headings fill what the table lacks, and a disagreement is noted.
  SIF reads its summary list and its overall-judgement and LSCB sentences; never the previous inspection's
  judgements that re-inspection reports quote later on.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass, field

from domain.kinds import FRAMEWORK_BY_VALUE
from domain.ofsted import AreaWording, JudgementWording, ReportWording, report_wording

__all__ = ["FieldCitation", "ReportFields", "extract_report_fields"]


@dataclass(frozen=True)
class FieldCitation:
    page: int  # 1-based
    quote: str  # the line(s) stating the value, exactly as in the page's text


@dataclass
class ReportFields:
    framework: str = ""
    inspection_start: str = ""  # ISO yyyy-mm-dd
    inspection_end: str = ""
    published: str = ""
    lead_inspector: str = ""
    grades: dict[str, str] = field(default_factory=dict)  # area key (domain.kinds) -> grade
    #: field name -> citation; a grade's field name is "grades.<area key>"
    citations: dict[str, FieldCitation] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # why a value was left empty, sources that disagree


# -- page text ----------------------------------------------------------------------------------------------
_CHAR_MAP = {"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u2032": "'",
             "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u2010": "-", "\u2011": "-"}


class _Page:
    """One page's raw text and its flat form (whitespace runs as one space), with a flat -> raw offset map."""

    def __init__(self, number: int, raw: str):
        self.number = number
        self.raw = raw
        chars: list[str] = []
        index: list[int] = []
        space = True  # drop leading whitespace
        for i, c in enumerate(raw):
            if c.isspace():
                if not space:
                    chars.append(" ")
                    index.append(i)
                    space = True
                continue
            chars.append(_CHAR_MAP.get(c, c))
            index.append(i)
            space = False
        self.flat = "".join(chars)
        self.index = index

    def raw_offset(self, flat_pos: int) -> int:
        return self.index[flat_pos] if flat_pos < len(self.index) else len(self.raw)

    def quote(self, start: int, end: int) -> str:
        """The whole raw line(s) that the flat span [start, end) lies on."""
        raw_start = self.raw_offset(start)
        raw_end = self.index[end - 1] + 1 if end > start else raw_start
        line_start = self.raw.rfind("\n", 0, raw_start) + 1
        line_end = self.raw.find("\n", raw_end)
        return self.raw[line_start:len(self.raw) if line_end < 0 else line_end].strip()

    def cite(self, start: int, end: int) -> FieldCitation:
        return FieldCitation(self.number, self.quote(start, end))

    def starts_line(self, flat_pos: int) -> bool:
        raw_pos = self.raw_offset(flat_pos)
        line_start = self.raw.rfind("\n", 0, raw_pos) + 1
        return not self.raw[line_start:raw_pos].strip()


def _norm(text: str) -> str:
    return " ".join("".join(_CHAR_MAP.get(c, c) for c in text).split())


def _literal(text: str) -> str:
    """A regex for a literal phrase: its words and punctuation, each gap an optional space (pypdf may drop
    or add one)."""
    return r"\s?".join(re.escape(t) for t in re.findall(r"\w+|[^\w\s]", _norm(text)))


def _alternation(phrases) -> str:
    return "|".join(_literal(p) for p in sorted(set(phrases), key=len, reverse=True))


# -- dates ----------------------------------------------------------------------------------------------------
_MONTHS = {m: i for i, m in enumerate(
    ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"), start=1)}
_MONTHS |= {m[:3]: i for m, i in list(_MONTHS.items())} | {"sept": 9}
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))
# "4 March 2019", "4th March", "4" (month and year from the next date), or "04/03/2019" (day first).
_DATE_ITEM = re.compile(
    r"(?P<nd>[0-3]?\d)/(?P<nm>[01]?\d)/(?P<ny>(?:19|20)\d\d)(?!\d)"
    rf"|(?P<d>[0-3]?\d)(?:st|nd|rd|th)?(?:\s?(?P<m>{_MONTH_RE})\b\.?)?(?:,?\s?(?P<y>(?:19|20)\d\d)(?!\d))?",
    re.IGNORECASE)


def _item(m: re.Match) -> tuple[int, int | None, int | None]:
    """(day, month, year) of a date item; None where the item leaves it to the next date."""
    if m["nd"]:
        return int(m["nd"]), int(m["nm"]), int(m["ny"])
    return int(m["d"]), _MONTHS[m["m"].lower()] if m["m"] else None, int(m["y"]) if m["y"] else None
_RANGE_SEP = re.compile(r"\s?(?:-|to|until|till)\s?", re.IGNORECASE)
_BLOCK_SEP = re.compile(r"\s?(?:,\s?and|and|&|,)\s?", re.IGNORECASE)
_MAX_SPAN_DAYS = 200  # a split fieldwork runs over months at most; more is a misread


@dataclass(frozen=True)
class _Dates:
    start: dt.date
    end: dt.date
    first_block_days: int  # calendar days of the first fieldwork block, both ends included
    end_pos: int  # flat offset just past the expression


def _parse_dates(flat: str, pos: int) -> _Dates | None:
    """The date expression at ``pos``: one date, a range, or blocks of them ("5 to 9 December 2022 and 14 to
    15 February 2023"). Missing months and years come from the next date on the right."""
    while pos < len(flat) and flat[pos] in " :":
        pos += 1
    item = _DATE_ITEM.match(flat, pos)
    if not item:
        return None
    items = [item]
    new_block = [True]  # per item: does it start a block?
    while True:
        end = items[-1].end()
        for sep, starts_block in ((_RANGE_SEP, False), (_BLOCK_SEP, True)):
            s = sep.match(flat, end)
            nxt = _DATE_ITEM.match(flat, s.end()) if s else None
            if nxt and nxt.end() > nxt.start():
                items.append(nxt)
                new_block.append(starts_block)
                break
        else:
            break
    parts = [_item(it) for it in items]
    while parts and None in parts[-1]:  # the rightmost date must be complete
        parts.pop()
        items.pop()
        new_block.pop()
    if not parts:
        return None
    dates: list[dt.date] = []
    _, month, year = parts[-1]
    try:
        for day, it_month, it_year in reversed(parts):
            inferred_year = it_year is None
            month = it_month or month
            year = it_year or year
            d = dt.date(year, month, day)
            if dates and inferred_year and d > dates[-1]:  # "28 December to 8 January 2016"
                d = d.replace(year=year - 1)
                year -= 1
            dates.append(d)
    except ValueError:
        return None
    dates.reverse()
    blocks: list[list[dt.date]] = []
    for d, starts in zip(dates, new_block):
        if starts:
            blocks.append([d])
        else:
            blocks[-1].append(d)
    if any(b[-1] < b[0] for b in blocks) or any(b2[0] < b1[-1] for b1, b2 in zip(blocks, blocks[1:])):
        return None
    if (blocks[-1][-1] - blocks[0][0]).days > _MAX_SPAN_DAYS:
        return None
    return _Dates(blocks[0][0], blocks[-1][-1], (blocks[0][-1] - blocks[0][0]).days + 1, items[-1].end())


def _single_date(flat: str, pos: int) -> tuple[dt.date, int] | None:
    while pos < len(flat) and flat[pos] in " :":
        pos += 1
    m = _DATE_ITEM.match(flat, pos)
    if not m or None in _item(m):
        return None
    try:
        return dt.date(*reversed(_item(m))), m.end()
    except ValueError:
        return None


# -- the compiled wording --------------------------------------------------------------------------------
@dataclass(frozen=True)
class _AreaRegexes:
    key: str
    table: re.Pattern | None
    heading: re.Pattern | None
    sentences: tuple[re.Pattern, ...]
    sentence_any_page: bool


@dataclass(frozen=True)
class _Compiled:
    wording: ReportWording
    grade_re: str
    grade_lookup: dict[str, str]
    frameworks: tuple[tuple[str, tuple[re.Pattern, ...]], ...]
    date_label: re.Pattern
    lead_label: re.Pattern
    published_label: re.Pattern
    designation: re.Pattern
    signoff: re.Pattern
    visit_dates: tuple[re.Pattern, ...]
    areas: dict[str, tuple[_AreaRegexes, ...]]


@functools.cache
def _compiled() -> _Compiled:
    w = report_wording()
    # A grade ends where a lowercase letter or a hyphen cannot follow ("good-quality" is not a grade), but
    # pypdf's "GoodThe experiences ..." still reads as one.
    grade_re = f"(?:{_alternation(w.grades)})(?!(?-i:[a-z])|-)"
    flags = re.IGNORECASE

    def pattern(p: str) -> re.Pattern:
        return re.compile(_norm(p).replace("(?P<grade>GRADE)", f"(?P<grade>{grade_re})"), flags)

    def area_regexes(a: AreaWording) -> _AreaRegexes:
        # A table row: the label, then the grade at once, or "Grade 4 (inadequate)" (2009-2013 reports).
        table = re.compile(rf"(?P<label>{_alternation(a.table)})\s?(?:grade\s?[1-4]\s?\(\s?)?(?P<grade>{grade_re})",
                           flags) if a.table else None
        # A section heading: "...: good", "... is: good", or (2018) "... is good", "... requires improvement".
        heading = re.compile(rf"(?P<label>{_alternation(a.heading)})(?:\s(?:is|are))?\s?:?\s?(?P<grade>{grade_re})",
                             flags) if a.heading else None
        return _AreaRegexes(a.key, table, heading, tuple(pattern(s) for s in a.sentence), a.sentence_any_page)

    lookup = {re.sub(r"\s", "", _norm(p).lower()): g for p, g in w.grades.items()}
    return _Compiled(
        wording=w,
        grade_re=grade_re,
        grade_lookup=lookup,
        frameworks=tuple((f.value, tuple(pattern(p) for p in f.patterns)) for f in w.frameworks),
        date_label=re.compile(_alternation(w.date_labels), flags),
        lead_label=re.compile(rf"(?:{_alternation(w.lead_labels)})(?!\w)", flags),
        published_label=re.compile(_alternation(w.published_labels), flags),
        designation=re.compile(rf"(?<!\w)(?:{_alternation(w.designations)})(?!\w)", flags),
        signoff=re.compile(_alternation(w.signoffs), flags),
        visit_dates=tuple(pattern(p) for p in w.visit_date_patterns),
        areas={name: tuple(area_regexes(a) for a in j.areas) for name, j in w.judgements.items()},
    )


def _grade(c: _Compiled, text: str) -> str:
    return c.grade_lookup.get(re.sub(r"\s", "", _norm(text).lower()), "")


# -- the fields -----------------------------------------------------------------------------------------------
def extract_report_fields(pages: list[str]) -> ReportFields:
    """The framework, dates, lead inspector and judgements that a report's pages state, each cited."""
    c = _compiled()
    doc = [_Page(i, text or "") for i, text in enumerate(pages, start=1)]
    out = ReportFields()
    if not any(p.flat for p in doc):
        return out
    kind, title = _framework_title(c, doc)
    letter = kind in c.wording.letter_frameworks
    dates = _read_dates(c, doc, letter, out)
    _read_published(c, doc, letter, out)
    _read_lead_inspector(c, doc, letter, out)
    if kind in c.areas:
        _read_grades(c, doc, c.wording.judgements[kind], c.areas[kind], out)
    _resolve_framework(c, kind, title, dates, out)
    return out


def _framework_title(c: _Compiled, doc: list[_Page]) -> tuple[str, tuple[_Page, int, int] | None]:
    """The framework entry whose title matches earliest in the head of the first page with text."""
    page = next(p for p in doc if p.flat)
    head = page.flat[:c.wording.title_window]
    best: tuple[int, str, int] | None = None
    for value, patterns in c.frameworks:
        for pat in patterns:
            m = pat.search(head)
            if m and (best is None or m.start() < best[0]):  # ties: the earlier entry wins
                best = (m.start(), value, m.end())
    if best is None:
        return "", None
    return best[1], (page, best[0], best[2])


def _resolve_framework(c: _Compiled, kind: str, title: tuple[_Page, int, int] | None,
                       dates: tuple[_Page, int, _Dates] | None, out: ReportFields) -> None:
    w = c.wording
    if not kind or title is None:
        out.notes.append("framework: no known report title on the first page")
        return
    page, start, end = title
    framework = kind
    if kind not in FRAMEWORK_BY_VALUE:  # a family (ILACS): its framework is told by the fieldwork length
        if dates is None:
            out.notes.append(f"framework: an {kind} inspection, but no fieldwork dates to tell short from standard")
            return
        framework = w.ilacs_short if dates[2].first_block_days <= w.short_max_days else w.ilacs_standard
        dates_page, dates_start, parsed = dates
        if dates_page is page:  # cite the title through the dates line that decides short or standard
            patterns = dict(c.frameworks)[kind]
            before = [m for pat in patterns for m in pat.finditer(page.flat, 0, dates_start)]
            nearest = max(before, key=lambda m: m.start(), default=None)  # not a running header above it
            if nearest and dates_start - nearest.end() < 300:
                start, end = nearest.start(), parsed.end_pos
    out.framework = framework
    out.citations["framework"] = page.cite(start, end)


def _read_dates(c: _Compiled, doc: list[_Page], letter: bool, out: ReportFields) -> tuple[_Page, int, _Dates] | None:
    found = None
    for page in doc[:3]:
        for m in c.date_label.finditer(page.flat):
            dates = _parse_dates(page.flat, m.end())
            if dates:
                found = (page, m.start(), dates)
                break
        if found:
            break
    if not found and letter:  # letters state their dates in a sentence
        for page in doc[:2]:
            for pat in c.visit_dates:
                for m in pat.finditer(page.flat):
                    dates = _parse_dates(page.flat, m.end())
                    if dates:
                        found = (page, m.start(), dates)
                        break
                if found:
                    break
            if found:
                break
    if not found:
        return None
    page, start, dates = found
    out.inspection_start, out.inspection_end = dates.start.isoformat(), dates.end.isoformat()
    out.citations["inspection_start"] = out.citations["inspection_end"] = page.cite(start, dates.end_pos)
    return found


def _read_published(c: _Compiled, doc: list[_Page], letter: bool, out: ReportFields) -> None:
    for page in doc[:3]:
        for m in c.published_label.finditer(page.flat):
            got = _single_date(page.flat, m.end())
            if got:
                out.published = got[0].isoformat()
                out.citations["published"] = page.cite(m.start(), got[1])
                return
    if not letter:
        return
    # A letter's date line, above the salutation.
    page = next(p for p in doc if p.flat)
    for line in page.raw.split("\n"):
        text = _norm(line)
        if text.lower().startswith("dear "):
            break
        if _DATE_ITEM.fullmatch(text):
            got = _single_date(text, 0)
            if got:
                out.published = got[0].isoformat()
                out.citations["published"] = FieldCitation(page.number, line.strip())
                return


# -- lead inspector -----------------------------------------------------------------------------------------------
_NAME_PARTICLES = {"de", "da", "di", "du", "van", "von", "der", "den", "la", "le", "al", "el", "bin", "ap"}
_NOT_NAMES = {"judgement", "grade", "inspection", "inspector", "inspectors", "team", "the", "ofsted", "and",
              "lead", "deputy", "date", "dates", "report", "published", "children", "services"}


def _name_word(token: str) -> bool:
    """A capitalised word of a name: "Jenny-ellen", "O’Neill", "McEntee", "Máire", an initial "J" or "J."."""
    return token[0].isupper() and all(ch.isalpha() or ch in "'’.-" for ch in token)


def _person_name(text: str, c: _Compiled) -> str:
    """The name at the start of ``text`` (up to its designation, a comma or a bracket), or "" if it does not
    look like a person's name."""
    verbatim = " ".join(text.split())  # the name keeps its own apostrophes and accents
    plain = _norm(verbatim)  # the same length: the character map is one to one
    start = len(plain) - len(plain.lstrip(":;- "))
    cut = c.designation.search(plain, start)
    end = cut.start() if cut else len(plain)
    stop = re.search(r"[,;(|/]", plain[start:end])
    end = start + stop.start() if stop else end
    tokens = verbatim[start:end].strip().rstrip(".").split()
    if not 2 <= len(tokens) <= 5:
        return ""
    for i, t in enumerate(tokens):
        if t.lower() in _NOT_NAMES:
            return ""
        if not (_name_word(t) or (0 < i < len(tokens) - 1 and t.lower() in _NAME_PARTICLES)):
            return ""
    return " ".join(tokens)


def _raw_lines_after(page: _Page, raw_pos: int) -> list[tuple[int, int]]:
    """(start, end) raw offsets of the line holding ``raw_pos`` and of the lines after it."""
    spans = []
    start = page.raw.rfind("\n", 0, raw_pos) + 1
    while start <= len(page.raw):
        end = page.raw.find("\n", start)
        end = len(page.raw) if end < 0 else end
        spans.append((start, end))
        start = end + 1
        if start > len(page.raw):
            break
    return spans


def _read_lead_inspector(c: _Compiled, doc: list[_Page], letter: bool, out: ReportFields) -> None:
    for page in doc:
        for m in c.lead_label.finditer(page.flat):
            if not page.starts_line(m.start()):  # "Deputy lead inspector:", "... met the lead inspector"
                continue
            label_end = page.raw_offset(m.end() - 1) + 1
            lines = _raw_lines_after(page, label_end)
            first_start, first_end = lines[0]
            rest = page.raw[label_end:first_end]
            used = [lines[0]]
            if not _norm(rest).strip(": "):  # the name is on the next line with text
                for span in lines[1:4]:
                    if page.raw[span[0]:span[1]].strip():
                        rest = page.raw[span[0]:span[1]]
                        used.append(span)
                        break
            name = _person_name(rest, c)
            if not name:
                continue
            after = used[-1]
            following = next((s for s in lines[len(used):len(used) + 3] if page.raw[s[0]:s[1]].strip()), None)
            if following and not c.designation.search(_norm(rest)):
                text = _norm(page.raw[following[0]:following[1]])
                d = c.designation.match(text)
                if d and d.end() >= len(text.rstrip(". ")):  # "Her Majesty's Inspector" on its own line
                    after = following
            out.lead_inspector = name
            out.citations["lead_inspector"] = FieldCitation(page.number, page.raw[first_start:after[1]].strip())
            return
    if letter:
        _read_signatory(c, doc, out)


def _read_signatory(c: _Compiled, doc: list[_Page], out: ReportFields) -> None:
    """A visit letter's lead inspector: the one person who signs it, above an inspector's designation."""
    for page in reversed(doc):
        for m in c.signoff.finditer(page.flat):
            lines = [s for s in _raw_lines_after(page, page.raw_offset(m.end() - 1) + 1)[1:8]
                     if page.raw[s[0]:s[1]].strip()]
            if len(lines) < 2:
                continue
            name = _person_name(page.raw[lines[0][0]:lines[0][1]], c)
            designation = _norm(page.raw[lines[1][0]:lines[1][1]])
            d = c.designation.match(designation)
            if not (name and d and d.end() >= len(designation.rstrip(". "))):
                continue
            if len(lines) > 2 and _person_name(page.raw[lines[2][0]:lines[2][1]], c):
                continue  # more than one signatory: no single lead inspector
            out.lead_inspector = name
            out.citations["lead_inspector"] = FieldCitation(page.number,
                                                            page.raw[lines[0][0]:lines[1][1]].strip())
            return


# -- grades ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Found:
    grade: str
    source: str  # table | sentence | heading
    page: _Page
    start: int
    end: int


def _read_grades(c: _Compiled, doc: list[_Page], judgements: JudgementWording, areas: tuple[_AreaRegexes, ...],
                 out: ReportFields) -> None:
    scope = doc[:judgements.table_pages] if judgements.table_pages else doc
    for area in areas:
        found: list[_Found] = []
        for page in scope:
            if area.table:
                found += [_Found(_grade(c, m["grade"]), "table", page, m.start(), m.end())
                          for m in area.table.finditer(page.flat)]
        for page in doc if area.sentence_any_page else scope:
            for pat in area.sentences:
                found += [_Found(_grade(c, m["grade"]), "sentence", page, m.start(), m.end())
                          for m in pat.finditer(page.flat)]
        if area.heading:
            for page in doc:
                found += [_Found(_grade(c, m["grade"]), "heading", page, m.start(), m.end())
                          for m in area.heading.finditer(page.flat)]
        found = [f for f in found if f.grade]
        if not found:
            continue
        order = {"table": 0, "sentence": 1, "heading": 2}
        found.sort(key=lambda f: (order[f.source], f.page.number, f.start))
        best = found[0]
        others = sorted({f.grade for f in found} - {best.grade})
        if others and judgements.ambiguous_if_different:
            out.notes.append(f"{area.key}: graded {best.grade} and {', '.join(others)} in different places "
                             "(e.g. safeguarding and looked after children services): left empty")
            continue
        if others:
            where = "; ".join(f"{f.source} p{f.page.number}: {f.grade}" for f in found if f.grade != best.grade)
            out.notes.append(f"{area.key}: {best.source} p{best.page.number} says {best.grade}, but {where}")
        out.grades[area.key] = best.grade
        out.citations[f"grades.{area.key}"] = best.page.cite(best.start, best.end)
