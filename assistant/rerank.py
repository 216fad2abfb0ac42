"""Second-stage scoring of fused candidates.

No cross-encoder ships offline, so the default ("features") combines signals we already have, each cheap:
the fused first-stage score, the best sentence's bi-encoder similarity (sentence embeddings are stored at
ingest), IDF-weighted coverage of the question's terms, and a section prior ("strengths" questions prefer
"Key strengths" passages). A sentence-transformers CrossEncoder from a local folder replaces it when set.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np

from assistant.answer_type import holds
from assistant.types import Passage
from domain.layouts import BOILERPLATE_SECTION, states_shortfall

#: Section kinds that are never an inspection's findings: Ofsted's closing page, footnotes.
NOT_FINDINGS = frozenset({"boilerplate", "footnotes"})
#: Questions asking what inspectors found (strengths, what to improve …), not what they graded.
FINDINGS_CUES = frozenset({"improvement", "strengths", "recommendations", "next_steps"})

if TYPE_CHECKING:
    from assistant.plan import QueryPlan
    from assistant.protocols import Reranker


@dataclass(frozen=True)
class FeatureWeights:
    # Chosen with `python -m eval.weights` (README "Retrieval"): a search over a grid on the sample set whose
    # choice, made on either half of the questions, also beat the old weights on the other half. The question's
    # own council/year/inspection type (context) and sentence similarity matter more than term coverage alone.
    fused: float = 0.10
    sentence: float = 0.30
    coverage: float = 0.30
    section: float = 0.08
    context: float = 0.30
    dense: float = 0.20
    answer_type: float = 0.15
    boilerplate: float = -0.10
    section_lead: float = 0.15
    not_findings: float = -1.0  # Ofsted's closing page, footnotes: shown only if nothing else is found
    shortfall: float = 0.15  # asked what needs to improve: a passage that says what falls short


class FeatureReranker:
    name = "features"

    def __init__(self, weights: FeatureWeights | None = None):
        self.weights = weights or FeatureWeights()

    def score(self, plan: QueryPlan, passages: list[Passage]) -> None:
        w = self.weights
        for p in passages:
            # Coverage of the passage's own text (retrieval's base feature): headings are shared by dozens of
            # chunks and say little.
            coverage, sentence = p.scores["coverage"], p.scores["sentence"]
            prior = 1.0 if p.chunk.section_kind in plan.section_cues else 0.0
            meta = plan.query_mentions.match(p.chunk)
            typed = 1.0 if plan.asked.types and holds(p.chunk.text, plan.asked.types) else 0.0
            admin = 1.0 if not plan.asks_boilerplate and (
                BOILERPLATE_SECTION.search(p.chunk.section or "")
                # the opening judgement table: "requires improvement" there is a grade, not what is to improve
                or (p.chunk.section_kind == "judgements" and "grade" not in plan.asked.types
                    and (plan.section_cues & FINDINGS_CUES or plan.areas))) else 0.0
            # the opening of the section about the area asked: a judgement section's synopsis, led by its grade
            lead = 1.0 if p.chunk.section_start and p.chunk.section_kind in plan.areas else 0.0
            closing = 1.0 if not plan.asks_boilerplate and p.chunk.section_kind in NOT_FINDINGS else 0.0
            short = 1.0 if plan.asks_shortfall and states_shortfall(p.chunk.text) else 0.0
            p.scores.update(section_prior=prior, context_prior=meta, answer_type=typed, boilerplate=admin,
                            not_findings=closing, section_lead=lead, shortfall=short)
            p.score = w.fused * p.scores.get("fused", 0.0) + w.sentence * sentence + w.coverage * coverage \
                + w.section * prior + w.context * meta + w.dense * p.scores.get("dense", 0.0) \
                + w.answer_type * typed + w.boilerplate * admin + w.not_findings * closing \
                + w.section_lead * lead + w.shortfall * short


@lru_cache(maxsize=2)
def _load_cross_encoder(path: str) -> Any:
    from sentence_transformers import CrossEncoder

    return CrossEncoder(path, device="cpu", local_files_only=True)


class CrossEncoderReranker:
    name = "cross-encoder"

    def __init__(self, path: str):
        if not path:
            raise ValueError("rerank 'cross-encoder' needs cross_encoder_path (a local sentence-transformers folder)")
        self.path = path

    def score(self, plan: QueryPlan, passages: list[Passage]) -> None:
        if not passages:
            return
        model = _load_cross_encoder(self.path)
        raw = np.asarray(model.predict([(plan.rerank_text, p.chunk.text) for p in passages], show_progress_bar=False))
        probs = 1.0 / (1.0 + np.exp(-raw.reshape(len(passages), -1)[:, -1]))
        for p, prob in zip(passages, probs):
            p.scores["cross_encoder"] = float(prob)
            p.score = float(prob)


class NoReranker:
    """The fused first-stage order, unchanged."""

    name = "none"

    def score(self, plan: QueryPlan, passages: list[Passage]) -> None:
        for p in passages:
            p.score = p.scores.get("fused", 0.0)


def make_reranker(kind: str, cross_encoder_path: str = "") -> Reranker:
    if kind == "cross-encoder":
        return CrossEncoderReranker(cross_encoder_path)
    if kind == "none":
        return NoReranker()
    return FeatureReranker()
