"""Questions about a set of councils' judgements, answered from the judgements table (``assistant.judgements``),
every council's grade cited to the line of its own report that states it.

- which / how many: "Which councils were judged outstanding for care leavers at their latest inspection?",
  "How many councils were judged inadequate overall?", "Of Bolton, Bury and Leeds, which …", "Which London
  boroughs …", "… at inspections in 2018";
- transitions: "Which councils have gone from inadequate to outstanding?";
- compare: "Compare Bolton and Bury's latest judgements." (each council's latest graded inspection, every area);
- one council's grades over time lead a change-over-time answer ("How has Essex's overall effectiveness changed
  since 2017?": ``grade_timeline``).

A question about a set says how many reports it looked at. The words these questions use are data
(``[questions.aggregate]`` and ``[questions.grade_words]`` in domain/data/layouts.toml).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from assistant.judgements import AREA_KEYS, JudgementRow, grade_source, judgement_rows
from assistant.protocols import Draft
from assistant.report_facts import cite_fact
from assistant.types import AnswerSentence, Citation
from domain.facets import long_date
from domain.gazetteer import REGIONS
from domain.gazetteer import load as load_gazetteer
from domain.kinds import AREA_BY_KEY
from domain.layouts import AGGREGATE_QUESTIONS, grades_named
from vectorstore.records import ChunkRecord, DocumentRecord

if TYPE_CHECKING:
    from assistant.plan import IndexFacts, Mentions

#: The area a grade question that names none is about.
DEFAULT_AREA = "overall_effectiveness"
#: Short names for the answer text (the reports' own headings are long).
SHORT = {"overall_effectiveness": "overall effectiveness", "impact_of_leaders": "the impact of leaders",
         "help_and_protection": "help and protection", "in_care": "children in care",
         "care_leavers": "care leavers"}


@dataclass(frozen=True)
class AggregateAsk:
    """What a question about councils' judgements asks: ``op`` is "which", "count", "transition" or "compare"."""

    op: str
    area: str  # an AREA_KEYS key
    grades: tuple[str, ...] = ()  # which/count: the grade asked (one); transition: (from, to)
    latest: bool = True  # each council's latest inspection judging the area (else every inspection in ``years``)
    years: frozenset[int] = frozenset()
    councils: tuple[str, ...] = ()  # the councils it names (the set is only those)
    region: str = ""  # "Which London boroughs …"

    @classmethod
    def of(cls, question: str, mentions: Mentions, areas: Sequence[str]) -> AggregateAsk | None:
        """The aggregate a question asks for, or None if it is not one."""
        q = AGGREGATE_QUESTIONS
        area = next((a for a in areas if a in AREA_KEYS), DEFAULT_AREA)
        grades = tuple(grades_named(question))
        councils = tuple(sorted(mentions.councils))
        region = next((r for r in REGIONS if _names_region(question, r)), "")
        latest = bool(q["latest"].search(question)) or not mentions.years
        if q["transition"].search(question) and len(grades) >= 2 and len(councils) != 1:
            return cls("transition", area, grades[:2], False, mentions.years, councils, region)
        counting = q["count"].search(question)
        if (counting or q["which"].search(question)) and grades and len(councils) != 1:
            return cls("count" if counting else "which", area, grades[:1], latest, mentions.years, councils, region)
        if len(councils) >= 2 and q["compare"].search(question) and q["grades"].search(question):
            return cls("compare", area, (), True, mentions.years, councils, region)
        return None


def _names_region(question: str, region: str) -> bool:
    low = question.lower()
    return f"{region.lower()} borough" in low or f"{region.lower()} council" in low or \
        f"in the {region.lower()}" in low or f"{region.lower()} authorit" in low


def _when(row: JudgementRow) -> str:
    return long_date(row.date).split(" ", 1)[-1] if row.date else "undated"


class _Citer:
    """Numbers the citations of one answer, one per (report, field)."""

    def __init__(self, documents: dict[str, DocumentRecord], chunks_of: Callable[[str], list[ChunkRecord]],
                 first: int = 1):
        self.documents, self.chunks_of, self.first = documents, chunks_of, first
        self.citations: list[Citation] = []
        self._seen: dict[tuple[str, str], int] = {}

    def grade(self, row: JudgementRow, area: str) -> int | None:
        doc = self.documents[row.doc_id]
        field = "grades." + (grade_source(doc, area) or area)
        key = (row.doc_id, field)
        if key not in self._seen:
            citation = cite_fact(self.first + len(self.citations), doc, field, [], self.chunks_of)
            if citation is None:
                return None
            self.citations.append(citation)
            self._seen[key] = citation.n
        return self._seen[key]


def answer_aggregate(ask: AggregateAsk, facts: IndexFacts,
                     chunks_of: Callable[[str], list[ChunkRecord]]) -> Draft:
    """The answer from the table. Every council named in it is cited to its own report's line."""
    rows = judgement_rows(facts.documents)
    if ask.councils:
        rows = [r for r in rows if r.council in ask.councils]
    if ask.region:
        gazetteer = load_gazetteer()
        rows = [r for r in rows if (c := gazetteer.get(r.council)) is not None and c.region == ask.region]
    citer = _Citer({d.doc_id: d for d in facts.documents}, chunks_of)
    if ask.op == "compare":
        return _compare(ask, rows, citer)
    if ask.op == "transition":
        return _transition(ask, rows, citer)
    return _which(ask, rows, citer)


def _judged(rows: Sequence[JudgementRow], ask: AggregateAsk) -> tuple[list[JudgementRow], str]:
    """The rows the set is drawn from (each council's latest judging the area, or every one in the years named)
    and how the answer says so."""
    judged = [r for r in rows if r.grades.get(ask.area)]
    if ask.years:
        judged = [r for r in judged if r.year in ask.years]
    years = " or ".join(str(y) for y in sorted(ask.years))
    if ask.latest:
        best: dict[str, JudgementRow] = {}
        for r in judged:  # by council then date: the last one wins
            best[r.council] = r
        judged = [best[c] for c in sorted(best)]
        scope = "each council's latest inspection judging " + SHORT[ask.area] + (f" in {years}" if years else "")
    else:
        scope = f"inspections in {years}" if years else "every inspection judging " + SHORT[ask.area]
    return judged, scope


def _which(ask: AggregateAsk, rows: Sequence[JudgementRow], citer: _Citer) -> Draft:
    grade, area = ask.grades[0], ask.area
    judged, scope = _judged(rows, ask)
    if not judged:
        where = f" for {', '.join(ask.councils)}" if ask.councils else ""
        return Draft("", [], [], abstained=True,
                     notice=f"no indexed report{where} gives a judgement of {SHORT[area]} ({scope})")
    hits = [r for r in judged if r.grades[area] == grade]
    # A set the question names is answered for each council in it; an open set, by its matches.
    listed = judged if ask.councils else hits
    sentences: list[AnswerSentence] = []
    for row in listed:
        n = citer.grade(row, area)
        if n is None:
            continue
        sentences.append(AnswerSentence(text=f"{row.council} ({_when(row)}): {row.grades[area]} [{n}].",
                                        citations=[n], support=1.0, supported=True))
    matched = [r.council for r in hits]
    councils = len({r.council for r in judged})
    looked = f"I looked at {len(judged)} report{'s' if len(judged) != 1 else ''} ({scope}" + \
        (f", {councils} councils" if councils != len(judged) else "") + ")."
    what = f"judged {grade} for {SHORT[area]}" if area != DEFAULT_AREA else f"judged {grade} overall"
    if ask.op == "count" or not matched:
        head = f"{len(matched)} {'council was' if len(matched) == 1 else 'councils were'} {what}"
    else:
        head = f"{_and(matched)} {'was' if len(matched) == 1 else 'were'} {what}"
    if not sentences:
        return Draft("", [], [], abstained=True, notice=f"{head}; {looked}")
    lead = f"{head}. {looked}"
    sentences[0].text, sentences[0].lead = f"{lead} {sentences[0].text}", lead
    return Draft(" ".join(s.text for s in sentences), citer.citations, sentences)


def _transition(ask: AggregateAsk, rows: Sequence[JudgementRow], citer: _Citer) -> Draft:
    first, then = ask.grades
    area = ask.area
    by_council: dict[str, list[JudgementRow]] = {}
    for r in rows:
        if r.grades.get(area):
            by_council.setdefault(r.council, []).append(r)
    sentences: list[AnswerSentence] = []
    for council, history in sorted(by_council.items()):
        start = next((i for i, r in enumerate(history) if r.grades[area] == first), None)
        end = next((r for r in history[start + 1:] if r.grades[area] == then), None) if start is not None else None
        if start is None or end is None:
            continue
        a, b = citer.grade(history[start], area), citer.grade(end, area)
        if a is None or b is None:
            continue
        sentences.append(AnswerSentence(
            text=f"{council}: {first} ({_when(history[start])}) [{a}], {then} ({_when(end)}) [{b}].",
            citations=[a, b], support=1.0, supported=True))
    reports = sum(len(h) for h in by_council.values())
    looked = f"I looked at {reports} reports judging {SHORT[area]} ({len(by_council)} councils)."
    if not sentences:
        return Draft("", [], [], abstained=True,
                     notice=f"no council's {SHORT[area]} went from {first} to {then}; {looked}")
    lead = f"{len(sentences)} {'council' if len(sentences) == 1 else 'councils'} went from {first} to {then} " \
        f"for {SHORT[area]}. {looked}"
    sentences[0].text, sentences[0].lead = f"{lead} {sentences[0].text}", lead
    return Draft(" ".join(s.text for s in sentences), citer.citations, sentences)


def _compare(ask: AggregateAsk, rows: Sequence[JudgementRow], citer: _Citer) -> Draft:
    sentences: list[AnswerSentence] = []
    looked = 0
    for council in ask.councils:
        own = [r for r in rows if r.council == council and r.graded]
        if ask.years:
            own = [r for r in own if r.year in ask.years] or own
        if not own:
            continue
        row = own[-1]
        looked += 1
        parts, cited = [], []
        for area in AREA_KEYS:
            if not row.grades.get(area):
                continue
            n = citer.grade(row, area)
            if n is not None:
                parts.append(f"{SHORT[area]} {row.grades[area]} [{n}]")
                cited.append(n)
        if parts:
            framework = f" {row.framework}" if row.framework else ""
            sentences.append(AnswerSentence(text=f"{council} ({_when(row)}{framework}): {'; '.join(parts)}.",
                                            citations=cited, support=1.0, supported=True))
    missing = [c for c in ask.councils if not any(s.text.startswith(c + " (") for s in sentences)]
    notice = f"no graded inspection indexed for {_and(missing)}" if missing else ""
    if not sentences:
        return Draft("", [], [], abstained=True, notice=notice)
    lead = f"Latest graded inspections ({looked} reports):"
    sentences[0].text, sentences[0].lead = f"{lead} {sentences[0].text}", lead
    return Draft(" ".join(s.text for s in sentences), citer.citations, sentences, notice=notice)


def grade_timeline(council: str, reports: Sequence[DocumentRecord], area: str,
                   chunks_of: Callable[[str], list[ChunkRecord]], first_n: int = 1) -> Draft | None:
    """One council's grades for ``area`` over the reports a change question is about, oldest first, each cited
    (numbered from ``first_n``); None if fewer than one report judges it."""
    citer = _Citer({d.doc_id: d for d in reports}, chunks_of, first_n)
    parts: list[str] = []
    cited: list[int] = []
    rows = judgement_rows(reports)
    for row in rows:
        if not row.grades.get(area):
            continue
        n = citer.grade(row, area)
        if n is None:
            continue
        parts.append(f"{row.grades[area]} ({_when(row)}) [{n}]")
        cited.append(n)
    if not parts:
        return None
    label = AREA_BY_KEY[area].label.removesuffix(" (SIF)")
    text = f"{council}'s {label[0].lower() + label[1:]}: {', then '.join(parts)}."
    return Draft(text, citer.citations, [AnswerSentence(text=text, citations=cited, support=1.0, supported=True)])


def _and(names: Sequence[str]) -> str:
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1] if names else ""


def change_timeline(plan_areas: Sequence[str], reports: Sequence[DocumentRecord],
                    chunks_of: Callable[[str], list[ChunkRecord]]) -> Draft | None:
    """What leads a change-over-time answer: the council's grades for the area it names (overall effectiveness
    if none) across the full inspections it compares, each cited; None when none of them judges the area."""
    graded = [r for r in reports if r.doc_type == "inspection report"]
    if not graded or len({r.council for r in graded}) != 1:
        return None
    area = next((a for a in plan_areas if a in AREA_KEYS), DEFAULT_AREA)
    return grade_timeline(graded[0].council, graded, area, chunks_of)
