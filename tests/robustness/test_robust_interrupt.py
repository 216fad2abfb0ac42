"""Ingest interrupted (SIGKILL / SIGINT) at several points, then re-run; and two ingests of one folder at once.

The end state must equal a clean ingest of the same files: the same chunk ids per document, the same counts,
no duplicates (chunks.count() == unique ids == the registry's chunk total) and no chunk whose (doc_id,
doc_hash) is not the registered version. Chunk ids start with a hash of the file's path, so indexes of the
same files at different paths are compared by (source, id without that prefix).
"""

from __future__ import annotations

import json
import random
import shutil
import signal
import sqlite3
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from robustness_helpers import (
    ILACS,
    PRESS,
    SAMPLE_DIR,
    Snapshot,
    assert_consistent,
    assert_no_traceback,
    assert_same_index,
    cli,
    open_store,
    popen_cli,
    snapshot,
    summary_row,
)

from ingest import IngestOptions, ingest

pytestmark = pytest.mark.slow

SEED = 20241125
RUN_TIMEOUT = 600


@dataclass
class Interruption:
    label: str
    signal: int
    delay: float  # seconds after start when the signal was sent (or would have been)
    returncode: int
    stderr: str
    stdout: str
    state: Snapshot
    signalled: bool  # False when the run had already finished
    incomplete_docs: list[str] = field(default_factory=list)  # registered docs missing committed chunks


def last_chunk_write(db: Path) -> int:
    """Sequence number of the latest chunk upsert in Chroma's write-ahead log (a read-only peek at the SQLite
    file; deletes, e.g. the start-up sweep of orphans, do not count)."""
    if not db.exists():
        return 0
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.05)
        try:
            row = con.execute("SELECT id FROM collections WHERE name = 'inspection_chunks'").fetchone()
            if row is None:
                return 0
            return int(con.execute("SELECT coalesce(max(seq_id), 0) FROM embeddings_queue "
                                   "WHERE topic LIKE ? AND operation != 3", (f"%{row[0]}",)).fetchone()[0])
        finally:
            con.close()
    except sqlite3.Error:  # locked or half-created: try again on the next poll
        return 0


def incomplete_documents(store) -> list[str]:
    """Registered documents whose registered version does not have all its chunks: a commit that went wrong."""
    committed: dict[str, int] = {}
    docs = store.list_documents()
    registered = {d.doc_id: d.content_hash for d in docs}
    for meta in store.chunks.get(include=["metadatas"])["metadatas"]:
        if registered.get(meta["doc_id"]) == meta["doc_hash"]:
            committed[meta["doc_id"]] = committed.get(meta["doc_id"], 0) + 1
    return [d.source for d in docs if committed.get(d.doc_id, 0) != d.chunks]


def interrupt(args: list, sig: int, *, delay: float | None = None, db: Path | None = None) -> tuple:
    """Start the CLI; send ``sig`` after ``delay`` seconds, or as soon as it writes chunks to ``db``."""
    baseline = last_chunk_write(db) if db is not None else 0
    started = time.monotonic()
    process = popen_cli(*args)
    signalled = False
    while process.poll() is None and time.monotonic() - started < RUN_TIMEOUT:
        elapsed = time.monotonic() - started
        if (delay is not None and elapsed >= delay) or (db is not None and last_chunk_write(db) > baseline):
            process.send_signal(sig)
            signalled = True
            break
        time.sleep(0.02)
    sent_at = time.monotonic() - started
    stdout, stderr = process.communicate(timeout=RUN_TIMEOUT)
    # A run that still exits 0 finished before the signal took effect (ingest got faster than the delay).
    return process.returncode, sent_at, stdout, stderr, signalled and process.returncode != 0


@pytest.fixture(scope="module")
def reference(sample_index: Path) -> Snapshot:
    """A clean ingest of data/sample in its own data dir (the session's shared sample index)."""
    return snapshot(open_store(sample_index))


@pytest.fixture(scope="module")
def interrupted(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("interrupted")
    corpus = root / "corpus"
    shutil.copytree(SAMPLE_DIR, corpus)
    data_dir = root / "index"
    args = ["ingest", corpus, "--data-dir", data_dir]
    db = data_dir / "chroma" / "chroma.sqlite3"
    rng = random.Random(SEED)
    runs: list[Interruption] = []

    def record(label: str, sig: int, result: tuple) -> None:
        returncode, sent_at, stdout, stderr, signalled = result
        store = open_store(data_dir)
        runs.append(Interruption(label, sig, sent_at, returncode, stderr, stdout, snapshot(store), signalled,
                                 incomplete_documents(store)))

    # 1. SIGKILL the moment the first chunks reach Chroma: mid-write, before any document is committed.
    record("SIGKILL while writing", signal.SIGKILL, interrupt(args, signal.SIGKILL, db=db))
    typical = max(runs[0].delay, 4.0)  # time to the first write: start-up and embedding
    # 2.-3. SIGKILL and SIGINT at seeded random points in the first half of that (load on the machine varies).
    for sig in (signal.SIGKILL, signal.SIGINT):
        delay = 1.0 + rng.random() * (0.5 * typical - 1.0)
        record(f"{signal.Signals(sig).name} after {delay:.1f} s", sig, interrupt(args, sig, delay=delay))
    # 4. Ctrl+C while Chroma is being written to.
    record("SIGINT while writing", signal.SIGINT, interrupt(args, signal.SIGINT, db=db))
    final = cli(*args, timeout=RUN_TIMEOUT)
    for run in runs:  # shown with -s: where each interruption landed
        print(f"\n{run.label}: sent at {run.delay:.1f} s, exit {run.returncode}, "
              f"{sum(run.state.registry_chunks.values())} committed / {len(run.state.orphans)} orphan chunks")
    return runs, final, snapshot(open_store(data_dir))


def test_interruptions_happened(interrupted) -> None:
    runs, _, _ = interrupted
    assert all(run.signalled for run in runs[:3]), [(r.label, r.delay, r.returncode) for r in runs]
    first = runs[0]
    assert first.returncode == -signal.SIGKILL, (first.returncode, first.stderr[-2000:])
    assert first.state.orphans, "killed mid-write: some uncommitted chunks were on disk"
    assert first.state.registry_chunks == {} and first.state.in_progress
    for run in (r for r in runs if r.signalled):
        expected = -signal.SIGKILL if run.signal == signal.SIGKILL else 130
        assert run.returncode == expected, (run.label, run.returncode, run.stderr[-2000:])


def test_every_interruption_left_only_whole_documents(interrupted) -> None:
    runs, _, _ = interrupted
    for run in runs:
        assert run.incomplete_docs == [], (run.label, run.incomplete_docs)
        assert not run.state.duplicate_ids, run.label
        if run.state.orphans:  # uncommitted leftovers are flagged for the next run's sweep
            assert run.state.in_progress, run.label


def test_sigint_stops_with_one_line_and_no_traceback(interrupted) -> None:
    runs, _, _ = interrupted
    sigints = [r for r in runs if r.signal == signal.SIGINT and r.signalled]
    assert sigints, "at least one Ctrl+C landed while ingest was running"
    for sigint in sigints:
        assert_no_traceback(sigint.stdout, sigint.stderr)
        assert sigint.returncode == 130, (sigint.label, sigint.returncode, sigint.stderr[-2000:])
        # besides the progress lines ingest logs to a pipe ("ingest: 3/5 files, reading …"), one line
        lines = [line for line in sigint.stderr.splitlines() if line.strip() and not line.startswith("ingest: ")]
        assert lines == ["error: interrupted: documents committed so far are kept; run the same command again to "
                         "finish (it cleans up anything half-written)"], sigint.stderr
        assert sigint.stdout == ""


def test_rerun_completes_with_exit_0(interrupted) -> None:
    runs, final, _ = interrupted
    assert final.returncode == 0, final.stderr
    assert_no_traceback(final.stdout, final.stderr)
    row = summary_row(final.stdout)
    assert row["added"] + row["skipped"] == 5 and row["failed"] == 0
    if runs[-1].state.orphans:
        assert f"cleaned up {len(runs[-1].state.orphans)} chunks left by an interrupted ingest" in final.stdout


def test_final_index_equals_a_clean_ingest(interrupted, reference: Snapshot) -> None:
    _, _, final_state = interrupted
    assert_same_index(final_state, reference)


# --- two ingests of one folder at once --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def concurrent(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("concurrent")
    corpus = root / "corpus"
    corpus.mkdir()
    for name in (PRESS, ILACS):
        shutil.copy(SAMPLE_DIR / name, corpus / name)
    data_dir = root / "index"  # fresh: both processes also race to create the Chroma database
    processes = [popen_cli("ingest", corpus, "--data-dir", data_dir) for _ in range(2)]
    results = []
    for process in processes:
        try:
            stdout, stderr = process.communicate(timeout=RUN_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
        results.append((process.returncode, stdout, stderr))
    clean_dir = root / "clean"
    report = ingest(open_store(clean_dir), [corpus], IngestOptions(), lock_dir=clean_dir)
    assert not report.failed
    return results, snapshot(open_store(data_dir)), snapshot(open_store(clean_dir))


def test_both_concurrent_ingests_exit_cleanly(concurrent) -> None:
    results, _, _ = concurrent
    codes = sorted(code for code, _, _ in results)
    assert codes in ([0, 0], [0, 2]), [(c, e[-1500:]) for c, _, e in results]
    for code, stdout, stderr in results:
        assert_no_traceback(stdout, stderr)
        if code == 2:
            lines = [line for line in stderr.splitlines() if line.strip()]
            assert len(lines) == 1 and "another ingest is running on this index (pid " in lines[0], stderr
            assert stdout == ""
        else:
            row = summary_row(stdout)
            assert row["added"] + row["skipped"] == 2 and row["failed"] == 0


def test_concurrent_ingest_equals_a_clean_ingest(concurrent) -> None:
    _, got, clean = concurrent
    assert_consistent(got)
    assert_same_index(got, clean)


# --- killed while replacing an already-indexed file -----------------------------------------------------------


def test_kill_while_updating_a_file_keeps_the_old_version(tmp_path: Path) -> None:
    """The case where data could be lost: the new version's chunks are being written when the process dies.
    The old version must still be the registered, complete one (and answer questions); a re-run replaces it."""
    data_dir = tmp_path / "index"
    corpus = tmp_path / "corpus"
    shutil.copytree(SAMPLE_DIR, corpus)
    assert cli("ingest", corpus, "--data-dir", data_dir, timeout=RUN_TIMEOUT).returncode == 0
    store = open_store(data_dir)
    doc = next(d for d in store.list_documents() if d.source == PRESS)
    question = ["ask", "what did the joint inspection find about the team around a teen?", "--data-dir", data_dir,
                "--source", PRESS, "--json"]
    before = cli(*question, timeout=RUN_TIMEOUT)
    assert before.returncode == 0 and not json.loads(before.stdout)["abstained"], before.stdout[:500]
    with (corpus / PRESS).open("a", encoding="utf-8") as handle:
        handle.write("\nA further update on the action plan will be published in the spring.\n")

    db = data_dir / "chroma" / "chroma.sqlite3"
    returncode, _, _, stderr, signalled = interrupt(["ingest", corpus, "--data-dir", data_dir], signal.SIGKILL, db=db)
    assert signalled and returncode == -signal.SIGKILL, (returncode, stderr[-1500:])
    store = open_store(data_dir)
    assert incomplete_documents(store) == []  # whichever version is registered has all its chunks
    registered = store.get_document(doc.doc_id)
    if registered.content_hash == doc.content_hash:  # the usual case: killed before the new version's commit
        old = store.chunks.get(where={"$and": [{"doc_id": doc.doc_id}, {"doc_hash": doc.content_hash}]},
                               include=[])
        assert len(old["ids"]) == doc.chunks

    asked = cli(*question, timeout=RUN_TIMEOUT)
    assert asked.returncode == 0, asked.stderr
    if registered.content_hash == doc.content_hash:  # the old version answers exactly as before the kill
        assert json.loads(asked.stdout)["answer"] == json.loads(before.stdout)["answer"]
    assert not json.loads(asked.stdout)["abstained"]

    assert cli("ingest", corpus, "--data-dir", data_dir, timeout=RUN_TIMEOUT).returncode == 0
    store = open_store(data_dir)
    new = store.get_document(doc.doc_id)
    assert new.content_hash != doc.content_hash and incomplete_documents(store) == []
    assert not store.chunks.get(where={"doc_hash": doc.content_hash}, include=[])["ids"]  # old version gone
