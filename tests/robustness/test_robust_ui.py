"""The Streamlit UI (streamlit.testing.v1.AppTest, driven as in tests/test_app.py) with hostile uploads: a
document full of HTML, a Markdown link and LaTeX is shown literally, and an upload that fails half-way through
the ingest leaves no file behind, shows one line, and (should) leave nothing half-indexed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from robustness_helpers import ROOT, open_store, snapshot
from streamlit.testing.v1 import AppTest

pytestmark = pytest.mark.slow

APP = str(ROOT / "app.py")
ZEPHYR = "What did inspectors say about the Zephyr panel decisions?"

HOSTILE_TXT = """Rutland County Council [draft] review of $costs$ & <i>risk</i>
Children's Services Scrutiny Committee
Report date: 12 March 2022

Areas for improvement

1. Inspectors found that the Zephyr panel <script>alert(1)</script> did not record its decisions <img src=x onerror=alert(1)> and [the minutes][1] at <http://evil.example/auto> were missing.

2. Inspectors found that the Zephyr panel decisions scored $x^2$ and $$\\int_0^1 f(x)\\,dx$$ on the audit scale, :red[urgent] ~~struck~~ `code`.
"""
LITERALS = ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "[the minutes][1]", "<http://evil.example/auto>",
            "$x^2$", "$$\\int_0^1 f(x)\\,dx$$", ":red[urgent]", "~~struck~~", "`code`")


def plain(text: str) -> str:
    """Undo Markdown backslash escapes."""
    return re.sub(r"\\(.)", r"\1", text)


def unescaped(text: str) -> str:
    """The characters Markdown would act on: everything not preceded by a backslash."""
    return re.sub(r"\\.", "", text)


def run_app(monkeypatch: pytest.MonkeyPatch, data_dir: Path) -> AppTest:
    """Note: the app reads its data dir from the environment on every run, so ``monkeypatch`` must stay active
    for as long as ``at`` is used (otherwise it silently falls back to data/index)."""
    monkeypatch.setenv("INSPECTION_ASSISTANT_DATA_DIR", str(data_dir))
    monkeypatch.delenv("CHROMA_HOST", raising=False)
    at = AppTest.from_file(APP, default_timeout=120).run()
    assert not at.exception, at.exception
    return at


def upload(at: AppTest, files: list[tuple[str, bytes, str]]) -> AppTest:
    at.sidebar.file_uploader(key="ia_uploader").set_value(files)
    at.sidebar.get("form_submit_button")[0].click().run()
    return at


def all_markdown(node) -> list:
    return list(node.markdown) + [m for e in node.expander for m in e.markdown]


def test_uploaded_html_markdown_and_latex_are_displayed_literally(monkeypatch, tmp_path: Path) -> None:
    at = run_app(monkeypatch, tmp_path / "index")
    upload(at, [("hostile <script>.txt", HOSTILE_TXT.encode(), "text/plain")])
    assert not at.exception, at.exception
    assert [plain(s.value) for s in at.sidebar.success][0].startswith("hostile _script.txt: indexed (")
    at.chat_input(key="ia_question").set_value(ZEPHYR).run()
    assert not at.exception, at.exception

    passages = [m.value for e in at.main.expander for m in e.markdown]
    shown = plain(" ".join(passages))
    for literal in LITERALS:
        assert literal in shown, (literal, shown[:500])
    document_derived = all_markdown(at.main) + [m for e in at.sidebar.expander for m in e.markdown]
    for element in document_derived:
        assert not element.proto.allow_html, element.value
        naked = unescaped(element.value)
        for char in "<>[]$`~":
            assert char not in naked, (char, element.value)
        # bold (the highlighted quote and our own lead-ins) is the only Markdown the UI itself adds
        assert "*" not in naked.replace("**", ""), element.value
    for expander in at.main.expander:
        assert not re.search(r"(?<!\\)[<\[$]", expander.label), expander.label
    # the document list in the sidebar shows the title literally too
    titles = [m.value for e in at.sidebar.expander for m in e.markdown]
    assert any("\\[draft\\] review of \\$costs\\$ \\&" in t for t in titles), titles


@pytest.fixture(scope="module")
def failed_upload(tmp_path_factory: pytest.TempPathFactory):
    """An upload whose ingest dies half-way through writing: its chunks are in Chroma, its sentences and its
    registry record (the commit point) are not."""
    from vectorstore import IndexStore

    data_dir = tmp_path_factory.mktemp("failed-upload") / "index"
    good = HOSTILE_TXT.replace("Zephyr", "Quokka")
    def disk_full(self, *args, **kwargs):
        raise OSError(28, "No space left on device (simulated)")

    with pytest.MonkeyPatch.context() as mp:  # the app's environment, for as long as the module's tests run
        at = run_app(mp, data_dir)
        upload(at, [("first.txt", good.encode(), "text/plain")])  # one good document first
        assert [plain(s.value) for s in at.sidebar.success][0].startswith("first.txt: indexed")
        before = snapshot(open_store(data_dir))
        with pytest.MonkeyPatch.context() as broken:
            broken.setattr(IndexStore, "upsert_sentences", disk_full)
            upload(at, [("second.txt", HOSTILE_TXT.encode(), "text/plain")])
        yield at, data_dir, before


def test_failed_upload_shows_one_line_and_keeps_no_file(failed_upload) -> None:
    at, data_dir, before = failed_upload
    assert not at.exception, at.exception
    errors = [plain(e.value) for e in at.sidebar.error]
    assert len(errors) == 1 and "\n" not in errors[0], errors
    assert errors[0].startswith("Upload failed, nothing was added: [Errno 28] No space left on device"), errors
    assert sorted(p.name for p in (data_dir / "uploads").iterdir()) == ["first.txt"]  # no second.txt, no .part
    store = open_store(data_dir)
    assert [d.source for d in store.list_documents()] == ["first.txt"]
    assert snapshot(store).by_source["first.txt"] == before.by_source["first.txt"]
    # the app keeps working: a question is still answered from the good document
    at.chat_input(key="ia_question").set_value("What did inspectors say about the Quokka panel?").run()
    assert not at.exception, at.exception
    assert any("first.txt" in plain(e.label) or "Rutland" in plain(e.label) for e in at.main.expander)


def test_failed_upload_leaves_nothing_half_indexed(failed_upload) -> None:
    _, data_dir, before = failed_upload
    after = snapshot(open_store(data_dir))
    assert after.orphans == [] and after.sentence_orphans == 0
    assert after.total_chunks == before.total_chunks and after.sentences == before.sentences
    assert not after.in_progress


def test_chunks_of_a_failed_upload_are_not_searchable(failed_upload) -> None:
    from assistant import Assistant, Settings

    _, data_dir, _ = failed_upload
    answer = Assistant(Settings.from_env(data_dir=data_dir)).ask(ZEPHYR)
    assert answer.passages, "the committed document is still searchable"
    assert {p.chunk.source for p in answer.passages} == {"first.txt"}
