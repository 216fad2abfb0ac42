"""BM25 keyword search (bm25s) over the index's chunks, plus the IDF table the rerank features use.

Built from the Chroma collection itself (so it works against a server too), cached on disk keyed by the
registry fingerprint, and reused in-process until the index changes.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from vectorstore import IndexStore

_FILTER_FIELDS = ("council", "doc_type", "inspection_type", "source", "section", "section_kind", "year")


def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")


#: Bump when what BM25 indexes changes, so caches built by older code are not reused.
CACHE_VERSION = 4


#: scikit-learn's ``ENGLISH_STOP_WORDS`` (318 words), copied: importing sklearn for this one constant cost ~2 s
#: of every process start (cold start of `ask`, the UI). Same set, so the same analysis.
_SKLEARN_ENGLISH_STOP_WORDS = """
    a about above across after afterwards again against all almost alone along already also although always am
    among amongst amoungst amount an and another any anyhow anyone anything anyway anywhere are around as at
    back be became because become becomes becoming been before beforehand behind being below beside besides
    between beyond bill both bottom but by call can cannot cant co con could couldnt cry de describe detail do
    done down due during each eg eight either eleven else elsewhere empty enough etc even ever every everyone
    everything everywhere except few fifteen fifty fill find fire first five for former formerly forty found
    four from front full further get give go had has hasnt have he hence her here hereafter hereby herein
    hereupon hers herself him himself his how however hundred i ie if in inc indeed interest into is it its
    itself keep last latter latterly least less ltd made many may me meanwhile might mill mine more moreover
    most mostly move much must my myself name namely neither never nevertheless next nine no nobody none noone
    nor not nothing now nowhere of off often on once one only onto or other others otherwise our ours ourselves
    out over own part per perhaps please put rather re same see seem seemed seeming seems serious several she
    should show side since sincere six sixty so some somehow someone something sometime sometimes somewhere
    still such system take ten than that the their them themselves then thence there thereafter thereby
    therefore therein thereupon these they thick thin third this those though three through throughout thru thus
    to together too top toward towards twelve twenty two un under until up upon us very via was we well were
    what whatever when whence whenever where whereafter whereas whereby wherein whereupon wherever whether which
    while whither who whoever whole whom whose why will with within without would yet you your yours yourself
    yourselves
"""
ENGLISH_STOP_WORDS = frozenset(_SKLEARN_ENGLISH_STOP_WORDS.split())


def _stopwords() -> list[str]:
    """scikit-learn's English list (bm25s's own has 33 words and keeps "what", "did", "about"), minus words that
    carry meaning in inspection questions, plus the verbs of asking."""
    keep = {"not", "no", "nor", "never", "none", "nothing", "well", "find", "found", "without", "less", "least",
            "more", "most", "against", "further", "first", "last", "full", "system", "bill", "fire", "interest",
            # Content words of the list. Stop words are dropped before stemming, so a stop-listed "describe",
            # "detail" or "keep" in a question could never meet "described", "details" or "keeps" in a passage;
            # "front" (door), "serious" (and organised crime), "next" (steps) and numbers are findings' words.
            "describe", "detail", "front", "serious", "next", "part", "amount", "move", "keep", "take", "give",
            "see", "made", "done", "name", "show", "call", "fill", "empty", "side", "top", "bottom", "back", "due",
            "together", "former", "whole", "alone", "same", "one", "two", "three", "four", "five", "six", "seven",
            "eight", "nine", "ten", "eleven", "twelve", "fifteen", "twenty", "forty", "fifty", "sixty", "hundred",
            "third"}
    ask = {"did", "does", "doing", "say", "says", "said", "tell", "told", "according", "inspectors'"}
    return sorted((set(ENGLISH_STOP_WORDS) - keep) | ask)


STOPWORDS = _stopwords()


def bm25_text(meta: dict[str, Any], text: str) -> str:
    """What BM25 sees: the chunk's own words. Headings and council names were tried as extra words and cost
    recall (every chunk of a section or council matched them; see README "Retrieval")."""
    return text


@dataclass
class LexicalIndex:
    retriever: Any
    ids: list[str]
    meta: dict[str, np.ndarray]  # filter fields, one array per field, aligned with ids
    idf: np.ndarray  # per vocabulary id
    vocab: dict[str, int]
    fingerprint: str
    stemmer: Any
    # per-column caches for ``mask`` (integer codes, int years), filled on first use
    _column_cache: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    # -- building ---------------------------------------------------------------------------
    @classmethod
    def build(cls, store: IndexStore, fingerprint: str) -> LexicalIndex:
        import bm25s

        ids: list[str] = []
        texts: list[str] = []
        columns: dict[str, list[Any]] = {f: [] for f in _FILTER_FIELDS}
        for chunk in store.iter_chunks():
            meta = chunk.metadata()
            ids.append(chunk.id)
            texts.append(bm25_text(meta, chunk.text))
            for f in _FILTER_FIELDS:
                columns[f].append(meta.get(f, ""))
        stemmer = _stemmer()
        retriever = bm25s.BM25()
        vocab: dict[str, int] = {}
        idf = np.zeros(0, dtype=np.float32)
        if texts:
            tokens = bm25s.tokenize(texts, stopwords=STOPWORDS, stemmer=stemmer, show_progress=False)
            retriever.index(tokens, show_progress=False)
            vocab = dict(tokens.vocab)
            df = np.zeros(len(vocab), dtype=np.float32)
            for doc in tokens.ids:
                df[np.unique(np.asarray(doc, dtype=np.int64))] += 1
            idf = np.log(1 + (len(texts) - df + 0.5) / (df + 0.5)).astype(np.float32)
        meta_arrays = {f: np.asarray(v, dtype=object) for f, v in columns.items()}
        return cls(retriever, ids, meta_arrays, idf, vocab, fingerprint, stemmer)

    def save(self, folder: Path) -> None:
        tmp = folder.with_name(folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        if self.ids:
            self.retriever.save(str(tmp / "bm25"))
        np.save(tmp / "idf.npy", self.idf)
        (tmp / "index.json").write_text(json.dumps({
            "ids": self.ids, "vocab": self.vocab, "fingerprint": self.fingerprint,
            "meta": {f: [x if isinstance(x, (int, str)) else str(x) for x in v.tolist()] for f, v in self.meta.items()},
        }))
        shutil.rmtree(folder, ignore_errors=True)
        tmp.rename(folder)  # readers never see a half-written cache

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        import bm25s

        data = json.loads((folder / "index.json").read_text())
        retriever = bm25s.BM25.load(str(folder / "bm25")) if data["ids"] else bm25s.BM25()
        meta = {f: np.asarray(v, dtype=object) for f, v in data["meta"].items()}
        return cls(retriever, data["ids"], meta, np.load(folder / "idf.npy"), data["vocab"], data["fingerprint"],
                   _stemmer())

    @classmethod
    def open(cls, store: IndexStore, cache_dir: Path | None, fingerprint: str | None = None) -> LexicalIndex:
        """``fingerprint``: the caller's ``store.fingerprint() + f"-{store.count_chunks()}"`` if it has it (each
        computation reads the whole document registry: ~1 s at 10k documents)."""
        fingerprint = fingerprint or store.fingerprint() + f"-{store.count_chunks()}"
        folder = cache_dir / f"bm25-{store.name}-v{CACHE_VERSION}-{fingerprint}" if cache_dir else None
        if folder and (folder / "index.json").exists():
            try:
                return cls.load(folder)
            except Exception:  # a damaged cache is rebuilt, never trusted
                shutil.rmtree(folder, ignore_errors=True)
        index = cls.build(store, fingerprint)
        if folder:
            try:
                for old in folder.parent.glob(f"bm25-{store.name}-*"):
                    shutil.rmtree(old, ignore_errors=True)
                index.save(folder)
            except OSError:
                pass  # read-only data dir: keep it in memory only
        return index

    # -- querying ---------------------------------------------------------------------------
    def terms(self, text: str) -> list[str]:
        """Stemmed content terms of ``text`` (the same analysis as the index)."""
        import bm25s

        return bm25s.tokenize([text], stopwords=STOPWORDS, stemmer=self.stemmer, return_ids=False,
                              show_progress=False)[0]

    def term_weights(self, terms: list[str]) -> dict[str, float]:
        """IDF per term; a term the corpus never uses gets the highest weight (it is the most telling)."""
        top = float(self.idf.max()) if len(self.idf) else 1.0
        return {t: (float(self.idf[self.vocab[t]]) if t in self.vocab else top * 1.2) for t in dict.fromkeys(terms)}

    def mask(self, filters: Any) -> np.ndarray | None:
        if filters is None or filters.is_empty():
            return None
        keep = np.ones(len(self.ids), dtype=bool)  # vectorised twin of Filters.matches
        for name in ("council", "doc_type", "inspection_type", "source"):
            value = getattr(filters, name)
            if value:
                keep &= self._equals(name, value)
        if filters.year_from or filters.year_to:
            years = self._column_cache.get("year")
            if years is None:
                years = self._column_cache["year"] = self.meta["year"].astype(np.int64)
            if filters.year_from:
                keep &= years >= int(filters.year_from)
            if filters.year_to:
                keep &= years <= int(filters.year_to)
        if filters.section:
            keep &= self._equals("section", filters.section) | self._equals("section_kind", filters.section)
        return keep.astype(np.float32)

    def rows(self, ids: list[str]) -> np.ndarray:
        """Positions of ``ids`` in this index (-1 for an id it does not hold)."""
        row_of = self._column_cache.get("_row_of")
        if row_of is None:
            row_of = self._column_cache["_row_of"] = {cid: i for i, cid in enumerate(self.ids)}
        return np.fromiter((row_of.get(cid, -1) for cid in ids), dtype=np.int64, count=len(ids))

    def _equals(self, name: str, value: Any) -> np.ndarray:
        """``self.meta[name] == value`` without a Python-level compare per chunk (10-40 ms at 100k chunks, per
        filtered search): each column is coded to integers once, then compared as integers."""
        coded = self._column_cache.get(name)
        if coded is None:
            lookup: dict[Any, int] = {}
            column = np.fromiter((lookup.setdefault(x, len(lookup)) for x in self.meta[name]), dtype=np.int64,
                                 count=len(self.meta[name]))
            coded = self._column_cache[name] = (lookup, column)
        lookup, column = coded
        code = lookup.get(value)
        return column == code if code is not None else np.zeros(len(column), dtype=bool)

    def search(self, query: str, k: int, filters: Any = None) -> list[tuple[str, float]]:
        if not self.ids:
            return []
        tokens = [t for t in self.terms(query) if t in self.vocab]
        if not tokens:
            return []
        mask = self.mask(filters)
        if mask is not None and not mask.any():
            return []
        k = min(k, len(self.ids) if mask is None else int(mask.sum()))
        # n_threads=0: score in this thread (1 made bm25s start a thread pool for every query)
        docs, scores = self.retriever.retrieve([tokens], k=k, show_progress=False, weight_mask=mask, n_threads=0)
        return [(self.ids[int(i)], float(s)) for i, s in zip(docs[0], scores[0]) if s > 0]


def split_words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())
