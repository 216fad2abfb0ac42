"""Answering with an LLM through LangChain chat models, validated against the retrieved passages.

Backends: any OpenAI-compatible endpoint (``langchain-openai``), Ollama (``langchain-ollama``), or a local GGUF
file through llama.cpp (``langchain-community`` + the optional ``llama-cpp-python`` extra). Every answer is
post-checked: sentences citing no retrieved passage are dropped, and each remaining sentence gets the same
claim-level support score the offline answerer is held to.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage

from assistant.config import Settings
from assistant.protocols import Draft
from assistant.support import best_supporting_sentence
from assistant.types import AnswerSentence, Citation, Passage
from domain.text import split_sentences

if TYPE_CHECKING:
    from assistant.plan import QueryPlan

NOT_IN_DOCUMENTS = "NOT_IN_DOCUMENTS"


class LLMUnavailable(RuntimeError):
    """The configured LLM backend cannot be used (missing package, model or endpoint)."""


def load_prompt(prompts_dir: Path, name: str) -> str:
    return (prompts_dir / name).read_text(encoding="utf-8")


def format_passages(passages: Sequence[Passage]) -> str:
    """Passages as delimited, escaped data blocks: a passage cannot close its tag or fake another passage."""
    blocks = []
    for n, p in enumerate(passages, start=1):
        c = p.chunk
        attrs = f'n="{n}" source="{escape(c.source)}" section="{escape(c.section)}" paragraph="{escape(c.paragraph)}"'
        blocks.append(f"<passage {attrs}>\n{escape(c.text, quote=False)}\n</passage>")
    return "\n\n".join(blocks)


def make_chat_model(settings: Settings) -> BaseChatModel:
    backend = settings.backend
    if backend == "openai":
        from langchain_openai import ChatOpenAI

        if not settings.llm_model:
            raise LLMUnavailable("backend 'openai' needs INSPECTION_ASSISTANT_LLM_MODEL (and usually LLM_BASE_URL)")
        return ChatOpenAI(model=settings.llm_model, base_url=settings.llm_base_url or None,
                          api_key=settings.llm_api_key or "not-needed", temperature=settings.llm_temperature,
                          timeout=settings.llm_timeout_s, max_retries=1)
    if backend == "ollama":
        from langchain_ollama import ChatOllama

        return ChatOllama(model=settings.llm_model or "llama3.2", base_url=settings.llm_base_url or None,
                          temperature=settings.llm_temperature)
    if backend == "llamacpp":
        try:
            from langchain_community.chat_models import ChatLlamaCpp
        except ImportError as exc:
            raise LLMUnavailable("backend 'llamacpp' needs: pip install 'inspection-assistant[llamacpp]' "
                                 "langchain-community") from exc
        if not settings.llm_model or not Path(settings.llm_model).exists():
            raise LLMUnavailable("backend 'llamacpp' needs INSPECTION_ASSISTANT_LLM_MODEL=/path/to/model.gguf")
        return ChatLlamaCpp(model_path=settings.llm_model, temperature=settings.llm_temperature, n_ctx=4096,
                            verbose=False)
    raise LLMUnavailable(f"no LLM for backend '{backend}'")


@dataclass
class LLMAnswerer:
    """An answerer that asks a chat model, then keeps only what cites the retrieved passages."""

    model: BaseChatModel
    system_prompt: str
    user_template: str
    condense_template: str
    backend: str
    stage = "llm"

    @property
    def name(self) -> str:
        return self.backend

    @classmethod
    def from_settings(cls, settings: Settings, model: BaseChatModel | None = None) -> LLMAnswerer:
        d = settings.prompts_dir
        return cls(model or make_chat_model(settings), load_prompt(d, "answer_system.md"),
                   load_prompt(d, "answer_user.md"), load_prompt(d, "condense.md"), settings.backend)

    def messages(self, question: str, passages: Sequence[Passage]) -> list[Any]:
        user = self.user_template.replace("{passages}", format_passages(passages)).replace("{question}", question)
        return [SystemMessage(self.system_prompt), HumanMessage(user)]

    def standalone(self, question: str, history: Sequence[dict[str, str]]) -> tuple[str, str]:
        return self.condense(question, history), ""

    def condense(self, question: str, history: Sequence[dict[str, str]]) -> str:
        transcript = "\n".join(f"{m.get('role', 'user')}: {m.get('content', '')}" for m in history[-6:])
        prompt = self.condense_template.replace("{history}", transcript).replace("{question}", question)
        reply = str(self.model.invoke([HumanMessage(prompt)]).content).strip()
        return reply.splitlines()[0].strip() if reply else question

    def answer(self, plan: QueryPlan, passages: Sequence[Passage]) -> Draft:
        reply = str(self.model.invoke(self.messages(plan.condensed, passages)).content).strip()
        return validate_reply(reply, list(passages))


def validate_reply(reply: str, passages: list[Passage]) -> Draft:
    """Keep only sentences whose markers point at retrieved passages, renumbered, each citation quoting the
    passage sentences that back it (the support check is the caller's, as for every answerer)."""
    if not reply or NOT_IN_DOCUMENTS in reply:
        return Draft("", [], [], abstained=True, notice="the model found no answer in the passages")
    renumber: dict[int, int] = {}
    citations: list[Citation] = []
    quotes: dict[int, list[str]] = {}  # new number -> the passage's sentences that back the claims citing it
    sentences: list[AnswerSentence] = []
    dropped = 0
    for raw in split_sentences(reply.replace("\n", " ")):
        markers = [int(m) for m in re.findall(r"\[(\d+)\]", raw)]
        valid = [m for m in dict.fromkeys(markers) if 1 <= m <= len(passages)]
        if not valid:
            dropped += 1  # an uncited or mis-cited sentence never reaches the user
            continue
        for m in valid:
            p = passages[m - 1]
            if m not in renumber:
                renumber[m] = len(renumber) + 1
                citations.append(Citation.from_passage(renumber[m], p, ""))
            backing = best_supporting_sentence(raw, p.chunk.text)
            if backing not in quotes.setdefault(renumber[m], []):
                quotes[renumber[m]].append(backing)
        text = re.sub(r"\s*\[(\d+)\]", lambda mt: f" [{renumber[int(mt.group(1))]}]"
                      if int(mt.group(1)) in renumber else "", raw).strip()
        sentences.append(AnswerSentence(text=text, citations=[renumber[m] for m in valid]))
    if not sentences:
        return Draft("", [], [], abstained=True, notice="the model's answer cited none of the retrieved passages")
    for citation in citations:  # in the passage's reading order, joined with the elision mark as compose does
        text = citation.text
        citation.quote = " [...] ".join(sorted(quotes[citation.n], key=lambda q: text.find(q)))
    notice = f"{dropped} uncited sentence(s) removed" if dropped else ""
    return Draft(" ".join(s.text for s in sentences), citations, sentences, notice=notice)
