"""The Streamlit UI (app.py) through streamlit.testing.v1.AppTest, and the upload handling it uses."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from assistant.config import Settings
from ingest.uploads import UploadRejected, process_uploads, sanitize_filename, save_upload, uploads_dir

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
MACE = "what did inspectors say about MACE meetings?"
NORFOLK = "What did inspectors find in Norfolk in 2021?"
NO_COVERAGE = "The documents don't appear to cover this"
SAMPLE_PDF = ROOT / "data" / "sample_pdf" / "southend-jtai-inspection-letter-2018-05-09.pdf"

GOOD_TXT = """Rutland County Council
Children's Services Scrutiny Committee
Report date: 12 March 2022

Areas for improvement

1. Inspectors found that the Zephyr panel for missing children met monthly but did not record its decisions,
so actions agreed by the Zephyr panel were rarely followed up by partner agencies.

2. Inspectors also noted that return home interviews were completed within 72 hours for most children.
"""

pytestmark = pytest.mark.slow


def plain(text: str) -> str:
    """Undo Markdown backslash escapes (labels and text are escaped for safe display)."""
    return re.sub(r"\\(.)", r"\1", text)


def run_app(monkeypatch: pytest.MonkeyPatch, data_dir: Path, **env: str) -> AppTest:
    monkeypatch.setenv("INSPECTION_ASSISTANT_DATA_DIR", str(data_dir))
    monkeypatch.delenv("CHROMA_HOST", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(f"INSPECTION_ASSISTANT_{name.upper()}", value)
    at = AppTest.from_file(APP, default_timeout=120).run()
    assert not at.exception, at.exception
    return at


def ask(at: AppTest, question: str) -> AppTest:
    at.chat_input(key="ia_question").set_value(question).run()
    assert not at.exception, at.exception
    return at


def source_labels(at: AppTest) -> list[str]:
    return [plain(e.label) for e in at.main.expander]


def assistant_text(at: AppTest) -> str:
    return "\n".join(plain(md.value) for m in at.chat_message if m.name == "assistant" for md in m.markdown)


# -- asking -----------------------------------------------------------------------------------------------
def test_mace_question_renders_answer_with_sources(monkeypatch, sample_index: Path) -> None:
    at = ask(run_app(monkeypatch, sample_index), MACE)
    assert [m.name for m in at.chat_message] == ["user", "assistant"]
    assert plain(at.chat_message[0].markdown[0].value) == MACE
    answer = assistant_text(at)
    assert "[1]" in answer and "MACE" in answer
    labels = source_labels(at)
    assert labels and labels[0].startswith("[1] ")
    assert "inspected 19 to 23 March 2018" in labels[0] and "Southend-on-Sea" in labels[0]
    # the expander holds the passage with the quote in bold and a download of the source file
    first = at.main.expander[0]
    assert any(md.value.count("**") >= 2 for md in first.markdown)
    assert any(b.label.startswith("Download") for b in first.get("download_button"))
    # the sidebar shows the index and the backend
    sidebar = "\n".join(plain(md.value) for md in at.sidebar.markdown)
    assert "5** documents" in sidebar and "offline" in sidebar and "Reranker: `features`" in sidebar
    # export buttons for the answer and the whole conversation
    labels = {b.label for b in at.main.get("download_button")}
    assert {"Answer (.md)", "Answer (.docx)", "Conversation (.md)", "Conversation (.docx)"} <= labels


def test_council_filter_changes_the_sources(monkeypatch, sample_index: Path) -> None:
    at = ask(run_app(monkeypatch, sample_index), MACE)
    unfiltered = source_labels(at)
    assert any("Southend-on-Sea" in label for label in unfiltered)

    at = run_app(monkeypatch, sample_index)
    at.sidebar.selectbox(key="ia_filter_council").select("Cheshire East").run()
    ask(at, MACE)
    filtered = source_labels(at)
    assert filtered and filtered != unfiltered
    assert all("Cheshire East" in label for label in filtered), filtered
    assert at.session_state["ia_turns"][0]["filters"].council == "Cheshire East"


def test_abstention_shows_the_notice_and_closest_passages(monkeypatch, sample_index: Path, assistant) -> None:
    env = {} if assistant.ask(NORFOLK).abstained else {"abstain_threshold": "0.99"}  # force it if needed
    at = ask(run_app(monkeypatch, sample_index, **env), NORFOLK)
    notices = [plain(i.value) for i in at.info]
    assert any(NO_COVERAGE in n for n in notices), notices
    closest = source_labels(at)
    assert 1 <= len(closest) <= 5
    assert closest[0].startswith("1. ")


def test_two_sessions_keep_separate_histories(monkeypatch, sample_index: Path) -> None:
    one = ask(run_app(monkeypatch, sample_index), MACE)
    two = ask(run_app(monkeypatch, sample_index), "What did the Cheshire East action plan cover?")
    ask(one, "and what about the minutes of those meetings?")
    assert [plain(m.markdown[0].value) for m in one.chat_message if m.name == "user"] == [
        MACE, "and what about the minutes of those meetings?"]
    assert [plain(m.markdown[0].value) for m in two.chat_message if m.name == "user"] == [
        "What did the Cheshire East action plan cover?"]
    assert len(one.session_state["ia_turns"]) == 2 and len(two.session_state["ia_turns"]) == 1
    # "New conversation" clears only this session
    one.button(key="ia_new_conversation").click().run()
    assert not one.chat_message and one.session_state["ia_turns"] == []
    assert len(two.session_state["ia_turns"]) == 1


def test_bad_question_shows_one_line_error_and_app_keeps_running(monkeypatch, sample_index: Path) -> None:
    at = ask(run_app(monkeypatch, sample_index), "???")
    assert at.error and "no words" in plain(at.error[0].value)
    assert at.session_state["ia_turns"] == []
    ask(at, MACE)
    assert "[1]" in assistant_text(at)


def test_export_of_the_conversation(monkeypatch, sample_index: Path) -> None:
    from docx import Document

    from assistant.export import answer_docx, answer_markdown, conversation_docx, conversation_markdown

    at = ask(run_app(monkeypatch, sample_index), MACE)
    ask(at, "What did the Cheshire East action plan cover?")
    turns = at.session_state["ia_turns"]
    pairs = [(t["answer"], t["filters"]) for t in turns]  # what the export buttons are wired to
    first = turns[0]["answer"]
    citation = first.citations[0]
    quote = " ".join(citation.quote.split())

    md = conversation_markdown(pairs)
    assert f"## 1. {MACE}" in md and "## 2. What did the Cheshire East action plan cover?" in md
    assert f"[1] {citation.reference()}" in md and quote in md
    assert quote in answer_markdown(first)

    for data in (conversation_docx(pairs), answer_docx(first)):
        text = "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)
        assert "References" in text and quote in text and citation.title in text


# -- uploads ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("raw", "safe"), [
    ("../../etc/passwd", "passwd"),
    ("a b;rm -rf.txt", "a b_rm -rf.txt"),
    ("C:\\Users\\me\\report.PDF", "report.pdf"),
    ("..", "upload"),
    (".hidden.txt", "hidden.txt"),
    ("--help.md", "help.md"),
    ("x" * 300 + ".txt", "x" * 96 + ".txt"),
    ("report..final....txt", "report.final.txt"),
    ("naïve “quotes” <b>.txt", "na_ve _quotes_ _b.txt"),
])
def test_sanitize_filename(raw: str, safe: str) -> None:
    assert sanitize_filename(raw) == safe
    assert len(sanitize_filename(raw)) <= 100
    assert "/" not in sanitize_filename(raw) and ".." not in sanitize_filename(raw)


def test_save_upload_stays_in_folder_and_never_overwrites(tmp_path: Path) -> None:
    folder = tmp_path / "uploads"
    with pytest.raises(UploadRejected, match="unsupported file type"):
        save_upload("../../etc/passwd", b"root:x:0:0", folder, 1000)
    first = save_upload("a b;rm -rf.txt", b"one", folder, 1000)
    assert first == folder / "a b_rm -rf.txt" and first.read_bytes() == b"one"
    second = save_upload("a b;rm -rf.txt", b"two", folder, 1000)
    assert second == folder / "a b_rm -rf-1.txt" and first.read_bytes() == b"one"
    assert save_upload("a b;rm -rf.txt", b"one", folder, 1000) == first  # identical content: reused
    with pytest.raises(UploadRejected, match="too large"):
        save_upload("big.txt", b"x" * 1001, folder, 1000)
    with pytest.raises(UploadRejected, match="empty"):
        save_upload("empty.txt", b"", folder, 1000)
    with pytest.raises(UploadRejected, match="unsupported"):
        save_upload("notes.odt", b"PK..", folder, 1000)
    assert sorted(p.name for p in folder.iterdir()) == ["a b_rm -rf-1.txt", "a b_rm -rf.txt"]


@pytest.fixture(scope="module")
def upload_index(tmp_path_factory: pytest.TempPathFactory):
    """A fresh index built only from uploads: a good .txt, a garbage .pdf and the sample JTAI letter PDF."""
    from assistant import Assistant

    data_dir = tmp_path_factory.mktemp("upload-index")
    settings = Settings.from_env(data_dir=data_dir)
    assistant = Assistant(settings)
    calls: list[tuple[int, int, str]] = []
    files = [("rutland-scrutiny-report-2022-03-12.txt", GOOD_TXT.encode()),
             ("../broken.pdf", b"this is not a PDF at all, just garbage bytes \x00\x01\x02" * 20),
             ("notes.odt", b"PK\x03\x04 not supported"),
             (SAMPLE_PDF.name, SAMPLE_PDF.read_bytes())]
    results = process_uploads(files, settings, assistant.store, progress=lambda *a: calls.append(a))
    assistant.refresh()
    return data_dir, settings, assistant, results, calls


def test_upload_good_file_becomes_searchable_bad_file_removed(upload_index) -> None:
    data_dir, settings, assistant, results, calls = upload_index
    by_name = {r.name: r for r in results}
    assert [r.name for r in results] == ["rutland-scrutiny-report-2022-03-12.txt", "../broken.pdf", "notes.odt",
                                         SAMPLE_PDF.name]
    good, bad, wrong = by_name["rutland-scrutiny-report-2022-03-12.txt"], by_name["../broken.pdf"], by_name["notes.odt"]
    assert good.ok and good.status == "added" and good.chunks > 0
    assert not bad.ok and bad.saved_as == "broken.pdf" and "not a PDF" in bad.reason
    assert not wrong.ok and wrong.status == "rejected" and "unsupported file type" in wrong.reason
    assert by_name[SAMPLE_PDF.name].ok
    folder = uploads_dir(settings)
    assert folder == data_dir / "uploads"
    assert sorted(p.name for p in folder.iterdir()) == sorted([good.saved_as, SAMPLE_PDF.name])
    assert calls and calls[-1][0] == calls[-1][1] > 0  # progress reached 100 %
    indexed = {Path(d.path).name for d in assistant.store.list_documents()}
    assert indexed == {good.saved_as, SAMPLE_PDF.name}

    answer = assistant.ask("What did inspectors say about the Zephyr panel?")
    assert not answer.abstained and answer.citations
    assert answer.citations[0].source == good.saved_as
    assert "Zephyr panel" in answer.citations[0].quote


def test_upload_same_file_again_is_skipped(upload_index) -> None:
    _, settings, assistant, _, _ = upload_index
    again = process_uploads([("rutland-scrutiny-report-2022-03-12.txt", GOOD_TXT.encode())], settings,
                            assistant.store)
    assert again[0].ok and again[0].status == "skipped" and "already indexed" in again[0].message


def test_upload_while_another_ingest_runs_leaves_nothing(upload_index) -> None:
    from ingest import IngestBusy
    from ingest.pipeline import ingest_lock

    _, settings, assistant, _, _ = upload_index
    before = sorted(p.name for p in uploads_dir(settings).iterdir())
    with ingest_lock(Path(settings.data_dir)), pytest.raises(IngestBusy):
        process_uploads([("late.txt", b"Inspectors found the late report useful.")], settings, assistant.store)
    assert sorted(p.name for p in uploads_dir(settings).iterdir()) == before


def test_pdf_source_shows_highlighted_page_image(monkeypatch, upload_index) -> None:
    data_dir = upload_index[0]
    at = ask(run_app(monkeypatch, data_dir), "what did inspectors say about the conduct of MACE meetings?")
    labels = source_labels(at)
    assert any("p. " in label for label in labels), labels
    images = at.main.get("image")
    assert images, "no page image rendered for a PDF source"
    captions = [caption for image in images for caption in image.captions]
    assert any(re.fullmatch(r"Page \d+", c) for c in captions), captions  # found: no "could not be located"



def test_upload_through_the_sidebar_form(monkeypatch, tmp_path: Path) -> None:
    data_dir = tmp_path / "index"
    at = run_app(monkeypatch, data_dir)
    assert "0** documents" in "\n".join(plain(md.value) for md in at.sidebar.markdown)
    ask(at, "What did inspectors say about the Zephyr panel?")
    assert any("holds no documents yet" in plain(i.value) and "Add documents" in plain(i.value) for i in at.info)

    uploader = at.sidebar.file_uploader(key="ia_uploader")
    assert sorted(uploader.allowed_type) == [".docx", ".htm", ".html", ".md", ".pdf", ".txt"]
    uploader.set_value([("rutland report.txt", GOOD_TXT.encode(), "text/plain"),
                        ("scan.pdf", b"%PDF-1.4\n garbage that is not a real PDF body", "application/pdf")])
    at.sidebar.get("form_submit_button")[0].click().run()
    assert not at.exception, at.exception
    successes = [plain(s.value) for s in at.sidebar.success]
    assert len(successes) == 1 and successes[0].startswith("rutland report.txt: indexed ("), successes
    errors = [plain(e.value) for e in at.sidebar.error]
    assert len(errors) == 1 and errors[0].startswith("scan.pdf: corrupt PDF")
    assert sorted(p.name for p in (data_dir / "uploads").iterdir()) == ["rutland report.txt"]
    assert "1** documents" in "\n".join(plain(md.value) for md in at.sidebar.markdown)
    assert "Rutland" in at.sidebar.selectbox(key="ia_filter_council").options  # filters rebuilt from the index

    ask(at, "What did inspectors say about the Zephyr panel?")
    labels = source_labels(at)
    assert labels and labels[0].startswith("[1] ")
    assert "Zephyr panel" in assistant_text(at)


def test_document_text_is_rendered_literally_and_groups_are_separate(monkeypatch, sample_index: Path) -> None:
    from assistant import Answer, Assistant, Citation

    nasty = "Pay $5 <script>alert(1)</script> see [link](http://evil.example) **now**."
    cited = Citation(n=1, chunk_id="c1", source="x.txt", path="/nowhere/x.txt", title="Report <b>bold</b>",
                     date="2020-01-01", council="Town", doc_type="committee report", section="Strengths",
                     section_kind="strengths", paragraph="1", page=None, text=f"Before. {nasty} After.", quote=nasty)
    crafted = Answer(question="q", abstained=False, citations=[cited], groups={"strengths": [0], "improvement": [1]},
                     text=f"Inspectors found strengths: {nasty[:-1]} [1].\n\nAreas for improvement: Slow [1].")
    monkeypatch.setattr(Assistant, "ask", lambda self, question, history=None, filters=None: crafted)
    at = ask(run_app(monkeypatch, sample_index), "anything")
    values = [md.value for md in at.chat_message[1].markdown]
    assert values[0].startswith("**Inspectors found strengths:** Pay \\$5 \\<script\\>")
    assert values[1] == "**Areas for improvement:** Slow \\[1\\]\\."
    for value in values:
        unescaped = re.sub(r"\\.", "", value)
        assert "<" not in unescaped and "[" not in unescaped and "$" not in unescaped
    assert at.main.expander[0].label.startswith("\\[1\\] Report \\<b\\>bold\\</b\\>")
    passage = at.main.expander[0].markdown[0].value
    assert passage.startswith("Before\\. **Pay \\$5") and passage.endswith("After\\.")
    assert "no longer at its ingest location" in at.main.expander[0].caption[0].value


def test_store_errors_are_one_line(monkeypatch, sample_index: Path) -> None:
    from assistant import Assistant
    from vectorstore import StoreUnavailable

    def boom(self, question, history=None, filters=None):
        raise StoreUnavailable("cannot reach the Chroma server at http://x:8000 (ConnectError): start it\nplease")

    monkeypatch.setattr(Assistant, "ask", boom)
    at = ask(run_app(monkeypatch, sample_index), MACE)
    assert len(at.error) == 1 and "\n" not in at.error[0].value
    assert "cannot reach the Chroma server" in plain(at.error[0].value)
    assert at.session_state["ia_turns"] == []
