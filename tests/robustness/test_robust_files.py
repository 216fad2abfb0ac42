"""Bad and odd files, in-process: every file gets one outcome with a reason, good files still go in, and the
documents already in the index keep exactly the same chunk ids.

Builds on tests/test_ingest_bad_input.py (which covers the basic cases: header-less garbage PDF, a PDF cut in
half, encrypted with/without an empty password, a scanned page, empty/NUL/undecodable text, cp1252, BOM, a
malformed sidecar, the size limit with a tiny file). Here: the variants around those edges, a 60 MB sparse file,
symlink loops, FIFOs and devices named .txt, unusual file names on disk, and upload names that try to escape.
"""

from __future__ import annotations

import os
import random
import tracemalloc
from pathlib import Path

import pytest
from robustness_helpers import (
    PRESS,
    SAMPLE_DIR,
    SMALL_PDF,
    blank_pdf,
    chunk_ids,
    good_text,
    sparse_file,
    truncated_pdf,
)

from ingest import IngestError, IngestOptions, ingest
from ingest.loaders import load_file
from ingest.uploads import UPLOAD_SUFFIXES, process_uploads, sanitize_filename, uploads_dir

pytestmark = pytest.mark.slow

LIMIT_MB = 50.0
SHELL_NAME = "a $(rm -rf x); `a`; &| b.txt"
UNICODE_NAME = "rapport é 中文.txt"
SPACES_NAME = "report  with   spaces.txt"

# file -> words its reason must contain (all of them)
FAILING = {
    "truncated-10pc.pdf": ("corrupt PDF",),
    "truncated-no-eof.pdf": ("corrupt PDF",),
    "pdf-header-then-garbage.pdf": ("corrupt PDF",),
    "random-bytes.pdf": ("not a PDF (no %PDF header)",),
    "no-pages.pdf": ("PDF has no pages",),
    "blank-pages.pdf": ("no extractable text", "OCR"),
    "zero.pdf": ("empty file (0 bytes)",),
    "zero.md": ("empty file (0 bytes)",),
    "huge.txt": ("file too large (60.0 MB > 50 MB limit)",),
    "huge.pdf": ("file too large (51.0 MB > 50 MB limit)",),
    "late-nul.txt": ("NUL bytes (first at offset 75000)", "binary"),
    "utf16-no-bom.txt": ("NUL bytes", "UTF-16", "re-save it as UTF-8"),
    "mixed-encoding.txt": ("undecodable bytes at offset 66 (0xe9)", "re-save it as UTF-8"),
    "bom-then-cp1252.txt": ("undecodable bytes at offset 6 (0xe9)",),
    "self-loop.txt": ("broken or looping symlink",),
    "dangling.txt": ("broken or looping symlink",),
    "fifo.txt": ("not a regular file",),
    "dev-zero.txt": ("not a regular file",),
}
ADDED = ("latin-1.txt", "bom.md", SHELL_NAME, UNICODE_NAME, SPACES_NAME, "in-loop.txt")


def make_inputs(folder: Path) -> None:
    folder.mkdir()
    rng = random.Random(20241125)
    truncated_pdf(folder / "truncated-10pc.pdf", 0.10)
    (folder / "truncated-no-eof.pdf").write_bytes(SMALL_PDF.read_bytes()[:-30])  # no xref, no %%EOF
    (folder / "pdf-header-then-garbage.pdf").write_bytes(b"%PDF-1.7\n" + rng.randbytes(5000))
    (folder / "random-bytes.pdf").write_bytes(rng.randbytes(5000).replace(b"%PDF", b"xxxx"))
    blank_pdf(folder / "no-pages.pdf")
    blank_pdf(folder / "blank-pages.pdf", pages=2)
    (folder / "zero.pdf").write_bytes(b"")
    (folder / "zero.md").write_bytes(b"")
    sparse_file(folder / "huge.txt", 60_000_000)
    sparse_file(folder / "huge.pdf", 51_000_000)
    (folder / "late-nul.txt").write_bytes(b"Inspectors found it. " * 3571 + b"Inspector\x00\x00 end")  # NUL at 75000
    (folder / "utf16-no-bom.txt").write_bytes(good_text("UTF-16").encode("utf-16-le"))
    # UTF-8 (curly quotes, accents) with one stray Windows-1252 byte at offset 66
    (folder / "mixed-encoding.txt").write_bytes(
        "Inspectors said the “plan” wasn’t ready at the café. ".encode() + b"Stray \xe9 byte.\n")
    (folder / "bom-then-cp1252.txt").write_bytes(b"\xef\xbb\xbfcaf\xe9 " + b"notes" * 20)
    os.symlink("self-loop.txt", folder / "self-loop.txt")
    os.symlink(folder / "no-such-target.txt", folder / "dangling.txt")
    os.mkfifo(folder / "fifo.txt")  # reading it would block forever
    os.symlink("/dev/zero", folder / "dev-zero.txt")  # reading it would never end

    (folder / "latin-1.txt").write_bytes(
        "Réunion du comité de protection de l'enfance\n\nLes inspecteurs ont noté des progrès. Straße ±½.\n"
        .encode("latin-1"))
    (folder / "bom.md").write_bytes(b"\xef\xbb\xbf# Byte order mark report\n\n" + good_text("BOM").encode())
    (folder / SHELL_NAME).write_text(good_text("shell metacharacters"), encoding="utf-8")
    (folder / UNICODE_NAME).write_text(good_text("unicode names"), encoding="utf-8")
    (folder / SPACES_NAME).write_text(good_text("spaces in names"), encoding="utf-8")
    # a folder that contains a symlink to itself: walked once, never followed
    inner = folder / "sub"
    inner.mkdir()
    (inner / "in-loop.txt").write_text(good_text("symlink loops"), encoding="utf-8")
    os.symlink(inner, inner / "loop")
    os.symlink(folder, inner / "up")
    # a second name for a file already in the folder: indexed once
    os.symlink(folder / SPACES_NAME, folder / "zz-alias.txt")


@pytest.fixture(scope="module")
def run(make_index):
    built = make_index("robust-files", source=None, files={
        PRESS: (SAMPLE_DIR / PRESS).read_text(encoding="utf-8"), "other.md": good_text("exploitation")})
    assert not built.report.failed and built.report.count("added") == 2
    store, others, data_dir = built.store, built.corpus, built.data_dir
    before = chunk_ids(store)
    folder = others.parent / "inputs"
    make_inputs(folder)
    report = ingest(store, [others, folder], IngestOptions(max_file_mb=LIMIT_MB), lock_dir=data_dir)
    return store, report, {o.source: o for o in report.outcomes}, before, folder


def test_every_input_has_exactly_one_outcome(run):
    _, report, outcomes, _, _ = run
    assert len(outcomes) == len(report.outcomes), [o.source for o in report.outcomes]
    assert set(outcomes) == set(FAILING) | set(ADDED) | {PRESS, "other.md"}
    assert "zz-alias.txt" not in outcomes  # the same file under a second name is indexed once


@pytest.mark.parametrize("name", sorted(FAILING))
def test_bad_input_fails_with_its_reason(run, name):
    _, _, outcomes, _, _ = run
    outcome = outcomes[name]
    assert outcome.status == "failed" and outcome.chunks == 0
    for words in FAILING[name]:
        assert words in outcome.reason, outcome.reason
    assert ":" in outcome.reason  # the reason says what to do, not just what went wrong


@pytest.mark.parametrize("name", ADDED)
def test_good_input_is_ingested(run, name):
    store, _, outcomes, _, _ = run
    assert outcomes[name].status == "added", outcomes[name].reason
    docs = {d.source: d for d in store.list_documents()}
    assert docs[name].chunks == outcomes[name].chunks > 0
    stored = store.chunks.get(where={"source": name}, include=["metadatas"])["metadatas"]
    assert len(stored) == outcomes[name].chunks and all(m["path"] == docs[name].path for m in stored)


def test_documents_already_indexed_keep_the_same_chunk_ids(run):
    store, _, outcomes, before, _ = run
    assert outcomes[PRESS].status == outcomes["other.md"].status == "skipped"
    after = chunk_ids(store)
    assert {d: after[d] for d in before} == before
    assert store.get_state()["ingest_in_progress"] is False


def test_nothing_from_failed_files_is_in_the_index(run):
    store, _, _, _, _ = run
    sources = {m["source"] for m in store.chunks.get(include=["metadatas"])["metadatas"]}
    assert sources.isdisjoint(FAILING)
    assert {d.source for d in store.list_documents()}.isdisjoint(FAILING)


def test_latin_1_text_is_decoded(run):
    store, _, outcomes, _, _ = run
    text = " ".join(store.chunks.get(where={"source": "latin-1.txt"}, include=["documents"])["documents"])
    assert "noté des progrès" in text and "Straße ±½" in text and "Ã" not in text
    doc = next(d for d in store.list_documents() if d.source == "latin-1.txt")
    assert "comité" in doc.title


def test_markdown_with_a_bom_has_a_clean_title(run):
    store, _, _, _, _ = run
    doc = next(d for d in store.list_documents() if d.source == "bom.md")
    assert doc.title == "Byte order mark report"
    texts = store.chunks.get(where={"source": "bom.md"}, include=["documents"])["documents"]
    assert not any("\ufeff" in t or "ï»¿" in t for t in texts)


def test_symlink_loop_folder_is_walked_once(run):
    store, _, outcomes, _, folder = run
    assert outcomes["in-loop.txt"].path == str(folder / "sub" / "in-loop.txt")
    assert sum(1 for d in store.list_documents() if d.source == "in-loop.txt") == 1
    # the loop itself, passed as the folder to ingest, is not followed either: the one file, already indexed
    # (document identity is the resolved path, so it is recognised as the same document)
    report = ingest(store, [folder / "sub" / "loop"], IngestOptions(), lock_dir=folder.parent / "index")
    assert [(o.source, o.status) for o in report.outcomes] == [("in-loop.txt", "skipped")]


# --- loader-level checks -------------------------------------------------------------------------------------


def test_oversized_file_is_refused_from_stat_without_reading_it(tmp_path, monkeypatch):
    big = sparse_file(tmp_path / "big.txt", 60_000_000)
    real_open = Path.open

    def guarded_open(self, *args, **kwargs):
        assert self != big, "the loader opened a file it should have refused from its size"
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", guarded_open)
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail("read_bytes called"))
    tracemalloc.start()
    try:
        with pytest.raises(IngestError, match=r"file too large \(60\.0 MB > 50 MB limit\)"):
            load_file(big, 50_000_000)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 5_000_000


def test_size_limit_boundary(tmp_path):
    at_limit = tmp_path / "at.txt"
    at_limit.write_bytes(b"Inspectors found it. " * 50)  # 1,050 bytes
    assert load_file(at_limit, 1050).size_bytes == 1050
    with pytest.raises(IngestError, match="too large"):
        load_file(at_limit, 1049)


def test_file_that_grows_after_stat_is_still_capped(tmp_path, monkeypatch):
    """The size check uses stat(); the read itself never takes more than the limit."""
    path = tmp_path / "growing.txt"
    path.write_bytes(b"Inspectors found it. " * 1000)  # 21,000 bytes
    real_stat = Path.stat

    def small_stat(self, *args, **kwargs):
        result = real_stat(self, *args, **kwargs)
        if self == path:
            fields = list(result)
            fields[6] = 100  # st_size as it was a moment ago
            return os.stat_result(fields)
        return result

    monkeypatch.setattr(Path, "stat", small_stat)
    with pytest.raises(IngestError, match=r"file too large .* > 0\.001 MB limit"):
        load_file(path, 1000)


def test_stray_byte_offset_points_at_the_byte(tmp_path):
    data = ("“Quoted” text, naïve café. " * 10).encode() + b"\x92 tail"
    path = tmp_path / "stray.txt"
    path.write_bytes(data)
    with pytest.raises(IngestError) as excinfo:
        load_file(path, 10_000)
    offset = data.index(b"\x92")
    assert f"offset {offset} (0x92)" in excinfo.value.reason


# --- upload names --------------------------------------------------------------------------------------------

HOSTILE_NAMES = [
    "../../../etc/cron.d/evil.txt",
    "..\\..\\..\\Windows\\win.ini.txt",
    "....//....//etc/passwd.md",
    "/etc/passwd.txt",
    "%2e%2e%2f%2e%2e%2fescape.txt",
    "..%c0%af..%c0%afescape.md",
    "report.txt\x00.pdf",
    "\u202egnp.txt",  # right-to-left override
    "~/.bashrc.txt",
    "$(rm -rf x); `a`; &|.txt",
    "rapport é 中文.pdf",
    "   .txt",
    "-rf --no-preserve-root.md",
    "CON.txt",
    "a" * 400 + "/../../b.txt",
]


@pytest.mark.parametrize("raw", HOSTILE_NAMES)
def test_upload_names_are_reduced_to_a_safe_base_name(raw):
    safe = sanitize_filename(raw)
    assert safe and len(safe) <= 100
    assert all(ch.isascii() and (ch.isalnum() or ch in "._- ") for ch in safe), safe
    assert "/" not in safe and "\\" not in safe and ".." not in safe and "\x00" not in safe
    assert not safe.startswith((".", "-", " ")) and not safe.endswith((".", " "))
    assert Path(safe).name == safe


def test_specific_upload_names():
    assert sanitize_filename("../../../etc/cron.d/evil.txt") == "evil.txt"
    assert sanitize_filename("..\\..\\..\\Windows\\win.ini.txt") == "win.ini.txt"
    assert sanitize_filename("report.txt\x00.pdf") == "report.txt.pdf"  # the real suffix is .pdf
    assert sanitize_filename("$(rm -rf x); `a`; &|.txt") == "rm -rf x__ _a.txt"
    assert sanitize_filename("rapport é 中文.pdf") == "rapport.pdf"


@pytest.mark.parametrize("raw", [".txt", "   .txt", "..txt"])
def test_suffix_only_upload_name_keeps_its_suffix(raw):
    assert sanitize_filename(raw) == "upload.txt"


def test_hostile_upload_names_land_inside_the_uploads_folder(tmp_path):
    from assistant.config import Settings

    settings = Settings.from_env(data_dir=tmp_path / "index")
    store = settings.open_store()
    files = [(name, f"{name!r}: inspectors found upload number {i} in good order.\n".encode())
             for i, name in enumerate(HOSTILE_NAMES)]
    results = process_uploads(files, settings, store)
    folder = uploads_dir(settings).resolve()
    saved = sorted(folder.iterdir())
    for result in results:
        suffix = Path(sanitize_filename(result.name)).suffix
        if suffix not in UPLOAD_SUFFIXES:
            assert result.status == "rejected" and "unsupported file type" in result.reason
        elif suffix == ".pdf":  # text content under a .pdf name: refused, and the saved file removed again
            assert result.status == "failed" and "not a PDF" in result.reason, result
            assert not (folder / result.saved_as).exists()
        else:
            assert result.ok, (result.name, result.reason)
            assert (folder / result.saved_as).resolve().parent == folder
    assert len(saved) == sum(r.ok for r in results) == len(store.list_documents())
    assert all(p.resolve().parent == folder for p in saved)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index"]  # nothing written outside the data dir
