"""The ONNX question encoder: same vectors as sentence-transformers, used when present, never required."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from vectorstore import MODEL_MAX_TOKENS, Embedder
from vectorstore.onnx_query import export, exportable, load_query_encoder, onnx_file

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ["what did inspectors say about MACE meetings?", "How many areas for improvement?",
             "Has the safeguarding board in Southend been challenging partner agencies enough?"]


@pytest.fixture()
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("INSPECTION_ASSISTANT_MODEL_CACHE", str(tmp_path / "models"))
    load_query_encoder.cache_clear()
    yield tmp_path / "models"
    load_query_encoder.cache_clear()


def test_export_reproduces_sentence_transformers(own_cache: Path) -> None:
    embedder = Embedder()
    assert exportable(embedder.model_path)
    slow = np.stack([embedder.encode_one(q) for q in QUESTIONS])  # no export yet: sentence-transformers
    assert not onnx_file(embedder.model_path).exists()
    assert embedder.prepare_fast_queries() and onnx_file(embedder.model_path).is_relative_to(own_cache)
    assert load_query_encoder(embedder.model_path, MODEL_MAX_TOKENS) is not None
    fast = np.stack([embedder.encode_one(q) for q in QUESTIONS])
    assert np.abs(fast - slow).max() < 1e-4
    assert np.allclose(np.linalg.norm(fast, axis=1), 1.0, atol=1e-5)


def test_a_damaged_export_falls_back_and_is_removed(own_cache: Path) -> None:
    embedder = Embedder()
    file = onnx_file(embedder.model_path)
    file.parent.mkdir(parents=True)
    file.write_bytes(b"not an onnx model")
    assert load_query_encoder(embedder.model_path, MODEL_MAX_TOKENS) is None
    assert not file.exists()
    vector = embedder.encode_one(QUESTIONS[0])  # sentence-transformers answers instead
    assert vector.shape == (384,)


def test_a_model_the_graph_cannot_reproduce_is_not_exported(own_cache: Path, tmp_path: Path) -> None:
    folder = tmp_path / "cls-pooled-model"
    folder.mkdir()
    (folder / "modules.json").write_text('[{"type": "sentence_transformers.models.Transformer"}, '
                                         '{"type": "sentence_transformers.models.Pooling"}]')
    assert not exportable(str(folder))
    assert export(str(folder), reference=None, max_tokens=MODEL_MAX_TOKENS) is None


def test_asking_with_an_export_never_imports_torch(sample_index: Path) -> None:
    # sample_index was built by ingest, which made the export in this machine's cache.
    assert onnx_file(Embedder().model_path).exists()
    code = ("import sys; from assistant import Assistant, Settings; "
            f"a = Assistant(Settings.from_env(data_dir={str(sample_index)!r})); "
            "ans = a.ask('what did inspectors say about MACE meetings?'); "
            "assert ans.citations, ans.notice; "
            "print(sorted(m for m in ('torch', 'sentence_transformers', 'transformers') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
