"""Shared helpers for the robustness suite: CLI runner, index snapshots (and the bad-file makers of bad_files).

Not a test module (no ``test_`` prefix); the suite's modules import it by name (pytest's default "prepend"
import mode puts this folder on ``sys.path``).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from bad_files import (  # noqa: F401 - re-exported: the suite imports everything from here
    PRESS,
    ROOT,
    SAMPLE_DIR,
    SAMPLE_PDF_DIR,
    SMALL_PDF,
    blank_pdf,
    chunk_ids,
    encrypted_pdf,
    image_only_pdf,
    open_store,
    sparse_file,
    truncated_pdf,
)
from conftest import summary_row  # noqa: F401 - re-exported

SCRIPT = ROOT / ".venv" / "bin" / "inspection-assistant"
ILACS = "southend-cabinet-report-ilacs-2019-09-17.txt"

GOOD_TEXT = (
    "Report to the People Scrutiny Committee\n\n"
    "1. Purpose of Report\n\n"
    "1.1 To update the committee on the {topic} action plan agreed after the inspection.\n\n"
    "2. Recommendations\n\n"
    "2.1 That the committee notes the progress made on the {topic} plan since the inspection.\n"
)

# One tiny finding per file: cheap to embed (the 1,000-file test).
TINY_TEXT = "Inspectors found that team {i} reviewed plan {i} with partner agencies every month.\n"


def good_text(topic: str) -> str:
    return GOOD_TEXT.format(topic=topic)


# --- index snapshots ------------------------------------------------------------------------------------------------


@dataclass
class Snapshot:
    """What an index holds, independent of where its files live (chunk ids start with a path hash)."""

    by_source: dict[str, tuple[str, ...]]  # source -> sorted chunk ids without the doc_id prefix
    registry_chunks: dict[str, int]  # source -> chunk count recorded in the registry
    total_chunks: int  # store.chunks.count()
    unique_ids: int
    duplicate_ids: list[str]
    orphans: list[str]  # chunk ids whose (doc_id, doc_hash) is not the registered version
    sentences: int
    sentence_orphans: int
    in_progress: bool


def snapshot(store) -> Snapshot:
    docs = store.list_documents()
    registered = {d.doc_id: d.content_hash for d in docs}
    got = store.chunks.get(include=["metadatas"])
    counts = Counter(got["ids"])
    by_source: dict[str, list[str]] = {}
    orphans = []
    for chunk_id, meta in zip(got["ids"], got["metadatas"]):
        if registered.get(meta["doc_id"]) != meta["doc_hash"]:
            orphans.append(chunk_id)
        by_source.setdefault(meta["source"], []).append(chunk_id.split("-", 1)[1])
    sentences = store.sentences.get(include=["metadatas"])
    sentence_orphans = sum(1 for m in sentences["metadatas"] if registered.get(m["doc_id"]) != m["doc_hash"])
    return Snapshot(
        by_source={s: tuple(sorted(ids)) for s, ids in by_source.items()},
        registry_chunks={d.source: d.chunks for d in docs},
        total_chunks=store.count_chunks(),
        unique_ids=len(counts),
        duplicate_ids=[i for i, n in counts.items() if n > 1],
        orphans=orphans,
        sentences=store.count_sentences(),
        sentence_orphans=sentence_orphans,
        in_progress=bool(store.get_state().get("ingest_in_progress")),
    )


def assert_consistent(snap: Snapshot) -> None:
    """No duplicates, no orphans, and the registry agrees with the chunks collection."""
    assert not snap.duplicate_ids, snap.duplicate_ids[:5]
    assert not snap.orphans, f"{len(snap.orphans)} orphan chunks, e.g. {snap.orphans[:3]}"
    assert snap.sentence_orphans == 0
    assert snap.total_chunks == snap.unique_ids == sum(snap.registry_chunks.values())
    assert {s: len(ids) for s, ids in snap.by_source.items()} == snap.registry_chunks
    assert not snap.in_progress


def assert_same_index(got: Snapshot, reference: Snapshot) -> None:
    assert_consistent(got)
    assert got.registry_chunks == reference.registry_chunks
    assert got.by_source == reference.by_source
    assert got.sentences == reference.sentences


# --- the command line -----------------------------------------------------------------------------------------------


def cli_command() -> list[str]:
    return [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "assistant.cli"]


def cli_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INSPECTION_ASSISTANT_", "CHROMA_"))}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", COLUMNS="200", PYTHONIOENCODING="utf-8")
    return env


def cli(*args: str | Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*cli_command(), *map(str, args)], capture_output=True, text=True, encoding="utf-8",
                          env=cli_env(), cwd=ROOT, timeout=timeout)


def popen_cli(*args: str | Path) -> subprocess.Popen[str]:
    return subprocess.Popen([*cli_command(), *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, encoding="utf-8", env=cli_env(), cwd=ROOT)


def assert_no_traceback(*streams: str) -> None:
    for text in streams:
        assert "Traceback (most recent call last)" not in text, text[-3000:]
        assert not re.search(r"^\w+(Error|Exception): ", text, re.M), text[-3000:]


def failed_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("failed ")]
