"""`Assistant.ask`: the one entry point the CLI, the UI and the evaluation suite all use."""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from assistant.abstain import absent_combination, answer_type_mismatch, unknown_subject
from assistant.compose import compose
from assistant.config import Settings
from assistant.types import ABSTAIN_TEXT, Answer, Passage
from domain.facets import Filters
from vectorstore import IndexStore

if TYPE_CHECKING:
    from assistant.retrieval import Retrieval

_FOLLOW_UP = re.compile(r"^(and|also|what about|how about|what else|but|so|then|same for|and what)\b|"
                        r"\b(it|its|they|them|their|those|these|that|this|he|she|there)\b", re.I)


class QuestionError(ValueError):
    """A question that cannot be asked as typed (empty, too long, no words)."""


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


class Assistant:
    def __init__(self, settings: Settings | None = None, store: IndexStore | None = None):
        self.settings = settings or Settings.from_env()
        self.store = store or self.settings.open_store()
        # Imported here, not at the top: retrieval pulls in scikit-learn and LangChain (~2 s), and every CLI
        # command imports this package: `ingest` never needs them, and a Ctrl+C during that import would
        # print a traceback instead of the CLI's one-line message.
        from assistant.retrieval import HybridRetriever

        self.retriever = HybridRetriever(self.store, self.settings)
        self._answerer: Any = None

    # -- lifecycle -------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Pick up newly ingested documents (BM25 and glossary are rebuilt only if the index changed)."""
        self.retriever.refresh()

    def warm_up(self) -> None:
        """Load models and indexes now so the first question is fast."""
        self.store.embedder.prepare_fast_queries()
        self.store.embedder.encode_one("warm up")
        self.refresh()
        if self.settings.backend != "offline":
            self.llm_answerer()

    def llm_answerer(self) -> Any:
        if self._answerer is None:
            from assistant.llm import LLMAnswerer

            self._answerer = LLMAnswerer.from_settings(self.settings)
        return self._answerer

    # -- asking ----------------------------------------------------------------------------------
    def validate(self, question: str) -> str:
        return validate_question(question, self.settings.max_question_chars)

    def ask(self, question: str, history: Sequence[dict[str, str]] | None = None,
            filters: Filters | None = None) -> Answer:
        started = time.perf_counter()
        question = self.validate(question)
        if self.retriever.is_empty():
            return Answer(question=question, text="", abstained=True, backend=self.settings.backend,
                          notice="the index is empty: run 'inspection-assistant ingest <folder>' first")
        context = ""
        condensed = question
        if history and self.settings.backend != "offline":
            condensed = self.llm_answerer().condense(question, history)
        elif history:
            context = follow_up_context(question, history)
        sides = comparison_sides(condensed, filters, self.retriever)
        scope = None if sides or not self.settings.use_scope else implied_scope(condensed, filters, self.retriever)
        retrieval = self.retriever.retrieve(condensed, scope or filters, context=context)
        if sides:
            retrieval = self._retrieve_sides(condensed, sides, retrieval, context)
        timings = dict(retrieval.timings_ms)
        top = retrieval.passages[: self.settings.k]
        strength = max((evidence(p) for p in top[:3]), default=0.0)
        unknown = unknown_subject(question, self.retriever.lexical, self.retriever.document_years,
                                  " ".join(p.chunk.text for p in top)) or self._absent_combination(question)
        if not top or strength < self.settings.abstain_threshold or unknown:
            answer = self._abstain(question, retrieval, top, strength)
            answer.notice = unknown or answer.notice
        elif self.settings.backend == "offline":
            t = time.perf_counter()
            s = self.settings
            comp = compose(condensed if not context else f"{question} {context}", top, retrieval.matcher,
                           s.max_answer_sentences, s.answer_passage_margin, s.answer_sentence_ratio,
                           s.answer_per_passage)
            timings["compose"] = (time.perf_counter() - t) * 1000
            mismatch = answer_type_mismatch(question, [c.quote for c in comp.citations], self.retriever.lexical.terms)
            if mismatch:
                answer = self._abstain(question, retrieval, top, strength)
                answer.notice = mismatch
            else:
                answer = Answer(question=question, text=comp.text, abstained=not comp.citations,
                                citations=comp.citations, passages=retrieval.passages, sentences=comp.sentences,
                                backend="offline", groups=comp.groups)
        else:
            t = time.perf_counter()
            answer = self.llm_answerer().answer(question, condensed, top)
            answer.passages = retrieval.passages
            timings["llm"] = (time.perf_counter() - t) * 1000
        answer.retrieval_query = retrieval.query
        answer.scope = scope_of(scope, filters)
        answer.timings_ms = {**timings, **answer.timings_ms}
        answer.timings_ms["total"] = (time.perf_counter() - started) * 1000
        answer.timings_ms["evidence"] = round(strength, 4)  # not a time: the score abstention looked at
        return answer

    def _absent_combination(self, question: str) -> str:
        from assistant.rerank import QueryContext

        ctx = QueryContext.detect(question, self.retriever.councils, self.retriever.inspection_types)
        return absent_combination(ctx, self.retriever.lexical)

    def _retrieve_sides(self, question: str, sides: list[Filters], whole: Retrieval, context: str) -> Retrieval:
        """One retrieval per side of a comparison, interleaved, so neither side crowds the other out."""
        from assistant.retrieval import Retrieval

        per_side = [self.retriever.retrieve(question, side, context=context, query_vector=whole.query_vector)
                    for side in sides]
        merged: list[Passage] = []
        seen: set[str] = set()
        for rank in range(max(len(r.passages) for r in per_side)):
            for r in per_side:
                if rank < len(r.passages) and r.passages[rank].chunk.id not in seen:
                    seen.add(r.passages[rank].chunk.id)
                    merged.append(r.passages[rank])
        timings = {k: sum(r.timings_ms.get(k, 0.0) for r in [whole, *per_side]) for k in whole.timings_ms}
        return Retrieval(whole.query, merged, whole.matcher, whole.query_vector, timings)

    def _abstain(self, question: str, retrieval: Retrieval, top: list[Passage], strength: float) -> Answer:
        return Answer(question=question, text=ABSTAIN_TEXT, abstained=True, passages=retrieval.passages,
                      backend=self.settings.backend,
                      notice=f"evidence {strength:.2f} below the abstention threshold "
                             f"{self.settings.abstain_threshold:.2f}")


MAX_IMPLICIT_SIDES = 3  # councils an "each/either council" question is split into when it names none
_EACH = re.compile(r"\b(each|both|either|all)( of the)? (councils?|areas?|authorit(?:y|ies))\b|\bcompared? (with|to)\b|"
                   r"\bversus\b|\bvs\.?\b|\bdiffer", re.I)


def comparison_sides(question: str, filters: Filters | None, retriever: Any) -> list[Filters]:
    """The sides of a comparison question (two councils, years or inspection types), as filters; [] if none."""
    from dataclasses import replace

    from assistant.rerank import QueryContext

    base = filters or Filters()
    ctx = QueryContext.detect(question, retriever.councils, retriever.inspection_types)
    if len(ctx.councils) >= 2 and not base.council:
        return [replace(base, council=c) for c in sorted(ctx.councils)]
    # "either council" over an index of many councils names no sides: one search per council would cost a
    # retrieval each (seconds at 100k chunks) for a comparison the question never asked for.
    if _EACH.search(question) and not base.council and not ctx.councils and \
            2 <= len(retriever.councils) <= MAX_IMPLICIT_SIDES:
        return [replace(base, council=c) for c in sorted(retriever.councils)]
    if len(ctx.inspection_types) >= 2 and not base.inspection_type:
        return [replace(base, inspection_type=t) for t in sorted(ctx.inspection_types)]
    if len(ctx.years) >= 2 and not (base.year_from or base.year_to):
        return [replace(base, year_from=y, year_to=y) for y in sorted(ctx.years)]
    return []


def implied_scope(question: str, filters: Filters | None, retriever: Any) -> Filters | None:
    """The filters a question implies by naming one council, one document year or one inspection type
    ("what did the 2019 inspection of Southend find?"), on top of the user's own; None if it implies none.

    A rule-based self-query: the documents the question is about are searched, not the whole index, so another
    council's or year's near-identical wording cannot crowd them out. Facets the user set are left alone; a
    year counts only when some document is from it (a year of events, "by February 2019", is not a scope).
    """
    from dataclasses import replace

    from assistant.rerank import QueryContext

    base = filters or Filters()
    ctx = QueryContext.detect(question, retriever.councils, retriever.inspection_types)
    implied: dict[str, Any] = {}
    if len(ctx.councils) == 1 and not base.council:
        implied["council"] = next(iter(ctx.councils))
    if len(ctx.years) == 1 and not (base.year_from or base.year_to):
        year = next(iter(ctx.years))
        if year in retriever.document_years:
            implied["year_from"] = implied["year_to"] = year
    if len(ctx.inspection_types) == 1 and not base.inspection_type:
        implied["inspection_type"] = next(iter(ctx.inspection_types))
    # A scope that matches nothing is relaxed, the year first (it may be a year of events), then the
    # inspection type; the council is the last to go.
    for drop in ((), ("year_from", "year_to"), ("year_from", "year_to", "inspection_type")):
        kept = {k: v for k, v in implied.items() if k not in drop}
        if not kept:
            break
        scoped = replace(base, **kept)
        mask = retriever.lexical.mask(scoped)
        if mask is None or mask.any():
            return scoped
    return None


def scope_of(scope: Filters | None, filters: Filters | None) -> dict[str, Any]:
    """What the question's own scope added to the user's filters (for display: "searched: 2019, ILACS")."""
    if scope is None:
        return {}
    base = filters or Filters()
    return {k: v for k, v in asdict(scope).items() if v and getattr(base, k) != v}


def follow_up_context(question: str, history: Sequence[dict[str, str]]) -> str:
    """Without an LLM, carry the previous question's topic into retrieval for short follow-ups."""
    previous = [m.get("content", "") for m in history if m.get("role") == "user" and m.get("content")]
    if not previous:
        return ""
    if len(question.split()) <= 10 or _FOLLOW_UP.search(question):
        return previous[-1]
    return ""
