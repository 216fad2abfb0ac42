"""Streamlit UI: `streamlit run app.py` from the repository root (or `inspection-assistant app`). Two pages
(st.navigation): the chat, and Judgements (the judgements table, `app_pages/judgements.py`).

A thin layer: widgets and layout only. Answering is `assistant.Assistant.ask`, uploads are
`ingest.uploads`, exports and safe display helpers `assistant.export`, page images `assistant.pdf_highlight`.

Document-derived text is never rendered as HTML: it goes through `escape_markdown` (or `st.text`), so a
document containing <script>, [links](x) or $LaTeX$ shows literally.
"""

from __future__ import annotations

import sys
import threading
import time
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from assistant import Answer, Assistant, Citation, Filters, QuestionError, Settings  # noqa: E402
from assistant.core import EMPTY_INDEX  # noqa: E402
from assistant.export import (  # noqa: E402
    MAX_CLOSEST,
    NO_COVERAGE,
    answer_docx,
    answer_markdown,
    answer_paragraphs,
    conversation_docx,
    conversation_markdown,
    escape_markdown,
    file_stem,
    highlighted_markdown,
    passage_label,
    scope_label,
    source_label,
    split_lead,
)
from domain.layouts import filterable_sections  # noqa: E402

# Session-state keys (all namespaced "ia_")
TURNS = "ia_turns"  # list of {"question", "answer": Answer, "filters": Filters}
UPLOAD_RESULTS = "ia_upload_results"
NOTICE = "ia_notice"

SECTION_KINDS = filterable_sections()  # kind -> label
ANY = "Any"


# -- server-wide resources (loaded once per server process) ------------------------------------------------
@st.cache_resource(show_spinner="Loading the model and the index…")
def load_assistant(settings_key: str, _settings: Settings) -> Assistant:
    """One Assistant per distinct configuration; `settings_key` (repr of the settings) is the cache key."""
    from assistant.service import open_assistant  # exclusive: a CLI ingest may be creating the same new index

    assistant = open_assistant(_settings)
    assistant.warm_up()
    return assistant


@st.cache_resource
def refresh_lock(settings_key: str) -> threading.Lock:
    return threading.Lock()


@st.cache_data(max_entries=64, show_spinner=False)
def page_image(path: str, page: int, quote: str, mtime: float) -> tuple[bytes, bool]:
    """PNG of a PDF page with the quote highlighted (cached per file version, page and quote)."""
    import io

    from assistant.pdf_highlight import render_highlight

    result = render_highlight(path, page, quote, scale=1.4)
    buffer = io.BytesIO()
    result.image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue(), result.found


def one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return escape_markdown(text[:300])


def get_assistant() -> tuple[Settings, Assistant]:
    from vectorstore import ModelUnavailable, StoreUnavailable

    try:
        settings = Settings.from_env()
    except ValueError as exc:
        st.error(f"Configuration error: {one_line(exc)}")
        st.stop()
    try:
        return settings, load_assistant(repr(settings), settings)
    except (StoreUnavailable, ModelUnavailable) as exc:
        st.error(f"Cannot load the index: {one_line(exc)}")
        st.stop()
    raise AssertionError("unreachable")


def index_info(settings: Settings, assistant: Assistant) -> dict[str, Any]:
    from assistant.service import index_status

    return index_status(settings, assistant.store).to_dict()


# -- sidebar -----------------------------------------------------------------------------------------------
def sidebar(settings: Settings, assistant: Assistant) -> Filters:
    from vectorstore import StoreUnavailable

    with st.sidebar:
        st.header("Filters")
        try:
            info = index_info(settings, assistant)
        except StoreUnavailable as exc:
            st.error(f"Index unavailable: {one_line(exc)}")
            info = {"documents": [], "total_chunks": 0, "embedding_model": "?", "path": str(settings.data_dir),
                    "mode": "?"}
        docs = info["documents"]
        filters = filter_widgets(docs)
        upload_section(settings, assistant)
        st.header("Index")
        st.markdown(
            f"**{len(docs)}** documents · **{info['total_chunks']}** passages  \n"
            f"Model: `{info['embedding_model']}` · {info['mode']} index  \n"
            f"Reranker: `{settings.rerank}`"
            + (f" · `{Path(settings.cross_encoder_path).name}`" if settings.rerank == "cross-encoder" else "")
            + "  \n"
            f"Backend: `{settings.backend}`" + (f" · `{settings.llm_model}`" if settings.llm_model else "")
        )
        st.caption("Index location")
        st.code(str(info["path"]), language=None)
        if docs:
            with st.expander("Documents in the index"):
                for d in docs:
                    st.markdown(escape_markdown(" — ".join(x for x in (d["title"] or d["source"], d["date"],
                                                                         d["council"], d["doc_type"]) if x)))
        if st.button("Reload index", key="ia_reload", help="Pick up documents ingested from the command line."):
            with refresh_lock(repr(settings)):
                assistant.refresh()
    return filters


def filter_widgets(docs: list[dict[str, Any]]) -> Filters:
    def options(field: str) -> list[str]:
        return [ANY] + sorted({d[field] for d in docs if d.get(field)})

    council = st.selectbox("Council", options("council"), key="ia_filter_council")
    years = sorted({int(d["date"][:4]) for d in docs if str(d.get("date", ""))[:4].isdigit()})
    year_from = year_to = None
    if len(years) > 1:
        low, high = st.slider("Years", years[0], years[-1], (years[0], years[-1]), key="ia_filter_years")
        year_from = low if low > years[0] else None
        year_to = high if high < years[-1] else None
    doc_type = st.selectbox("Document type", options("doc_type"), key="ia_filter_doc_type")
    inspection = st.selectbox("Inspection type", options("inspection_type"), key="ia_filter_inspection")
    section = st.selectbox("Section", [ANY, *SECTION_KINDS], key="ia_filter_section",
                           format_func=lambda k: SECTION_KINDS.get(k, k))
    return Filters(council=None if council == ANY else council, year_from=year_from, year_to=year_to,
                   doc_type=None if doc_type == ANY else doc_type,
                   inspection_type=None if inspection == ANY else inspection,
                   section=None if section == ANY else section)


def upload_section(settings: Settings, assistant: Assistant) -> None:
    from ingest import IngestBusy
    from ingest.uploads import UPLOAD_SUFFIXES, process_uploads
    from vectorstore import StoreUnavailable

    st.header("Add documents")
    limit = settings.max_file_mb
    with st.form("ia_upload_form", clear_on_submit=True, border=False):
        files = st.file_uploader(
            "PDF, Word, HTML, .txt or .md files", type=[s.lstrip(".") for s in UPLOAD_SUFFIXES], accept_multiple_files=True,
            key="ia_uploader", max_upload_size=max(1, int(limit)),
            help=f"Up to {limit:g} MB per file (INSPECTION_ASSISTANT_MAX_FILE_MB). Scanned PDFs need OCR first.")
        submitted = st.form_submit_button("Add to index")
    if submitted and files:
        bar = st.progress(0.0, text="Reading files…")

        def progress(done: int, total: int, stage: str) -> None:
            bar.progress(min(1.0, done / total) if total else 0.0, text=f"{stage.capitalize()} ({done}/{total})")

        try:
            results = process_uploads([(f.name, f.getvalue()) for f in files], settings, assistant.store, progress)
        except (IngestBusy, StoreUnavailable) as exc:
            st.session_state[UPLOAD_RESULTS] = []
            st.error(one_line(exc))
        except Exception as exc:  # e.g. a disk or database error mid-ingest: one line, not a traceback page
            st.session_state[UPLOAD_RESULTS] = []
            st.error(f"Upload failed, nothing was added: {one_line(exc)}")
        else:
            with refresh_lock(repr(settings)):
                assistant.refresh()
            st.session_state[UPLOAD_RESULTS] = results
            if any(r.ok for r in results):
                st.rerun()  # redraw filters and index status with the new documents
        bar.empty()
    for result in st.session_state.get(UPLOAD_RESULTS, []):
        (st.success if result.ok else st.error)(escape_markdown(result.message))


# -- answers -----------------------------------------------------------------------------------------------
def render_answer(answer: Answer, key: str) -> None:
    if answer.abstained:
        render_abstention(answer, key)
        return
    for paragraph in answer_paragraphs(answer):
        lead, rest = split_lead(paragraph, bool(answer.groups))
        st.markdown(f"**{lead}** {escape_markdown(rest)}" if lead else escape_markdown(rest))  # lead: our constant
    if answer.citations:
        st.markdown("**Sources**")
        for citation in answer.citations:
            render_citation(citation, f"{key}_{citation.n}")
    caption = f"{answer.backend} backend · {answer.timings_ms.get('total', 0) / 1000:.1f} s"
    if answer.scope:
        caption += f" · {scope_label(answer.scope)}"
    st.caption(caption)


def render_abstention(answer: Answer, key: str) -> None:
    notice = NO_COVERAGE
    if answer.notice == EMPTY_INDEX:
        notice = "The index holds no documents yet: add some under 'Add documents' in the sidebar."
    elif answer.notice:  # the reason ("no ILACS document from Cheshire East is indexed") is worth reading
        notice += f" ({answer.notice})"
    st.info(escape_markdown(notice), icon="ℹ️")
    if answer.passages:
        st.caption("The closest passages, so you can check for yourself:")
        for rank, passage in enumerate(answer.passages[:MAX_CLOSEST], 1):
            with st.expander(escape_markdown(passage_label(passage, rank))):
                st.markdown(escape_markdown(passage.chunk.text))
                source_download(passage.chunk.path, passage.chunk.source, f"{key}_p{rank}")


def render_citation(c: Citation, key: str) -> None:
    with st.expander(escape_markdown(source_label(c))):
        st.markdown(highlighted_markdown(c.text, c.quote))
        source_download(c.path, c.source, key)
        if c.page and c.path.lower().endswith(".pdf") and Path(c.path).is_file():
            try:
                png, found = page_image(c.path, int(c.page), c.quote, Path(c.path).stat().st_mtime)
            except Exception as exc:  # a damaged or replaced file must not break the answer
                st.caption(f"Page preview unavailable: {one_line(exc)}")
            else:
                caption = f"Page {c.page}" + ("" if found else " (the quoted sentence could not be located)")
                st.image(png, caption=caption, width=640)


def source_download(path: str, name: str, key: str) -> None:
    file = Path(path) if path else None
    if file is not None and file.is_file():
        st.download_button(f"Download {escape_markdown(name)}", data=partial(file.read_bytes), file_name=name,
                           mime="application/pdf" if name.lower().endswith(".pdf") else "text/plain",
                           key=f"ia_dl_{key}")
    else:
        st.caption("The source file is no longer at its ingest location.")


def history_for_ask() -> list[dict[str, str]]:
    history: list[dict[str, str]] = []
    for turn in st.session_state[TURNS]:
        history.append({"role": "user", "content": turn["question"]})
        history.append({"role": "assistant", "content": turn["answer"].text})
    return history


def ask(assistant: Assistant, question: str, filters: Filters) -> Answer | None:
    from ingest import IngestBusy
    from vectorstore import StoreUnavailable

    try:
        with st.spinner("Searching the documents…"):
            return assistant.ask(question, history=history_for_ask() or None, filters=filters)
    except (QuestionError, StoreUnavailable, IngestBusy) as exc:
        st.error(one_line(exc))
    return None


def export_row() -> None:
    turns = st.session_state[TURNS]
    if not turns:
        return
    last = turns[-1]
    pairs = [(t["answer"], t["filters"]) for t in turns]
    stem = file_stem(last["question"])
    st.caption("Export for a committee report")
    cols = st.columns(4)
    cols[0].download_button("Answer (.md)", data=partial(answer_markdown, last["answer"], last["filters"]),
                            file_name=f"{stem}.md", mime="text/markdown", key="ia_export_answer_md")
    cols[1].download_button("Answer (.docx)", data=partial(answer_docx, last["answer"], last["filters"]),
                            file_name=f"{stem}.docx", key="ia_export_answer_docx",
                            mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    cols[2].download_button("Conversation (.md)", data=partial(conversation_markdown, pairs),
                            file_name="conversation.md", mime="text/markdown", key="ia_export_conv_md")
    cols[3].download_button("Conversation (.docx)", data=partial(conversation_docx, pairs),
                            file_name="conversation.docx", key="ia_export_conv_docx",
                            mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document")


# -- pages ------------------------------------------------------------------------------------------------
def chat_page() -> None:
    st.session_state.setdefault(TURNS, [])
    settings, assistant = get_assistant()
    filters = sidebar(settings, assistant)

    head, button = st.columns([5, 1], vertical_alignment="bottom")
    head.title("Inspection assistant")
    if button.button("New conversation", key="ia_new_conversation"):
        st.session_state[TURNS] = []
    st.caption("Ask about the indexed inspection letters and committee reports. Every statement cites its "
               "source passage; expand a source to see the quoted sentence in context.")

    question = st.chat_input("Ask about the inspection documents…", key="ia_question",
                             max_chars=settings.max_question_chars)
    for i, turn in enumerate(st.session_state[TURNS]):
        with st.chat_message("user"):
            st.markdown(escape_markdown(turn["question"]))
        with st.chat_message("assistant"):
            render_answer(turn["answer"], f"t{i}")

    if question:
        with st.chat_message("user"):
            st.markdown(escape_markdown(question))
        with st.chat_message("assistant"):
            started = time.perf_counter()
            answer = ask(assistant, question, filters)
            if answer is not None:
                answer.timings_ms.setdefault("total", (time.perf_counter() - started) * 1000)
                index = len(st.session_state[TURNS])
                st.session_state[TURNS].append({"question": question, "answer": answer, "filters": filters})
                render_answer(answer, f"t{index}")
    export_row()


def judgements_page() -> None:
    """The judgements table of the indexed Ofsted reports (app_pages/judgements.py draws it)."""
    from app_pages.judgements import render
    from vectorstore import StoreUnavailable

    _, assistant = get_assistant()
    try:
        documents = assistant.store.list_documents()
    except StoreUnavailable as exc:
        st.error(f"Index unavailable: {one_line(exc)}")
        return
    render(documents, page_image)


def pages() -> list[Any]:
    return [st.Page(chat_page, title="Chat", icon="💬", default=True),
            st.Page(judgements_page, title="Judgements", icon="📊", url_path="judgements")]


def main() -> None:
    st.set_page_config(page_title="Inspection assistant", page_icon="🔎", layout="wide")
    st.navigation(pages()).run()


if __name__ == "__main__":
    main()
