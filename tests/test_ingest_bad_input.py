"""Bad input is refused per file, with a reason a person can act on, and never disturbs the rest of the index."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from bad_files import (
    PRESS,
    SAMPLE_DIR,
    SMALL_PDF,
    chunk_ids,
    encrypted_pdf,
    garbage_pdf,
    image_only_pdf,
    truncated_pdf,
)

from ingest import IngestBusy, IngestError, IngestOptions, ingest
from ingest.loaders import discover, load_file
from ingest.pipeline import ingest_lock

pytestmark = pytest.mark.slow

GOOD_TEXT = (
    "Report to Cabinet\n\n"
    "1. Purpose of Report\n\n"
    "1.1 To update Cabinet on the partnership action plan for children at risk of exploitation.\n\n"
    "2. Recommendations\n\n"
    "2.1 That Cabinet notes the progress made since the inspection.\n"
)


# --- one index, one ingest of a folder full of bad files ------------------------------------------------------------

BAD_CASES = {
    # file name: words the reason must contain (any of them)
    "garbage.pdf": ("corrupt", "not a PDF"),
    "truncated.pdf": ("corrupt",),
    "encrypted.pdf": ("encrypted",),
    "scanned.pdf": ("no extractable text", "scanned"),
    "empty.txt": ("empty",),
    "report.docx": ("not a Word document",),
    "undecodable.txt": ("undecodable",),
    "nul.txt": ("NUL",),
    "broken-sidecar.txt": ("JSON",),
    "no-such-folder": ("path not found",),
}
GOOD_CASES = ("encrypted-empty-password.pdf", "cp1252.txt", "bom.txt", "good.txt")


@pytest.fixture(scope="module")
def bad_run(make_index):
    built = make_index("bad-input", source=None, files={
        PRESS: (SAMPLE_DIR / PRESS).read_text(encoding="utf-8"), "later-broken.txt": GOOD_TEXT})
    assert not built.report.failed, built.report.failed
    store, indexed, data_dir = built.store, built.corpus, built.data_dir
    root = indexed.parent
    before = chunk_ids(store)

    bad = root / "bad"
    bad.mkdir()
    garbage_pdf(bad / "garbage.pdf")
    truncated_pdf(bad / "truncated.pdf")
    encrypted_pdf(bad / "encrypted.pdf", "secret")
    encrypted_pdf(bad / "encrypted-empty-password.pdf", "")
    image_only_pdf(bad / "scanned.pdf", pages=2)
    (bad / "empty.txt").write_bytes(b"")
    (bad / "report.docx").write_bytes(b"PK\x03\x04 pretend this is a Word file" * 10)
    (bad / "undecodable.txt").write_bytes(b"\x81\x8d\x8f\x90\x9d" * 40)
    (bad / "nul.txt").write_bytes(b"Some text\x00\x00\x00 with NUL bytes in it.\n" * 5)
    (bad / "broken-sidecar.txt").write_text(GOOD_TEXT, encoding="utf-8")
    (bad / "broken-sidecar.txt.meta.json").write_text("{not json", encoding="utf-8")
    (bad / "cp1252.txt").write_bytes(
        "Minutes of the caf\u00e9 meeting\n\nThe partnership met at the caf\u00e9 to review the \u201caction plan\u201d. "
        "Progress is good.\n".encode("cp1252"))
    (bad / "bom.txt").write_bytes(b"\xef\xbb\xbf" + GOOD_TEXT.replace("Cabinet", "the Committee").encode("utf-8"))
    (bad / "good.txt").write_text(GOOD_TEXT.replace("exploitation", "exploitation and going missing"),
                                  encoding="utf-8")
    # an already indexed file that is now broken
    (indexed / "later-broken.txt").write_bytes(b"\x00\x01\x02 binary now")

    report = ingest(store, [indexed, bad, root / "no-such-folder"], IngestOptions(), lock_dir=data_dir)
    outcomes = {o.source: o for o in report.outcomes}
    return store, report, outcomes, before, root


def test_every_file_has_one_outcome(bad_run):
    _, report, outcomes, _, _ = bad_run
    assert len(outcomes) == len(report.outcomes)
    assert set(outcomes) == set(BAD_CASES) | set(GOOD_CASES) | {PRESS, "later-broken.txt"}
    assert not any(name.endswith(".meta.json") for name in outcomes)  # sidecars are not documents


@pytest.mark.parametrize("name", sorted(BAD_CASES))
def test_bad_file_fails_with_a_reason(bad_run, name):
    _, _, outcomes, _, _ = bad_run
    outcome = outcomes[name]
    assert outcome.status == "failed"
    assert outcome.chunks == 0
    assert any(word.lower() in outcome.reason.lower() for word in BAD_CASES[name]), outcome.reason
    assert ":" in outcome.reason or len(outcome.reason) > 20  # says what to do, not just a code


@pytest.mark.parametrize("name", GOOD_CASES)
def test_other_files_are_still_ingested(bad_run, name):
    store, _, outcomes, _, _ = bad_run
    outcome = outcomes[name]
    assert outcome.status == "added", outcome.reason
    assert outcome.chunks > 0
    docs = {d.source: d for d in store.list_documents()}
    assert docs[name].chunks == outcome.chunks


def test_malformed_sidecar_reason_names_the_sidecar(bad_run):
    _, _, outcomes, _, _ = bad_run
    assert "broken-sidecar.txt.meta.json" in outcomes["broken-sidecar.txt"].reason


def test_nothing_is_indexed_for_failed_files(bad_run):
    store, _, _, _, _ = bad_run
    indexed = {d.source for d in store.list_documents()}
    assert indexed.isdisjoint(set(BAD_CASES))
    sources = {m["source"] for m in store.chunks.get(include=["metadatas"])["metadatas"]}
    assert sources.isdisjoint(set(BAD_CASES))


def test_already_indexed_documents_are_unchanged(bad_run):
    store, report, outcomes, before, _ = bad_run
    assert outcomes[PRESS].status == "skipped"
    # a file that broke after it was indexed fails, and its last good version stays searchable
    assert outcomes["later-broken.txt"].status == "failed"
    assert "NUL" in outcomes["later-broken.txt"].reason
    after = chunk_ids(store)
    for doc_id, ids in before.items():
        assert after[doc_id] == ids
    assert store.get_state()["ingest_in_progress"] is False
    assert report.outcomes[0].status == "failed"  # failures are listed first


def test_windows_1252_text_is_decoded(bad_run):
    store, _, _, _, _ = bad_run
    texts = store.chunks.get(where={"source": "cp1252.txt"}, include=["documents"])["documents"]
    joined = " ".join(texts)
    assert "caf\u00e9" in joined and "\u201caction plan\u201d" in joined


def test_utf8_bom_is_dropped(bad_run):
    store, _, _, _, _ = bad_run
    doc = next(d for d in store.list_documents() if d.source == "bom.txt")
    assert not doc.title.startswith("\ufeff")
    texts = store.chunks.get(where={"source": "bom.txt"}, include=["documents"])["documents"]
    assert texts and not any("\ufeff" in t for t in texts)


def test_pdf_with_empty_user_password_keeps_its_pages(bad_run):
    store, _, _, _, _ = bad_run
    doc = next(d for d in store.list_documents() if d.source == "encrypted-empty-password.pdf")
    assert doc.pages == 4
    chunks = store.chunks.get(where={"source": "encrypted-empty-password.pdf"}, include=["documents", "metadatas"])
    assert any("29 areas for improvement" in t for t in chunks["documents"])
    assert all(m["page"] >= 1 for m in chunks["metadatas"])


def test_file_over_the_size_limit(bad_run):
    store, _, _, before, root = bad_run
    folder = root / "size"
    folder.mkdir()
    big = folder / "big.txt"
    big.write_text(GOOD_TEXT * 20, encoding="utf-8")  # ~4 KB
    small = folder / "small.txt"
    small.write_text(GOOD_TEXT.replace("Cabinet", "Council"), encoding="utf-8")  # < 1 KB
    assert small.stat().st_size < 1000 < big.stat().st_size
    report = ingest(store, [folder], IngestOptions(max_file_mb=0.001), lock_dir=root / "index")
    outcomes = {o.source: o for o in report.outcomes}
    assert outcomes["big.txt"].status == "failed"
    assert "too large" in outcomes["big.txt"].reason
    assert outcomes["small.txt"].status == "added"
    after = chunk_ids(store)
    assert all(after[doc_id] == ids for doc_id, ids in before.items())


def test_concurrent_ingest_is_refused(bad_run):
    store, _, _, before, root = bad_run
    data_dir = root / "index"
    with ingest_lock(data_dir), pytest.raises(IngestBusy, match="another ingest is running"):
        ingest(store, [root / "corpus"], IngestOptions(), lock_dir=data_dir)
    assert store.get_state()["ingest_in_progress"] is False  # the refused run touched nothing
    # once the lock is released, ingest works again
    report = ingest(store, [root / "bad" / "good.txt"], IngestOptions(), lock_dir=data_dir)
    assert [o.status for o in report.outcomes] == ["skipped"]
    after = chunk_ids(store)
    assert all(after[doc_id] == ids for doc_id, ids in before.items())


def test_lock_message_names_the_holder(tmp_path):
    with ingest_lock(tmp_path), pytest.raises(IngestBusy) as excinfo, ingest_lock(tmp_path):
        pass
    assert "pid " in str(excinfo.value)


# --- reasons straight from the loader (no index) -----------------------------------------------------------------


def test_loader_reasons(tmp_path):
    cases = {
        garbage_pdf(tmp_path / "x.pdf"): "not a PDF",
        truncated_pdf(tmp_path / "cut.pdf"): "corrupt PDF",
        encrypted_pdf(tmp_path / "locked.pdf", "secret"): "encrypted PDF",
        encrypted_pdf(tmp_path / "locked-aes.pdf", "secret", algorithm="AES-256"): "encrypted PDF",
        image_only_pdf(tmp_path / "scan.pdf"): "no extractable text",
        tmp_path / "missing.txt": "file not found",
    }
    for path, reason in cases.items():
        with pytest.raises(IngestError) as excinfo:
            load_file(path, 50_000_000)
        assert reason in excinfo.value.reason, (path.name, excinfo.value.reason)
        assert excinfo.value.path == str(path)


@pytest.mark.parametrize("algorithm", ["AES-128", "AES-256"])
def test_aes_pdf_with_an_empty_password_is_read(tmp_path, algorithm):
    source = load_file(encrypted_pdf(tmp_path / "aes.pdf", "", algorithm=algorithm), 50_000_000)
    plain = load_file(SMALL_PDF, 50_000_000)
    assert source.pages == plain.pages


def test_reasons_are_one_line_and_say_what_to_do(tmp_path):
    folder = tmp_path / "odd\nname"
    folder.mkdir()
    cases = [folder / "binary.txt", folder / "link.txt", folder / "nothing.txt", folder / "locked.txt"]
    cases[0].write_bytes(b"header\x00\x00\x00 binary body" * 4)
    cases[1].symlink_to(folder / "gone.txt")
    cases[2].write_bytes(b"")
    cases[3].write_text("private notes", encoding="utf-8")
    cases[3].chmod(0)
    errors = list(discover([folder])[1])  # the broken link is reported by the folder walk
    assert [Path(e.path).name for e in errors] == ["link.txt"]
    for path in cases:
        if path.name == "link.txt" or (path.name == "locked.txt" and os.access(path, os.R_OK)):
            continue  # root reads a 0-permission file
        with pytest.raises(IngestError) as excinfo:
            load_file(path, 50_000_000)
        errors.append(excinfo.value)
    for error in errors:
        assert "\n" not in str(error) and "odd\\nname" in str(error), str(error)
        assert re.search(r": .*\b(check|fix|remove|export|convert|nothing to index)\b", error.reason), error.reason


def test_loader_notes_the_fallback_encoding(tmp_path):
    path = tmp_path / "old.txt"
    path.write_bytes("Caf\u00e9 notes.".encode("cp1252"))
    source = load_file(path, 1000)
    assert source.pages == ["Caf\u00e9 notes."]
    assert any("1252" in note for note in source.notes)
    utf16 = tmp_path / "utf16.txt"
    utf16.write_bytes("Caf\u00e9 notes.".encode("utf-16"))
    assert load_file(utf16, 1000).pages == ["Caf\u00e9 notes."]


def test_size_limit_reason_states_the_real_limit(tmp_path):
    path = tmp_path / "big.txt"
    path.write_bytes(b"word " * 120_000)  # 0.6 MB
    with pytest.raises(IngestError) as excinfo:
        load_file(path, int(0.5 * 1_000_000))
    assert "too large" in excinfo.value.reason
    assert "0.5 MB" in excinfo.value.reason
