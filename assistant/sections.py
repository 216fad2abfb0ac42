"""Answers a report's own sections give. A question about one judgement area ("what did inspectors find about
care leavers in Bolton in 2018?") is led by that area's section's opening sentences: an Ofsted judgement
section opens with its synopsis, and the sentences retrieval ranks highest follow it.

Questions a report's own list answers: "What did Ofsted say Bury needs to improve?" is answered with the
report's "What needs to improve?" (ILACS) or "Areas for improvement" / "Recommendations" (SIF) list, item by
item, each quoted verbatim and cited. Retrieval ranks prose about improvement above the list itself (the items
rarely say "improve"), and the list is what an officer pastes into an action plan.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from assistant.protocols import Draft
from assistant.report_facts import grade_lead, inspection_month
from assistant.types import AnswerSentence, Citation
from domain.layouts import (
    LIST_ASKED,
    LIST_WORDS,
    OVERVIEW_WORDS,
    report_field_asked,
    section_kind,
    starts_about_ofsted,
    states_shortfall,
)
from domain.text import normalize_for_match, split_sentences
from vectorstore.records import ChunkRecord, DocumentRecord

if TYPE_CHECKING:
    from assistant.plan import IndexFacts, QueryPlan

#: The section kinds whose list answers "what needs to improve?", in the order a report is searched for them.
LIST_KINDS = ("improvement", "recommendations")
MAX_ITEMS = 15
#: Where a run-on numbered list breaks into items: "… decisions. 7. Ensure that …"
_NEXT_ITEM = re.compile(r"(?<=[.;)])\s+(?=\d{1,2}\.\s+[A-Z])")
_LABEL = re.compile(r"^(\d{1,2})\.\s+")
#: A paragraph number opening a sentence ("27. Children …"), not part of the quote
_PARAGRAPH_NUMBER = re.compile(r"^\d{1,3}\.\s+(?=[A-Z‘“])")
#: How many of a judgement section's opening sentences lead an answer about its area
SYNOPSIS_SENTENCES = 2
OVERALL, SUMMARY = "overall_effectiveness", "summary"


def lead_with_synopsis(plan: QueryPlan, draft: Draft, facts: IndexFacts,
                       chunks_of: Callable[[str], list[ChunkRecord]], max_sentences: int) -> None:
    """Lead ``draft`` (an answer about a judgement area) with the opening sentences of that area's section in
    the report it is about (the narrowed inspection, else the report its first citation is from), then keep its
    other sentences up to ``max_sentences`` in all. Nothing changes when the question asks for a list (what must
    improve), about change, or the report has no section, or several, for the areas it names."""
    if draft.abstained or not plan.areas or plan.change or plan.section_cues & set(LIST_KINDS) or not draft.citations:
        return
    report = plan.inspections[0] if len(plan.inspections) == 1 else \
        next((d for d in facts.documents if d.path == draft.citations[0].path), None)
    if report is None or report.doc_type != "inspection report":
        return
    # the area's section ("children in care and care leavers" names two areas a 2018 report judges as one)
    chunks = sorted(chunks_of(report.doc_id), key=lambda c: c.chunk_index)
    starts = [c for c in chunks if c.section_start and c.section_kind in plan.areas]
    if len({c.section_kind for c in starts}) != 1:
        return
    start = starts[0]
    lead = _opening(start)
    if lead is not None and plan.asks_shortfall and not any(states_shortfall(s.claim) for s in lead.sentences):
        # asked what is wrong or why: an opening that words no shortfall ("Most care leavers …") does not lead;
        # the section's first sentences that do, do
        lead = _first_shortfalls([c for c in chunks if c.section == start.section])
    if lead is None:
        return
    said = {_bare(s.text) for s in lead.sentences}
    # the judgements table's row says no more than the grade that leads the answer
    table = {c.n for c in draft.citations if c.section_kind == "judgements"}
    others = [i for i, s in enumerate(draft.sentences) if _bare(s.claim) not in said and not set(s.citations) <= table]
    draft.keep(others[:max(1, max_sentences - len(lead.sentences))])
    draft.prepend(lead)


def answer_overview(plan: QueryPlan, facts: IndexFacts, chunks_of: Callable[[str], list[ChunkRecord]]) -> Draft | None:
    """A question about one council's inspection as a whole ("how bad were things in Wakefield in 2018?", "how is
    Bolton doing?"), answered with the report's overall judgement and the opening of its summary; None for any
    other question (its words name a topic), or when the report has no summary."""
    if plan.change or plan.aggregate is not None or set(plan.areas) - {OVERALL} or report_field_asked(plan.condensed):
        return None
    if set(plan.matcher.weights) - set(facts.lexicon.terms(OVERVIEW_WORDS)):
        return None
    report = _report(plan, facts)
    if report is None:
        return None
    opening = _summary_opening(report, chunks_of)
    if opening is None:
        return None
    grade = grade_lead(report, OVERALL, chunks_of)
    if grade is not None:
        opening.prepend(grade)
    elif OVERALL in plan.areas or "grade" in plan.asked.types:
        return None  # asked for the overall judgement, which this report does not give: the passages answer
    return opening


def since_last_inspection(plan: QueryPlan, chunks_of: Callable[[str], list[ChunkRecord]]) -> Draft | None:
    """For a question about change: the opening of the latest compared report's summary, led by its date ("At the
    November 2023 inspection: Since the last inspection of Peterborough, in June 2018, … there has been a
    deterioration …"). A full report's summary opens with how services have changed since the last inspection;
    None when the latest compared document is not a full report or has no summary."""
    report = plan.inspections[-1] if plan.change and plan.inspections else None
    if report is None or report.doc_type != "inspection report":
        return None
    opening = _summary_opening(report, chunks_of)
    if opening is None:
        return None
    opening.lead_with(f"At the {inspection_month(report)} inspection:")
    return opening


def _first_shortfalls(chunks: list[ChunkRecord]) -> Draft | None:
    """The first SYNOPSIS_SENTENCES whole sentences of a section's chunks that word a shortfall, each citing its
    chunk (two of one chunk share its citation); None if none does."""
    found = [(c, _PARAGRAPH_NUMBER.sub("", s)) for c in chunks for s in _whole_sentences(c.text)
             if states_shortfall(s)][:SYNOPSIS_SENTENCES]
    if not found:
        return None
    number: dict[str, int] = {}
    for c, _ in found:
        number.setdefault(c.id, len(number) + 1)
    by_id = {c.id: c for c, _ in found}
    citations = [Citation.from_chunk(n, by_id[cid], " [...] ".join(t for c, t in found if c.id == cid))
                 for cid, n in number.items()]
    sentences = [AnswerSentence(text=f"{t.rstrip('.')} [{number[c.id]}].", citations=[number[c.id]]) for c, t in found]
    return Draft(" ".join(x.text for x in sentences), citations, sentences)


def _summary_opening(report: DocumentRecord, chunks_of: Callable[[str], list[ChunkRecord]]) -> Draft | None:
    start = next((c for c in sorted(chunks_of(report.doc_id), key=lambda c: c.chunk_index)
                  if c.section_start and c.section_kind == SUMMARY), None)
    return _opening(start) if start is not None else None


def _whole_sentences(text: str) -> list[str]:
    """A chunk's sentences that read whole on their own: five words or more, ending as a sentence ends."""
    return [s for s in split_sentences(text) if len(s.split()) >= 5 and s[-1:] in ".!?”’\"'"]


def _opening(start: ChunkRecord) -> Draft | None:
    """A section's opening sentences (its first chunk's first SYNOPSIS_SENTENCES whole sentences, paragraph
    numbers left out) as a draft citing that chunk; None if it has no whole sentence."""
    opening = _whole_sentences(start.text)[:SYNOPSIS_SENTENCES]
    if not opening:
        return None
    begin = start.text.find(opening[0])
    end = start.text.find(opening[-1], begin) + len(opening[-1])
    quote = _PARAGRAPH_NUMBER.sub("", start.text[begin:end])
    claims = [_PARAGRAPH_NUMBER.sub("", s) for s in opening]
    return Draft(" ".join(f"{c.rstrip('.')} [1]." for c in claims), [Citation.from_chunk(1, start, quote)],
                 [AnswerSentence(text=f"{c.rstrip('.')} [1].", citations=[1]) for c in claims])


def answer_from_list(plan: QueryPlan, facts: IndexFacts,
                     chunks_of: Callable[[str], list[ChunkRecord]]) -> Draft | None:
    """The report's list of what must improve, or None when the question asks something else, names no single
    report, or the report has no such list (then the passages answer)."""
    if not plan.section_cues & set(LIST_KINDS) or plan.change or plan.aggregate is not None or plan.areas:
        return None
    report = _report(plan, facts)
    if report is None:
        return None
    chunks = sorted(chunks_of(report.doc_id), key=lambda c: c.chunk_index)
    start = next((i for i, c in enumerate(chunks) if c.section_kind in LIST_KINDS), None)
    if start is None:
        return None
    # the run of list sections from the first ("Priority and immediate action: …", then "Areas for improvement")
    own: list[ChunkRecord] = []
    for chunk in chunks[start:]:
        if chunk.section_kind not in LIST_KINDS:
            break
        own.append(chunk)
    first = own[0].section.split(":")[0]
    # a topic besides the list's own words ("… in fostering"): only the items on it (the matcher leaves the
    # question's council and year out already)
    topic = set(plan.matcher.weights) - set(facts.lexicon.terms(f"{LIST_WORDS} {OVERVIEW_WORDS}"))
    if topic and not LIST_ASKED.search(plan.condensed):
        return None
    items = _list_items(own)
    on_topic = []
    for c, item, text in items if topic else []:
        present = set(facts.lexicon.terms(text))  # once per item, not once per topic term
        if any(plan.matcher.found(t, present) for t in topic):
            on_topic.append((c, item, text))
    if not on_topic:
        # no item on the topic ("did Bolton deal with the areas for improvement?": "deal" names none): the list
        topic = set()
    chosen = on_topic or items
    if not chosen:
        return None
    citations = [Citation.from_chunk(n, c, item.strip()) for n, (c, item, _) in enumerate(chosen[:MAX_ITEMS], 1)]
    sentences = [AnswerSentence(text=f"{text.rstrip('.')} [{n}].", citations=[n], support=1.0, supported=True)
                 for n, (_, _, text) in enumerate(chosen[:MAX_ITEMS], 1)]
    count = f"the first {MAX_ITEMS} items" if len(chosen) > MAX_ITEMS else \
        f"{len(chosen)} item{'s' if len(chosen) != 1 else ''}"
    if topic:
        words = dict.fromkeys(w for w in re.findall(r"[\w’'-]+", plan.condensed)
                              if set(facts.lexicon.terms(w)) & topic)
        count = f"the {count} on {' '.join(words)}"
    lead = f"{first.rstrip('?:')} ({count}):"
    sentences[0].text, sentences[0].lead = f"{lead} {sentences[0].text}", lead
    return Draft(" ".join(s.text for s in sentences), citations, sentences)


def _list_items(chunks: list[ChunkRecord]) -> list[tuple[ChunkRecord, str, str]]:
    """A list section's items, in order, as (chunk, item as printed, item without its number)."""
    out: list[tuple[ChunkRecord, str, str]] = []
    last = 0
    for chunk in chunks:
        for item in _items(chunk.text):
            label = _LABEL.match(item)
            number = int(label.group(1)) if label else last + 1 if last else 0
            if last and not last < number <= last + 3:
                return out  # numbering goes back or leaps: the list has ended, the report's numbered paragraphs begin
            last = number
            text = _LABEL.sub("", item).strip()
            if section_kind(" ".join(text.split()[:5])) == "boilerplate" or starts_about_ofsted(text):
                return out  # "Information about this inspection …" glued to the list's last chunk: the list has ended
            if len(text.split()) >= 4:
                out.append((chunk, item, text))
    return out


def _bare(sentence: str) -> str:
    """A sentence as compared for repeats: without its markers, end stop or case."""
    return normalize_for_match(re.sub(r"\s*\[\d+\]", "", sentence)).rstrip(".").lower()


def _report(plan: QueryPlan, facts: IndexFacts) -> DocumentRecord | None:
    """The one full inspection report the question is about: the plan's narrowed inspection, else the named
    council's report of the year named, else its latest."""
    if plan.inspections:
        chosen = plan.inspections[-1]
        return chosen if chosen.doc_type == "inspection report" else None
    if len(plan.mentions.councils) != 1:
        return None
    full = facts.full_inspections(next(iter(plan.mentions.councils)))
    if plan.mentions.years:
        full = [d for d in full if d.year in plan.mentions.years]
    return full[-1] if full else None


def _items(text: str) -> list[str]:
    """A list chunk's items: its lines (bullets), each split where a run-on numbered list goes on."""
    return [part for line in text.split("\n") for part in _NEXT_ITEM.split(line) if part.strip()]
