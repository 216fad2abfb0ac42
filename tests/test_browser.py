"""End to end in a real browser: `streamlit run app.py` + Debian's headless Chromium driven by Playwright.

Never downloads a browser (no `playwright install`): uses /usr/bin/chromium (scripts/ensure_chromium.sh).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
QUESTION = "what did inspectors say about MACE meetings?"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason="/usr/bin/chromium not installed: run scripts/ensure_chromium.sh (apt-get install chromium)"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, server: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"streamlit exited early with code {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.25)
    raise TimeoutError(f"{url} not healthy after {timeout:.0f} s")


@pytest.fixture()
def server(sample_index: Path, tmp_path: Path):
    pytest.importorskip("playwright.sync_api")
    port = free_port()
    env = {**os.environ, "INSPECTION_ASSISTANT_DATA_DIR": str(sample_index), "HF_HUB_OFFLINE": "1",
           "TRANSFORMERS_OFFLINE": "1", "PYTHONUNBUFFERED": "1"}
    env.pop("CHROMA_HOST", None)
    log = (tmp_path / "streamlit.log").open("w")
    cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true",
           "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
           "--server.fileWatcherType", "none"]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_healthy(f"http://127.0.0.1:{port}/_stcore/health", proc, timeout=90)
        healthy = time.perf_counter() - started
        yield {"url": f"http://127.0.0.1:{port}/", "started": started, "healthy": healthy,
               "log": tmp_path / "streamlit.log"}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)
        log.close()


def test_ask_mace_in_chromium(server: dict) -> None:
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1900})
            page.goto(server["url"])
            chat = page.get_by_placeholder("Ask about the inspection documents…")
            # The first page load also loads the model and the index (st.cache_resource).
            expect(chat).to_be_visible(timeout=120_000)
            expect(page.get_by_text("documents ·")).to_be_visible(timeout=60_000)
            ready = time.perf_counter() - server["started"]

            asked = time.perf_counter()
            chat.fill(QUESTION)
            chat.press("Enter")
            answer = page.locator('[data-testid="stChatMessage"]').nth(1)
            expect(answer.get_by_text("Sources")).to_be_visible(timeout=120_000)
            first_answer = time.perf_counter() - asked
            expect(answer).to_contain_text("[1]")

            expander = answer.locator('[data-testid="stExpander"]').first
            expect(expander).to_contain_text("[1]")
            expander.locator("summary").click()
            details = expander.locator('[data-testid="stExpanderDetails"]')
            expect(details).to_be_visible(timeout=10_000)
            quoted = details.locator("strong").first
            expect(quoted).to_be_visible()
            text = quoted.inner_text()
            assert "structure and rigour" in text or "MACE" in text, text
            expect(page.get_by_role("button", name="Conversation (.docx)")).to_be_visible()
            expect(page.locator('[data-testid="stException"]')).to_have_count(0)
            page.wait_for_timeout(500)
            shot = ARTIFACTS / "browser-mace.png"
            page.screenshot(path=str(shot), full_page=True)
        finally:
            browser.close()
    print(f"\nserver healthy after {server['healthy']:.1f} s; time to ready page: {ready:.1f} s (server start + "
          f"first page load, which loads the model and index); time to first answer: {first_answer:.2f} s; "
          f"screenshot: {shot}")
    assert shot.stat().st_size > 0
