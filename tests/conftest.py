"""Shared fixtures: one index of the sample corpus per test session (building it loads the model once)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.pop("CHROMA_HOST", None)  # tests choose their mode explicitly

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DIR = ROOT / "data" / "sample"
SAMPLE_PDF_DIR = ROOT / "data" / "sample_pdf"
ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture(scope="session")
def sample_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir holding the five sample documents, ingested once. Treat as read-only."""
    from assistant.config import Settings
    from ingest import IngestOptions, ingest

    data_dir = tmp_path_factory.mktemp("sample-index")
    corpus = data_dir / "corpus"
    shutil.copytree(SAMPLE_DIR, corpus)
    settings = Settings.from_env(data_dir=data_dir)
    report = ingest(settings.open_store(), [corpus], IngestOptions(), lock_dir=data_dir)
    assert not report.failed, report.failed
    return data_dir


@pytest.fixture(scope="session")
def assistant(sample_index: Path):
    from assistant import Assistant, Settings

    a = Assistant(Settings.from_env(data_dir=sample_index))
    a.warm_up()
    return a


@pytest.fixture()
def fresh_data_dir(tmp_path: Path) -> Path:
    return tmp_path / "index"
