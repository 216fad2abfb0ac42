"""The baseline every report is compared with: a textbook LangChain pipeline.

RecursiveCharacterTextSplitter(1000/200) over the same files, the same embedder, Chroma similarity search,
and the top chunk as the "answer" (it never abstains).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from langchain_core.documents import Document


def add_documents(store: Any, chunks: list[Document]) -> None:
    """``store.add_documents`` in batches Chroma accepts (one call of 16k chunks fails: "Batch size … greater than
    max batch size"), as a user of the tutorial pipeline does on a whole folder of reports."""
    size = store._client.get_max_batch_size()  # langchain_chroma keeps its client there; it has no public getter
    for start in range(0, len(chunks), size):
        batch = chunks[start:start + size]
        store.add_documents(batch, ids=[f"naive-{i}" for i in range(start, start + len(batch))])


class NaivePipeline:
    def __init__(self, files: list[Path], embedder: Any, k: int = 5):
        import chromadb
        from chromadb.config import Settings as ChromaSettings
        from langchain_chroma import Chroma
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        from ingest.loaders import IngestError, load_file
        from vectorstore.embeddings import langchain_embeddings

        self.k = k
        self._tmp = tempfile.TemporaryDirectory(prefix="naive-")
        client = chromadb.PersistentClient(path=self._tmp.name, settings=ChromaSettings(anonymized_telemetry=False))
        self.store = Chroma(client=client, collection_name="naive", embedding_function=langchain_embeddings(embedder),
                            collection_metadata={"hnsw:space": "cosine"})
        splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
        docs = []
        for path in files:
            try:
                source = load_file(path, 50_000_000)
            except IngestError:
                continue  # what the product refuses (a .csv, an HTML page named .pdf) the tutorial skips too
            docs.append(Document(page_content="\n".join(source.pages),
                                 metadata={"source": path.name, "path": str(path.resolve())}))
        add_documents(self.store, splitter.split_documents(docs))

    def ask(self, question: str) -> dict[str, Any]:
        t = time.perf_counter()
        hits = self.store.similarity_search_with_relevance_scores(question, k=self.k)
        ms = (time.perf_counter() - t) * 1000
        passages = [{"source": d.metadata["source"], "path": d.metadata.get("path", ""), "text": d.page_content,
                     "score": s} for d, s in hits]
        top = passages[:1]
        return {
            "answer": top[0]["text"] if top else "",
            "abstained": False,
            "citations": [{"n": 1, **top[0]}] if top else [],
            "sentences": [],
            "passages": passages,
            "timings_ms": {"total": ms},
        }

    def close(self) -> None:
        self._tmp.cleanup()
