"""A fast path for embedding questions: the packaged MiniLM exported once to ONNX and run with onnxruntime.

Importing sentence-transformers (torch, transformers, scikit-learn, scipy) costs ~9 s of every process start,
which is most of the time from ``inspection-assistant ask`` to its answer. onnxruntime and tokenizers import in
~0.3 s and embed a question in ~13 ms. The export is made from the same weights by ingest (which has torch loaded
anyway), checked against sentence-transformers on probe texts before it is kept, and cached per machine, keyed
by the model folder. Without it (a model that is not plain mean pooling + normalisation, a failed export),
questions are embedded by sentence-transformers as before; documents always are.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

#: Largest difference from sentence-transformers, per dimension, an export may show on the probes.
TOLERANCE = 1e-4
PROBES = (
    "what did inspectors say about MACE meetings?",
    "The conduct of MACE meetings lacks sufficient structure and rigour in considering the risks to individual "
    "children. This is also mirrored in the minutes of meetings, which are not consistently clear.",
    "x",
    "Southend-on-Sea Borough Council — Areas for improvement: " + "health practitioners " * 150,
)
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def cache_dir() -> Path:
    """Per machine (not per index): ``INSPECTION_ASSISTANT_MODEL_CACHE``, else ``$XDG_CACHE_HOME`` or ~/.cache."""
    explicit = os.environ.get("INSPECTION_ASSISTANT_MODEL_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "inspection-assistant"


def onnx_file(model_path: str) -> Path:
    """Where the export of this model folder lives (its name changes with any file of the folder)."""
    folder = Path(model_path)
    digest = hashlib.sha1(str(folder.resolve()).encode())
    for item in sorted(folder.rglob("*")):
        if item.is_file():
            stat = item.stat()
            digest.update(f"{item.relative_to(folder)}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return cache_dir() / f"{folder.name}-{digest.hexdigest()[:12]}.onnx"


def exportable(model_path: str) -> bool:
    """A sentence-transformers folder that is exactly transformer -> mean pooling -> normalise, with a fast
    tokenizer file: what the exported graph reproduces."""
    folder = Path(model_path)
    try:
        modules = [m["type"].rsplit(".", 1)[-1] for m in json.loads((folder / "modules.json").read_text())]
        pooling = json.loads((folder / "1_Pooling" / "config.json").read_text())
    except (OSError, ValueError, KeyError, TypeError):
        return False
    mean = pooling.get("pooling_mode_mean_tokens") or pooling.get("pooling_mode") == "mean"
    return modules == ["Transformer", "Pooling", "Normalize"] and bool(mean) and (folder / "tokenizer.json").is_file()


def export(model_path: str, reference: Any, max_tokens: int) -> Path | None:
    """Export the model to ONNX, keep it only if it matches ``reference`` (a SentenceTransformer) on the probes.
    Never raises: a failure leaves the slow path in place."""
    target = onnx_file(model_path)
    if target.exists():
        return target
    if not exportable(model_path):
        return None
    tmp = target.with_suffix(f".tmp{os.getpid()}")
    try:
        import torch
        from transformers import AutoModel

        model = AutoModel.from_pretrained(model_path, local_files_only=True).eval()

        class MeanPooled(torch.nn.Module):
            def __init__(self, inner: Any):
                super().__init__()
                self.inner = inner

            def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
                tokens = self.inner(input_ids=input_ids, attention_mask=attention_mask,
                                    token_type_ids=token_type_ids).last_hidden_state
                mask = attention_mask.unsqueeze(-1).to(tokens.dtype)
                pooled = (tokens * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                return torch.nn.functional.normalize(pooled, p=2, dim=1)

        tokenizer = _tokenizer(str(Path(model_path) / "tokenizer.json"), max_tokens)
        sample = _batch(tokenizer, list(PROBES[:2]))
        tmp.parent.mkdir(parents=True, exist_ok=True)
        axes = {name: {0: "batch", 1: "tokens"} for name in _INPUTS} | {"embedding": {0: "batch"}}
        import warnings

        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation notices
            torch.onnx.export(MeanPooled(model), tuple(torch.from_numpy(sample[n]) for n in _INPUTS), str(tmp),
                              input_names=list(_INPUTS), output_names=["embedding"], dynamic_axes=axes,
                              opset_version=17, dynamo=False)
        got = OnnxQueryEncoder(tmp, tokenizer).encode(list(PROBES))
        want = np.asarray(reference.encode(list(PROBES), normalize_embeddings=True, convert_to_numpy=True))
        gap = float(np.abs(got - want).max())
        if gap > TOLERANCE:
            log.warning("ONNX export of %s differs from sentence-transformers by %.2g: not used", model_path, gap)
            tmp.unlink(missing_ok=True)
            return None
        tmp.replace(target)  # readers never see a half-written model
        load_query_encoder.cache_clear()
        return target
    except Exception as exc:  # any failure (no onnx package, exporter change) keeps the slow path
        log.warning("ONNX export of %s failed (%s): questions use sentence-transformers", model_path, exc)
        tmp.unlink(missing_ok=True)
        return None


def _tokenizer(path: str, max_tokens: int) -> Any:
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(path)
    tokenizer.enable_truncation(max_length=max_tokens)  # what sentence-transformers' max_seq_length does
    tokenizer.enable_padding()
    return tokenizer


def _batch(tokenizer: Any, texts: list[str]) -> dict[str, np.ndarray]:
    encodings = tokenizer.encode_batch(texts)
    return {"input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64)}


class OnnxQueryEncoder:
    """L2-normalised embeddings of short texts (questions) from the exported model."""

    def __init__(self, model_file: Path, tokenizer: Any):
        import onnxruntime as ort

        options = ort.SessionOptions()
        # One thread: a question is one short sequence, and a second thread only waits on the first whenever
        # anything else runs on the machine (the UI serves several sessions; ingest may run beside it).
        options.intra_op_num_threads = 1
        options.log_severity_level = 3
        self.session = ort.InferenceSession(str(model_file), options, providers=["CPUExecutionProvider"])
        self.tokenizer = tokenizer

    def encode(self, texts: list[str]) -> np.ndarray:
        out = self.session.run(None, _batch(self.tokenizer, texts))[0]
        return np.asarray(out, dtype=np.float32)


@lru_cache(maxsize=4)
def load_query_encoder(model_path: str, max_tokens: int) -> OnnxQueryEncoder | None:
    """The exported encoder of this model folder if one is cached, else None (use sentence-transformers)."""
    file = onnx_file(model_path)
    if not file.exists():
        return None
    try:
        return OnnxQueryEncoder(file, _tokenizer(str(Path(model_path) / "tokenizer.json"), max_tokens))
    except Exception as exc:  # a damaged cache file: fall back, and let the next export replace it
        log.warning("cached ONNX model %s unusable (%s): questions use sentence-transformers", file, exc)
        file.unlink(missing_ok=True)
        return None
