"""The `inspection-assistant` command line, run as a user would: in a subprocess, against a temporary index.

Each subprocess pays the start-up cost (and ingest pays the model load), so the calls are few and shared.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import summary_row

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DIR = ROOT / "data" / "sample"
SCRIPT = ROOT / ".venv" / "bin" / "inspection-assistant"
PRESS = "southend-press-release-jtai-2018-05-09.txt"
COUNCILS = {
    "southend-jtai-inspection-letter-2018-05-09.txt": "Southend-on-Sea",
    "southend-cabinet-report-jtai-2018-06-19.txt": "Southend-on-Sea",
    "southend-cabinet-report-ilacs-2019-09-17.txt": "Southend-on-Sea",
    "southend-press-release-jtai-2018-05-09.txt": "Southend-on-Sea",
    "cheshire-east-committee-report-jtai-progress-2023-07-10.txt": "Cheshire East",
}

pytestmark = pytest.mark.slow


def cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    command = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "assistant.cli"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INSPECTION_ASSISTANT_", "CHROMA_"))}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", COLUMNS="200", PYTHONIOENCODING="utf-8")
    return subprocess.run([*command, *map(str, args)], capture_output=True, text=True, encoding="utf-8",
                          env=env, cwd=ROOT, timeout=600)


@pytest.fixture(scope="module")
def sample_cli(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("cli")
    corpus = root / "corpus"
    shutil.copytree(SAMPLE_DIR, corpus)
    data_dir = root / "index"
    result = cli("ingest", corpus, "--data-dir", data_dir)
    return result, data_dir


@pytest.fixture(scope="module")
def status_json(sample_cli):
    _, data_dir = sample_cli
    result = cli("status", "--json", "--data-dir", data_dir)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_ingest_sample_corpus(sample_cli):
    result, _ = sample_cli
    assert result.returncode == 0, result.stderr
    assert "Ingest summary" in result.stdout
    row = summary_row(result.stdout)
    assert row["added"] == 5
    assert row["failed"] == row["updated"] == row["skipped"] == row["removed"] == 0
    assert row["chunks written"] == row["index chunks"] > 0
    assert not re.search(r"^failed ", result.stderr, re.M), result.stderr


def test_status_json(status_json, sample_cli):
    _, data_dir = sample_cli
    info = status_json
    assert {"documents", "total_chunks", "embedding_model", "path"} <= set(info)
    docs = info["documents"]
    assert len(docs) == 5
    for doc in docs:
        assert {"source", "title", "date", "council", "doc_type", "inspection_type", "chunks", "content_hash"} <= set(doc)
        assert doc["title"] and re.fullmatch(r"\d{4}-\d{2}-\d{2}", doc["date"])
        assert re.fullmatch(r"[0-9a-f]{64}", doc["content_hash"])
    assert {d["source"]: d["council"] for d in docs} == COUNCILS
    assert info["total_chunks"] == sum(d["chunks"] for d in docs)
    assert info["embedding_model"] == "all-MiniLM-L6-v2"
    assert Path(info["path"]).resolve().is_relative_to(data_dir.resolve())


def test_ingest_reports_the_bad_file_and_exits_1(tmp_path):
    corpus = tmp_path / "mixed"
    corpus.mkdir()
    shutil.copy(SAMPLE_DIR / PRESS, corpus / PRESS)
    (corpus / "broken.txt").write_bytes(b"\x81\x8d\x8f" * 50)
    result = cli("ingest", corpus, "--data-dir", tmp_path / "index")
    assert result.returncode == 1, (result.stdout, result.stderr)
    lines = [line for line in result.stderr.splitlines() if "broken.txt" in line]
    assert len(lines) == 1, result.stderr
    assert "undecodable" in lines[0]
    assert PRESS not in result.stderr
    row = summary_row(result.stdout)
    assert (row["added"], row["failed"]) == (1, 1)


def test_ingest_missing_path(tmp_path):
    result = cli("ingest", "/no/such/path", "--data-dir", tmp_path / "index")
    assert result.returncode != 0
    assert "path not found" in result.stderr
    assert "/no/such/path" in result.stderr


@pytest.fixture(scope="module")
def glossary_json(sample_cli):
    _, data_dir = sample_cli
    result = cli("glossary", "--json", "--data-dir", data_dir)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_glossary_json(glossary_json):
    assert glossary_json["LSCB"] == "local safeguarding children board"
    assert glossary_json["JTAI"] == "joint targeted area inspection"
    assert "CSE" in glossary_json


def test_glossary_json_has_mace(glossary_json):
    assert glossary_json["MACE"] == "multi-agency child sexual exploitation"


def test_ask_prints_the_answer_and_numbered_references_with_quotes(sample_cli):
    _, data_dir = sample_cli
    result = cli("ask", "what did inspectors say about MACE meetings?", "--data-dir", data_dir, "-k", "3",
                 "--council", "Southend-on-Sea")
    assert result.returncode == 0, result.stderr
    answer, _, references = result.stdout.partition("References")
    assert "MACE" in answer and re.search(r"\[1\]", answer)
    refs = re.findall(r"^\[(\d+)\] (.+)$", references, re.M)
    quotes = re.findall(r"^    “(.+)”$", references, re.M)
    assert refs and len(quotes) == len(refs) and len(refs) <= 3
    assert all("southend" in line.lower() for _, line in refs)  # the filter held
    assert any("structure and rigour" in q for q in quotes)
