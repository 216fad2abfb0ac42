"""Document metadata and the mined glossary, read from what the documents say."""

from __future__ import annotations

import json
import re
import shutil
from functools import cache
from pathlib import Path

import pytest

from ingest.glossary import mine_glossary
from ingest.loaders import load_file
from ingest.metadata import extract_metadata, read_sidecar
from ingest.pipeline import prepare_document
from vectorstore import token_counter

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DIR = ROOT / "data" / "sample"
SAMPLE_PDF_DIR = ROOT / "data" / "sample_pdf"
LETTER = "southend-jtai-inspection-letter-2018-05-09"
PRESS = "southend-press-release-jtai-2018-05-09"

EXPECTED = {
    # file stem: (council, date, doc_type, inspection_type)
    "southend-jtai-inspection-letter-2018-05-09": ("Southend-on-Sea", "2018-05-09", "inspection letter", "JTAI"),
    "southend-cabinet-report-jtai-2018-06-19": ("Southend-on-Sea", "2018-06-19", "committee report", "JTAI"),
    "southend-cabinet-report-ilacs-2019-09-17": ("Southend-on-Sea", "2019-09-17", "committee report", "ILACS"),
    "cheshire-east-committee-report-jtai-progress-2023-07-10": ("Cheshire East", "2023-07-10", "committee report", "JTAI"),
    "southend-press-release-jtai-2018-05-09": ("Southend-on-Sea", "2018-05-09", "press release", "JTAI"),
}


@cache
def count_tokens():
    return token_counter()


def prepare(path: Path, overrides: dict[str, str] | None = None):
    return prepare_document(load_file(path, 50_000_000), overrides or {}, 256, count_tokens())


@cache
def sample_record(stem: str):
    return prepare(SAMPLE_DIR / f"{stem}.txt")[0]


def text_of(stem: str) -> str:
    return (SAMPLE_DIR / f"{stem}.txt").read_text(encoding="utf-8")


# --- metadata of the sample documents -------------------------------------------------------------------------


def test_expected_table_covers_the_sample_corpus():
    assert sorted(EXPECTED) == sorted(p.stem for p in SAMPLE_DIR.glob("*.txt"))


@pytest.mark.parametrize("stem", sorted(EXPECTED))
def test_sample_metadata_matches_the_document(stem):
    council, date, doc_type, inspection_type = EXPECTED[stem]
    record = sample_record(stem)
    assert (record.council, record.date, record.doc_type, record.inspection_type) == (
        council, date, doc_type, inspection_type)
    assert record.title.strip()
    assert record.title == record.title.strip() and "**" not in record.title and "#" not in record.title


@pytest.mark.parametrize("stem", sorted(EXPECTED))
def test_chunks_carry_the_document_metadata(stem):
    record, chunks, _ = prepare(SAMPLE_DIR / f"{stem}.txt")
    for chunk in chunks:
        assert (chunk.title, chunk.date, chunk.council, chunk.doc_type, chunk.inspection_type) == (
            record.title, record.date, record.council, record.doc_type, record.inspection_type)
        assert chunk.metadata()["year"] == int(record.date[:4])


def test_sample_titles_say_what_the_documents_are():
    assert sample_record(LETTER).title.startswith("Joint targeted area inspection of the multi-agency response")
    assert sample_record(LETTER).title.endswith("in Southend-on-Sea")
    assert "Joint Targeted Area Inspection Action Plan" in sample_record(
        "cheshire-east-committee-report-jtai-progress-2023-07-10").title
    assert "Inspection of Local Authority Children's Services" in sample_record(
        "southend-cabinet-report-ilacs-2019-09-17").title


def test_metadata_is_read_from_the_text_not_the_file_name(tmp_path):
    path = tmp_path / "cheshire-east-2023-07-10-ilacs.txt"
    shutil.copy(SAMPLE_DIR / f"{PRESS}.txt", path)
    record = prepare(path)[0]
    assert (record.council, record.date, record.doc_type, record.inspection_type) == EXPECTED[PRESS]


@pytest.mark.parametrize(
    "text",
    [
        "Notes from the team meeting\n\nWe discussed caseloads and supervision. Staff said things are improving.\n",
        "Minutes\n\nThe Council agreed the plan. The Local Council will review it in March 2019.\n",
        "Update report\n\nThe inspection took place in July 2022 and the plan runs until 2024.\n",
        "Overview of practice\n\nWork in Schools continues. Progress in Health is good.\n",
        "Letter dated 31 February 2020 about the service.\n",
    ],
    ids=["plain", "council-word", "month-year-only", "in-capitalised-word", "impossible-date"],
)
def test_missing_metadata_stays_empty(text):
    meta = extract_metadata(text)
    assert meta.date == ""
    assert meta.council == ""
    assert meta.inspection_type == ""
    assert meta.doc_type in ("", "other")


def test_council_needs_more_than_one_passing_mention():
    assert extract_metadata("Report on services\n\nWork in Southend continues.\n").council == ""
    assert extract_metadata("Report on services\n\nSouthend-on-Sea Borough Council met.\n").council == \
        "Southend-on-Sea"


def test_date_formats():
    assert extract_metadata("Cabinet\n\non 19<sup>th</sup> June 2018\n").date == "2018-06-19"
    assert extract_metadata("Meeting on 1st October, 2020 at noon.\n").date == "2020-10-01"


# --- overrides --------------------------------------------------------------------------------------------------


def test_sidecar_overrides_win(tmp_path):
    path = tmp_path / "press.txt"
    shutil.copy(SAMPLE_DIR / f"{PRESS}.txt", path)
    plain = prepare(path)[0]
    sidecar = {"council": "Testshire", "date": "2001-02-03", "doc_type": "other", "title": "My title"}
    (tmp_path / "press.txt.meta.json").write_text(json.dumps(sidecar), encoding="utf-8")
    record, chunks, _ = prepare(path)
    assert (record.council, record.date, record.doc_type, record.title) == ("Testshire", "2001-02-03", "other",
                                                                           "My title")
    assert record.inspection_type == "JTAI"  # fields the sidecar leaves out are still read from the text
    assert all(c.council == "Testshire" and c.date == "2001-02-03" and c.title == "My title" for c in chunks)
    # overrides are part of the version: the new metadata gets new chunk ids
    assert record.content_hash != plain.content_hash
    assert record.doc_id == plain.doc_id


def test_explicit_overrides_beat_the_sidecar(tmp_path):
    path = tmp_path / "press.txt"
    shutil.copy(SAMPLE_DIR / f"{PRESS}.txt", path)
    (tmp_path / "press.txt.meta.json").write_text(json.dumps({"council": "Testshire", "date": "2001-02-03"}),
                                                  encoding="utf-8")
    record = prepare(path, {"council": "Flagshire", "inspection_type": "ILACS"})[0]
    assert (record.council, record.date, record.inspection_type) == ("Flagshire", "2001-02-03", "ILACS")


def test_empty_override_values_are_ignored(tmp_path):
    path = tmp_path / "press.txt"
    shutil.copy(SAMPLE_DIR / f"{PRESS}.txt", path)
    (tmp_path / "press.txt.meta.json").write_text(json.dumps({"council": "", "date": None}), encoding="utf-8")
    record = prepare(path)[0]
    assert (record.council, record.date) == ("Southend-on-Sea", "2018-05-09")


def test_sidecar_must_be_an_object(tmp_path):
    path = tmp_path / "press.txt"
    path.write_text("text", encoding="utf-8")
    (tmp_path / "press.txt.meta.json").write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(ValueError, match="JSON object"):
        read_sidecar(path)
    assert read_sidecar(tmp_path / "other.txt") == {}


def test_cli_flags_override_metadata(tmp_path):
    from typer.testing import CliRunner

    from assistant.cli import app
    from assistant.config import Settings

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SAMPLE_DIR / f"{PRESS}.txt", corpus / "press.txt")
    (corpus / "press.txt.meta.json").write_text(json.dumps({"council": "Testshire", "title": "Sidecar title"}),
                                                encoding="utf-8")
    data_dir = tmp_path / "index"
    result = CliRunner().invoke(app, [
        "ingest", str(corpus), "--data-dir", str(data_dir), "--council", "Flagshire", "--date", "2001-02-03",
        "--doc-type", "inspection report", "--inspection-type", "ILACS",
    ])
    assert result.exit_code == 0, result.output
    docs = Settings.from_env(data_dir=data_dir).open_store().list_documents()
    assert len(docs) == 1
    doc = docs[0]
    assert (doc.council, doc.date, doc.doc_type, doc.inspection_type, doc.title) == (
        "Flagshire", "2001-02-03", "inspection report", "ILACS", "Sidecar title")


# --- PDF renderings agree with the text versions -----------------------------------------------------------------


@pytest.mark.parametrize("stem", sorted(p.stem for p in SAMPLE_PDF_DIR.glob("*.pdf")))
def test_pdf_metadata_matches_the_text_version(stem):
    record = prepare(SAMPLE_PDF_DIR / f"{stem}.pdf")[0]
    assert (record.council, record.date, record.doc_type, record.inspection_type) == EXPECTED[stem]
    assert record.file_type == "pdf" and record.pages >= 4
    assert record.title


@pytest.mark.parametrize("stem", sorted(p.stem for p in SAMPLE_PDF_DIR.glob("*.pdf")))
def test_pdf_title_is_the_whole_title(stem):
    assert prepare(SAMPLE_PDF_DIR / f"{stem}.pdf")[0].title == sample_record(stem).title


# --- glossary -------------------------------------------------------------------------------------------------------


@cache
def letter_glossary() -> dict[str, str]:
    return mine_glossary(text_of(LETTER))


@pytest.mark.parametrize(
    ("acronym", "long_form"),
    [
        ("LSCB", "local safeguarding children board"),
        ("MASH+", "multi-agency safeguarding hub"),
        ("CSE", "child sexual exploitation"),  # used but never defined: inferred from a frequent phrase
        ("HOLMES", "home office large major enquiry system"),  # ACRONYM (long form)
        ("HMIP", "hmi probation"),
        ("YOS", "youth offending service"),
    ],
)
def test_letter_glossary(acronym, long_form):
    assert letter_glossary()[acronym].lower() == long_form


def test_letter_glossary_mace():
    # the definition starts inside a hyphenated word: "pre-multi-agency child sexual exploitation (MACE)"
    assert letter_glossary()["MACE"].lower() == "multi-agency child sexual exploitation"


def test_letter_glossary_ewmhs():
    # "well-being" gives one letter (W), not two
    assert letter_glossary()["EWMHS"].lower() == "emotional well-being and mental health service"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Pre-tasking and pre-multi-agency child sexual exploitation (MACE) meetings.",
         {"MACE": "multi-agency child sexual exploitation"}),
        ("The emotional well-being and mental health service (EWMHS) works.",
         {"EWMHS": "emotional well-being and mental health service"}),
        ("We reviewed the multi-agency response (MACE) today.", {}),  # letters missing: no guess
    ],
)
def test_glossary_long_forms_in_hyphenated_text(text, expected):
    assert mine_glossary(text) == expected


def test_glossary_has_no_inferred_two_letter_entries():
    text = text_of(LETTER)
    squashed = re.sub(r"\s+", " ", text)
    for acronym in letter_glossary():
        if len(acronym.rstrip("+")) <= 2:
            assert f"({acronym})" in squashed or f"{acronym} (" in squashed, acronym
    inferred = mine_glossary("The GP saw good practice. A GP and good practice again. GP.")
    assert "GP" not in inferred


def test_glossary_inference_needs_two_uses_of_the_phrase():
    assert "CSE" not in mine_glossary("CSE is a risk. Child sexual exploitation is a risk.")
    assert mine_glossary("CSE is a risk. Child sexual exploitation and child sexual exploitation.")["CSE"] == \
        "child sexual exploitation"


def test_glossary_is_stored_on_the_document_record():
    record = sample_record(LETTER)
    assert record.glossary == letter_glossary()
    assert json.loads(record.metadata()["glossary"]) == letter_glossary()
