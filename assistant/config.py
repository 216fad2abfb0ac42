"""All settings in one place: defaults < environment variables < CLI flags / explicit overrides."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from importlib import resources
from pathlib import Path
from typing import Any

ENV_PREFIX = "INSPECTION_ASSISTANT_"
BACKENDS = ("offline", "openai", "ollama", "llamacpp")
SENTENCE_VECTORS = ("separate", "pooled")


@dataclass(frozen=True)
class Settings:
    # Where the index lives
    data_dir: Path = Path("data/index")
    collection: str = "inspection"
    chroma_host: str = ""  # set CHROMA_HOST to use a Chroma server instead of the embedded store
    chroma_port: int = 8000
    embedding_model_path: str = ""  # empty: the packaged all-MiniLM-L6-v2
    # Ingest
    max_file_mb: float = 50.0
    chunk_max_tokens: int = 256
    sentence_vectors: str = "separate"  # "separate" | "pooled": half the embedding time, weaker answers (README)
    # Retrieval (each stage switchable; weights chosen on the eval set, see README "Retrieval")
    k: int = 5
    candidates: int = 40
    use_dense: bool = True
    use_bm25: bool = True
    use_glossary: bool = True
    use_scope: bool = True  # search only the council/year/inspection type a question names (assistant/core.py)
    fusion: str = "score"  # "score" (weighted min-max) | "rrf"
    dense_weight: float = 0.2  # BM25 carries these acronym-heavy documents (README "Retrieval": both halves of the
    bm25_weight: float = 0.8  # sample set agree; 0.35/0.65 before the scope and rerank changes)
    rerank: str = "features"  # "features" | "cross-encoder" | "none"
    rerank_depth: int = 30  # fused candidates that get sentence features and a rerank score (README "Retrieval")
    cross_encoder_path: str = ""
    dedupe: bool = True
    dedupe_threshold: float = 0.8
    # Answering
    backend: str = "offline"
    abstain_threshold: float = 0.30  # `python -m eval.calibrate` on the sample set (rule in eval/calibrate.py)
    max_answer_sentences: int = 4
    answer_passage_margin: float = 0.08  # passages within this of the best score may contribute sentences
    answer_sentence_ratio: float = 0.6  # sentences scoring below this share of the best are left out
    answer_per_passage: int = 2
    max_question_chars: int = 2000
    llm_model: str = ""
    llm_base_url: str = ""
    llm_api_key: str = ""
    llm_temperature: float = 0.0
    llm_timeout_s: float = 60.0
    prompts_dir: Path = field(default_factory=lambda: Path(str(resources.files("prompts"))))

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides: Any) -> Settings:
        env = dict(os.environ if env is None else env)
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(ENV_PREFIX + f.name.upper())
            if raw is not None and raw != "":
                values[f.name] = _coerce(f.type, raw)
        # Chroma's own conventional variable names
        if env.get("CHROMA_HOST"):
            values["chroma_host"] = env["CHROMA_HOST"]
        if env.get("CHROMA_PORT"):
            values["chroma_port"] = int(env["CHROMA_PORT"])
        values.update({k: v for k, v in overrides.items() if v is not None})
        settings = cls(**values)
        return settings.validated()

    def with_overrides(self, **overrides: Any) -> Settings:
        return replace(self, **{k: v for k, v in overrides.items() if v is not None}).validated()

    def validated(self) -> Settings:
        if self.backend not in BACKENDS:
            raise ValueError(f"unknown backend '{self.backend}': choose one of {', '.join(BACKENDS)}")
        if self.fusion not in ("score", "rrf"):
            raise ValueError(f"unknown fusion '{self.fusion}': choose 'score' or 'rrf'")
        if self.rerank not in ("features", "cross-encoder", "none"):
            raise ValueError(f"unknown rerank '{self.rerank}': choose 'features', 'cross-encoder' or 'none'")
        if self.sentence_vectors not in SENTENCE_VECTORS:
            raise ValueError(f"unknown sentence_vectors '{self.sentence_vectors}': choose 'separate' or 'pooled'")
        if self.k < 1 or self.candidates < self.k:
            raise ValueError("k must be >= 1 and candidates >= k")
        return replace(self, data_dir=Path(self.data_dir), prompts_dir=Path(self.prompts_dir))

    @property
    def chroma_path(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def cache_dir(self) -> Path:
        return self.data_dir / "cache"

    @property
    def server_mode(self) -> bool:
        return bool(self.chroma_host)

    def open_store(self) -> Any:
        from vectorstore import Embedder, IndexStore

        embedder = Embedder(self.embedding_model_path or None)
        if self.server_mode:
            return IndexStore(host=self.chroma_host, port=self.chroma_port, name=self.collection, embedder=embedder)
        return IndexStore(path=self.chroma_path, name=self.collection, embedder=embedder)


def _coerce(kind: Any, raw: str) -> Any:
    name = kind if isinstance(kind, str) else getattr(kind, "__name__", str(kind))
    if name == "bool":
        return raw.strip().lower() in ("1", "true", "yes", "on")
    if name == "int":
        return int(raw)
    if name == "float":
        return float(raw)
    if name == "Path":
        return Path(raw)
    return raw
