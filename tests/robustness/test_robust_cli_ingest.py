"""Every kind of bad file through the real command line, once: one stderr line per bad file naming it and the
reason, the good files ingested, exit status 1 (0 when nothing failed), and the documents already in the
index untouched."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from robustness_helpers import (
    PRESS,
    SAMPLE_DIR,
    assert_consistent,
    assert_no_traceback,
    chunk_ids,
    cli,
    encrypted_pdf,
    failed_lines,
    good_text,
    image_only_pdf,
    snapshot,
    sparse_file,
    summary_row,
    truncated_pdf,
)

pytestmark = pytest.mark.slow

SHELL = "notes $(rm -rf x); `a`; &|.txt"
UNICODE = "comité 中文 report.md"
MARKUP = "[draft] notes [bold]x.pdf"  # Rich markup in a file name must be printed, not interpreted

# file (relative to the input folder) -> words its stderr line must contain
BAD = {
    "truncated.pdf": "corrupt PDF",
    "garbage.pdf": "not a PDF (no %PDF header)",
    MARKUP: "not a PDF (no %PDF header)",
    "encrypted.pdf": "encrypted PDF: remove the password",
    "image-only.pdf": "no extractable text: looks scanned, OCR it first",
    "zero-bytes.txt": "empty file (0 bytes)",
    "huge.txt": "file too large (52.0 MB > 50 MB limit)",
    "nul-bytes.txt": "contains NUL bytes",
    "bad $(rm -rf x); `a`; &| é中文.pdf": "not a PDF: an HTML web page (untitled); save the report's PDF instead",
    "loopy/self.txt": "broken or looping symlink",
}
GOOD = ("encrypted-empty-password.pdf", "cp1252.txt", "latin-1.txt", "bom.txt", "with spaces.txt", SHELL, UNICODE,
        "loopy/inside.txt")


def make_inputs(folder: Path) -> None:
    folder.mkdir()
    truncated_pdf(folder / "truncated.pdf", 0.5)
    (folder / "garbage.pdf").write_bytes(bytes(range(256)) * 20)
    (folder / MARKUP).write_bytes(b"garbage " * 50)
    encrypted_pdf(folder / "encrypted.pdf", "secret")
    encrypted_pdf(folder / "encrypted-empty-password.pdf", "")
    image_only_pdf(folder / "image-only.pdf", pages=2)
    (folder / "zero-bytes.txt").write_bytes(b"")
    sparse_file(folder / "huge.txt", 52_000_000)
    (folder / "nul-bytes.txt").write_bytes(b"Inspectors\x00found\x00" * 30)
    (folder / "bad $(rm -rf x); `a`; &| é中文.pdf").write_bytes(b"<html>not a pdf</html>" * 10)
    (folder / "cp1252.txt").write_bytes(
        "Minutes of the “action plan” meeting\n\nThe board’s chair said progress was good – £5,000 agreed.\n"
        .encode("cp1252"))
    (folder / "latin-1.txt").write_bytes("Comité de suivi\n\nLes inspecteurs ont noté des progrès.\n".encode("latin-1"))
    (folder / "bom.txt").write_bytes(b"\xef\xbb\xbf" + good_text("byte order mark").encode())
    (folder / "with spaces.txt").write_text(good_text("spaces"), encoding="utf-8")
    (folder / SHELL).write_text(good_text("shell"), encoding="utf-8")
    (folder / UNICODE).write_text(good_text("unicode"), encoding="utf-8")
    loopy = folder / "loopy"
    loopy.mkdir()
    (loopy / "inside.txt").write_text(good_text("loops"), encoding="utf-8")
    os.symlink(loopy, loopy / "loop")  # a directory loop: not followed
    os.symlink("self.txt", loopy / "self.txt")  # a file loop: reported


@pytest.fixture(scope="module")
def cli_run(make_index):
    built = make_index("robust-cli", source=None, files={PRESS: (SAMPLE_DIR / PRESS).read_text(encoding="utf-8")})
    assert not built.report.failed
    store, others, data_dir = built.store, built.corpus, built.data_dir
    before = chunk_ids(store)
    inputs = others.parent / "inputs"
    make_inputs(inputs)
    result = cli("ingest", others, inputs, "--data-dir", data_dir)
    return result, store, before, inputs, others, data_dir


def test_exit_status_1_and_no_traceback(cli_run):
    result, *_ = cli_run
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert_no_traceback(result.stdout, result.stderr)


@pytest.mark.parametrize("name", sorted(BAD))
def test_one_stderr_line_per_bad_file_names_it_and_the_reason(cli_run, name):
    result, _, _, inputs, _, _ = cli_run
    path = str(inputs / name)
    lines = [line for line in failed_lines(result.stderr) if line.startswith(f"failed {path}: ")]
    assert len(lines) == 1, result.stderr
    assert BAD[name] in lines[0], lines[0]


def test_only_bad_files_are_reported(cli_run):
    result, *_ = cli_run
    assert len(failed_lines(result.stderr)) == len(BAD), result.stderr
    for name in GOOD:
        assert Path(name).name not in result.stderr


def test_good_files_are_ingested_and_counted(cli_run):
    result, store, _, _, _, _ = cli_run
    row = summary_row(result.stdout)
    assert (row["added"], row["skipped"], row["failed"], row["updated"]) == (len(GOOD), 1, len(BAD), 0)
    docs = {d.source: d for d in store.list_documents()}
    assert set(docs) == {PRESS} | {Path(n).name for n in GOOD}
    assert row["index chunks"] == store.count_chunks() == sum(d.chunks for d in docs.values())
    assert_consistent(snapshot(store))
    texts = " ".join(store.chunks.get(where={"source": "cp1252.txt"}, include=["documents"])["documents"])
    assert "board’s chair" in texts and "£5,000" in texts


def test_document_already_indexed_keeps_its_chunk_ids(cli_run):
    _, store, before, _, _, _ = cli_run
    after = chunk_ids(store)
    assert {doc_id: after.get(doc_id) for doc_id in before} == before


def test_exit_status_0_when_nothing_fails(cli_run):
    _, store, before, inputs, others, data_dir = cli_run
    result = cli("ingest", others, inputs / "loopy" / "inside.txt", inputs / SHELL, "--data-dir", data_dir)
    assert result.returncode == 0, result.stderr
    assert not failed_lines(result.stderr)
    assert_no_traceback(result.stdout, result.stderr)
    assert summary_row(result.stdout)["skipped"] == 3
    assert {d: chunk_ids(store)[d] for d in before} == before
