"""Build ``eval/qa/real.jsonl``: the Q&A set over the real Ofsted reports in ``/work/shared/ilacs``.

The facts come from ``reports.csv`` (a third party's scrape) *and* from the reports' own text: a generated
question is kept only where its answer is in the report, and where the two disagree the report wins (the
disagreements are counted and shown by ``--report``). Quotes are taken from one page's text as the product
reads it (``ingest.loaders.load_file``), never across a page break or a line-end hyphen.

    PYTHONPATH=$PWD python -m eval.build_real            # writes eval/qa/real.jsonl
    PYTHONPATH=$PWD python -m eval.build_real --report   # and prints counts, drops and disagreements
"""

from __future__ import annotations

import argparse
import collections
import csv
import hashlib
import json
import os
import random
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from domain.kinds import GOOD, INADEQUATE, OUTSTANDING, REQUIRES_IMPROVEMENT
from domain.text import normalize_for_match, split_sentences
from ingest import loaders
from ingest.loaders import IngestError, load_file

ILACS_DIR = Path(os.environ.get("ILACS_DIR", "/work/shared/ilacs"))
QA_DIR = Path(__file__).parent / "qa"
OUT = QA_DIR / "real.jsonl"
HANDWRITTEN = QA_DIR / "real_handwritten.jsonl"
CI_LIST = QA_DIR / "real_ci_reports.txt"
CACHE_DIR = Path(os.environ.get("REALSET_CACHE", "/tmp/realset_pages"))
MAX_BYTES = 50_000_000
SEED = 20260601
HOLDOUT_SHARE = 1 / 3
KINDS = ("lead_inspector", "grade", "dates", "improve", "area_findings", "change", "aggregate", "unanswerable")
#: Ofsted's reform: inspections from April 2026 give no overall effectiveness judgement.
POST_REFORM = date(2026, 4, 1)
#: From January 2023 ILACS judges care leavers on their own (before: "children in care and care leavers").
CARE_LEAVERS_SEPARATE = date(2023, 1, 1)
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


# -- page texts --------------------------------------------------------------------------------------------
def _cache_key(data: bytes) -> str:
    import pypdf

    # The text depends on the file, pypdf's version and the product's loader: any of them changes the key.
    loader = hashlib.sha256(Path(loaders.__file__).read_bytes()).hexdigest()[:8]
    return f"{hashlib.sha256(data).hexdigest()[:32]}-pypdf{pypdf.__version__}-loader{loader}"


def report_pages(path: Path) -> list[str] | None:
    """The report's page texts as the product reads them (``load_file``), or None where it cannot be read
    (an HTML page saved as ".pdf"). Cached under CACHE_DIR by file hash: pypdf takes minutes for all."""
    data = path.read_bytes()
    cached = CACHE_DIR / (_cache_key(data) + ".json")
    if cached.exists():
        return json.loads(cached.read_text(encoding="utf-8"))
    try:
        pages: list[str] | None = load_file(path, MAX_BYTES).pages
    except IngestError:
        pages = None
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    tmp = cached.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(pages, ensure_ascii=False), encoding="utf-8")
    tmp.replace(cached)
    return pages


#: Marks a line-end hyphen in flattened text: a quote must never span one (the product may re-join the word).
SPLIT = "\x00"


def flatten(page: str) -> str:
    """One page's text with whitespace collapsed; a line-end hyphen keeps a SPLIT marker after it."""
    page = re.sub(r"(?<=\w)-[ \t]*\n", "-" + SPLIT + "\n", page)
    return re.sub(r"\s+", " ", page).strip()


def clean_quote(text: str) -> str:
    """``text`` up to (not including) a line-end hyphen split: the part that is safe to quote."""
    if SPLIT in text:
        text = text[:text.index(SPLIT)]
        text = text[:text.rfind(" ")] if " " in text else ""  # drop the half word before the hyphen
    return text.strip(" ,;:")


# -- councils ----------------------------------------------------------------------------------------------
_NAME_OVERRIDES = {"london corporation": "City of London"}
_SMALL_WORDS = {"and", "of", "upon", "on", "the", "under", "le"}


def council_name(raw: str) -> str:
    """The canonical name of a council from the folder / csv spelling ("telford & wrekin" -> "Telford and
    Wrekin", "southend-on-sea" -> "Southend-on-Sea")."""
    raw = re.sub(r"^\d+_", "", raw.strip().lower()).replace("&", "and")
    raw = re.sub(r"\s+", " ", raw)
    if raw in _NAME_OVERRIDES:
        return _NAME_OVERRIDES[raw]
    out = []
    for i, word in enumerate(raw.split(" ")):
        parts = word.split("-")
        parts = [p if (i or j) and p in _SMALL_WORDS else p[:1].upper() + p[1:] for j, p in enumerate(parts)]
        out.append("-".join(parts))
    return " ".join(out)


# -- grades ------------------------------------------------------------------------------------------------
_GRADE = r"(requires? improvement to be good|requires? improvement|improvement to be good|outstanding|good|inadequate|adequate)"


def grade_word(text: str) -> str:
    """The normalised grade (domain.kinds) of a grade phrase as a report writes it."""
    t = text.lower()
    if "improvement" in t:
        return REQUIRES_IMPROVEMENT
    for g in (OUTSTANDING, INADEQUATE, GOOD):
        if g in t:
            return g
    return "adequate" if "adequate" in t else ""


@dataclass
class Quote:
    page: int  # 0-based
    text: str


@dataclass
class Judgement:
    area: str  # a domain.kinds area key
    grade: str  # normalised
    quote: Quote
    combined: bool = False  # ILACS 2018-2022: one judgement for children in care *and* care leavers


@dataclass
class Report:
    doc: str  # path relative to the ilacs folder
    council: str
    row: dict[str, str]
    pages: list[str] | None
    flat: list[str] = field(default_factory=list)
    layout: str = ""  # ilacs | ilacs_2018 | sif | sif_reinspection | pre_sif | unreadable | unknown
    lscb_review: bool = False
    start: date | None = None
    end: date | None = None
    segments: list[tuple[date, date]] = field(default_factory=list)
    dates_quote: Quote | None = None
    lead: str = ""
    lead_quote: Quote | None = None
    judgements: dict[str, Judgement] = field(default_factory=dict)
    improve: list[Quote] = field(default_factory=list)
    findings: dict[str, list[Quote]] = field(default_factory=dict)  # area -> [heading, first paragraph]
    published: date | None = None

    @property
    def framework(self) -> str:
        """The domain.kinds framework value."""
        if self.layout in ("ilacs", "ilacs_2018"):
            # a short inspection is one week of fieldwork (sometimes with a few days more later: split fieldwork)
            short = bool(self.segments) and (self.segments[0][1] - self.segments[0][0]).days <= 7
            return "ILACS short" if short else "ILACS standard"
        return {"sif": "SIF", "sif_reinspection": "SIF", "pre_sif": "pre-SIF"}.get(self.layout, "")

    @property
    def year(self) -> int | None:
        return self.start.year if self.start else None


def _csv_date(text: str) -> date | None:
    m = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})", text.strip())
    if not m:
        return None
    year = int(m.group(3))
    return date(year + 2000 if year < 100 else year, int(m.group(2)), int(m.group(1)))


def _layout(report: Report) -> None:
    head = " ".join(report.flat[:2])
    low = head.lower().replace("'", "’")
    if report.pages is None:
        report.layout = "unreadable"
    elif "re-inspection of services for children in need" in low:
        report.layout = "sif_reinspection"
    elif "inspection of services for children in need of help and protection" in low:
        report.layout = "sif"
    elif "inspection of looked after children services" in low or "inspection of safeguarding and looked" in low:
        report.layout = "pre_sif"
    elif re.search(r"inspection of (?:local authority )?children’s (?:social care )?services", low):
        report.layout = "ilacs_2018"  # the 2018-19 layout: the council's name above a generic title
    elif re.search(r"inspection of .{0,90}children’s services", low) and "judgement grade" in low:
        report.layout = "ilacs"
    else:
        report.layout = "unknown"
    report.lscb_review = "local safeguarding children board" in report.flat[0].lower() if report.flat else False


# -- dates and lead inspector ------------------------------------------------------------------------------
_MONTH_RE = "|".join(MONTHS)
_DAY = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\b(?:\s+({_MONTH_RE}))?(?:\s+(\d{{4}}))?", re.I)


def parse_span(text: str) -> tuple[date, date] | None:
    """"11 to 15 September 2023", "14 January – 5 February 2014", "9–24 November 2017" -> (start, end)."""
    tokens = [[int(m.group(1)), m.group(2), m.group(3)] for m in _DAY.finditer(text)]
    if not tokens or not tokens[-1][1] or not tokens[-1][2]:
        return None
    for i in range(len(tokens) - 2, -1, -1):  # a day without month / year takes the next one's
        tokens[i][1] = tokens[i][1] or tokens[i + 1][1]
        tokens[i][2] = tokens[i][2] or tokens[i + 1][2]
    try:
        days = [date(int(y), MONTHS.index(m.capitalize()) + 1, d) for d, m, y in tokens]
    except ValueError:
        return None
    return days[0], days[-1]


def _parse_segments(line: str) -> list[tuple[date, date]] | None:
    segments = [parse_span(s) for s in re.split(r"\s+and\s+", line)]
    return None if not segments or any(s is None for s in segments) else segments  # type: ignore[return-value]


def _dates(report: Report) -> None:
    for i, page in enumerate(report.pages[:3]):
        m = re.search(r"Inspection dates?:?[ \t]*([^\n]*)((?:\n[^\n]*){0,2})", page)
        if not m:
            continue
        line, span = m.group(1).strip(), m.group(0)[:m.end(1) - m.start()]
        segments = _parse_segments(line)
        nxt = next((x for x in m.group(2).split("\n") if x.strip()), "")
        wrapped = re.search(r"(?:\bto|\band|[-–])$", line) or segments is None
        if wrapped and nxt:  # wrapped: "... and 28 – 30" / "January 2014"
            segments = _parse_segments(f"{line} {nxt.strip()}")
            span = m.group(0)[:m.group(0).find(nxt) + len(nxt)]
        if segments is None:
            numeric = re.findall(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b", line)  # "12/09/2016 to 06/10/2016"
            if len(numeric) == 2:
                report.start, report.end = (date(int(y), int(mo), int(d)) for d, mo, y in numeric)
                report.segments = [(report.start, report.end)]
            continue
        report.segments = segments
        report.start, report.end = segments[0][0], segments[-1][1]
        quote = re.sub(r"\s+", " ", span).strip()
        if SPLIT not in flatten(span) and _DAY.search(quote):
            report.dates_quote = Quote(i, quote)
        return


_LEAD_SUFFIX = re.compile(r"[,\s]*(?:(?:Senior )?HMI\.?|(?:Her|His) Majesty[’']s Inspector|Senior HMI)\s*$", re.I)


def _lead(report: Report) -> None:
    for i, page in enumerate(report.pages):
        m = re.search(r"(?<!eputy )(Lead inspector|Reporting inspector):?[ \t]*([^\n]*)", page)
        if not m:
            continue
        name = _LEAD_SUFFIX.sub("", m.group(2).strip()).strip(" .,")
        if not re.fullmatch(r"[A-Z][\w’'.-]*(?: [A-Z][\w’'.-]*| -?[a-z][\w-]*){1,3}", name):
            continue
        report.lead = name
        report.lead_quote = Quote(i, re.sub(r"\s+", " ", m.group(0)).strip())
        return


# -- judgements --------------------------------------------------------------------------------------------
_ILACS_LABELS = (
    ("impact_of_leaders", r"The impact of leaders on (?:social work )?practice with children and (?:their )?families", False),
    ("help_and_protection", r"The experiences and progress of children who need help and protection", False),
    ("in_care", r"The experiences and progress of children in care and care leavers", True),
    ("in_care", r"The experiences and progress of children in care(?! and)", False),
    ("care_leavers", r"The experiences and progress of care leavers", False),
)
_SIF_LABELS = (
    ("help_and_protection", r"Children who need help and protection"),
    ("looked_after_permanence", r"Children looked after and achieving permanence"),
    ("adoption", r"Adoption performance"),
    ("care_leavers", r"Experiences and progress of care leavers"),
    ("leadership_management_governance", r"Leadership, management and governance"),
)


def _ilacs_judgements(report: Report) -> list[str]:
    problems = []
    for key, label, combined in _ILACS_LABELS:
        table, heading = None, None
        for i, flat in enumerate(report.flat):
            for m in re.finditer(rf"{label}(?P<sep>:| is:?|) {_GRADE}\b", flat, re.I):
                if SPLIT in m.group(0):
                    continue
                if m.group("sep") and heading is None:
                    heading = Quote(i, m.group(0))
                elif not m.group("sep") and table is None and i <= 1:
                    table = Quote(i, m.group(0))
        chosen = heading or table
        if not chosen:
            continue
        grades = {grade_word(q.text[-40:]) for q in (table, heading) if q}
        if len(grades) > 1:
            problems.append(f"{report.doc}: {key} table and heading disagree: {table.text!r} / {heading.text!r}")
            continue
        report.judgements[key] = Judgement(key, grades.pop(), chosen, combined)
    for i, flat in enumerate(report.flat[:2]):
        m = re.search(rf"Overall effectiveness:? {_GRADE}\b", flat, re.I)
        if m and SPLIT not in m.group(0):
            report.judgements["overall_effectiveness"] = Judgement(
                "overall_effectiveness", grade_word(m.group(1)), Quote(i, m.group(0)))
            break
    return problems


def _sif_judgements(report: Report) -> None:
    first = report.flat[0] + (" " + report.flat[1] if len(report.flat) > 1 and len(report.flat[0]) < 300 else "")
    page = 0 if len(report.flat[0]) >= 300 else None
    for key, label in _SIF_LABELS:
        m = re.search(rf"\b\d(?:\.\d)?\.? {label} {_GRADE}\b", first, re.I)
        if m and SPLIT not in m.group(0):
            where = page if page is not None else (0 if m.group(0) in report.flat[0] else 1)
            report.judgements[key] = Judgement(key, grade_word(m.group(1)), Quote(where, m.group(0)))
    m = re.search(r"(?:The overall judgement is(?: that children’s services)?(?: are| requires?)?|Children’s "
                  rf"services in [^.]{{1,80}}? (?:are|is|requires?)) {_GRADE}\b", first, re.I)
    if m and SPLIT not in m.group(0):
        where = 0 if m.group(0) in report.flat[0] else 1
        report.judgements["overall_effectiveness"] = Judgement(
            "overall_effectiveness", grade_word(m.group(1)), Quote(where, m.group(0)))
    for i, flat in enumerate(report.flat):
        m = re.search(rf"(?:The effectiveness of the |The )Local Safeguarding Children Board(?: \(LSCB\))?:?(?: is)? "
                      rf"{_GRADE}\b", flat)
        if m and SPLIT not in m.group(0):
            report.judgements["lscb"] = Judgement("lscb", grade_word(m.group(1)), Quote(i, m.group(0)))
            break


def _pre_sif_judgements(report: Report) -> None:
    for i, flat in enumerate(report.flat):
        m = re.search(r"Overall effectiveness of services for looked after children and young people Grade \d "
                      r"\((outstanding|good|adequate|inadequate)\)", flat, re.I)
        if m:
            report.judgements["overall_effectiveness"] = Judgement(
                "overall_effectiveness", grade_word(m.group(1)), Quote(i, m.group(0)))
            return


# -- what needs to improve ---------------------------------------------------------------------------------
_BULLETS = "◼\uf06e\uf02d\uf0a7\uf0b7•"
_NEXT_HEADING = re.compile(r"The experiences and progress|The impact of leaders|Summary for|Information about|"
                           r"Inspection judgements|Summary of key findings|The local authority|Section \d")


def _ilacs_improve(report: Report) -> None:
    for i, flat in enumerate(report.flat):
        m = re.search(r"What needs to improve(?: in this local authority)?[?:]?\d?(?!\S)", flat)
        if not m:
            continue
        body = flat[m.end():]
        stop = _NEXT_HEADING.search(body)
        body = body[:stop.start()] if stop else body
        items = [clean_quote(x) for x in re.split(f"[{_BULLETS}]", body)[1:]]
        report.improve = [Quote(i, x) for x in items if len(x) >= 25]
        return


def _sif_improve(report: Report) -> None:
    heading = r"need to improve\?|Recommendations|Areas for improvement|Priority and immediate action"
    for i, flat in enumerate(report.flat[2:], start=2):
        for m in re.finditer(heading, flat):
            body = flat[m.end():]
            if re.match(r" \d+ [A-Z]", body):  # the contents page: "improve? 6 Information about"
                continue
            body = re.sub(r"^ (?:Priority and immediate action|Areas for improvement)", "", body)
            items = re.split(rf"(?:^| )(?:\d{{1,3}}\.|[{_BULLETS}]) (?=[A-Z])", body)[1:]
            quotes = []
            for item in items[:6]:
                sentence = clean_quote((split_sentences(item) or [""])[0])
                if len(sentence) >= 25 and not re.search(r"Areas for improvement|Priority and immediate", sentence):
                    quotes.append(Quote(i, sentence))
            if quotes:
                report.improve = quotes
                return


# -- findings per area -------------------------------------------------------------------------------------
def _findings(report: Report) -> None:
    for key, j in report.judgements.items():
        if key == "overall_effectiveness" or j.quote.page == 0 and report.layout == "ilacs" and ":" not in j.quote.text:
            continue
        flat = report.flat[j.quote.page]
        at = flat.find(j.quote.text)
        if at < 0 or not re.search(r"(?::| is:?) ", j.quote.text):
            continue
        body = flat[at + len(j.quote.text):].lstrip(" .")
        m = re.match(r"(\d{1,3})\. (.*?)(?= \d{1,3}\. [A-Z‘“]|$)", body)
        if not m:
            continue
        sentences = split_sentences(m.group(2))[:2]
        text = clean_quote(" ".join(sentences)) if sentences else ""
        if len(text) >= 40 and text in flat:
            report.findings[key] = [j.quote, Quote(j.quote.page, text)]


def parse_report(doc: str, row: dict[str, str], root: Path = ILACS_DIR) -> tuple[Report, list[str]]:
    pages = report_pages(root / doc)
    report = Report(doc, council_name(doc.split("/")[0]), row, pages, published=_csv_date(row.get("publication_date", "")))
    problems: list[str] = []
    if pages is None:
        report.layout = "unreadable"
        return report, problems
    report.flat = [flatten(p) for p in pages]
    _layout(report)
    _dates(report)
    _lead(report)
    if report.layout in ("ilacs", "ilacs_2018"):
        problems += _ilacs_judgements(report)
        _ilacs_improve(report)
    elif report.layout in ("sif", "sif_reinspection"):
        _sif_judgements(report)
        _sif_improve(report)
    elif report.layout == "pre_sif":
        _pre_sif_judgements(report)
    _findings(report)
    return report, problems


def load_reports(root: Path = ILACS_DIR) -> tuple[list[Report], list[str]]:
    rows = list(csv.DictReader((root / "reports.csv").open(encoding="utf-8")))
    folders = {p.name.split("_", 1)[0]: p.name for p in root.iterdir() if p.is_dir()}
    reports, problems = [], []
    for row in rows:
        doc = f"{folders[row['urn']]}/{row['pdf_filename']}"
        report, issues = parse_report(doc, row, root)
        reports.append(report)
        problems += issues
    return reports, problems


# -- the corpus as questions see it ------------------------------------------------------------------------
def read_ci_list(path: Path = CI_LIST) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    return [x.strip() for x in lines if x.strip() and not x.lstrip().startswith("#")]


def split_of(council: str, seed: int = SEED) -> str:
    """"dev" or "holdout" for a council: about a third are holdout, by a seeded hash of the name, so a council's
    split never depends on which other councils a folder holds (and holds for councils outside it too)."""
    digest = hashlib.sha256(f"{seed}:{council}".encode()).hexdigest()
    return "holdout" if int(digest, 16) % round(1 / HOLDOUT_SHARE) == 0 else "dev"


#: Terms of the trade a finding is about, most specific first: a phrase a correct answer is bound to repeat.
DOMAIN_TERMS = """
public law outline|pre-proceedings|private fostering|return home interviews|return home interview|child sexual exploitation|
criminal exploitation|extra-familial harm|exploitation|domestic abuse|neglect|missing from home|missing from care|
strategy discussions|strategy meetings|strategy discussion|section 47 enquiries|child protection enquiries|
child protection conferences|child protection plans|child protection|child in need|children in need|safety planning|
contingency planning|multi-agency safeguarding hub|mash|front door|early help|thresholds|consent|
management oversight|supervision|caseloads|workforce stability|recruitment|retention|agency staff|
quality assurance|audits|audit|performance information|performance data|self-evaluation|corporate parenting|
independent reviewing officers|independent reviewing officer|iros|iro|care plans|pathway plans|pathway planning|
personal advisers|personal education plans|virtual school|health assessments|health histories|emotional health|
mental health|education, employment or training|employment|suitable accommodation|accommodation|homeless|
16- and 17-year-olds|16 and 17|staying put|local offer|care-experienced|care experienced|life-story work|life story|
later-life letters|permanence planning|permanence|special guardianship|adoption|fostering|foster carers|
sufficiency|placement stability|placements|unregistered|children's homes|disabled children|disabilities|
transition|transitions|adulthood|young carers|unaccompanied asylum-seeking children|asylum-seeking|
electively home educated|missing education|designated officer|lado|allegations|advocacy|participation|
voice of the child|children's voices|direct work|assessments|assessment|plans|chronologies|recording|case records|
family network|family group conferences|kinship|connected carers|out of hours|emergency duty|
health partners|elected members|corporate parents|workforce|social work capacity|capacity
"""
DOMAIN = [t.strip() for t in DOMAIN_TERMS.replace("\n", "").split("|") if t.strip()]


def phrase_df(reports: list[Report]) -> tuple[dict[str, int], int]:
    """In how many reports each word and each adjacent word pair occurs."""
    df: collections.Counter[str] = collections.Counter()
    docs = [r for r in reports if r.flat]
    for r in docs:
        words = re.findall(r"[a-z][a-z’'-]*[a-z]", normalize_for_match(" ".join(r.flat)))
        df.update(set(words) | {f"{a} {b}" for a, b in zip(words, words[1:])})
    return dict(df), len(docs)


_STOP = frozenset("""a an the and or of to in on for with by at from as is are was were be been being this that these those it its
their they them there which who whom whose when where while than then so such not no nor but if into onto over under
about after before between through during without within across all any some most more many much few other own same
very can could should would will may might must do does did has have had also only both each further how what why
ensure ensuring including include includes well good need needs needed who being make makes made more less""".split())  # noqa: SIM905
#: Words too common in these reports to make a word pair distinctive.
_GENERIC = _STOP | frozenset("""children child children’s children's young people families family help protection care leavers
leaver practice services service social work workers worker improvement improve improved require requires required
receive receives remain remains since areas area significant support supported leaders leadership local authority
arrangements effective effectively strong strength strengths outcome outcomes framework national quality
consistently consistent inspection inspectors experience experiences progress ensures took take taken place last
making make time first recent recently changes change high number right positive clearly evident identified
ofsted stage early late appropriate appropriately timely manner approach differences because out part access
provides helpful integral""".split())  # noqa: SIM905


def key_phrases(text: str, stats: tuple[dict[str, int], int], n: int, avoid: set[str] = frozenset(),
                names: set[str] = frozenset()) -> list[str]:
    """Up to ``n`` phrases of ``text`` a correct answer should repeat, as written in it: the trade's terms first
    (DOMAIN), then word pairs that recur across reports without being everywhere (a term, not noise).
    Place names (``names``) and ``avoid`` are skipped."""
    df, total = stats
    body = re.sub(r"\((?:outcome|paragraph)[^)]*\)", " ", text)
    low = normalize_for_match(body)
    out: list[str] = []

    def add(phrase: str) -> bool:
        p = normalize_for_match(phrase)
        if p in avoid or any(p in o.lower() or o.lower() in p for o in out) or any(x in p for x in names):
            return False
        out.append(phrase)
        return len(out) >= n

    found = sorted((low.find(t), t) for t in DOMAIN if re.search(rf"(?<![\w-]){re.escape(t)}(?![\w-])", low))
    for _, term in sorted(found, key=lambda x: (-len(x[1]), x[0]))[:n]:
        if add(term):
            return out
    # word pairs with nothing but a space between them (never across punctuation)
    pairs = [m.group(1).split() for m in re.finditer(r"(?<![\w’'-])(?=([a-z][a-z’'-]*[a-z] [a-z][a-z’'-]*[a-z])(?![\w’'-]))", low)]
    pairs = [(a, b) for a, b in pairs if a not in _GENERIC and b not in _GENERIC]
    ranked = sorted({f"{a} {b}" for a, b in pairs if 3 <= df.get(f"{a} {b}", 0) <= total // 2},
                    key=lambda p: (df[p], p))
    for phrase in ranked:
        if add(phrase):
            break
    return out


@dataclass
class Item:
    id: str
    question: str
    type: str
    kind: str
    council: str
    answer: str
    must_include: list[str]
    gold: list[tuple[str, str]]  # (doc, quote)
    expected_councils: list[str] = field(default_factory=list)
    split: str = "dev"
    ci: bool = False
    councils: list[str] = field(default_factory=list)  # every council the item is about (for the split)
    spec: tuple = ()  # an aggregate's definition (scope, area, grade, year), to recompute it from the csv
    group: str = ""  # what makes an unanswerable one unanswerable: selection spreads over groups

    def to_json(self) -> dict[str, object]:
        return {"id": self.id, "question": self.question, "type": self.type, "kind": self.kind,
                "council": self.council, "split": self.split, "ci": self.ci, "answer": self.answer,
                "must_include": self.must_include, "gold": [{"doc": d, "quote": q} for d, q in self.gold],
                "expected_councils": self.expected_councils}


def long_date(d: date) -> str:
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def poss(name: str) -> str:
    return name + ("'" if name.endswith("s") else "'s")


#: How people shorten some councils' names (data, not logic: any council may have entries).
ALIASES = {"Kingston upon Hull": ["Hull"], "Southend-on-Sea": ["Southend"], "Telford and Wrekin": ["Telford & Wrekin"],
           "Windsor and Maidenhead": ["Windsor & Maidenhead"], "Brighton and Hove": ["Brighton & Hove"],
           "City of London": ["the City of London Corporation"], "East Riding of Yorkshire": ["East Riding"]}


class Corpus:
    def __init__(self, reports: list[Report], ci_docs: list[str], seed: int = SEED):
        self.reports = reports
        self.ci = set(ci_docs)
        self.rng = random.Random(seed)
        self.councils = sorted({r.council for r in reports})
        self.by_council: dict[str, list[Report]] = collections.defaultdict(list)
        for r in sorted(reports, key=lambda r: (r.start or r.published or date.min, r.doc)):
            self.by_council[r.council].append(r)
        self.df = phrase_df(reports)

    def place_words(self, r: Report) -> set[str]:
        """Words of the council's name: never a key phrase (the answer names the council anyway)."""
        return {w for w in normalize_for_match(r.council).replace("-", " ").split() if len(w) > 3}

    def latest(self, council: str) -> Report | None:
        readable = [r for r in self.by_council[council] if r.start]
        return readable[-1] if readable else None

    def is_latest(self, r: Report) -> bool:
        return self.latest(r.council) is r

    def year_is_unique(self, r: Report) -> bool:
        """"<council>'s <year> inspection" names ``r`` alone: no other report of the council was inspected or
        published that year."""
        if not r.start:
            return False
        for o in self.by_council[r.council]:
            if o is r:
                continue
            years = {d.year for d in (o.start, o.end, o.published) if d}
            if r.start.year in years:
                return False
        return True

    def say(self, council: str) -> str:
        """The council as a person might write it: mostly the canonical name, sometimes a short form."""
        roll = self.rng.random()
        if council in ALIASES and roll < 0.35:
            return self.rng.choice(ALIASES[council])
        if roll > 0.93:
            return council.lower()
        return council

    def pick(self, options: list[str]) -> str:
        return self.rng.choice(options)


# -- generated questions -----------------------------------------------------------------------------------
@dataclass
class When:
    """How a question points at one report: by its fieldwork year (or month), or as the latest one."""
    latest: bool
    year: str = ""  # "2023"
    month: str = ""  # "September 2023"


def when_options(corpus: Corpus, r: Report) -> list[When]:
    out = []
    if corpus.is_latest(r):
        out.append(When(True))
    if corpus.year_is_unique(r):
        out.append(When(False, str(r.start.year), f"{MONTHS[r.start.month - 1]} {r.start.year}"))
    return out


def choose_when(corpus: Corpus, r: Report) -> When | None:
    options = when_options(corpus, r)
    return corpus.rng.choice(options) if options else None


def fill(corpus: Corpus, templates_year: list[str], templates_latest: list[str], w: When, council: str,
         **extra: str) -> str:
    c = corpus.say(council)
    template = corpus.pick(templates_latest if w.latest else templates_year)
    when_y = w.month if w.month and "{my}" not in template and corpus.rng.random() < 0.2 else w.year
    # "the {area}" with an area named "the LSCB": say "the" once
    text = re.sub(r"\bthe the\b", "the", template.format(c=c, cs=poss(c), y=when_y, my=w.month, **extra))
    return text[:1].upper() + text[1:] if corpus.rng.random() < 0.85 else text[:1].lower() + text[1:]


LEAD_Y = ["Who led {cs} {y} inspection?", "who was the lead inspector for the {c} inspection in {my}",
          "Which inspector led the {y} inspection of children's services in {c}?", "Name the lead inspector for {c} in {y}.",
          "Who was the lead inspector when Ofsted inspected {c} in {y}?", "lead inspector {c} {y}"]
LEAD_L = ["Who led {cs} most recent inspection?", "Who was the lead inspector at {cs} last Ofsted inspection?",
          "who inspected {c} children's services most recently?", "Who was the lead inspector for {c}?",
          "Which HMI led the latest inspection of {c}?"]


def gen_lead(corpus: Corpus, r: Report) -> list[Item]:
    w = choose_when(corpus, r)
    if not (r.lead and r.lead_quote and w):
        return []
    q = fill(corpus, LEAD_Y, LEAD_L, w, r.council)
    when = f" ({r.dates_quote.text.split(':', 1)[-1].strip()})" if r.dates_quote else ""
    return [Item("", q, "fact", "lead_inspector", r.council, f"{r.lead} led the inspection{when}.", [r.lead],
                 [(r.doc, r.lead_quote.text)])]


DATES_Y = ["When did Ofsted inspect {c} in {y}?", "What were the dates of {cs} {y} inspection?",
           "when was the {y} inspection of {c} carried out", "On what dates were inspectors in {c} in {y}?",
           "When did the {y} inspection of {cs} children's services take place?"]
DATES_L = ["When was {c} last inspected?", "When did {cs} most recent children's services inspection take place?",
           "when was the last Ofsted inspection of {c}", "What are the dates of the latest inspection of {c}?",
           "When were {cs} children's services last inspected by Ofsted?"]


def gen_dates(corpus: Corpus, r: Report) -> list[Item]:
    w = choose_when(corpus, r)
    if not (r.dates_quote and r.segments and w):
        return []
    quote = normalize_for_match(r.dates_quote.text)
    ends = [long_date(e) for _, e in r.segments]
    if not all(normalize_for_match(e) in quote for e in ends):
        return []
    q = fill(corpus, DATES_Y, DATES_L, w, r.council)
    return [Item("", q, "fact", "dates", r.council, f"{r.dates_quote.text}.", ends, [(r.doc, r.dates_quote.text)])]


#: How people name each judgement area in a question.
AREA_WORDS = {
    "overall_effectiveness": ["overall effectiveness", "overall"],
    "impact_of_leaders": ["the impact of leaders", "leadership", "the impact of leaders on social work practice"],
    "help_and_protection": ["help and protection", "children who need help and protection"],
    "in_care": ["children in care"],
    "in_care+": ["children in care and care leavers", "children in care"],
    "care_leavers": ["care leavers"],
    "looked_after_permanence": ["children looked after and achieving permanence", "looked after children"],
    "adoption": ["adoption", "adoption performance"],
    "leadership_management_governance": ["leadership, management and governance"],
    "lscb": ["the Local Safeguarding Children Board", "the LSCB"],
}
GRADE_Y = ["What grade did {c} get for {area} in {y}?", "How was {c} judged for {area} in {y}?",
           "What was the {area} judgement for {c} in {y}?", "{c} {area} grade {y}",
           "how did {c} do on {area} in {my}?", "What did Ofsted rate {c} for {area} in {y}?"]
GRADE_L = ["What grade did {c} get for {area} at its latest inspection?", "how did {c} do for {area} at its last inspection?",
           "What is {cs} current grade for {area}?", "How is {c} rated for {area}?",
           "What was {cs} {area} judgement at the most recent inspection?"]
OVERALL_Y = ["What was {cs} overall grade in {y}?", "How was {c} rated overall in {y}?",
             "What overall effectiveness judgement did {c} get in {y}?", "{c} {y} overall Ofsted rating",
             "What was the overall judgement of {cs} {y} inspection?"]
OVERALL_L = ["What is {cs} current Ofsted rating for children's services?", "How did {c} do overall at its last inspection?",
             "What was the overall judgement at {cs} latest inspection?", "What's the overall effectiveness grade for {c}?",
             "how good are {cs} children's services according to Ofsted?"]


def area_key(r: Report, key: str) -> str:
    return "in_care+" if key == "in_care" and r.judgements[key].combined else key


def gen_grade(corpus: Corpus, r: Report, key: str) -> list[Item]:
    j = r.judgements.get(key)
    w = choose_when(corpus, r)
    if not (j and w and j.grade):
        return []
    if key == "overall_effectiveness":
        q = fill(corpus, OVERALL_Y, OVERALL_L, w, r.council)
    else:
        q = fill(corpus, GRADE_Y, GRADE_L, w, r.council, area=corpus.pick(AREA_WORDS[area_key(r, key)]))
    answer = f"{j.grade[:1].upper()}{j.grade[1:]}: \u201c{j.quote.text}\u201d."
    return [Item("", q, "fact", "grade", r.council, answer, [j.grade], [(r.doc, j.quote.text)])]


IMPROVE_Y = ["What did Ofsted say {c} needs to improve in {y}?", "What were the areas for improvement in {cs} {y} inspection?",
             "What needed to improve in {c} according to the {y} report?", "areas for improvement {c} {y}"]
IMPROVE_SIF_Y = ["What recommendations did inspectors make for {c} in {y}?", "What did the {y} inspection say {c} needed to improve?"]
IMPROVE_L = ["What needs to improve in {cs} children's services?", "What does {c} need to do better, according to its latest inspection?",
             "What improvements did Ofsted ask {c} to make at its last inspection?", "what are the areas for improvement for {c}",
             "What did the last inspection say {c} should improve?"]


def gen_improve(corpus: Corpus, r: Report) -> list[Item]:
    w = choose_when(corpus, r)
    if not (r.improve and w):
        return []
    sif = r.layout.startswith("sif")
    items = r.improve[:6]
    phrases: list[str] = []
    for quote in items[:4]:
        phrases += key_phrases(quote.text, corpus.df, 1, {p.lower() for p in phrases}, corpus.place_words(r))
    if len(phrases) < 2:
        return []
    q = fill(corpus, IMPROVE_SIF_Y if sif else IMPROVE_Y, IMPROVE_L, w, r.council)
    answer = " ".join(f"({n}) {x.text}" for n, x in enumerate(items, start=1))
    return [Item("", q, "list", "improve", r.council, answer, phrases, [(r.doc, x.text) for x in items])]


FIND_WORDS = {"help_and_protection": ["children who need help and protection", "help and protection", "child protection"],
              "in_care": ["children in care", "looked after children"], "in_care+": ["children in care and care leavers"],
              "care_leavers": ["care leavers", "young people leaving care"],
              "impact_of_leaders": ["leadership", "leaders", "senior leaders"]}
FIND_Y = ["What did inspectors find about {area} in {c} in {y}?", "What did the {y} inspection say about {area} in {c}?",
          "what did Ofsted say about {area} in {c} in {my}?", "Summarise the {y} findings on {area} in {c}."]
FIND_L = ["How are {area} doing in {c}?", "What did Ofsted say about {area} at {cs} latest inspection?",
          "Summarise what inspectors found about {area} in {c}.", "what is the experience of {area} in {c} like, according to Ofsted?"]


def gen_findings(corpus: Corpus, r: Report, key: str) -> list[Item]:
    quotes = r.findings.get(key)
    w = choose_when(corpus, r)
    if not (quotes and w):
        return []
    j = r.judgements[key]
    words = FIND_WORDS[area_key(r, key)]
    if key == "impact_of_leaders":
        templates_y = ["What did inspectors say about leadership in {c} in {y}?", "How strong were {cs} leaders in {y}, according to Ofsted?"]
        templates_l = ["What did Ofsted say about {cs} leaders?", "How effective is leadership in {cs} children's services?"]
    else:
        templates_y, templates_l = FIND_Y, FIND_L
        if w.latest and words[0] not in ("care leavers", "children in care"):
            templates_l = [t for t in FIND_L if "How are" not in t and "experience of" not in t]
    q = fill(corpus, templates_y, templates_l, w, r.council, area=corpus.pick(words))
    avoid = {j.grade, "leaders", "leadership", "care leavers", "children in care", "early help"}
    phrases = key_phrases(quotes[1].text, corpus.df, 2, avoid, corpus.place_words(r))
    if not phrases:
        return []
    return [Item("", q, "fact", "area_findings", r.council, f"{j.quote.text}. {quotes[1].text}", [j.grade] + phrases,
                 [(r.doc, x.text) for x in quotes])]


CHANGE_SINCE = ["How has {c} changed since {y}?", "Has {c} improved since its {y} inspection?",
                "how have {cs} children's services changed since the {y} inspection", "Is {c} better or worse than in {y}?"]
CHANGE_BETWEEN = ["How did {cs} overall judgement change between {y} and {y2}?", "Compare {cs} {y} and {y2} inspections.",
                  "What changed for {c} between the {y} and {y2} inspections?"]


def gen_change(corpus: Corpus, old: Report, new: Report) -> list[Item]:
    jo, jn = old.judgements.get("overall_effectiveness"), new.judgements.get("overall_effectiveness")
    if not (jo and jn and corpus.year_is_unique(old) and old.start and new.start):
        return []
    c = corpus.say(old.council)
    if corpus.is_latest(new) and corpus.rng.random() < 0.6:
        template = corpus.pick(CHANGE_SINCE)
    elif corpus.year_is_unique(new):
        template = corpus.pick(CHANGE_BETWEEN)
    else:
        return []
    q = template.format(c=c, cs=poss(c), y=old.start.year, y2=new.start.year)
    gold = [(old.doc, jo.quote.text), (new.doc, jn.quote.text)]
    since = since_sentence(new, old.start.year)
    if since:
        gold.append((new.doc, since))
    answer = f"{old.start.year}: {jo.quote.text}; {new.start.year}: {jn.quote.text}." + (f" {since}" if since else "")
    phrases = list(dict.fromkeys([jo.grade, jn.grade]))
    return [Item("", q[:1].upper() + q[1:], "compare", "change", old.council, answer, phrases, gold)]


def since_sentence(r: Report, year: int) -> str:
    """The newer report's own account of the change: its first sentence about the inspection in ``year``."""
    for flat in r.flat[:2]:
        for sentence in split_sentences(flat):
            if str(year) in sentence and re.search(r"(?i)since|last inspection|previous inspection", sentence) \
                    and SPLIT not in sentence and 40 <= len(sentence) <= 400 and "Inspection of" not in sentence:
                return sentence
    return ""


def _named(names: list[str]) -> str:
    return ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else names[0]


#: The part of a council's name every way of writing it contains ("Telford & Wrekin", "Hull"): what an answer
#: must mention.
MENTION = {"Kingston upon Hull": "Hull", "Southend-on-Sea": "Southend", "East Riding of Yorkshire": "East Riding"}


def mention(council: str) -> str:
    return MENTION.get(council, council.split(" and ")[0])


def _aggregate_item(question: str, kind_type: str, hits: list[tuple[Report, Judgement]], evidence: list[tuple[Report, Judgement]],
                    answer: str, count: bool = False) -> Item:
    names = sorted({r.council for r, _ in hits})
    said = [mention(n) for n in names]
    phrases = [str(len(names))] + (said if len(names) <= 4 else []) if count else said
    return Item("", question, kind_type, "aggregate", "", answer, phrases,
                [(r.doc, j.quote.text) for r, j in evidence], expected_councils=names,
                councils=sorted({r.council for r, _ in evidence}))


AREA_PHRASE = {"overall_effectiveness": "overall", "impact_of_leaders": "for the impact of leaders",
               "help_and_protection": "for help and protection", "in_care": "for children in care",
               "care_leavers": "for care leavers"}


def gen_aggregates(corpus: Corpus) -> list[Item]:
    items: list[Item] = []
    ilacs_or_sif = [r for r in corpus.reports if r.layout in ("ilacs", "ilacs_2018", "sif", "sif_reinspection")]
    # by fieldwork year: overall grade
    for year in range(2013, 2027):
        for grade in (INADEQUATE, OUTSTANDING):
            # a fieldwork split over two years counts for both
            hits = [(r, r.judgements["overall_effectiveness"]) for r in ilacs_or_sif if r.start and year in
                    (r.start.year, r.end.year) and r.judgements.get("overall_effectiveness")
                    and r.judgements["overall_effectiveness"].grade == grade]
            if 1 <= len(hits) <= 8:
                q = corpus.pick([f"Which councils were judged {grade} overall in {year}?",
                                 f"Which councils inspected in {year} were rated {grade} overall?",
                                 f"list the councils given an {grade} overall judgement at inspections in {year}"
                                 if grade == INADEQUATE else f"Which councils got an outstanding overall grade in {year}?"])
                answer = "; ".join(f"{r.council} ({long_date(r.start)}): {j.quote.text}" for r, j in hits)
                items.append(_aggregate_item(q, "multi", hits, hits, answer))
                items[-1].spec = ("year", "overall_effectiveness", grade, year)
    # at the latest inspection: one area, one grade
    latest = [corpus.latest(c) for c in corpus.councils]
    latest = [r for r in latest if r and r.layout in ("ilacs", "ilacs_2018")]
    for key, phrase in AREA_PHRASE.items():
        for grade in (OUTSTANDING, INADEQUATE, REQUIRES_IMPROVEMENT):
            # the 2018-22 combined judgement is one for children in care (and care leavers), not for care leavers alone
            hits = [(r, r.judgements[key]) for r in latest if key in r.judgements and r.judgements[key].grade == grade
                    and not (key == "care_leavers" and r.judgements[key].combined)]
            if not hits:
                continue
            if len(hits) <= 8:
                q = corpus.pick([f"Which councils were judged {grade} {phrase} at their latest inspection?",
                                 f"which councils are currently rated {grade} {phrase}?",
                                 f"At their most recent inspection, which councils were {grade} {phrase}?"])
                answer = "; ".join(f"{r.council} ({r.start.year}): {j.quote.text}" for r, j in hits)
                items.append(_aggregate_item(q, "multi", hits, hits, answer))
                items[-1].spec = ("latest", key, grade, 0)
            if key == "overall_effectiveness" or len(hits) > 8:
                q = corpus.pick([f"How many councils were judged {grade} {phrase} at their latest inspection?",
                                 f"how many councils are rated {grade} {phrase} at their most recent inspection?"])
                answer = f"{len(hits)}: " + ", ".join(sorted(r.council for r, _ in hits)) + "."
                items.append(_aggregate_item(q, "numeric", hits, hits, answer, count=True))
                items[-1].spec = ("latest", key, grade, 0)
    # named councils whose latest reports are all in the CI subset: a question about a handful of councils
    ci_latest = [r for r in latest if r.doc in corpus.ci]
    rng = random.Random(SEED + 1)
    for key, grade in (("overall_effectiveness", OUTSTANDING), ("care_leavers", OUTSTANDING),
                       ("help_and_protection", REQUIRES_IMPROVEMENT), ("overall_effectiveness", GOOD),
                       ("in_care", GOOD), ("impact_of_leaders", OUTSTANDING)):
        pool = [r for r in ci_latest if key in r.judgements and not r.judgements[key].combined]
        for _ in range(20):
            chosen = sorted(rng.sample(pool, min(len(pool), rng.choice((3, 4)))), key=lambda r: r.council)
            hits = [(r, r.judgements[key]) for r in chosen if r.judgements[key].grade == grade]
            if 0 < len(hits) < len(chosen):
                break
        else:
            continue
        names = _named([r.council for r in chosen])
        q = rng.choice([f"Of {names}, which were judged {grade} {AREA_PHRASE[key]} at their latest inspection?",
                        f"Which of {names} had {'an' if grade[0] in 'aeiou' else 'a'} {grade} judgement {AREA_PHRASE[key]} last "
                        "time they were inspected?"])
        answer = "; ".join(f"{r.council}: {r.judgements[key].quote.text}" for r in chosen)
        items.append(_aggregate_item(q, "multi", hits, [(r, r.judgements[key]) for r in chosen], answer))
    return items


#: English councils with children's services that have no report in the folder (for unanswerable questions).
OUTSIDE = ["Kent", "Surrey", "Lancashire", "Manchester", "Oldham", "Salford", "Stockport", "Croydon", "Lewisham",
           "Hampshire", "Oxfordshire", "Cornwall", "Northumberland", "Sunderland", "Bradford", "Kirklees", "Wirral",
           "Blackpool", "Lincolnshire", "Somerset"]
NO_REPORT_Y = ["Who led {cs} {y} inspection?", "What grade did {c} get overall in {y}?",
               "What did Ofsted find when it inspected {c} in {y}?", "When in {y} was {c} inspected?",
               "What did the {y} inspection say {c} needed to improve?", "how did {c} do for care leavers in {y}?"]
NO_REPORT_L = ["Who was the lead inspector for {c}?", "When was {c} last inspected?", "What is {cs} current Ofsted rating?",
               "What needs to improve in {cs} children's services?", "What did inspectors say about the front door in {c}?",
               "What grade did {c} get for care leavers at its latest inspection?"]


def _unanswerable(question: str, council: str, why: str, group: str) -> Item:
    return Item("", question, "unanswerable", "unanswerable", council, why, [], [],
                councils=[council] if council else [], group=group)


def gen_unanswerables(corpus: Corpus) -> list[Item]:
    rng = random.Random(SEED + 2)
    items: list[Item] = []
    for council in OUTSIDE:  # not in the folder
        template = rng.choice(NO_REPORT_Y + NO_REPORT_L)
        q = template.format(c=council, cs=poss(council), y=rng.choice(range(2018, 2026)))
        items.append(_unanswerable(q, council, f"No report on {council} is in the collection.", "not in the folder"))
    for council in corpus.councils:  # a year with no inspection of the council
        years = {d.year for r in corpus.by_council[council] for d in (r.start, r.end, r.published) if d}
        text = " ".join(" ".join(r.flat) for r in corpus.by_council[council])
        # not a year a report mentions an inspection or visit in ("a focused visit in February 2020 found ...")
        mentioned = {int(m.group(1)) for m in re.finditer(r"(?i)(?:visit|inspect)\w*\W+(?:\w+\W+){0,8}?(20\d\d)", text)}
        mentioned |= {int(m.group(1)) for m in re.finditer(r"(?i)(20\d\d)\W+(?:\w+\W+){0,4}?(?:visit|inspect)", text)}
        free = [y for y in range(2014, 2026) if all(abs(y - x) >= 2 for x in years) and y not in mentioned]
        if free:
            y = rng.choice(free)
            q = rng.choice(NO_REPORT_Y).format(c=council, cs=poss(council), y=y)
            items.append(_unanswerable(q, council, f"The collection has no inspection of {council} in {y}.",
                                       "no inspection that year"))
    for r in corpus.reports:  # an area the report's framework does not judge
        if not corpus.year_is_unique(r):
            continue
        y, c = r.start.year, r.council
        if r.layout in ("ilacs", "ilacs_2018") and r.judgements.get("in_care") and r.judgements["in_care"].combined:
            q = rng.choice([f"What grade did {c} get for care leavers in {y}?", f"How was {c} judged for care leavers in {y}?",
                            f"What was {poss(c)} separate care leavers judgement in {y}?"])
            items.append(_unanswerable(q, c, f"The {y} inspection judged children in care and care leavers together: "
                                             "there is no separate care leavers grade.", "care leavers not judged apart"))
        if r.layout == "ilacs" and r.start >= POST_REFORM and "overall_effectiveness" not in r.judgements:
            q = rng.choice([f"What overall effectiveness grade did {c} get in {y}?", f"How was {c} rated overall in {y}?",
                            f"What was {poss(c)} overall judgement in {y}?"])
            items.append(_unanswerable(q, c, "Inspections from April 2026 give no overall effectiveness judgement.",
                                       "no overall judgement after the reform"))
        if r.layout == "ilacs" and rng.random() < 0.05:
            q = rng.choice([f"What was {poss(c)} adoption performance grade in {y}?",
                            f"How was the Local Safeguarding Children Board judged in {poss(c)} {y} inspection?"])
            items.append(_unanswerable(q, c, "ILACS inspections judge neither adoption performance nor an LSCB.",
                                       "not an ILACS judgement"))
        if r.layout in ("ilacs", "ilacs_2018") and not r.lead:
            q = rng.choice([f"Who led {poss(c)} {y} inspection?", f"Who was the lead inspector for {c} in {y}?"])
            items.append(_unanswerable(q, c, f"The {y} report does not name its lead inspector.", "no lead named"))
    return items


# -- selection ---------------------------------------------------------------------------------------------
#: How many generated questions of each kind (CI share in brackets): enough per kind for a per-kind score.
#: The hand-written questions add about 45 more CI ones.
QUOTAS = {"lead_inspector": (55, 8), "dates": (50, 7), "grade": (120, 20), "improve": (50, 8),
          "area_findings": (70, 8), "change": (22, 3), "aggregate": (22, 6), "unanswerable": (48, 9)}


def candidates(corpus: Corpus) -> dict[str, list[Item]]:
    out: dict[str, list[Item]] = collections.defaultdict(list)
    for r in corpus.reports:
        if not r.flat:
            continue
        out["lead_inspector"] += gen_lead(corpus, r)
        out["dates"] += gen_dates(corpus, r)
        for key in sorted(r.judgements):
            out["grade"] += gen_grade(corpus, r, key)
        out["improve"] += gen_improve(corpus, r)
        for key in sorted(r.findings):
            out["area_findings"] += gen_findings(corpus, r, key)
    for council in corpus.councils:
        judged = [r for r in corpus.by_council[council] if "overall_effectiveness" in r.judgements
                  and r.layout != "pre_sif"]
        for i, old in enumerate(judged[:-1]):
            for new in judged[i + 1:]:
                out["change"] += gen_change(corpus, old, new)
    out["aggregate"] += gen_aggregates(corpus)
    out["unanswerable"] += gen_unanswerables(corpus)
    return out


def is_ci(corpus: Corpus, item: Item) -> bool:
    """Every gold document is in the CI subset, and the question means the same over the subset alone."""
    if item.gold:
        return all(doc in corpus.ci for doc, _ in item.gold)
    council = item.council
    if item.kind != "unanswerable" or not council:
        return False
    # a council outside the folder, or one with a CI report (so the question is about something the CI run holds)
    return council not in corpus.by_council or any(r.doc in corpus.ci for r in corpus.by_council[council])


class _Picker:
    """Takes items for one kind, spreading them over councils and documents and never repeating a question."""

    def __init__(self, seen: set[str]):
        self.seen = seen
        self.picked: list[Item] = []
        self.per_doc: collections.Counter[str] = collections.Counter()
        self.per_council: collections.Counter[str] = collections.Counter()
        self.per_group: collections.Counter[str] = collections.Counter()

    def take(self, candidates: list[Item], limit: int) -> None:
        while len(self.picked) < limit and candidates:
            candidates.sort(key=lambda x: (self.per_group[x.group], self.per_council[x.council],
                                           self.per_doc[x.gold[0][0] if x.gold else ""]))
            it = candidates.pop(0)
            key = normalize_for_match(it.question)
            if key in self.seen:
                continue
            self.seen.add(key)
            self.picked.append(it)
            self.per_council[it.council] += 1
            self.per_group[it.group] += 1
            if it.gold:
                self.per_doc[it.gold[0][0]] += 1


def select(corpus: Corpus, pool: dict[str, list[Item]], quotas: dict[str, tuple[int, int]] = QUOTAS,
           taken: set[str] = frozenset()) -> list[Item]:
    """Per kind: the CI share first (at most that many), then the rest from outside the CI subset, spread over
    councils (the least-asked council next); never a question in ``taken`` (normalised: the hand-written ones)."""
    rng = random.Random(SEED + 3)
    chosen: list[Item] = []
    seen: set[str] = set(taken)
    for kind, (total, ci_share) in quotas.items():
        items = list(pool.get(kind, []))
        rng.shuffle(items)
        # about CI reports (a question about a council outside the folder holds in CI too, but is not about
        # the subset: it does not use up the CI share)
        bound = [x for x in items if is_ci(corpus, x) and (x.gold or x.council in corpus.by_council)]
        picker = _Picker(seen)
        picker.take(list(bound), ci_share)
        picker.take([x for x in items if x not in bound], total)
        chosen += picker.picked
    return chosen


def assign(corpus: Corpus, items: list[Item]) -> None:
    """ids, splits (holdout where any council the item is about is a holdout council) and CI flags."""
    prefix = {"lead_inspector": "lead", "grade": "grade", "dates": "dates", "improve": "improve",
              "area_findings": "find", "change": "change", "aggregate": "agg", "unanswerable": "unans"}
    counters: collections.Counter[str] = collections.Counter()
    for it in items:
        counters[it.kind] += 1
        if not it.id:
            it.id = f"real-{prefix[it.kind]}-{counters[it.kind]:03d}"
        it.ci = is_ci(corpus, it)
        it.split = item_split(it)


def item_councils(item: Item) -> set[str]:
    """The councils an item is about: its own, those its gold documents belong to, and the named ones."""
    found = {council_name(doc.split("/")[0]) for doc, _ in item.gold}
    return ({item.council} if item.council else set()) | found | set(item.councils)


def item_split(item: Item) -> str:
    """Aggregates (many councils) split by a hash of their id; any other item is holdout when one of its
    councils is."""
    if item.kind == "aggregate":
        return "holdout" if int(hashlib.sha256(item.id.encode()).hexdigest(), 16) % 3 == 0 else "dev"
    return "holdout" if any(split_of(c) == "holdout" for c in item_councils(item)) else "dev"


# -- validation (shared with tests/test_real_set.py) -------------------------------------------------------
def quote_pages(pages: list[str]) -> list[str]:
    """Each page in the form a gold quote must be a substring of: normalised, line-end hyphens kept apart."""
    return [normalize_for_match(flatten(p)) for p in pages]


def find_quote(pages: list[str], quote: str) -> int | None:
    """The (0-based) page holding ``quote`` whole, or None: a quote never spans a page or a hyphen split."""
    q = normalize_for_match(quote)
    return next((i for i, p in enumerate(quote_pages(pages)) if q in p), None)


REQUIRED = ("id", "question", "type", "kind", "council", "split", "ci", "answer", "must_include", "gold",
            "expected_councils")


def validate_items(raw_items: list[dict], root: Path, only_docs: set[str] | None = None) -> list[str]:
    """Problems with the set's items (JSON dicts) against the reports under ``root``: schema, ids, gold quotes
    verbatim within one page, must_include phrases in the gold quotes or the document. ``only_docs`` limits
    the text checks to those documents (the CI subset, when the full folder is absent)."""
    from eval.dataset import TYPES

    problems: list[str] = []
    ids: set[str] = set()
    texts: dict[str, list[str] | None] = {}
    for it in raw_items:
        iid = it.get("id", "?")
        missing = [k for k in REQUIRED if k not in it]
        if missing:
            problems.append(f"{iid}: missing {missing}")
            continue
        if iid in ids:
            problems.append(f"{iid}: duplicate id")
        ids.add(iid)
        if it["type"] not in TYPES or it["kind"] not in KINDS or it["split"] not in ("dev", "holdout"):
            problems.append(f"{iid}: bad type/kind/split {it['type']}/{it['kind']}/{it['split']}")
        answerable = it["type"] != "unanswerable"
        if answerable != (it["kind"] != "unanswerable"):
            problems.append(f"{iid}: type and kind disagree on answerability")
        if answerable and not (it["gold"] and it["must_include"]):
            problems.append(f"{iid}: answerable without gold or must_include")
        if not answerable and (it["gold"] or it["must_include"]):
            problems.append(f"{iid}: unanswerable with gold/must_include")
        if it["kind"] == "aggregate" and not it["expected_councils"]:
            problems.append(f"{iid}: aggregate without expected_councils")
        gold_text, doc_text = [], []
        for g in it["gold"]:
            doc = g["doc"]
            if "/" not in doc:
                problems.append(f"{iid}: gold doc {doc!r} is a bare file name")
            if only_docs is not None and doc not in only_docs:
                continue
            if doc not in texts:
                path = root / doc
                texts[doc] = report_pages(path) if path.exists() else None
            pages = texts[doc]
            if pages is None:
                problems.append(f"{iid}: gold document {doc} missing or unreadable under {root}")
                continue
            if find_quote(pages, g["quote"]) is None:
                problems.append(f"{iid}: gold quote not within one page of {doc}: {g['quote'][:70]!r}")
            gold_text.append(normalize_for_match(g["quote"]))
            doc_text.append(normalize_for_match(" ".join(pages)))
        if gold_text:
            for phrase in it["must_include"]:
                p = normalize_for_match(phrase)
                if not any(p in t for t in gold_text + doc_text):
                    problems.append(f"{iid}: must_include {phrase!r} in neither its gold quotes nor documents")
    return problems


# -- csv audit ---------------------------------------------------------------------------------------------
CSV_GRADES = {"overall_effectiveness": "overall_effectiveness_grade", "impact_of_leaders": "impact_of_leaders_grade",
              "help_and_protection": "help_and_protection_grade", "in_care": "in_care_grade",
              "care_leavers": "care_leavers_grade"}
NOT_A_VALUE = ("", "data_unreadable", "inspection_pre_dates_judgement", "not_reported_post_reform")


def _name_key(name: str) -> str:
    import unicodedata

    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return re.sub(r"\s*-\s*", "-", ascii_name).strip()


def csv_audit(reports: list[Report]) -> dict[str, list[str]]:
    """Each csv fact a question could be generated from, against the report's text: "agree", "corrected" (the
    text says otherwise: questions use the text), "dropped" (the text does not show it: no question)."""
    out: dict[str, list[str]] = collections.defaultdict(list)
    for r in reports:
        row = r.row
        if row["inspector_name"]:
            if not r.lead:
                out["dropped"].append(f"{r.doc}: lead inspector {row['inspector_name']!r} not in the text")
            elif _name_key(r.lead) != _name_key(row["inspector_name"]):
                out["corrected"].append(f"{r.doc}: lead inspector {row['inspector_name']!r} -> {r.lead!r}")
            else:
                out["agree"].append(f"{r.doc}: lead")
        start, end = _csv_date(row["inspection_start_date"]), _csv_date(row["inspection_end_date"])
        if start or end:
            if (start, end) == (r.start, r.end):
                out["agree"].append(f"{r.doc}: dates")
            elif r.start:
                out["corrected"].append(f"{r.doc}: dates {start} to {end} -> {r.start} to {r.end}")
            else:
                out["dropped"].append(f"{r.doc}: dates {start} to {end} not in the text")
        for key, col in CSV_GRADES.items():
            value = row[col]
            if value in NOT_A_VALUE:
                continue
            j = r.judgements.get(key)
            if key == "care_leavers" and not j and r.judgements.get("in_care") and r.judgements["in_care"].combined:
                j = None  # a combined judgement is not a care leavers grade
            if not j:
                out["dropped"].append(f"{r.doc}: {key} {value!r} not in the text")
            elif grade_word(value) != j.grade:
                out["corrected"].append(f"{r.doc}: {key} {value!r} -> {j.grade!r} ({j.quote.text[:80]})")
            else:
                out["agree"].append(f"{r.doc}: {key}")
    return out


# -- main --------------------------------------------------------------------------------------------------
def load_handwritten(path: Path = HANDWRITTEN) -> list[Item]:
    items = []
    if not path.exists():
        return items
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        raw = json.loads(line)
        items.append(Item(raw["id"], raw["question"], raw["type"], raw["kind"], raw.get("council", ""),
                          raw.get("answer", ""), list(raw.get("must_include", [])),
                          [(g["doc"], g["quote"]) for g in raw.get("gold", [])],
                          list(raw.get("expected_councils", [])), councils=list(raw.get("councils", []))))
    return items


def build(root: Path = ILACS_DIR) -> tuple[list[Item], dict[str, object]]:
    reports, problems = load_reports(root)
    corpus = Corpus(reports, read_ci_list())
    pool = candidates(corpus)
    handwritten = load_handwritten()
    generated = select(corpus, pool, taken={normalize_for_match(it.question) for it in handwritten})
    items = generated + handwritten
    assign(corpus, items)
    stats = {"parse_problems": problems, "pool": {k: len(v) for k, v in pool.items()}, "audit": csv_audit(reports),
             "corpus": corpus}
    return items, stats


def csv_aggregate(corpus: Corpus, spec: tuple) -> tuple[set[str], int]:
    """An aggregate recomputed from reports.csv's grade columns, and how many in-scope reports the csv has no
    value for (it has none for SIF reports)."""
    scope, key, grade, year = spec
    col = CSV_GRADES[key]
    if scope == "year":
        rows = [r for r in corpus.reports if r.start and year in (r.start.year, r.end.year) and r.layout != "pre_sif"]
    else:
        rows = [r for r in (corpus.latest(c) for c in corpus.councils) if r]
    blank = sum(1 for r in rows if r.row.get(col) in NOT_A_VALUE)
    return {r.council for r in rows if r.row.get(col) not in NOT_A_VALUE and grade_word(r.row[col]) == grade}, blank


def summary(items: list[Item], stats: dict[str, object]) -> str:
    lines = [f"{len(items)} questions ({sum(it.id.startswith('real-hw') for it in items)} hand-written)"]
    by_kind = collections.Counter(it.kind for it in items)
    for kind in KINDS:
        sub = [it for it in items if it.kind == kind]
        lines.append(f"  {kind:15} {by_kind[kind]:4}  dev {sum(it.split == 'dev' for it in sub):4}  holdout "
                     f"{sum(it.split == 'holdout' for it in sub):4}  ci {sum(it.ci for it in sub):4}  "
                     f"hand-written {sum(it.id.startswith('real-hw') for it in sub):3}")
    lines.append(f"  splits: {dict(collections.Counter(it.split for it in items))}; ci: {sum(it.ci for it in items)}")
    lines.append(f"  candidate pool per kind: {stats['pool']}")
    audit = stats["audit"]
    corpus = stats["corpus"]
    for it in items:
        if it.spec:
            from_csv, blank = csv_aggregate(corpus, it.spec)
            if from_csv != set(it.expected_councils):
                lines.append(f"  aggregate {it.id} ({it.question}): text {sorted(it.expected_councils)}; csv "
                             f"{sorted(from_csv)} (csv blank for {blank} reports in scope)")
    lines.append("csv facts vs report text: " + ", ".join(f"{k} {len(v)}" for k, v in sorted(audit.items())))
    for k in ("corrected", "dropped"):
        for example in audit.get(k, []):
            lines.append(f"  {k}: {example}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=ILACS_DIR)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--report", action="store_true", help="print counts, csv disagreements and drops")
    args = parser.parse_args()
    items, stats = build(args.root)
    raw = [it.to_json() for it in items]
    problems = validate_items(raw, args.root)
    if problems:
        raise SystemExit("invalid items:\n" + "\n".join(problems))
    args.out.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in raw), encoding="utf-8")
    print(f"wrote {len(raw)} questions to {args.out}")
    if args.report:
        print(summary(items, stats))


if __name__ == "__main__":
    main()
