"""Questions a report's own facts answer: who led an inspection, when it took place, a judgement's grade.

Ingest read those facts from each Ofsted report's own lines (``ingest.report_fields``: "Lead inspector: …",
"Inspection dates: …", the judgement table) and kept each with its page and verbatim quote. A question asking
for one is answered from them, quoting the line that states it; the retrieval still runs (its passages are shown
and a fact's quote is looked up among them). A fact the report does not state is never guessed: the answer
abstains and says what the report does state.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from assistant.judgements import grade_source
from assistant.protocols import Draft
from assistant.types import AnswerSentence, Citation, Passage
from domain.facets import FACET_FIELDS, date_span, long_date
from domain.kinds import AREA_BY_KEY, ILACS_AREAS
from domain.layouts import judgement_areas_named, report_field_asked
from domain.text import normalize_for_match
from vectorstore.records import ChunkRecord, DocumentRecord

if TYPE_CHECKING:
    from assistant.plan import IndexFacts, QueryPlan

#: A grade question that names no area asks for this one ("what was Norfolk's grade in 2013?").
DEFAULT_AREA = ILACS_AREAS[0].key


@dataclass(frozen=True)
class FactAsk:
    """The report fact a question asks for: "lead_inspector", "dates", or a grade ("grades.<area key>")."""

    field: str

    @classmethod
    def of(cls, plan: QueryPlan) -> FactAsk | None:
        question = plan.condensed
        field = report_field_asked(question)
        if field:
            return cls(field)
        if "grade" in plan.asked.types:
            areas = judgement_areas_named(question)
            return cls("grades." + (areas[0] if areas else DEFAULT_AREA))
        return None


def answer_from_report_facts(plan: QueryPlan, facts: IndexFacts, passages: Sequence[Passage],
                             chunks_of: Callable[[str], list[ChunkRecord]]) -> Draft | None:
    """The answer from the reports' facts, or None when the question is not one the facts answer (then the
    answerer answers from the passages). ``chunks_of(doc_id)``: a document's chunks, to quote a fact in context."""
    ask = FactAsk.of(plan)
    if ask is None or plan.change or not plan.mentions.councils:
        return None
    reports = _reports(plan, facts)
    if not reports:
        return None
    sentences: list[AnswerSentence] = []
    citations: list[Citation] = []
    missing: list[str] = []
    for report in reports:
        stated = _statement(ask, report)
        if stated is None:
            missing.append(_not_stated(ask, report))
            continue
        sentence, cite_field = stated
        citation = cite_fact(len(citations) + 1, report, cite_field, passages, chunks_of)
        if citation is None:
            missing.append(_not_stated(ask, report))
            continue
        citations.append(citation)
        sentences.append(AnswerSentence(text=f"{sentence} [{citation.n}].", citations=[citation.n]))
    if not sentences:
        return Draft("", [], [], abstained=True, notice="; ".join(missing))
    notice = "; ".join(missing)
    return Draft(" ".join(s.text for s in sentences), citations, sentences, notice=notice)


def _reports(plan: QueryPlan, facts: IndexFacts) -> list[DocumentRecord]:
    """The report each named council's question is about: the plan's narrowed inspection, else that council's
    report of the year named, else its latest full inspection."""
    if len(plan.mentions.councils) == 1 and plan.inspections and (
            not plan.mentions.inspection_types or plan.inspections[0].inspection_type in plan.mentions.inspection_types):
        return list(plan.inspections[:1])
    out = []
    for council in sorted(plan.mentions.councils):
        full = facts.full_inspections(council) or facts.inspections(council)
        if plan.mentions.years:
            full = [d for d in full if d.year in plan.mentions.years]
        if plan.mentions.inspection_types:  # "the ILACS inspection": not the JTAI letter
            full = [d for d in full if d.inspection_type in plan.mentions.inspection_types]
        if full:
            out.append(full[-1])
    return out


def inspection_month(report: DocumentRecord) -> str:
    """The month an inspection began ("June 2025"; the report's date when its start is unknown)."""
    return long_date(report.inspection_start or report.date).split(" ", 1)[-1]


def _statement(ask: FactAsk, report: DocumentRecord) -> tuple[str, str] | None:
    """(the answer sentence without its marker, the field whose citation backs it), or None if not stated."""
    council, month = report.council, inspection_month(report)
    if ask.field == "lead_inspector" and report.lead_inspector:
        return f"The lead inspector of {council}'s {month} inspection was {report.lead_inspector}", "lead_inspector"
    if ask.field == "dates" and report.inspection_start and report.inspection_end:
        span = date_span(report.inspection_start, report.inspection_end)
        return f"{council}'s inspection took place from {span}", "inspection_start"
    if ask.field.startswith("grades."):
        area = grade_source(report, ask.field.removeprefix("grades."))
        if area:
            label = AREA_BY_KEY[area].label.removesuffix(" (SIF)")
            return f"At {council}'s {month} inspection, Ofsted judged {label[0].lower() + label[1:]}: " \
                f"{report.grades[area]}", f"grades.{area}"
    return None


def _not_stated(ask: FactAsk, report: DocumentRecord) -> str:
    what = {"lead_inspector": "names no lead inspector", "dates": "states no inspection dates"}.get(ask.field)
    where = f"the {inspection_month(report)} report on {report.council}"
    if what:
        return f"{where} {what}"
    area = AREA_BY_KEY[ask.field.removeprefix("grades.")].label.lower()
    judged = ", ".join(f"{AREA_BY_KEY[k].label.lower()}: {g}" for k, g in report.grades.items() if k in AREA_BY_KEY)
    return f"{where} gives no judgement of {area}" + (f" (its judgements: {judged})" if judged else "")


def cite_fact(n: int, report: DocumentRecord, field: str, passages: Sequence[Passage],
              chunks_of: Callable[[str], list[ChunkRecord]]) -> Citation | None:
    """The fact's line quoted in the chunk that holds it (the retrieved passages first, then the report's
    chunks). A line no chunk holds whole (a table row the chunker split) is quoted by its longest whole tail
    that some chunk holds (the grade at the row's end is what must be there); failing that, the report's line
    itself is the passage cited (chunk id ``<doc id>-fact-<field>``)."""
    cited = report.citations.get(field)
    if not cited:
        return None
    want = normalize_for_match(str(cited.get("quote", "")))
    own = [p.chunk for p in passages if p.chunk.doc_id == report.doc_id]
    chunks = own + [c for c in chunks_of(report.doc_id) if c.id not in {o.id for o in own}]
    words = want.split()
    for cut in range(0, max(1, len(words) - 2)):  # the whole line first, then ever shorter tails (>= 3 words)
        tail = " ".join(words[cut:])
        for chunk in chunks:
            text = normalize_for_match(chunk.text)
            if tail and tail in text:
                quote = _verbatim(chunk.text, text.index(tail), len(tail))
                if quote:
                    return Citation.from_chunk(n, chunk, quote)
    line = str(cited.get("quote", ""))
    facets = {k: getattr(report, k) for k in FACET_FIELDS}
    return Citation(n=n, chunk_id=f"{report.doc_id}-fact-{field}", source=report.source, path=report.path, **facets,
                    section="", section_kind="", paragraph="", page=int(cited.get("page") or 0) or None, text=line,
                    quote=line)


def _verbatim(text: str, start: int, length: int) -> str:
    """The span of ``text`` whose match-normalised form is ``normalize_for_match(text)[start:start + length]``
    (normalisation squeezes whitespace and maps quotes and dashes one to one, so the words map back in order)."""
    words = normalize_for_match(text)[start:start + length].split()
    spans = [(m.start(), m.end(), normalize_for_match(m.group())) for m in re.finditer(r"\S+", text)]
    for i in range(len(spans) - len(words) + 1):
        if words and [w for _, _, w in spans[i:i + len(words)]] == words:
            return text[spans[i][0]:spans[i + len(words) - 1][1]]
    return ""


def lead_with_grade(plan: QueryPlan, draft: Draft, facts: IndexFacts,
                    chunks_of: Callable[[str], list[ChunkRecord]]) -> None:
    """A question about one judgement area ("how are care leavers doing in Leeds?") is answered led by that
    area's grade in the report the answer quotes, cited to the line that states it."""
    if draft.abstained or not plan.areas or plan.change or FactAsk.of(plan) is not None or not draft.citations:
        return
    first = draft.citations[0]
    # one area named, or the one whose section the answer opens with ("children in care and care leavers")
    area = plan.areas[0] if len(plan.areas) == 1 else first.section_kind if first.section_kind in plan.areas else None
    if area is None:
        return
    report = next((d for d in facts.documents if d.path == first.path), None)
    if report is None or report.doc_type != "inspection report":
        return
    lead = grade_lead(report, area, chunks_of)
    if lead is not None and lead.citations[0].quote != first.quote:  # not when the draft already opens with it
        draft.prepend(lead)


def grade_lead(report: DocumentRecord, area: str, chunks_of: Callable[[str], list[ChunkRecord]]) -> Draft | None:
    """The one-sentence draft stating ``report``'s grade for ``area`` ("At Bury's June 2025 inspection, Ofsted
    judged …: good [1]."), cited to the line that states it; None when the report gives no such judgement."""
    stated = _statement(FactAsk("grades." + area), report)
    if stated is None:
        return None
    sentence, field = stated
    citation = cite_fact(1, report, field, [], chunks_of)
    if citation is None:
        return None
    return Draft(f"{sentence} [1].", [citation], [AnswerSentence(text=f"{sentence} [1].", citations=[1])])
