"""`Assistant.ask`: the one entry point the CLI, the UI and the evaluation suite all use.

A question is validated, understood once (``plan_question``), retrieved, checked for abstention, answered by
the configured answerer, and the answerer's draft goes through the checks every answer gets: the expected
answer type and the claim-support check.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from assistant.abstain import absent_combination, absent_inspection, answer_type_mismatch, unknown_subject
from assistant.aggregate import answer_aggregate, change_timeline
from assistant.config import Settings
from assistant.plan import QueryPlan, plan_question
from assistant.protocols import Answerer, Draft
from assistant.report_facts import answer_from_report_facts, inspection_month, lead_with_grade
from assistant.sections import answer_from_list, answer_overview, lead_with_synopsis, since_last_inspection
from assistant.support import SUPPORT_THRESHOLD, support_score
from assistant.types import ABSTAIN_TEXT, Answer, Passage
from domain.facets import Filters
from vectorstore import ChunkRecord, IndexStore

if TYPE_CHECKING:
    from assistant.retrieval import Retrieval


class QuestionError(ValueError):
    """A question that cannot be asked as typed (empty, too long, no words)."""


#: Why an empty index answers nothing (entry points add how to fill it).
EMPTY_INDEX = "the index holds no documents yet"


def validate_question(question: str, max_chars: int) -> str:
    """The question as it will be asked (stripped), or ``QuestionError`` saying what is wrong with it."""
    text = (question or "").strip()
    if not text:
        raise QuestionError("empty question: type a question about the indexed documents")
    if len(text) > max_chars:
        raise QuestionError(
            f"question too long ({len(text):,} characters > {max_chars:,}): shorten it to the point you want answered")
    if not re.search(r"\w", text):
        raise QuestionError("the question has no words: type a question about the indexed documents")
    return text


def evidence(passage: Passage) -> float:
    """Absolute strength of a passage as an answer (what the abstention threshold is calibrated on)."""
    return 0.5 * passage.scores.get("sentence", 0.0) + 0.5 * passage.scores.get("coverage", 0.0)


def make_answerer(settings: Settings) -> Answerer:
    if settings.backend == "offline":
        from assistant.compose import OfflineAnswerer

        return OfflineAnswerer.from_settings(settings)
    from assistant.llm import LLMAnswerer  # LangChain chat models: imported only when an LLM is configured

    return LLMAnswerer.from_settings(settings)


def check_support(draft: Draft) -> None:
    """Score each sentence's claim against the passages it cites, and say in the notice how many are weak."""
    cited = {c.n: c.text for c in draft.citations}
    for sentence in draft.sentences:
        if sentence.supported:  # a sentence stating a report's fact line (the table's): supported as quoted
            continue
        score = support_score(sentence.claim, [cited[n] for n in sentence.citations if n in cited])
        sentence.support, sentence.supported = round(score, 3), score >= SUPPORT_THRESHOLD
    weak = sum(1 for s in draft.sentences if not s.supported)
    if weak:
        draft.notice = (draft.notice + "; " if draft.notice else "") + \
            f"{weak} sentence(s) weakly supported by their citation"


def about_named_area(plan: QueryPlan, top: Sequence[Passage]) -> bool:
    """The question names a council and a judgement area, and the best passages are from that area's own section:
    the section answers it (led by its synopsis) however few of the question's words it repeats ("Summarise the
    2025 findings on help and protection in Herefordshire" against "Children and families benefit from …")."""
    return bool(plan.areas) and bool(plan.mentions.councils) and \
        any(p.chunk.section_kind in plan.areas for p in top[:3])


def say_which_inspection(plan: QueryPlan, draft: Draft) -> None:
    """Lead the answer with the inspection it is from ("At its September 2023 inspection (the latest; 2 earlier
    ones are indexed):") when the question was narrowed to one inspection and every citation is from it."""
    if plan.change or len(plan.inspections) != 1 or not draft.sentences:
        return
    report = plan.inspections[0]
    if not (report.inspection_start or report.date) or any(c.path != report.path for c in draft.citations):
        return
    month = inspection_month(report)
    earlier = f" (the latest; {plan.earlier} earlier {'one is' if plan.earlier == 1 else 'ones are'} indexed)" \
        if plan.earlier else ""
    draft.lead_with(f"At its {month} inspection{earlier}:")


class Assistant:
    def __init__(self, settings: Settings | None = None, store: IndexStore | None = None,
                 answerer: Answerer | None = None):
        self.settings = settings or Settings.from_env()
        self.store = store or self.settings.open_store()
        # Imported here, not at the top: retrieval pulls in bm25s and numpy-heavy code, and every CLI
        # command imports this package: `ingest` never needs them, and a Ctrl+C during that import would
        # print a traceback instead of the CLI's one-line message.
        from assistant.retrieval import HybridRetriever

        self.retriever = HybridRetriever(self.store, self.settings)
        self._answerer = answerer

    # -- lifecycle -------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Pick up newly ingested documents (BM25 and glossary are rebuilt only if the index changed)."""
        self.retriever.refresh()

    def warm_up(self) -> None:
        """Load models and indexes now so the first question is fast."""
        self.store.embedder.prepare_fast_queries()
        self.store.embedder.encode_one("warm up")
        self.refresh()
        _ = self.answerer

    @property
    def answerer(self) -> Answerer:
        """The configured answerer, made on first use (an LLM client is not built until it is needed)."""
        if self._answerer is None:
            self._answerer = make_answerer(self.settings)
        return self._answerer

    # -- asking ----------------------------------------------------------------------------------
    def validate(self, question: str) -> str:
        return validate_question(question, self.settings.max_question_chars)

    def plan(self, question: str, history: Sequence[dict[str, str]] | None = None,
             filters: Filters | None = None) -> QueryPlan:
        """How the assistant understands ``question`` (in a conversation: ``history``) against this index."""
        condensed, context = self.answerer.standalone(question, history) if history else (question, "")
        s = self.settings
        return plan_question(question, self.retriever.facts(), filters, condensed=condensed, context=context,
                             use_scope=s.use_scope, use_glossary=s.use_glossary)

    def ask(self, question: str, history: Sequence[dict[str, str]] | None = None,
            filters: Filters | None = None) -> Answer:
        started = time.perf_counter()
        question = self.validate(question)
        if self.retriever.is_empty():
            return Answer(question=question, text="", abstained=True, backend=self.settings.backend,
                          notice=EMPTY_INDEX)
        plan = self.plan(question, history, filters)
        if plan.aggregate is not None:  # about a set of councils' judgements: the table answers, no search
            answer = self._from_table(plan, answer_aggregate(plan.aggregate, self.retriever.facts(), self._chunks_of))
            answer.timings_ms["total"] = (time.perf_counter() - started) * 1000
            return answer
        retrieval = self.retriever.search(plan)
        top, strength = self._top(plan, retrieval)
        if plan.broader is not None and strength < self.settings.abstain_threshold:
            # the latest inspection does not cover it: ask all of the council's documents
            plan, narrow = plan.broader, retrieval
            retrieval = self.retriever.search(plan)
            retrieval.timings_ms = {k: v + narrow.timings_ms.get(k, 0.0) for k, v in retrieval.timings_ms.items()}
            top, strength = self._top(plan, retrieval)
        timings = dict(retrieval.timings_ms)
        facts = self.retriever.facts()
        reason = unknown_subject(plan, facts, " ".join(p.chunk.text for p in top)) or \
            absent_combination(plan.mentions, facts.lexicon) or absent_inspection(plan, facts)
        # A report's own facts (lead inspector, dates, grades) answer directly, quoted from the line stating them.
        # "How bad were things in Wakefield in 2018?": the overall judgement and the opening of the report's summary.
        stated = None if reason else answer_overview(plan, facts, self._chunks_of) \
            or answer_from_report_facts(plan, facts, retrieval.passages, self._chunks_of) \
            or answer_from_list(plan, facts, self._chunks_of)  # "what needs to improve?": the report's own list
        # a change-over-time answer is led by the grades across the inspections compared (built once)
        timeline = None if stated is not None or reason or not plan.change else \
            change_timeline(plan.areas, plan.inspections, self._chunks_of)
        if stated is not None:
            answer = self._checked(plan, stated, retrieval)
        elif timeline is not None and (not top or strength < self.settings.abstain_threshold):
            # the grades over time, though the passages say little: then how the latest report says it has changed
            since = since_last_inspection(plan, self._chunks_of)
            if since is not None:
                since.prepend(timeline)
            answer = self._checked(plan, since or timeline, retrieval)
        elif not top or (strength < self.settings.abstain_threshold and not about_named_area(plan, top)) or reason:
            answer = self._abstain(question, retrieval, reason or self._weak(strength))
        else:
            t = time.perf_counter()
            draft = self.answerer.answer(plan, top)
            if timeline is not None and draft.abstained:
                draft = timeline  # the passages found do not span the inspections: their grades still answer
            elif timeline is not None:
                draft.prepend(timeline)
            else:  # about one judgement area: led by its section's synopsis
                lead_with_synopsis(plan, draft, facts, self._chunks_of, self.settings.max_answer_sentences)
            timings[self.answerer.stage] = (time.perf_counter() - t) * 1000
            answer = self._checked(plan, draft, retrieval)
        answer.retrieval_query = plan.search_text
        answer.scope = plan.scope_added()
        answer.timings_ms = {**timings, **answer.timings_ms}
        answer.timings_ms["total"] = (time.perf_counter() - started) * 1000
        answer.timings_ms["evidence"] = round(strength, 4)  # not a time: the score abstention looked at
        return answer

    def _chunks_of(self, doc_id: str) -> list[ChunkRecord]:
        """A document's chunks (by the keyword index's in-memory columns, then by id: no metadata scan)."""
        lexical = self.retriever.lexical
        mask = lexical.mask(Filters(doc_id=doc_id))
        return self.store.get_chunks([lexical.ids[i] for i in mask.nonzero()[0]]) if mask is not None else []

    def _top(self, plan: QueryPlan, retrieval: Retrieval) -> tuple[list[Passage], float]:
        """The passages an answer may use (k; two per inspection for a question about change) and their evidence."""
        k = max(self.settings.k, 2 * len(plan.inspections)) if plan.change else self.settings.k
        top = retrieval.passages[:k]
        return top, max((evidence(p) for p in top[:3]), default=0.0)

    def _checked(self, plan: QueryPlan, draft: Draft, retrieval: Retrieval) -> Answer:
        """The checks every answerer's draft gets: it found something, of the type asked, supported by what it cites."""
        if draft.abstained:
            return self._abstain(plan.question, retrieval, draft.notice)
        mismatch = answer_type_mismatch(plan.asked, [c.quote for c in draft.citations], self.retriever.facts().lexicon.terms)
        if mismatch:
            return self._abstain(plan.question, retrieval, mismatch)
        lead_with_grade(plan, draft, self.retriever.facts(), self._chunks_of)
        check_support(draft)
        say_which_inspection(plan, draft)
        # A report fact may quote a chunk retrieval did not rank: it is shown with the passages it cites.
        shown = {p.chunk.id for p in retrieval.passages}
        missing = [c for c in draft.citations if c.chunk_id not in shown]
        found = {chunk.id: chunk for chunk in self.store.get_chunks([c.chunk_id for c in missing])}
        extra = [Passage(found.get(c.chunk_id) or c.as_chunk()) for c in missing]
        return Answer(question=plan.question, text=draft.text, abstained=False, citations=draft.citations,
                      passages=extra + retrieval.passages, sentences=draft.sentences, backend=self.settings.backend,
                      groups=draft.groups, notice=draft.notice)

    def _from_table(self, plan: QueryPlan, draft: Draft) -> Answer:
        """An answer from the judgements table: each sentence quotes its reports' own lines (supported as such)."""
        if draft.abstained:
            return Answer(question=plan.question, text=ABSTAIN_TEXT, abstained=True, backend=self.settings.backend,
                          notice=draft.notice)
        found = {c.id: c for c in self.store.get_chunks([c.chunk_id for c in draft.citations])}
        passages = [Passage(found.get(c.chunk_id) or c.as_chunk()) for c in draft.citations]
        return Answer(question=plan.question, text=draft.text, abstained=False, citations=draft.citations,
                      passages=passages, sentences=draft.sentences, backend=self.settings.backend,
                      notice=draft.notice)

    def _weak(self, strength: float) -> str:
        return f"evidence {strength:.2f} below the abstention threshold {self.settings.abstain_threshold:.2f}"

    def _abstain(self, question: str, retrieval: Retrieval, notice: str) -> Answer:
        return Answer(question=question, text=ABSTAIN_TEXT, abstained=True, passages=retrieval.passages,
                      backend=self.settings.backend, notice=notice)
