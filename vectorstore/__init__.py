"""Chroma and embeddings: the only package that talks to the vector database."""

from vectorstore.embeddings import MODEL_MAX_TOKENS, Embedder, ModelUnavailable, token_counter
from vectorstore.records import ChunkRecord, DocumentRecord, SentenceRecord
from vectorstore.store import IndexStore, StoreUnavailable

__all__ = [
    "MODEL_MAX_TOKENS",
    "ChunkRecord",
    "DocumentRecord",
    "Embedder",
    "IndexStore",
    "ModelUnavailable",
    "SentenceRecord",
    "StoreUnavailable",
    "token_counter",
]
