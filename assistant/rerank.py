"""Second-stage scoring of fused candidates.

No cross-encoder ships offline, so the default ("features") combines signals we already have, each cheap:
the fused first-stage score, the best sentence's bi-encoder similarity (sentence embeddings are stored at
ingest), IDF-weighted coverage of the question's terms, and a section prior ("strengths" questions prefer
"Key strengths" passages). A sentence-transformers CrossEncoder from a local folder replaces it when set.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from assistant.answer_type import expected_types, holds
from assistant.types import Passage

SECTION_CUES = (
    ("strengths", re.compile(r"\bstrength|\bstrong\b|\bpositive|\bgood\b|\bworking well|\bwent well|\bpraise", re.I)),
    ("improvement", re.compile(r"improve|weakness|\bconcern|\bdevelop|\bgaps?\b|\bcriticis|\bshortcoming|\bfail|"
                               r"\bpoor\b|\black", re.I)),
    ("recommendations", re.compile(r"recommend", re.I)),
    ("next_steps", re.compile(r"next steps|written statement|what happens next", re.I)),
    ("case_study", re.compile(r"case stud|example of a child|\bchild'?s case", re.I)),
)


def section_cues(question: str) -> set[str]:
    return {kind for kind, pattern in SECTION_CUES if pattern.search(question)}


def short_forms(council: str) -> set[str]:
    """How a question may name a council in short: "Southend" for Southend-on-Sea, "Cheshire" for Cheshire East."""
    return {short for short in {council.split("-")[0], council.split()[0]} if short != council and len(short) >= 5}


#: Kinds of document a question can name ("according to the inspection letter", "the council's press release").
DOC_KINDS = (
    ("inspection letter", re.compile(r"\bletter\b", re.I)),
    ("press release", re.compile(r"\bpress release\b", re.I)),
    ("committee report", re.compile(r"\b(cabinet|committee) report\b|\breport to (the )?(cabinet|committee)\b", re.I)),
)


@dataclass(frozen=True)
class QueryContext:
    """What the question says about which documents it means: councils, years, inspection types, kinds."""

    councils: frozenset[str] = frozenset()
    years: frozenset[int] = frozenset()
    inspection_types: frozenset[str] = frozenset()
    doc_types: frozenset[str] = frozenset()

    @classmethod
    def detect(cls, question: str, known_councils: set[str], known_types: set[str]) -> QueryContext:
        low = question.lower()
        councils = {c for c in known_councils if re.search(r"\b" + re.escape(c.lower()) + r"\b", low)}
        # A short form ("Southend" for Southend-on-Sea) counts only when one council has it: "Cheshire" would
        # otherwise put Cheshire West and Chester into every question about Cheshire East.
        owners: dict[str, set[str]] = {}
        for council in known_councils:
            for short in short_forms(council):
                owners.setdefault(short.lower(), set()).add(council)
        for short, which in owners.items():
            if len(which) == 1 and re.search(r"\b" + re.escape(short) + r"\b", low):
                councils |= which
        years = {int(y) for y in re.findall(r"\b(19\d\d|20\d\d)\b", question)}
        types = {t for t in known_types if t and re.search(r"\b" + re.escape(t.lower()) + r"\b", low)}
        if re.search(r"joint targeted", low):
            types |= {t for t in known_types if t.upper() == "JTAI"}
        kinds = {kind for kind, pattern in DOC_KINDS if pattern.search(question)}
        return cls(frozenset(councils), frozenset(years), frozenset(types), frozenset(kinds))

    def words(self) -> str:
        return " ".join([*self.councils, *map(str, self.years), *self.inspection_types])

    def match(self, chunk: Any) -> float:
        facets = []
        if self.councils:
            facets.append(chunk.council in self.councils)
        if self.years:
            facets.append(chunk.year in self.years)
        if self.inspection_types:
            facets.append(chunk.inspection_type in self.inspection_types)
        if self.doc_types:  # a preference, never a filter: the cabinet report quotes the letter's findings
            facets.append(chunk.doc_type in self.doc_types)
        return sum(facets) / len(facets) if facets else 0.0


#: Statutory boilerplate of council reports ("Climate Change: no implications", contact officer, appendices):
#: it names the report's subject in every line, so it matches any question about it while answering none.
ADMIN_SECTION = re.compile(r"implications|background papers|appendi|climate change|access to information|"
                           r"contact officer|value for money|risk assessment|environmental impact|consultation|"
                           r"other options|open for publication", re.I)


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


class TermMatcher:
    """IDF-weighted coverage of query terms, with acronyms and their long forms counted as the same term."""

    def __init__(self, lexical: Any, question: str, glossary_terms: dict[str, str],
                 exclude: set[str] | frozenset[str] = frozenset()):
        self.lexical = lexical
        # ``exclude``: terms that describe *which* documents (council, year, inspection type), scored as
        # metadata priors instead: otherwise any chunk that merely names the council wins.
        self.weights = lexical.term_weights([t for t in lexical.terms(question) if t not in exclude])
        self.alternatives: dict[str, list[set[str]]] = {}
        for acronym, long_form in glossary_terms.items():
            for stem in lexical.terms(acronym):
                long_terms = set(lexical.terms(long_form))
                if stem in self.weights and long_terms:
                    self.alternatives.setdefault(stem, []).append(long_terms)
        self.total = sum(self.weights.values()) or 1.0

    def coverage(self, text: str) -> float:
        present = set(self.lexical.terms(text))
        got = 0.0
        for term, weight in self.weights.items():
            if term in present or any(alt <= present for alt in self.alternatives.get(term, ())):
                got += weight
        return got / self.total


class FeatureReranker:
    name = "features"

    def __init__(self, weights: FeatureWeights | None = None):
        self.weights = weights or FeatureWeights()

    def score(self, question: str, passages: list[Passage], matcher: TermMatcher,
              context: QueryContext | None = None) -> None:
        cues = section_cues(question)
        context = context or QueryContext()
        wanted = expected_types(question)
        admin_question = bool(ADMIN_SECTION.search(question))
        w = self.weights
        for p in passages:
            # Coverage of the passage's own text: headings are shared by dozens of chunks and say little.
            coverage = matcher.coverage(p.chunk.text)
            sentence = max(p.sentence_scores, default=p.scores.get("dense", 0.0))
            prior = 1.0 if p.chunk.section_kind in cues else 0.0
            meta = context.match(p.chunk)
            typed = 1.0 if wanted and holds(p.chunk.text, wanted) else 0.0
            admin = 1.0 if not admin_question and ADMIN_SECTION.search(p.chunk.section or "") else 0.0
            p.scores.update(coverage=coverage, sentence=sentence, section_prior=prior, context_prior=meta,
                            answer_type=typed, boilerplate=admin)
            p.score = w.fused * p.scores.get("fused", 0.0) + w.sentence * sentence + w.coverage * coverage \
                + w.section * prior + w.context * meta + w.dense * p.scores.get("dense", 0.0) \
                + w.answer_type * typed + w.boilerplate * admin


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

    def score(self, question: str, passages: list[Passage], matcher: TermMatcher,
              context: QueryContext | None = None) -> None:
        if not passages:
            return
        model = _load_cross_encoder(self.path)
        raw = np.asarray(model.predict([(question, p.chunk.text) for p in passages], show_progress_bar=False))
        probs = 1.0 / (1.0 + np.exp(-raw.reshape(len(passages), -1)[:, -1]))
        for p, prob in zip(passages, probs):
            p.scores["cross_encoder"] = float(prob)
            p.scores["coverage"] = matcher.coverage(p.chunk.text)
            p.scores["sentence"] = max(p.sentence_scores, default=0.0)
            p.score = float(prob)


class NoReranker:
    name = "none"

    def score(self, question: str, passages: list[Passage], matcher: TermMatcher,
              context: QueryContext | None = None) -> None:
        for p in passages:
            p.scores["coverage"] = matcher.coverage(p.chunk.text)
            p.scores["sentence"] = max(p.sentence_scores, default=0.0)
            p.score = p.scores.get("fused", 0.0)


def make_reranker(kind: str, cross_encoder_path: str = "") -> Any:
    if kind == "cross-encoder":
        return CrossEncoderReranker(cross_encoder_path)
    if kind == "none":
        return NoReranker()
    return FeatureReranker()
