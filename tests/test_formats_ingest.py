"""The new formats end to end: `inspection-assistant ingest` over a folder, and uploads through the UI path.

A web page saved under a .pdf name (the shape of two real files in the development set, as small synthetic
copies in tests/data) fails with one clear line and a non-zero exit; Word and HTML documents, and everything
else in the folder, are indexed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from bad_files import ROOT, SAMPLE_DIR, TEST_DATA, open_store

from ingest.formats import html_document

pytestmark = pytest.mark.slow

FORMATS_DIR = ROOT / "data" / "sample_formats"
PRESS = "southend-press-release-jtai-2018-05-09"
SITE_PAGES = ("site-page-report-not-found.pdf", "site-page-no-main.pdf")


def cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    script = ROOT / ".venv" / "bin" / "inspection-assistant"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "assistant.cli"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INSPECTION_ASSISTANT_", "CHROMA_"))}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", COLUMNS="200", PYTHONIOENCODING="utf-8")
    return subprocess.run([*command, *map(str, args)], capture_output=True, text=True, encoding="utf-8", env=env,
                          cwd=ROOT, timeout=600)


def site_page_line(path: Path) -> str:
    title = html_document(path.read_bytes()).title
    return f"failed {path}: not a PDF: an HTML web page ('{title}'); save the report's PDF instead"


@pytest.fixture(scope="module")
def folder_run(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("formats-cli")
    inputs = root / "inputs"
    (inputs / "2012").mkdir(parents=True)
    for name in SITE_PAGES:
        shutil.copy(TEST_DATA / name, inputs / "2012" / name)
    shutil.copy(FORMATS_DIR / f"{PRESS}.docx", inputs / "press-release.docx")
    shutil.copy(FORMATS_DIR / f"{PRESS}.html", inputs / "press-release.htm")
    shutil.copy(FORMATS_DIR / f"{PRESS}.html", inputs / "press-release-saved-as.pdf")  # a page that is a document
    shutil.copy(SAMPLE_DIR / f"{PRESS}.txt", inputs / "press-release.txt")
    data_dir = root / "index"
    result = cli("ingest", inputs, "--data-dir", data_dir)
    return result, inputs, data_dir


def test_site_pages_named_pdf_fail_with_one_clear_line_each(folder_run):
    result, inputs, _ = folder_run
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stdout + result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("failed ")]
    assert sorted(lines) == sorted(site_page_line(inputs / "2012" / name) for name in SITE_PAGES), result.stderr


def test_everything_else_in_the_folder_is_indexed(folder_run):
    _, _, data_dir = folder_run
    docs = {d.source: d for d in open_store(data_dir).list_documents()}
    assert set(docs) == {"press-release.docx", "press-release.htm", "press-release-saved-as.pdf",
                         "press-release.txt"}
    assert docs["press-release.docx"].file_type == "docx"
    assert docs["press-release.htm"].file_type == "html" and docs["press-release-saved-as.pdf"].file_type == "html"
    assert len({d.chunks for d in docs.values()}) == 1 and docs["press-release.txt"].chunks > 0


def test_uploads_accept_word_and_html_and_remove_a_site_page(tmp_path):
    from assistant.config import Settings
    from ingest.uploads import UPLOAD_SUFFIXES, process_uploads, uploads_dir

    assert {".docx", ".html", ".htm"} <= set(UPLOAD_SUFFIXES)
    settings = Settings.from_env(data_dir=tmp_path / "index")
    store = settings.open_store()
    site = TEST_DATA / SITE_PAGES[0]
    files = [("press.docx", (FORMATS_DIR / f"{PRESS}.docx").read_bytes()),
             ("press.html", (FORMATS_DIR / f"{PRESS}.html").read_bytes()),
             ("report.pdf", site.read_bytes())]
    results = {r.name: r for r in process_uploads(files, settings, store)}
    assert results["press.docx"].ok and results["press.docx"].chunks > 0
    assert results["press.html"].ok and results["press.html"].chunks == results["press.docx"].chunks
    failed = results["report.pdf"]
    assert not failed.ok and failed.status == "failed"
    assert failed.reason.startswith("not a PDF: an HTML web page ('Report not found")
    assert sorted(p.name for p in uploads_dir(settings).iterdir()) == ["press.docx", "press.html"]  # nothing half-indexed
    assert {d.source for d in store.list_documents()} == {"press.docx", "press.html"}
