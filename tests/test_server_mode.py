"""Against a real Chroma server (`chroma run`): same answers as the embedded index, BM25 built from the server's
collection, a clear one-line error when the server is down, and recovery when it comes back."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant import Assistant, Settings
from vectorstore import StoreUnavailable

pytestmark = [pytest.mark.server, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DIR = ROOT / "data" / "sample"
BIN = Path(sys.executable).parent
CHROMA = BIN / "chroma"
QUESTION = "what did inspectors say about MACE meetings?"


def _chroma_unavailable_reason() -> str:
    if not CHROMA.exists():
        return f"no Chroma server binary at {CHROMA} (it comes with the chromadb package)"
    try:
        subprocess.run([str(CHROMA), "run", "--help"], capture_output=True, timeout=60, check=True)
    except (OSError, subprocess.SubprocessError) as exc:
        return f"'{CHROMA} run --help' does not work here: {exc}"
    return ""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ChromaServer:
    """`chroma run` in a subprocess, on a fixed path and port (so it can be stopped and started again)."""

    def __init__(self, path: Path, port: int, log: Path):
        self.path, self.port, self.log = path, port, log
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 90.0) -> None:
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [str(CHROMA), "run", "--path", str(self.path), "--host", "127.0.0.1", "--port", str(self.port)],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"chroma run exited with {self.proc.returncode}: {self.log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/v2/heartbeat", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"chroma run did not answer its heartbeat within {timeout:.0f} s")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=15)


def _cli() -> list[str]:
    script = BIN / "inspection-assistant"
    return [str(script)] if script.exists() else [sys.executable, "-m", "assistant.cli"]


def _run(args: list[str], env: dict[str, str], timeout: float = 900) -> subprocess.CompletedProcess[str]:
    return subprocess.run(_cli() + args, env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def _env(server: ChromaServer | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("CHROMA_HOST", "CHROMA_PORT")}
    env.pop("INSPECTION_ASSISTANT_DATA_DIR", None)
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    if server is not None:
        env.update(CHROMA_HOST="127.0.0.1", CHROMA_PORT=str(server.port))
    return env


def _citations(answer: dict) -> list[tuple[str, str, str]]:
    return [(c["source"], c["paragraph"], c["quote"]) for c in answer["citations"]]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChromaServer]:
    reason = _chroma_unavailable_reason()
    if reason:
        pytest.skip(reason)
    root = tmp_path_factory.mktemp("chroma-server")
    srv = ChromaServer(root / "db", _free_port(), root / "chroma.log")
    try:
        srv.start()
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope="module")
def server_index(server: ChromaServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """data/sample ingested into the server through the CLI; the data dir holds only the local caches."""
    data_dir = tmp_path_factory.mktemp("server-data")
    done = _run(["ingest", str(SAMPLE_DIR), "--data-dir", str(data_dir)], _env(server))
    assert done.returncode == 0, done.stderr[-3000:]
    assert not (data_dir / "chroma").exists(), "server mode must not create a local Chroma database"
    return data_dir


@pytest.fixture(scope="module")
def embedded_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("embedded-data")
    done = _run(["ingest", str(SAMPLE_DIR), "--data-dir", str(data_dir)], _env(None))
    assert done.returncode == 0, done.stderr[-3000:]
    return data_dir


def test_server_mode_answers_like_the_embedded_index(server: ChromaServer, server_index: Path,
                                                      embedded_index: Path) -> None:
    via_server = _run(["ask", QUESTION, "--json", "--data-dir", str(server_index)], _env(server))
    assert via_server.returncode == 0, via_server.stderr[-3000:]
    local = _run(["ask", QUESTION, "--json", "--data-dir", str(embedded_index)], _env(None))
    assert local.returncode == 0, local.stderr[-3000:]
    a, b = json.loads(via_server.stdout), json.loads(local.stdout)

    assert not a["abstained"] and "MACE" in a["answer"]
    assert a["answer"] == b["answer"]
    assert _citations(a) == _citations(b)
    assert all(quote for _, _, quote in _citations(a))
    assert any("MACE" in c["quote"] and c["source"] == "southend-jtai-inspection-letter-2018-05-09.txt"
               for c in a["citations"]), _citations(a)

    # The keyword side ran against the server's collection (and was cached locally for this index version).
    assert any("bm25" in p["scores"] for p in a["passages"]), "no passage has a BM25 score in server mode"
    assert a["timings_ms"]["bm25"] > 0
    assert list((server_index / "cache" / "server").glob("bm25-*/index.json"))


def test_server_down_is_one_clear_line_and_the_same_assistant_recovers(server: ChromaServer,
                                                                        server_index: Path) -> None:
    settings = Settings.from_env(data_dir=server_index, chroma_host="127.0.0.1", chroma_port=server.port)
    assistant = Assistant(settings)
    before = assistant.ask(QUESTION)
    assert not before.abstained

    # (the module fixture stops the server in its `finally`, whatever happens here)
    server.stop()

    down = _run(["ask", QUESTION, "--json", "--data-dir", str(server_index)], _env(server), timeout=300)
    assert down.returncode != 0
    lines = [line for line in down.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, down.stderr
    assert "cannot reach the Chroma server" in lines[0]
    assert "Traceback" not in down.stderr
    assert down.stdout.strip() == ""

    with pytest.raises(StoreUnavailable, match="cannot reach the Chroma server"):
        assistant.ask(QUESTION)

    corpus = server_index.parent / "more"
    corpus.mkdir(exist_ok=True)
    (corpus / "note.txt").write_text("Southend-on-Sea Borough Council\n\nA short note on MACE meetings.\n",
                                     encoding="utf-8")
    ingest_down = _run(["ingest", str(corpus), "--data-dir", str(server_index)], _env(server), timeout=300)
    assert ingest_down.returncode != 0 and "Traceback" not in ingest_down.stderr
    lines = [line for line in ingest_down.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "cannot reach the Chroma server" in lines[0], ingest_down.stderr

    server.start()  # same path, same port
    after = assistant.ask(QUESTION)
    assert not after.abstained
    assert after.text == before.text
    assert [(c.source, c.paragraph, c.quote) for c in after.citations] == \
        [(c.source, c.paragraph, c.quote) for c in before.citations]
