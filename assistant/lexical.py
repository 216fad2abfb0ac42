"""BM25 keyword search (bm25s) over the index's chunks, plus the IDF table the rerank features use.

Built from the Chroma collection itself (so it works against a server too), cached on disk keyed by the
registry fingerprint, and reused in-process until the index changes.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from vectorstore import IndexStore

_FILTER_FIELDS = ("council", "doc_type", "inspection_type", "source", "section", "section_kind", "year")


def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")


#: Bump when what BM25 indexes changes, so caches built by older code are not reused.
CACHE_VERSION = 3


def _stopwords() -> list[str]:
    """scikit-learn's English list (bm25s's own has 33 words and keeps "what", "did", "about"), minus words that
    carry meaning in inspection questions, plus the verbs of asking."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    keep = {"not", "no", "nor", "never", "none", "nothing", "well", "find", "found", "without", "less", "least",
            "more", "most", "against", "further", "first", "last", "full", "system", "bill", "fire", "interest"}
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
    def open(cls, store: IndexStore, cache_dir: Path | None) -> LexicalIndex:
        fingerprint = store.fingerprint() + f"-{store.count_chunks()}"
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
                keep &= self.meta[name] == value
        years = self.meta["year"].astype(np.int64)
        if filters.year_from:
            keep &= years >= int(filters.year_from)
        if filters.year_to:
            keep &= years <= int(filters.year_to)
        if filters.section:
            keep &= (self.meta["section"] == filters.section) | (self.meta["section_kind"] == filters.section)
        return keep.astype(np.float32)

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
        docs, scores = self.retriever.retrieve([tokens], k=k, show_progress=False, weight_mask=mask, n_threads=1)
        return [(self.ids[int(i)], float(s)) for i, s in zip(docs[0], scores[0]) if s > 0]


def split_words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())
