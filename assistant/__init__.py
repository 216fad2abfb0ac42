"""Retrieval, answering and citations. The public API is `Assistant.ask`."""

from assistant.config import Settings
from assistant.core import Assistant, QuestionError
from assistant.types import Answer, AnswerSentence, Citation, Passage
from domain.facets import Filters

__all__ = ["Answer", "AnswerSentence", "Assistant", "Citation", "Filters", "Passage", "QuestionError", "Settings"]
