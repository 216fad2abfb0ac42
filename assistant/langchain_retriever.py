"""The hybrid retriever behind LangChain's retriever interface (a Runnable: ``.invoke(question)``)."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever

from assistant.plan import plan_question


class AssistantRetriever(BaseRetriever):
    """The hybrid retriever behind LangChain's retriever interface (Runnable: ``.invoke(question)``)."""

    hybrid: Any
    filters: Any = None

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        s = self.hybrid.settings
        plan = plan_question(query, self.hybrid.facts(), self.filters, use_scope=s.use_scope,
                             use_glossary=s.use_glossary)
        result = self.hybrid.search(plan)
        return [Document(page_content=p.chunk.text, id=p.chunk.id, metadata={**p.chunk.metadata(), "score": p.score})
                for p in result.passages[: s.k]]
