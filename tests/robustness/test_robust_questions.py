"""Odd questions through `inspection-assistant ask` (a subprocess per case: exit status and stderr are the
contract), asking an empty or missing index (CLI and Assistant.ask), and document text that looks like Rich
markup in CLI output.

tests/test_assistant.py already checks Assistant.ask's QuestionError for "", whitespace, "?!?..." and
10,000 x's, and that three odd questions do not crash; this module covers the command line and the edges.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from robustness_helpers import assert_no_traceback, cli, good_text, open_store
from typer.testing import CliRunner

from assistant import Assistant, QuestionError, Settings
from assistant.cli import app
from assistant.core import EMPTY_INDEX

pytestmark = pytest.mark.slow

LONG = ("what did the inspectors say about the multi agency child sexual exploitation meetings " * 120)[:9_999] + "?"
SQL_SHELL = "'; DROP TABLE chunks; -- $(rm -rf /tmp/ia-robust) `id` && echo pwned | sh; <script>alert(1)</script>"
CHINESE = "检查员对多机构儿童性剥削（MACE）会议说了什么？"


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.strip()]


@pytest.mark.parametrize(("question", "message"), [
    ("", "error: empty question: type a question"),
    ("   \n\t  ", "error: empty question: type a question"),
    (LONG, "error: question too long (10,000 characters > 2,000): shorten it"),
    ("?!… —¿¡ ... ;;; ***", "error: the question has no words"),
], ids=["empty", "whitespace", "10000-chars", "punctuation"])
def test_bad_question_is_one_line_exit_2(sample_index: Path, question: str, message: str) -> None:
    result = cli("ask", question, "--data-dir", sample_index)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert error_lines(result.stderr) == [error_lines(result.stderr)[0]] and message in result.stderr, result.stderr
    assert result.stdout == ""
    assert_no_traceback(result.stderr)


def test_question_that_looks_like_an_option_is_a_usage_error(sample_index: Path) -> None:
    result = cli("ask", "-rf /", "--data-dir", sample_index)
    assert result.returncode == 2
    assert "No such option: -r" in result.stderr and "--help" in result.stderr
    assert_no_traceback(result.stderr)


@pytest.mark.parametrize("question", [SQL_SHELL, CHINESE], ids=["sql-shell", "chinese"])
def test_odd_but_valid_question_is_answered_or_abstains(sample_index: Path, question: str) -> None:
    count_before = open_store(sample_index).count_chunks()
    result = cli("ask", question, "--data-dir", sample_index, "--json")
    assert result.returncode == 0, result.stderr
    assert_no_traceback(result.stdout, result.stderr)
    data = json.loads(result.stdout)
    assert data["abstained"] in (True, False) and isinstance(data["answer"], str)
    if data["abstained"]:
        assert "don't appear to cover" in data["answer"] and data["citations"] == []
    assert open_store(sample_index).count_chunks() == count_before
    assert not Path("/tmp/ia-robust").exists()


def test_ask_a_missing_data_dir(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-index"
    result = cli("ask", "what did inspectors say about MACE meetings?", "--data-dir", missing)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert error_lines(result.stderr) == [f"error: no index at {missing}: run 'inspection-assistant ingest <folder> "
                                          f"--data-dir {missing}' first (or check --data-dir / "
                                          "INSPECTION_ASSISTANT_DATA_DIR)"]
    assert not missing.exists(), "asking must not create an index folder"
    assert_no_traceback(result.stderr)


def test_ask_an_empty_index(fresh_data_dir: Path) -> None:
    open_store(fresh_data_dir)  # creates the (empty) collections
    result = cli("ask", "what did inspectors say about MACE meetings?", "--data-dir", fresh_data_dir)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert len(error_lines(result.stderr)) == 1
    assert f"the index at {fresh_data_dir} has no documents: run 'inspection-assistant ingest" in result.stderr
    assert_no_traceback(result.stderr)


# --- Assistant.ask (what the UI and eval use) ------------------------------------------------------------------


@pytest.mark.parametrize("where", ["empty", "missing"])
def test_assistant_on_an_empty_or_missing_index_says_so(tmp_path: Path, where: str) -> None:
    data_dir = tmp_path / "index"
    if where == "empty":
        open_store(data_dir)
    answer = Assistant(Settings.from_env(data_dir=data_dir)).ask("what did inspectors say about MACE meetings?")
    assert answer.abstained and answer.citations == [] and answer.passages == []
    assert answer.notice == EMPTY_INDEX  # neutral: each entry point says how to add documents its own way


@pytest.mark.parametrize("question", ["🙂🙂🙂", "\u200b\u200b\u200b", "¿¡…—–«»“”", "\x00\x07\x1b"],
                         ids=["emoji", "zero-width", "unicode-punctuation", "control-chars"])
def test_questions_without_words(assistant: Assistant, question: str) -> None:
    with pytest.raises(QuestionError, match="no words"):
        assistant.ask(question)


def test_question_length_boundary(assistant: Assistant) -> None:
    limit = assistant.settings.max_question_chars
    at_limit = ("what did inspectors say about MACE meetings " * 100)[:limit]
    assert isinstance(assistant.ask(at_limit).text, str)
    assert isinstance(assistant.ask(f"  {at_limit}  \n").text, str)  # surrounding whitespace is not counted
    with pytest.raises(QuestionError, match=f"{limit + 1:,} characters"):
        assistant.ask(at_limit + "s")


@pytest.mark.parametrize("question", ["MACE\x00 meetings\x07?", "ما الذي قاله المفتشون عن اجتماعات MACE؟",
                                      "MACE " * 399])
def test_odd_questions_do_not_crash(assistant: Assistant, question: str) -> None:
    answer = assistant.ask(question)
    assert isinstance(answer.text, str) and answer.passages


# --- document text that looks like Rich markup, printed by the CLI (in-process: no model reload) --------------

MARKUP_DOC = """Review of [bold]services[/bold] [/i] for children

Areas for improvement

1. Inspectors found that the Quokka panel [/b] did not record its decisions [link=http://evil.example]here[/link].

2. Inspectors found that the Quokka panel minutes [red]were[/] late.
"""


@pytest.fixture(scope="module")
def markup_index(make_index) -> Path:
    built = make_index("markup-index", source=None,
                       files={"markup.txt": MARKUP_DOC, "plain.txt": good_text("Quokka")})
    assert not built.report.failed, built.report.failed
    return built.data_dir


def run_cli(*args: str | Path):
    return CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=True)


def test_cli_prints_document_markup_literally(markup_index: Path) -> None:
    result = run_cli("ask", "what did inspectors say about the Quokka panel decisions?", "--data-dir", markup_index)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == 0, result.output
    assert "[/b]" in result.stdout and "[link=http://evil.example]here[/link]" in result.stdout


def test_cli_status_prints_titles_literally(markup_index: Path) -> None:
    result = run_cli("status", "--data-dir", markup_index)
    assert result.exit_code == 0, repr(result.exception)
    assert "[bold]services[/bold]" in result.stdout.replace("\n", "")


def test_cli_batch_with_malformed_lines(markup_index: Path, tmp_path: Path) -> None:
    batch = tmp_path / "questions.jsonl"
    batch.write_text("\n".join([
        json.dumps({"id": "ok", "question": "what did inspectors say about the Quokka panel?"}),
        "{not json",
        json.dumps(["a", "list"]),
        json.dumps({"id": "no-question"}),
        json.dumps({"id": "empty", "question": "   "}),
    ]) + "\n", encoding="utf-8")
    result = run_cli("ask", "--batch", batch, "--data-dir", markup_index)
    assert result.exit_code == 0, repr(result.exception)
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in rows] == ["ok", 2, 3, "no-question", "empty"]
    assert "answer" in rows[0]
    assert rows[1]["error"].startswith("line 2: not valid JSON")
    assert "expected an object" in rows[2]["error"] and "expected an object" in rows[3]["error"]
    assert "empty question" in rows[4]["error"]


def test_cli_batch_file_that_is_not_utf8(markup_index: Path, tmp_path: Path) -> None:
    batch = tmp_path / "questions.jsonl"
    batch.write_bytes(b'{"question": "caf\xe9"}\n')
    result = run_cli("ask", "--batch", batch, "--data-dir", markup_index)
    assert result.exit_code == 2
    assert "cannot read the batch file" in result.stderr
