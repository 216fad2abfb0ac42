"""Hybrid retrieval: dense (Chroma) + BM25 (bm25s), fused, de-duplicated and reranked."""

from __future__ import annotations

import json
import os
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from assistant.config import Settings
from assistant.glossary import Glossary
from assistant.lexical import LexicalIndex
from assistant.rerank import QueryContext, TermMatcher, make_reranker, short_forms
from assistant.types import Passage
from domain.facets import Filters
from vectorstore import IndexStore
from vectorstore.records import DocumentRecord

#: Most nearest ids fetched unfiltered for a filtered dense search (~30 ms at 100k chunks); a filter that
#: needs more (it keeps under ~2.5 % of chunks) goes to Chroma's filter, which is fast for so few.
MAX_OVERFETCH = 5000


@dataclass
class Retrieval:
    query: str  # what was searched (question + context + glossary expansions)
    passages: list[Passage]
    matcher: TermMatcher
    query_vector: np.ndarray
    timings_ms: dict[str, float] = field(default_factory=dict)


class HybridRetriever:
    def __init__(self, store: IndexStore, settings: Settings):
        self.store = store
        self.settings = settings
        self.reranker = make_reranker(settings.rerank, settings.cross_encoder_path)
        self._lexical: LexicalIndex | None = None
        self._glossary: Glossary | None = None
        self._councils: set[str] = set()
        self._inspection_types: set[str] = set()
        self.document_years: set[int] = set()
        self._registry: dict[str, str] = {}  # doc_id -> committed content hash
        self._version = ""  # the registry version the state above was built from
        # One retriever may serve several UI sessions (st.cache_resource): rebuilds happen once, under a lock.
        self._refresh_lock = threading.Lock()
        prefetch = getattr(store, "prefetch", None)  # vector indexes load while the model does (cold start)
        if prefetch is not None:
            prefetch()

    # -- index-derived state, rebuilt only when the index changes -------------------------------
    def refresh(self) -> None:
        """Pick up documents ingested since the last call (cheap when nothing changed)."""
        with self._refresh_lock:
            # The registry's version token is one read by id; reading the registry itself costs ~1.5 s at
            # 10k documents, so it is read once per version (and kept on disk for the next process).
            version = self.store.registry_version()
            if version and self._lexical is not None and self._version == version:
                return
            cache_dir = self.settings.cache_dir if not self.settings.server_mode else self.settings.cache_dir / "server"
            docs = registry_snapshot(self.store, version, cache_dir)
            # An index written before versions were kept: a digest of the registry and the chunk count.
            fingerprint = f"r{version}" if version else self.store.fingerprint(docs) + f"-{self.store.count_chunks()}"
            if self._lexical is not None and self._lexical.fingerprint == fingerprint:
                self._version = version
                return
            lexical = LexicalIndex.open(self.store, cache_dir, fingerprint)
            glossary = Glossary.from_store(_Registry(docs))
            # Readers only ever see a complete old or a complete new state.
            self._glossary, self._councils, self._inspection_types, self.document_years, self._registry = (
                glossary, {d.council for d in docs if d.council}, {d.inspection_type for d in docs if d.inspection_type},
                {int(d.date[:4]) for d in docs if d.date[:4].isdigit()}, {d.doc_id: d.content_hash for d in docs})
            self._lexical, self._version = lexical, version

    @property
    def councils(self) -> set[str]:
        if self._lexical is None:
            self.refresh()
        return self._councils

    @property
    def inspection_types(self) -> set[str]:
        if self._lexical is None:
            self.refresh()
        return self._inspection_types

    @property
    def lexical(self) -> LexicalIndex:
        if self._lexical is None:
            self.refresh()
        assert self._lexical is not None
        return self._lexical

    @property
    def glossary(self) -> Glossary:
        if self._glossary is None:
            self.refresh()
        assert self._glossary is not None
        return self._glossary

    # -- retrieval -----------------------------------------------------------------------------
    def is_empty(self) -> bool:
        """No committed document (re-reads the registry only while it is empty, so a first ingest shows up)."""
        if self._lexical is None or not self._registry:
            self.refresh()
        return not self._registry

    def retrieve(self, question: str, filters: Filters | None = None, context: str = "",
                 query_vector: np.ndarray | None = None) -> Retrieval:
        """``query_vector``: the already-embedded search text, when the caller has it (comparison sides)."""
        s = self.settings
        if self._lexical is None:
            self.refresh()  # BM25, glossary and the registry of committed versions, whichever legs are on
        timings: dict[str, float] = {}
        filters = filters or Filters()
        query = " ".join(x for x in (question, context) if x)
        # Words naming what the filters already enforce ("Southend", "JTAI", "2019") match every candidate's
        # document and only reward chunks that repeat them: keyword search leaves them (and their long forms) out.
        keywords = without_scope(query, filters, self.glossary.terms)
        expansions = self.glossary.expansions(query) if s.use_glossary else []
        search_text = query + (f" ({'; '.join(expansions)})" if expansions else "")
        keyword_expansions = self.glossary.expansions(keywords) if s.use_glossary else []
        keyword_text = keywords + (f" ({'; '.join(keyword_expansions)})" if keyword_expansions else "")

        t = time.perf_counter()
        if query_vector is None:
            query_vector = self.store.embedder.encode_one(search_text)
        timings["embed_query"] = _ms(t)

        t = time.perf_counter()
        dense = self._dense(query_vector, filters) if s.use_dense else []
        timings["dense"] = _ms(t)

        t = time.perf_counter()
        bm25 = self.lexical.search(keyword_text, s.candidates, filters) if s.use_bm25 else []
        timings["bm25"] = _ms(t)

        t = time.perf_counter()
        passages = self._fuse(dense, bm25, query_vector)
        # Only committed document versions: chunks of an interrupted or failed ingest are never evidence.
        passages = [p for p in passages if self._registry.get(p.chunk.doc_id) == p.chunk.doc_hash]
        if s.dedupe:
            passages = dedupe(passages, s.dedupe_threshold)
        timings["fuse"] = _ms(t)

        t = time.perf_counter()
        # Coverage counts the question's own terms (acronym and long form count as one term), not the
        # expansions: those are common words ("child sexual exploitation") that would drown the signal.
        context_facets = QueryContext.detect(query, self._councils, self._inspection_types)
        matcher = TermMatcher(self.lexical, query, self.glossary.terms,
                              exclude=set(self.lexical.terms(context_facets.words())))
        head = passages[: s.rerank_depth]
        self._sentence_scores(head, query_vector)
        self.reranker.score(question if not context else search_text, head, matcher, context_facets)
        head.sort(key=lambda p: p.score, reverse=True)
        timings["rerank"] = _ms(t)
        return Retrieval(search_text, head, matcher, query_vector, timings)

    def _dense(self, query_vector: np.ndarray, filters: Filters) -> list[tuple[Any, float]]:
        k = self.settings.candidates
        where = filters.chroma_where()
        if where is None:
            return self.store.query_chunks(query_vector, k)
        # Chroma evaluates a metadata filter in SQLite before the vector search: 0.1-0.4 s per query at 100k
        # chunks (a year range is the slowest). Instead take the nearest ids unfiltered (no metadata read) and
        # keep those the BM25 index's in-memory metadata columns pass; Chroma's own filter remains for
        # filters too selective for that to find k, and when the over-fetch comes up short.
        mask = self.lexical.mask(filters)
        allowed = int(mask.sum()) if mask is not None else 0
        if mask is None or allowed == 0:
            return self.store.query_chunks(query_vector, k, where)
        fetch = int(np.ceil(k * 3 * len(mask) / allowed))
        # Expected to hold ~3k passing ids; when the question's neighbourhood is mostly outside the filter
        # (another year), one wider try before Chroma's filter.
        for n in dict.fromkeys((fetch, MAX_OVERFETCH)) if fetch <= MAX_OVERFETCH else ():
            nearest = self.store.nearest_chunk_ids(query_vector, n)
            rows = self.lexical.rows([cid for cid, _ in nearest])
            kept = [(cid, cos) for (cid, cos), r in zip(nearest, rows) if r >= 0 and mask[r]][:k]
            if len(kept) >= min(k, allowed):
                chunks = {c.id: c for c in self.store.get_chunks([cid for cid, _ in kept])}
                return [(chunks[cid], cos) for cid, cos in kept if cid in chunks]
        return self.store.query_chunks(query_vector, k, where)

    def _fuse(self, dense: list[tuple[Any, float]], bm25: list[tuple[str, float]],
              query_vector: np.ndarray) -> list[Passage]:
        s = self.settings
        by_id: dict[str, Passage] = {}
        for chunk, cosine in dense:
            by_id[chunk.id] = Passage(chunk, scores={"dense": cosine})
        missing = [cid for cid, _ in bm25 if cid not in by_id]
        for chunk in self.store.get_chunks(missing):
            by_id[chunk.id] = Passage(chunk, scores={})
        for cid, score in bm25:
            if cid in by_id:
                by_id[cid].scores["bm25"] = score
        # Keyword-only hits still get their cosine, from stored vectors (no re-embedding), so every
        # candidate carries the same features into rerank and abstention.
        for cid, vec in self.store.chunk_embeddings(missing).items():
            by_id[cid].scores["dense"] = float(vec @ query_vector)
        dense_rank = {c.id: r for r, (c, _) in enumerate(dense)}
        bm25_rank = {cid: r for r, (cid, _) in enumerate(bm25)}
        top_dense = max((v for _, v in dense), default=1.0) or 1.0
        top_bm25 = max((v for _, v in bm25), default=1.0) or 1.0
        for cid, p in by_id.items():
            if s.fusion == "rrf":
                fused = (s.dense_weight / (60 + dense_rank[cid]) if cid in dense_rank else 0.0) + \
                        (s.bm25_weight / (60 + bm25_rank[cid]) if cid in bm25_rank else 0.0)
                fused *= 60 / max(s.dense_weight + s.bm25_weight, 1e-9)
            else:
                dense_score = p.scores.get("dense", 0.0) if cid in dense_rank else 0.0
                fused = s.dense_weight * max(dense_score, 0.0) / top_dense + \
                        s.bm25_weight * p.scores.get("bm25", 0.0) / top_bm25
            p.scores["fused"] = fused
            p.score = fused
        return sorted(by_id.values(), key=lambda p: p.score, reverse=True)

    def _sentence_scores(self, passages: list[Passage], query_vector: np.ndarray) -> None:
        stored = self.store.sentences_of([p.chunk.id for p in passages])
        for p in passages:
            pairs = stored.get(p.chunk.id, [])
            p.sentences = [rec.text for rec, _ in pairs]
            p.sentence_scores = [float(emb @ query_vector) for _, emb in pairs]

    def as_langchain(self, filters: Filters | None = None) -> Any:
        """This retriever as a LangChain ``BaseRetriever`` (imported here: ~1 s of every CLI start otherwise)."""
        from assistant.langchain_retriever import AssistantRetriever

        return AssistantRetriever(hybrid=self, filters=filters or Filters())


def without_scope(text: str, filters: Filters, glossary_terms: dict[str, str]) -> str:
    """``text`` without the council, inspection type (and its long form) and single year that ``filters`` pin."""
    names: list[str] = []
    if filters.council:
        names += [filters.council, *short_forms(filters.council)]
    if filters.inspection_type:
        names += [filters.inspection_type, glossary_terms.get(filters.inspection_type, "")]
    if filters.year_from and filters.year_from == filters.year_to:
        names.append(str(filters.year_from))
    for name in sorted((n for n in names if n), key=len, reverse=True):
        text = re.sub(r"(?<!\w)" + re.escape(name) + r"(?:['’]s)?(?!\w)", " ", text, flags=re.I)
    return " ".join(text.split())


def registry_snapshot(store: IndexStore, version: str, cache_dir: Path | None) -> list[DocumentRecord]:
    """The document registry as of ``version``, from a file cache when a process has read it before."""
    path = cache_dir / f"registry-{store.name}-{version}.json" if cache_dir and version else None
    if path and path.exists():
        try:
            return [DocumentRecord.from_chroma(m) for m in json.loads(path.read_text())]
        except (OSError, ValueError, TypeError):
            pass  # a damaged cache is re-read from the store, never trusted
    docs = store.list_documents()
    if path:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".tmp{os.getpid()}")
            tmp.write_text(json.dumps([d.metadata() for d in docs]))
            for old in path.parent.glob(f"registry-{store.name}-*.json"):
                old.unlink(missing_ok=True)
            tmp.replace(path)  # readers never see a half-written file
        except OSError:
            pass  # read-only data dir: read the store each time
    return docs


class _Registry:
    """An already-read document list, for code that asks a store for ``list_documents()``."""

    def __init__(self, docs: list[Any]):
        self._docs = docs

    def list_documents(self) -> list[Any]:
        return self._docs


def _ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000.0


def _shingles(text: str, n: int = 3) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    return {tuple(words[i:i + n]) for i in range(max(1, len(words) - n + 1))}


def dedupe(passages: list[Passage], threshold: float) -> list[Passage]:
    """Drop a passage whose word 3-grams are mostly contained in a better-ranked one (same text, two documents)."""
    kept: list[tuple[Passage, set[tuple[str, ...]]]] = []
    for p in passages:
        sh = _shingles(p.chunk.text)
        duplicate_of = next((k for k, ksh in kept if len(sh & ksh) / max(1, min(len(sh), len(ksh))) >= threshold), None)
        if duplicate_of is None:
            kept.append((p, sh))
        else:
            duplicate_of.scores["duplicates"] = duplicate_of.scores.get("duplicates", 0) + 1
    return [p for p, _ in kept]
