"""The UI's Judgements page: the judgements table (assistant.judgements) to filter, sort, chart, check and
download.

Every value comes from a report's own line; choosing a report and a field shows that line and, for a PDF,
its page with the line highlighted. Document text is shown through st.dataframe, st.text or
``escape_markdown``, never as HTML. Widget keys are namespaced "ia_j_".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st

from assistant.export import escape_markdown
from assistant.judgements import (
    AREA_HEADINGS,
    AREA_KEYS,
    CITED,
    JudgementRow,
    grade_distribution,
    grade_points,
    judgement_rows,
    latest_per_council,
    to_csv,
    to_xlsx,
)
from domain.kinds import ADEQUATE, AREA_BY_KEY, GRADES
from vectorstore.records import DocumentRecord

#: (path, page, quote, file mtime) -> (PNG, whether the quote was found): app.py's cached page_image.
PageImage = Callable[[str, int, str, float], tuple[bytes, bool]]

EMPTY = "–"
NO_REPORTS = ("No Ofsted inspection reports are indexed yet: ingest some (`inspection-assistant ingest <folder>`, "
              "or 'Add documents' on the Chat page) and their judgements appear here.")
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FIELD_LABELS = {"inspection_start": "Inspection start", "inspection_end": "Inspection end",
                "published": "Published", "lead_inspector": "Lead inspector"}
# Ofsted's usual colours for the four grades (adequate: the pre-2013 grade, between them)
GRADE_COLOURS = {"outstanding": "#1b7837", "good": "#5aae61", "requires improvement": "#f1a340",
                 "adequate": "#d9c27a", "inadequate": "#c51b1b"}


def render(documents: Sequence[DocumentRecord], page_image: PageImage) -> None:
    st.title("Judgements")
    st.caption("Every Ofsted report's council, framework, dates, lead inspector and grades, each read from the "
               "report's own line. Choose a report and a field below to see that line on its page.")
    rows = judgement_rows(documents)
    if not rows:
        st.info(NO_REPORTS, icon="ℹ️")
        return
    chosen, latest = filter_widgets(rows)
    shown = latest_per_council(chosen) if latest else chosen
    st.subheader(f"{len(shown)} of {len(rows)} reports")
    st.dataframe(table_frame(shown), hide_index=True, width="stretch", key="ia_j_table")
    downloads(shown)
    if not shown:
        return
    st.subheader("Grades per judgement area")
    st.altair_chart(distribution_chart(shown), width="stretch")
    council_history(chosen)
    cell_view(shown, page_image)


# -- filters -----------------------------------------------------------------------------------------------
def filter_widgets(rows: Sequence[JudgementRow]) -> tuple[list[JudgementRow], bool]:
    """The sidebar's filters: the rows they keep, and whether to show only each council's latest."""
    with st.sidebar:
        st.header("Filters")
        councils = st.multiselect("Council", sorted({r.council for r in rows if r.council}), key="ia_j_council",
                                  placeholder="All councils")
        frameworks = st.multiselect("Framework", sorted({r.framework for r in rows if r.framework}),
                                    key="ia_j_framework", placeholder="All frameworks")
        latest = st.toggle("Latest per council", key="ia_j_latest",
                  help="Each council's latest graded inspection only.")
        years = sorted({r.year for r in rows if r.year})
        low, high = (years[0], years[-1]) if years else (0, 0)
        if len(years) > 1:
            low, high = st.slider("Years (inspection start)", years[0], years[-1], (years[0], years[-1]),
                                  key="ia_j_years")
    narrowed = bool(years) and (low, high) != (years[0], years[-1])
    return filter_rows(rows, councils, frameworks, (low, high), narrowed), latest


def filter_rows(rows: Sequence[JudgementRow], councils: Sequence[str], frameworks: Sequence[str],
                years: tuple[int, int], narrowed: bool) -> list[JudgementRow]:
    """Rows of the chosen councils and frameworks (none chosen: all); a narrowed year range leaves out the
    rows outside it and those whose year is unknown."""
    return [r for r in rows
            if (not councils or r.council in councils) and (not frameworks or r.framework in frameworks)
            and (not narrowed or years[0] <= r.year <= years[1])]


# -- the table and its downloads ---------------------------------------------------------------------------
def table_frame(rows: Sequence[JudgementRow]) -> pd.DataFrame:
    records = [{"Council": r.council, "Framework": r.framework, "Inspection start": r.inspection_start,
                "Inspection end": r.inspection_end, "Published": r.published, "Lead inspector": r.lead_inspector,
                **{AREA_HEADINGS[k]: r.grades.get(k, "") for k in AREA_KEYS}, "Report": r.source}
               for r in rows]
    columns = ["Council", "Framework", "Inspection start", "Inspection end", "Published", "Lead inspector",
               *(AREA_HEADINGS[k] for k in AREA_KEYS), "Report"]
    return pd.DataFrame(records, columns=columns).replace("", EMPTY)


def downloads(rows: Sequence[JudgementRow]) -> None:
    left, right = st.columns(2)
    left.download_button("Download CSV", data=partial(to_csv, list(rows)), file_name="judgements.csv",
                         mime="text/csv", key="ia_j_csv")
    right.download_button("Download Excel", data=partial(to_xlsx, list(rows)), file_name="judgements.xlsx",
                          mime=XLSX_MIME, key="ia_j_xlsx")


# -- charts ------------------------------------------------------------------------------------------------
def _grade_scale(grades: Sequence[str]) -> alt.Scale:
    return alt.Scale(domain=list(grades), range=[GRADE_COLOURS.get(g, "#999999") for g in grades])


def distribution_chart(rows: Sequence[JudgementRow]) -> alt.Chart:
    """Bars per judgement area: how many of the rows shown give each grade."""
    counts = grade_distribution(rows)
    grades = list(next(iter(counts.values())))
    data = pd.DataFrame([{"area": AREA_HEADINGS[k], "grade": g, "reports": n}
                         for k, by_grade in counts.items() for g, n in by_grade.items()])
    areas = [AREA_HEADINGS[k] for k in AREA_KEYS]
    return alt.Chart(data).mark_bar().encode(
        x=alt.X("area:N", sort=areas, title=None, axis=alt.Axis(labelAngle=0)),
        xOffset=alt.XOffset("grade:N", sort=grades),
        y=alt.Y("reports:Q", title="reports", axis=alt.Axis(tickMinStep=1)),
        color=alt.Color("grade:N", sort=grades, scale=_grade_scale(grades), title="grade"),
        tooltip=["area", "grade", "reports"])


def timeline_chart(rows: Sequence[JudgementRow]) -> alt.Chart:
    """A council's grades over time: x the inspection date, y the grade (best at the top), a line per area."""
    data = pd.DataFrame(grade_points(rows), columns=["date", "area", "area_label", "grade", "source"])
    data["area"] = data["area"].map(AREA_HEADINGS)
    # every ILACS grade on the axis, so one council's chart reads like another's; the areas side by side in
    # each grade's band, as most of a report's judgements share a grade
    grades = [g for g in GRADES if g != ADEQUATE or g in set(data["grade"])]
    areas = [AREA_HEADINGS[k] for k in AREA_KEYS]
    return alt.Chart(data, height=300).mark_line(point=alt.OverlayMarkDef(size=60)).encode(
        x=alt.X("date:T", title="inspection"),
        y=alt.Y("grade:N", sort=grades, scale=alt.Scale(domain=grades), title=None),
        yOffset=alt.YOffset("area:N", sort=areas),
        color=alt.Color("area:N", sort=areas, title="judgement area"),
        tooltip=["date", "area", "grade", "source"])


def council_history(rows: Sequence[JudgementRow]) -> None:
    """For a chosen council: its grades over time (every report the filters keep, not only the latest)."""
    councils = sorted({r.council for r in rows if r.council})
    if not councils:
        return
    st.subheader("A council over time")
    council = st.selectbox("Council to follow", councils, key="ia_j_history_council")
    history = sorted((r for r in rows if r.council == council), key=lambda r: (r.date, r.source))
    if grade_points(history):
        st.altair_chart(timeline_chart(history), width="stretch")
    else:
        st.caption("None of this council's reports shown states a grade.")
    st.dataframe(table_frame(history), hide_index=True, width="stretch", key="ia_j_history_table")


# -- one cell: its line and page ---------------------------------------------------------------------------
def field_label(name: str) -> str:
    if name in FIELD_LABELS:
        return FIELD_LABELS[name]
    key = name.removeprefix("grades.")
    return f"Grade: {AREA_BY_KEY[key].label}" if key in AREA_BY_KEY else name


def cell_value(row: JudgementRow, name: str) -> str:
    if name in CITED:
        return str(getattr(row, name))
    key = name.removeprefix("grades.")
    return row.grades.get(key) or row.other_grades.get(key, "")


def row_label(row: JudgementRow) -> str:
    return " — ".join(x for x in (row.council, row.framework, row.date, row.source) if x)


def cell_view(rows: Sequence[JudgementRow], page_image: PageImage) -> None:
    st.subheader("Where a value comes from")
    index = st.selectbox("Report", range(len(rows)), format_func=lambda i: row_label(rows[i]), key="ia_j_cell_row")
    row = rows[index or 0]
    names = [n for n in (*CITED, *(f"grades.{k}" for k in (*AREA_KEYS, *row.other_grades))) if n in row.citations]
    if not names:
        st.caption("The report states none of the table's values.")
        return
    name = st.selectbox("Field", names, format_func=field_label, key="ia_j_cell_field")
    if name not in row.citations:  # the field chosen for another report
        name = names[0]
    cited = row.citations[name]
    page, quote = int(cited.get("page") or 0), str(cited.get("quote", ""))
    st.markdown(f"**{escape_markdown(field_label(name))}:** {escape_markdown(cell_value(row, name))}")
    st.caption(f"Quoted from {row.source}" + (f", page {page}" if page else ""))
    st.text(" ".join(quote.split()))
    show_page(row, page, quote, page_image)


def show_page(row: JudgementRow, page: int, quote: str, page_image: PageImage) -> None:
    path = Path(row.path) if row.path else None
    if not page or path is None or path.suffix.lower() != ".pdf":
        return
    if not path.is_file():
        st.caption("The report is no longer at its ingest location.")
        return
    try:
        png, found = page_image(str(path), page, quote, path.stat().st_mtime)
    except Exception as exc:  # a damaged or replaced file must not break the page
        st.caption(f"Page preview unavailable: {escape_markdown(' '.join(str(exc).split())[:300])}")
        return
    st.image(png, caption=f"Page {page}" + ("" if found else " (the quoted line could not be located)"), width=640)

