"""The hybrid retriever behind LangChain's retriever interface (a Runnable: ``.invoke(question)``)."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever


class AssistantRetriever(BaseRetriever):
    """The hybrid retriever behind LangChain's retriever interface (Runnable: ``.invoke(question)``)."""

    hybrid: Any
    filters: Any = None

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        result = self.hybrid.retrieve(query, self.filters)
        return [Document(page_content=p.chunk.text, id=p.chunk.id, metadata={**p.chunk.metadata(), "score": p.score})
                for p in result.passages[: self.hybrid.settings.k]]
