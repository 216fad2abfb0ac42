#!/usr/bin/env python3
"""Deterministic generator of inspection-style documents at scale, for the benchmarks.

Paragraphs, bullets, numbered paragraphs and sections of ``data/sample/*.txt`` (parsed with the project's own
structure parser) are recombined into new letters, committee reports and press releases, with council names
drawn from a list of real English councils and dates and figures varied. The same ``--seed`` and ``--n`` give
byte-identical files. A share of the documents is written as PDF (fpdf2, DejaVu Sans) so the PDF path is timed
too.

    python benchmarks/corpus_gen.py OUT_DIR --n 1000 [--seed 7] [--pdf-share 0.2] [--scale 1.0]
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SAMPLE_DIR = ROOT / "data" / "sample"
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")

#: Real English councils (unitary, county, metropolitan and London boroughs) with children's services.
COUNCILS = [
    "Barnsley", "Bath and North East Somerset", "Bedford", "Birmingham", "Blackburn with Darwen", "Blackpool",
    "Bolton", "Bournemouth, Christchurch and Poole", "Bracknell Forest", "Bradford", "Brighton and Hove",
    "Bristol", "Buckinghamshire", "Bury", "Calderdale", "Cambridgeshire", "Central Bedfordshire",
    "Cheshire East", "Cheshire West and Chester", "Cornwall", "Coventry", "Cumberland", "Darlington", "Derby",
    "Derbyshire", "Devon", "Doncaster", "Dorset", "Dudley", "Durham", "East Riding of Yorkshire", "East Sussex",
    "Essex", "Gateshead", "Gloucestershire", "Halton", "Hampshire", "Hartlepool", "Herefordshire",
    "Hertfordshire", "Isle of Wight", "Kent", "Kingston upon Hull", "Kirklees", "Knowsley", "Lancashire",
    "Leeds", "Leicester", "Leicestershire", "Lincolnshire", "Liverpool", "Luton", "Manchester", "Medway",
    "Middlesbrough", "Milton Keynes", "Newcastle upon Tyne", "Norfolk", "North East Lincolnshire",
    "North Lincolnshire", "North Northamptonshire", "North Somerset", "North Tyneside", "North Yorkshire",
    "Nottingham", "Nottinghamshire", "Oldham", "Oxfordshire", "Peterborough", "Plymouth", "Portsmouth",
    "Reading", "Redcar and Cleveland", "Rochdale", "Rotherham", "Rutland", "Salford", "Sandwell", "Sefton",
    "Sheffield", "Shropshire", "Slough", "Solihull", "Somerset", "South Gloucestershire", "South Tyneside",
    "Southampton", "Southend-on-Sea", "St Helens", "Staffordshire", "Stockport", "Stockton-on-Tees",
    "Stoke-on-Trent", "Suffolk", "Sunderland", "Surrey", "Swindon", "Tameside", "Telford and Wrekin",
    "Thurrock", "Torbay", "Trafford", "Wakefield", "Walsall", "Warrington", "Warwickshire", "West Berkshire",
    "West Northamptonshire", "West Sussex", "Wigan", "Wiltshire", "Windsor and Maidenhead", "Wirral",
    "Wokingham", "Wolverhampton", "Worcestershire", "York", "Barking and Dagenham", "Barnet", "Bexley",
    "Brent", "Bromley", "Camden", "Croydon", "Ealing", "Enfield", "Greenwich", "Hackney", "Hammersmith and Fulham",
    "Haringey", "Harrow", "Havering", "Hillingdon", "Hounslow", "Islington", "Kensington and Chelsea",
    "Kingston upon Thames", "Lambeth", "Lewisham", "Merton", "Newham", "Redbridge", "Richmond upon Thames",
    "Southwark", "Sutton", "Tower Hamlets", "Waltham Forest", "Wandsworth", "Westminster",
]
POLICE_FORCES = ["Essex Police", "Cheshire Constabulary", "Kent Police", "West Yorkshire Police",
                 "Greater Manchester Police", "Merseyside Police", "Thames Valley Police", "Devon and Cornwall Police",
                 "Northumbria Police", "West Midlands Police", "Norfolk Constabulary", "Hampshire Constabulary"]
TOPICS = [
    "child sexual exploitation, children associated with gangs and at risk of exploitation and children missing "
    "from home, care or education",
    "the criminal exploitation of children",
    "children living with domestic abuse",
    "children and families who need help",
    "children with mental ill health",
    "the identification of initial need and risk in the multi-agency front door",
]
NAMES = ["Sarah Ahmed", "David Clarke", "Helen Morris", "James Patel", "Ruth Baker", "Mark Evans", "Anna Kowalski",
         "Tom Whitfield", "Priya Shah", "Gareth Hughes", "Lucy Brennan", "Daniel Okafor", "Claire Dunn"]
MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
               "November", "December"]
_DATE_IN_TEXT = re.compile(r"\b(\d{1,2})(st|nd|rd|th)?\s+(" + "|".join(MONTH_NAMES) + r")\s+(\d{4})\b")
_MONTH_YEAR = re.compile(r"\b(" + "|".join(MONTH_NAMES) + r")\s+(\d{4})\b")
_YEAR = re.compile(r"\b(20[012]\d)\b")
_INT = re.compile(r"(?<![\d.£/-])\b(\d{1,4})\b(?![\d.]|\s*(?:" + "|".join(MONTH_NAMES) + r"))")
_SOURCE_PLACES = re.compile(r"Southend-on-Sea|Southend|Cheshire East")


@dataclass
class Section:
    heading: str
    kind: str  # strengths | improvement | case_study | recommendations | background | summary | other
    items: list[tuple[str, str]] = field(default_factory=list)  # (block kind, text)


def _kind(heading: str) -> str:
    from ingest.chunking import section_kind

    return section_kind(heading)


def load_pool(sample_dir: Path = SAMPLE_DIR) -> list[Section]:
    """Every sample document's sections, with their body blocks (clean text), via the project's parser."""
    from ingest.structure import parse_blocks

    pool: list[Section] = []
    for path in sorted(sample_dir.glob("*.txt")):
        current = Section("", "introduction")  # what comes before the first heading
        pool.append(current)
        for block in parse_blocks([path.read_text(encoding="utf-8")]):
            if block.kind == "heading":
                current = Section(block.text, _kind(block.text))
                pool.append(current)
            elif block.kind in ("para", "bullet", "numbered"):
                words = len(block.text.split())
                if 12 <= words <= 220 and not re.search(r"@|https?:|\.gov\.uk", block.text):
                    current.items.append((block.kind, block.text))
    return [s for s in pool if s.items and (s.kind == "introduction" or 1 <= len(s.heading.split()) <= 10)]


class Varier:
    """Re-dates, re-places and re-numbers a paragraph for one generated document."""

    def __init__(self, rng: random.Random, council: str, doc_date: date, police: str):
        self.rng, self.council, self.doc_date, self.police = rng, council, doc_date, police

    def _a_date(self, before: bool = True) -> date:
        delta = timedelta(days=self.rng.randint(7, 400))
        return self.doc_date - delta if before else self.doc_date + delta

    def heading(self, text: str) -> str:
        return _SOURCE_PLACES.sub(self.council, text)

    def text(self, text: str) -> str:
        text = _SOURCE_PLACES.sub(self.council, text)
        text = text.replace("Essex Police", self.police)
        text = _DATE_IN_TEXT.sub(lambda m: long_date(self._a_date(self.rng.random() < 0.7)), text)
        text = _MONTH_YEAR.sub(lambda m: f"{MONTH_NAMES[self._a_date().month - 1]} {self._a_date().year}", text)
        text = _YEAR.sub(lambda m: str(max(2012, min(self.doc_date.year, int(m.group(1)) + self.rng.randint(-3, 3)))),
                         text)
        return _INT.sub(self._number, text)

    def _number(self, m: re.Match[str]) -> str:
        n = int(m.group(1))
        if n < 2 or 1990 <= n <= 2100:
            return m.group(1)
        return str(self.rng.randint(max(2, n // 2), n * 2))


def long_date(d: date) -> str:
    return f"{d.day} {MONTH_NAMES[d.month - 1]} {d.year}"


@dataclass
class Generated:
    name: str
    kind: str
    blocks: list[tuple[str, str]]  # (style, text): title | date | meta | heading | para | bullet | numbered

    def text(self) -> str:
        out: list[str] = []
        for style, text in self.blocks:
            if style == "bullet":
                out.append(f"- {text}")
            elif style == "heading_md":
                out.append(f"#### **{text}**")
            elif style == "title_md":
                out.append(f"# **{text}**")
            else:
                out.append(text)
        return "\n\n".join(out) + "\n"


def _pick_sections(rng: random.Random, pool: list[Section], n: int, kinds: tuple[str, ...]) -> list[Section]:
    preferred = [s for s in pool if s.kind in kinds and s.heading]
    others = [s for s in pool if s.kind not in kinds and s.heading]
    chosen: list[Section] = []
    for i in range(n):
        source = preferred if (preferred and (i < len(kinds) or rng.random() < 0.5)) else others or preferred
        chosen.append(rng.choice(source))
    return chosen


def _items(rng: random.Random, section: Section, lo: int, hi: int) -> list[tuple[str, str]]:
    k = min(len(section.items), rng.randint(lo, hi))
    return rng.sample(section.items, k)


def generate_document(index: int, seed: int, pool: list[Section], scale: float = 1.0) -> Generated:
    rng = random.Random(seed * 1_000_003 + index)
    council = rng.choice(COUNCILS)
    doc_date = date(2015, 1, 1) + timedelta(days=rng.randint(0, 365 * 10))
    vary = Varier(rng, council, doc_date, rng.choice(POLICE_FORCES))
    topic = rng.choice(TOPICS)
    kind = rng.choices(["inspection letter", "committee report", "press release"], weights=[35, 40, 25])[0]
    blocks: list[tuple[str, str]] = []
    jtai = rng.random() < 0.7
    inspection = "joint targeted area inspection (JTAI)" if jtai else \
        "inspection of local authority children's services (ILACS)"

    def n_sections(lo: int, hi: int) -> int:
        return max(1, round(rng.randint(lo, hi) * scale))

    if kind == "inspection letter":
        blocks += [("date", long_date(doc_date)),
                   ("meta", f"{rng.choice(NAMES)}, Director of Children's Services, {council} Council"),
                   ("meta", f"{rng.choice(NAMES)}, Chief Constable, {vary.police}"),
                   ("para", "Dear local partnership,"),
                   ("title", f"Joint targeted area inspection of the multi-agency response to {topic} in {council}"
                    if jtai else f"Inspection of {council} Council children's services")]
        intro = next((s for s in pool if s.kind == "introduction"), None)
        if intro:
            blocks += [("para", vary.text(t)) for _, t in _items(rng, intro, 1, 3)]
        for section in _pick_sections(rng, pool, n_sections(3, 6), ("strengths", "improvement", "case_study")):
            blocks.append(("heading", vary.heading(section.heading)))
            blocks += [("bullet" if k == "bullet" else "para", vary.text(t)) for k, t in _items(rng, section, 1, 5)]
        blocks += [("para", "Yours sincerely,"), ("meta", rng.choice(NAMES)),
                   ("meta", "Regional Director, Social Care, Ofsted")]
    elif kind == "committee report":
        blocks += [("title_md", f"{council} Council"),
                   ("meta", f"Report of the Director of Children's Services to Cabinet on {long_date(doc_date)}"),
                   ("meta", f"Report prepared by: {rng.choice(NAMES)}"),
                   ("title_md", f"Update on the {inspection} of {council}: progress report")]
        sections = _pick_sections(rng, pool, n_sections(3, 6), ("summary", "recommendations", "background",
                                                                "improvement", "next_steps"))
        if not any(s.kind == "recommendations" for s in sections):
            sections.insert(1, Section("Recommendations", "recommendations",
                                       [("para", "That Cabinet notes the report and the recommendations.")]))
        for number, section in enumerate(sections, start=1):
            blocks.append(("heading_md", f"{number}. {vary.heading(section.heading)}"))
            for sub, (_, text) in enumerate(_items(rng, section, 1, 5), start=1):
                blocks.append(("numbered", f"- {number}.{sub} {vary.text(text)}"))
    else:
        weekday = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"][doc_date.weekday()]
        blocks += [("title", f"Multi-agency response to {council} {inspection}"),
                   ("date", f"Published {weekday}, {long_date(doc_date)}")]
        paras = [t for s in _pick_sections(rng, pool, n_sections(2, 3), ("introduction", "summary", "strengths"))
                 for _, t in _items(rng, s, 1, 3)]
        blocks += [("para", vary.text(t)) for t in paras]
        blocks.append(("para", f"{rng.choice(NAMES)}, Executive Councillor for Children, said: “We welcome "
                               f"this inspection and its findings, and we will act on every area for improvement.”"))
    slug = re.sub(r"[^a-z0-9]+", "-", council.lower()).strip("-")
    name = f"{index:05d}-{slug}-{kind.replace(' ', '-')}-{doc_date.isoformat()}"
    return Generated(name, kind, blocks)


def write_pdf(doc: Generated, path: Path) -> int:
    """Render as an A4 PDF (DejaVu Sans, bold headings, bullet glyphs); returns the page count."""
    from datetime import UTC, datetime

    from fpdf import FPDF

    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    bold = FONT_DIR / "DejaVuSans-Bold.ttf"
    pdf.add_font("DejaVu", "B", str(bold if bold.exists() else FONT_DIR / "DejaVuSans.ttf"))
    pdf.set_creation_date(datetime(2024, 1, 1, tzinfo=UTC))
    pdf.set_creator("inspection-assistant benchmarks/corpus_gen.py")
    pdf.set_margins(25, 22, 22)
    pdf.set_auto_page_break(True, 22)
    pdf.add_page()
    for style, text in doc.blocks:
        text = re.sub(r"^- ", "", text)
        if style in ("heading", "heading_md", "title", "title_md"):
            pdf.set_font("DejaVu", "B", 12)
            pdf.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
        elif style == "bullet":
            pdf.set_font("DejaVu", "", 11)
            pdf.set_x(30)
            pdf.multi_cell(0, 5.4, "\u2022 " + text, new_x="LMARGIN", new_y="NEXT")
        else:
            pdf.set_font("DejaVu", "", 11)
            pdf.multi_cell(0, 5.4, text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
    pdf.output(str(path))
    return pdf.page


def generate(out_dir: Path, n: int, seed: int = 7, pdf_share: float = 0.2, scale: float = 1.0) -> dict[str, int]:
    """Write ``n`` documents under ``out_dir`` (sub-folders of 500); returns counts for the report."""
    pool = load_pool()
    out_dir.mkdir(parents=True, exist_ok=True)
    stats = {"documents": 0, "pdf": 0, "txt": 0, "pdf_pages": 0, "txt_chars": 0, "words": 0}
    for i in range(n):
        doc = generate_document(i, seed, pool, scale)
        folder = out_dir / f"part-{i // 500:03d}"
        folder.mkdir(exist_ok=True)
        text = doc.text()
        stats["words"] += len(text.split())
        # Which documents become PDFs is itself seeded (not every k-th), and independent of content.
        if random.Random(seed * 7919 + i).random() < pdf_share:
            stats["pdf_pages"] += write_pdf(doc, folder / f"{doc.name}.pdf")
            stats["pdf"] += 1
        else:
            (folder / f"{doc.name}.txt").write_text(text, encoding="utf-8")
            stats["txt"] += 1
            stats["txt_chars"] += len(text)
        stats["documents"] += 1
    return stats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--pdf-share", type=float, default=0.2)
    parser.add_argument("--scale", type=float, default=1.0, help="Multiplies the number of sections per document.")
    args = parser.parse_args()
    stats = generate(args.out_dir, args.n, args.seed, args.pdf_share, args.scale)
    print(stats)


if __name__ == "__main__":
    main()
