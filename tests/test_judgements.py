"""The judgements table over real Ofsted reports: its rows and citations, the `judgements` command, the exports
and the UI's Judgements page.

One index of five real reports (data/real_ci: Bolton 2014 SIF, 2018 ILACS standard, 2023 ILACS short; Bury
2025; North Northamptonshire 2026, after the reform that dropped the overall judgement), built once.
The expected values were read by hand from the reports' first pages.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from assistant.judgements import (
    AREA_KEYS,
    FIELDS,
    check_framework,
    council_name,
    council_timeline,
    csv_columns,
    grade_distribution,
    grade_points,
    judgement_rows,
    latest_per_council,
    to_csv,
    to_xlsx,
)

ROOT = Path(__file__).resolve().parent.parent
REAL_CI = ROOT / "data" / "real_ci"
FOLDERS = ("80432_bolton", "80443_bury", "2637539_north northamptonshire")
SCRIPT = ROOT / ".venv" / "bin" / "inspection-assistant"
RI = "requires improvement"

# (council, first day of fieldwork) -> framework, last day, lead inspector, the five grades (AREA_KEYS order)
EXPECTED = {
    ("Bolton", "2014-01-14"): ("SIF", "2014-02-05", "Robert Hackeson", (RI, RI, RI, "good", "good")),
    ("Bolton", "2018-04-23"): ("ILACS standard", "2018-05-04", "John Roughton", ("good", "good", "good", "good", "")),
    ("Bolton", "2023-09-11"): ("ILACS short", "2023-09-15", "Lisa Walsh", ("good", "good", RI, "good", "good")),
    ("Bury", "2025-06-09"): ("ILACS standard", "2025-06-20", "Rebecca Dubbins", (RI, "good", RI, RI, RI)),
    ("North Northamptonshire", "2026-05-11"): ("ILACS standard", "2026-05-22", "David Cohen",
                                               ("", "outstanding", "good", "good", "good")),
}

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def built(make_index, tmp_path_factory: pytest.TempPathFactory):
    source = tmp_path_factory.mktemp("judgements-source")
    for folder in FOLDERS:
        shutil.copytree(REAL_CI / folder, source / folder)
    index = make_index("judgements-index", source=source)
    assert not index.report.failed, index.report.failed
    return index


@pytest.fixture(scope="module")
def rows(built):
    return judgement_rows(built.store.list_documents())


def cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    command = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "assistant.cli"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INSPECTION_ASSISTANT_", "CHROMA_"))}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", COLUMNS="200", PYTHONIOENCODING="utf-8")
    return subprocess.run([*command, "judgements", *map(str, args)], capture_output=True, text=True,
                          encoding="utf-8", env=env, cwd=ROOT, timeout=600)


def squashed(text: str) -> str:
    return " ".join(text.replace("\u2019", "'").split()).casefold()


# -- the rows ----------------------------------------------------------------------------------------------
def test_rows_hold_each_reports_council_framework_dates_and_grades(rows) -> None:
    got = {(r.council, r.inspection_start): (r.framework, r.inspection_end, r.lead_inspector,
                                             tuple(r.grades[k] for k in AREA_KEYS)) for r in rows}
    assert got == EXPECTED
    assert [(r.council, r.inspection_start) for r in rows] == sorted(EXPECTED)  # by council, then date
    sif = next(r for r in rows if r.framework == "SIF")
    assert sif.other_grades == {"adoption": "good", "lscb": RI}  # SIF's own judgements kept under their names


def test_every_value_is_cited_to_a_line_of_its_page(rows) -> None:
    from pypdf import PdfReader

    for row in rows:
        stated = [f"grades.{k}" for k in AREA_KEYS if row.grades[k]] + [
            f for f in ("inspection_start", "inspection_end", "lead_inspector") if getattr(row, f)]
        assert set(stated) <= set(row.citations), (row.source, set(stated) - set(row.citations))
        pages = PdfReader(row.path).pages
        for name, cited in row.citations.items():
            assert 1 <= cited["page"] <= len(pages), (row.source, name)
            assert squashed(cited["quote"]) in squashed(pages[cited["page"] - 1].extract_text()), (row.source, name)
        for key in AREA_KEYS:  # the quoted line states the grade it backs
            if row.grades[key]:
                assert row.grades[key].split()[0] in squashed(row.citations[f"grades.{key}"]["quote"])
    nn = next(r for r in rows if r.council == "North Northamptonshire")
    assert "grades.overall_effectiveness" not in nn.citations  # no overall judgement after the reform


def test_latest_filters_and_helpers(built, rows) -> None:
    latest = judgement_rows(built.store.list_documents(), latest=True)
    assert latest == latest_per_council(rows)
    assert [(r.council, r.inspection_start) for r in latest] == [
        ("Bolton", "2023-09-11"), ("Bury", "2025-06-09"), ("North Northamptonshire", "2026-05-11")]
    assert council_name("north northants") == council_name("North Northamptonshire Council") == "North Northamptonshire"
    with pytest.raises(ValueError, match="unknown council 'Narnia'"):
        council_name("Narnia")
    check_framework("ilacs")
    with pytest.raises(ValueError, match="unknown framework"):
        check_framework("ILAC")
    assert [r.inspection_start[:4] for r in council_timeline(rows, "Bolton Council")] == ["2014", "2018", "2023"]
    counts = grade_distribution(rows)
    assert list(counts) == list(AREA_KEYS)
    assert counts["overall_effectiveness"] == {"outstanding": 0, "good": 2, RI: 2, "inadequate": 0}
    assert counts["help_and_protection"] == {"outstanding": 0, "good": 2, RI: 3, "inadequate": 0}
    assert counts["impact_of_leaders"]["outstanding"] == 1
    points = grade_points(council_timeline(rows, "Bolton"))
    assert len(points) == 14  # 5 + 4 (the 2018 report's care leavers are in "in care") + 5
    assert {p["date"] for p in points} == {"2014-01-14", "2018-04-23", "2023-09-11"}


# -- the command -------------------------------------------------------------------------------------------
def test_cli_table_latest_and_council_alias(built) -> None:
    table = cli("--data-dir", built.data_dir)
    assert table.returncode == 0, table.stderr
    assert "5 Ofsted reports" in table.stdout and "Rebecca Dubbins" in table.stdout
    assert "–" in table.stdout  # North Northamptonshire's overall effectiveness, Bolton 2018's care leavers

    latest = cli("--data-dir", built.data_dir, "--latest", "--json")
    assert latest.returncode == 0, latest.stderr
    assert [(o["council"], o["inspection_start"]) for o in json.loads(latest.stdout)] == [
        ("Bolton", "2023-09-11"), ("Bury", "2025-06-09"), ("North Northamptonshire", "2026-05-11")]

    nn = cli("--data-dir", built.data_dir, "--council", "North Northants", "--json")
    assert nn.returncode == 0, nn.stderr
    [only] = json.loads(nn.stdout)
    assert only["council"] == "North Northamptonshire" and only["grades"]["impact_of_leaders"] == "outstanding"

    sif = cli("--data-dir", built.data_dir, "--council", "bolton metropolitan borough council", "--framework", "SIF",
              "--json")
    assert [o["lead_inspector"] for o in json.loads(sif.stdout)] == ["Robert Hackeson"]


def test_cli_json_schema(built) -> None:
    result = cli("--data-dir", built.data_dir, "--json")
    assert result.returncode == 0, result.stderr
    objects = json.loads(result.stdout)
    assert len(objects) == 5
    for o in objects:
        assert set(o) - {"other_grades"} == {*FIELDS, "grades", "citations"}
        assert list(o["grades"]) == list(AREA_KEYS)
        for cited in o["citations"].values():
            assert set(cited) == {"page", "quote"} and isinstance(cited["page"], int) and cited["quote"]
    bury = next(o for o in objects if o["council"] == "Bury")
    assert bury["grades"]["impact_of_leaders"] == "good"
    assert bury["citations"]["lead_inspector"] == {"page": 1, "quote": "Lead inspector: Rebecca Dubbins, "
                                                                      "His Majesty’s Inspector"}


def test_cli_csv(built) -> None:
    result = cli("--data-dir", built.data_dir, "--csv", "--council", "Bury")
    assert result.returncode == 0, result.stderr
    records = list(csv.DictReader(io.StringIO(result.stdout)))
    assert result.stdout.splitlines()[0] == ",".join(csv_columns())
    [bury] = records
    assert (bury["council"], bury["framework"], bury["overall_effectiveness"], bury["impact_of_leaders"]) == (
        "Bury", "ILACS standard", RI, "good")
    assert bury["inspection_start page"] == "1" and bury["inspection_start quote"] == "Inspection dates: 9 to 20 June 2025"


def test_cli_errors_are_one_line(built, tmp_path: Path) -> None:
    unknown = cli("--data-dir", built.data_dir, "--council", "Narnia")
    assert unknown.returncode == 2 and unknown.stdout == ""
    assert unknown.stderr.strip().splitlines() == [
        "error: unknown council 'Narnia': use the name Ofsted gives it (e.g. 'Leeds')"]
    both = cli("--data-dir", built.data_dir, "--json", "--csv")
    assert both.returncode == 2 and both.stdout == "" and len(both.stderr.strip().splitlines()) == 1
    assert "one of --json and --csv" in both.stderr

    missing = cli("--data-dir", tmp_path / "nowhere")
    assert missing.returncode == 2 and missing.stdout == ""
    assert re.fullmatch(r"error: no index at \S+: run 'inspection-assistant ingest.*\n", missing.stderr)
    assert not (tmp_path / "nowhere").exists()  # nothing created

    from assistant.config import Settings

    Settings.from_env(data_dir=tmp_path / "empty").open_store()
    empty = cli("--data-dir", tmp_path / "empty")
    assert empty.returncode == 2 and empty.stdout == ""
    assert "has no documents: run 'inspection-assistant ingest <folder>" in empty.stderr


# -- exports -----------------------------------------------------------------------------------------------
def test_xlsx_holds_the_rows(rows) -> None:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(to_xlsx(rows)))
    assert book.sheetnames == ["Judgements", "About"]
    sheet = book["Judgements"]
    table = [[c if c is not None else "" for c in r] for r in sheet.iter_rows(values_only=True)]
    assert table[0] == csv_columns() and len(table) == 1 + len(rows)
    column = table[0].index
    by_lead = {r[column("lead_inspector")]: r for r in table[1:]}
    lisa = by_lead["Lisa Walsh"]
    assert (lisa[column("council")], lisa[column("help_and_protection")], lisa[column("care_leavers")]) == (
        "Bolton", RI, "good")
    assert by_lead["John Roughton"][column("care_leavers")] == ""
    assert [list(r) for r in csv.reader(io.StringIO(to_csv(rows)))][1:] == [
        [str(c) for c in r] for r in table[1:]]  # the same cells as the CSV


# -- the UI page -------------------------------------------------------------------------------------------
def judgements_script() -> None:
    import app

    app.judgements_page()


def run_page(monkeypatch: pytest.MonkeyPatch, data_dir: Path) -> AppTest:
    monkeypatch.setenv("INSPECTION_ASSISTANT_DATA_DIR", str(data_dir))
    monkeypatch.delenv("CHROMA_HOST", raising=False)
    at = AppTest.from_function(judgements_script, default_timeout=180).run()
    assert not at.exception, at.exception
    return at


def test_page_table_charts_downloads_and_cell_quote(monkeypatch, built) -> None:
    at = run_page(monkeypatch, built.data_dir)
    table = at.dataframe[0].value
    assert len(table) == 5
    assert list(table["Lead inspector"]) == [e[2] for e in EXPECTED.values()]
    assert table.loc[table["Council"] == "North Northamptonshire", "Overall"].item() == "–"
    assert {b.label for b in at.get("download_button")} == {"Download CSV", "Download Excel"}
    assert len(at.get("vega_lite_chart")) == 2  # the distribution, and the chosen council over time
    assert at.selectbox(key="ia_j_history_council").value == "Bolton"
    assert len(at.dataframe[1].value) == 3  # Bolton's three reports

    # a cell: Bury's lead inspector, quoted and shown on its page
    report = at.selectbox(key="ia_j_cell_row")
    report.select_index(next(i for i, label in enumerate(report.options) if label.startswith("Bury — "))).run()
    at.selectbox(key="ia_j_cell_field").select("lead_inspector").run()
    assert not at.exception, at.exception
    assert [t.value for t in at.text] == ["Lead inspector: Rebecca Dubbins, His Majesty’s Inspector"]
    images = at.get("image")
    assert [c for image in images for c in image.captions] == ["Page 1"]  # found: no "could not be located"


def test_page_filters(monkeypatch, built) -> None:
    at = run_page(monkeypatch, built.data_dir)
    at.sidebar.toggle(key="ia_j_latest").set_value(True).run()
    assert list(at.dataframe[0].value["Inspection start"]) == ["2023-09-11", "2025-06-09", "2026-05-11"]
    at.sidebar.toggle(key="ia_j_latest").set_value(False).run()
    at.sidebar.multiselect(key="ia_j_council").select("Bolton").run()
    at.sidebar.multiselect(key="ia_j_framework").select("ILACS standard").select("ILACS short").run()
    assert list(at.dataframe[0].value["Lead inspector"]) == ["John Roughton", "Lisa Walsh"]
    at.sidebar.slider(key="ia_j_years").set_range(2020, 2026).run()
    assert list(at.dataframe[0].value["Lead inspector"]) == ["Lisa Walsh"]
    assert not at.exception, at.exception


def test_page_on_an_empty_index_says_to_ingest(monkeypatch, tmp_path: Path) -> None:
    at = run_page(monkeypatch, tmp_path / "index")
    assert [i.value for i in at.info] and "ingest" in at.info[0].value
    assert not at.dataframe and not at.get("download_button")


def test_navigation_has_the_two_pages() -> None:
    def script() -> None:
        import streamlit as st

        import app

        st.session_state["pages"] = [(p.title, p.url_path) for p in app.pages()]

    at = AppTest.from_function(script, default_timeout=30).run()
    assert not at.exception, at.exception
    assert at.session_state["pages"] == [("Chat", ""), ("Judgements", "judgements")]  # "": the default page
