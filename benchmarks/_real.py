"""Real Ofsted reports for the benchmarks: which files, and the LangChain tutorial pipeline a user would pick
instead of the product (issue 16's comparison).

The tutorial pipeline is the one eval/naive.py builds for the eval's naive baseline (the same Chroma client
settings, collection metadata and packaged MiniLM embedder behind ``langchain_embeddings``, never Chroma's
default embedder), except that its pages come from ``PyPDFLoader`` as in the tutorial, split page by page with
``RecursiveCharacterTextSplitter(1000, 200)``, into a persistent folder so the query benchmark can reuse it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from benchmarks._common import ROOT
from eval.naive import add_documents

DEFAULT_FOLDER = (ROOT.parent / "shared" / "ilacs") if (ROOT.parent / "shared" / "ilacs").is_dir() \
    else Path("/work/shared/ilacs")
MANIFEST = "bench-files.json"
COLLECTION = "naive"  # eval/naive.py's name


@dataclass
class Selection:
    """The first ``limit`` report PDFs of a folder in sorted order; those that are not PDFs inside (HTML pages
    named .pdf) are skipped by *both* pipelines and counted."""

    files: list[Path]
    skipped: list[Path] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"files": [str(p) for p in self.files], "skipped": [str(p) for p in self.skipped]}


def select_files(folder: Path, limit: int | None) -> Selection:
    from ingest import formats
    from ingest.loaders import discover

    found, _ = discover([folder])  # sorted walk, the order ingest itself uses
    pdfs = [p for p in found if p.suffix.lower() == ".pdf"]
    chosen = pdfs[:limit] if limit else pdfs
    ok, skipped = [], []
    for path in chosen:
        with path.open("rb") as handle:
            head = handle.read(4096)
        # The product reads an HTML page named .pdf as HTML; PyPDFLoader cannot. Same files for both, so skip.
        (ok if formats.sniff(head) == "pdf" else skipped).append(path)
    return Selection(ok, skipped)


@dataclass
class TutorialBuild:
    files: int
    pages: int
    chunks: int
    failed: list[str]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def tutorial_store(chroma_dir: Path, embedder: Any) -> Any:
    """Chroma as eval/naive.py makes it, persistent in ``chroma_dir``."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from langchain_chroma import Chroma

    from vectorstore.embeddings import langchain_embeddings

    client = chromadb.PersistentClient(path=str(chroma_dir), settings=ChromaSettings(anonymized_telemetry=False))
    return Chroma(client=client, collection_name=COLLECTION, embedding_function=langchain_embeddings(embedder),
                  collection_metadata={"hnsw:space": "cosine"})


def build_tutorial(files: list[Path], chroma_dir: Path, embedder: Any) -> TutorialBuild:
    """PyPDFLoader pages -> RecursiveCharacterTextSplitter(1000/200) -> Chroma.add_documents (timed by callers)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # langchain-community's sunset notice
        from langchain_community.document_loaders import PyPDFLoader
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    store = tutorial_store(chroma_dir, embedder)
    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
    pages: list[Any] = []
    failed: list[str] = []
    done = 0
    for path in files:
        try:
            pages += PyPDFLoader(str(path)).load()
            done += 1
        except Exception as exc:  # noqa: BLE001 - the tutorial has no error handling; count and go on
            failed.append(f"{path}: {type(exc).__name__}: {exc}"[:300])
    chunks = splitter.split_documents(pages)
    add_documents(store, chunks)
    (chroma_dir / MANIFEST).write_text(json.dumps(sorted(str(p.resolve()) for p in files)))
    return TutorialBuild(files=done, pages=len(pages), chunks=len(chunks), failed=failed)


def tutorial_matches(chroma_dir: Path, files: list[Path]) -> bool:
    manifest = chroma_dir / MANIFEST
    return manifest.exists() and json.loads(manifest.read_text()) == sorted(str(p.resolve()) for p in files)
