"""Conformance: every Reranker and every Answerer honours its protocol (assistant/protocols.py), and the checks
``Assistant.ask`` applies to every answerer's draft (answer type, claim support) apply to each of them."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant import Assistant, Settings
from assistant.compose import OfflineAnswerer
from assistant.llm import LLMAnswerer, load_prompt
from assistant.protocols import Answerer, Draft, Reranker
from assistant.rerank import CrossEncoderReranker, FeatureReranker, NoReranker

QUESTION = "what did inspectors say about MACE meetings?"


@pytest.fixture(params=["features", "none", "cross-encoder"])
def reranker(request: pytest.FixtureRequest) -> Reranker:
    if request.param == "features":
        return FeatureReranker()
    if request.param == "none":
        return NoReranker()
    return CrossEncoderReranker(str(request.getfixturevalue("cross_encoder_dir")))


def test_a_reranker_scores_every_candidate_and_nothing_else(assistant: Assistant, reranker: Reranker) -> None:
    assert isinstance(reranker, Reranker)
    plan = assistant.plan(QUESTION)
    passages = assistant.retriever.retrieve(plan, plan.searches[0]).passages
    ids = [p.chunk.id for p in passages]
    base = [dict(coverage=p.scores["coverage"], sentence=p.scores["sentence"]) for p in passages]
    for p in passages:
        p.score = float("nan")
    reranker.score(plan, passages)
    assert [p.chunk.id for p in passages] == ids  # the caller sorts; a reranker neither adds nor drops
    assert all(isinstance(p.score, float) and p.score == p.score for p in passages)  # every one scored (no NaN)
    # the base features compose and abstention read are retrieval's, whichever reranker runs
    assert [dict(coverage=p.scores["coverage"], sentence=p.scores["sentence"]) for p in passages] == base
    first = [p.score for p in passages]
    reranker.score(plan, passages)
    assert [p.score for p in passages] == pytest.approx(first)  # deterministic


def llm_answerer(*replies: str) -> LLMAnswerer:
    """An LLM answerer whose chat model (LangChain's fake) replies with what the test scripted."""
    from langchain_core.language_models.fake_chat_models import FakeListChatModel

    prompts = Settings().prompts_dir
    return LLMAnswerer(FakeListChatModel(responses=list(replies)), load_prompt(prompts, "answer_system.md"),
                       load_prompt(prompts, "answer_user.md"), load_prompt(prompts, "condense.md"), "openai")


def _answerers() -> list[tuple[str, Answerer]]:
    return [("offline", OfflineAnswerer()),
            ("llm", llm_answerer("MACE meetings lack structure and rigour [1]. Attendance is inconsistent [2]."))]


@pytest.mark.parametrize(("name", "answerer"), _answerers(), ids=[n for n, _ in _answerers()])
def test_an_answerer_cites_only_what_it_was_given(assistant: Assistant, name: str, answerer: Answerer) -> None:
    import re

    assert isinstance(answerer, Answerer)
    condensed, context = answerer.standalone("and what about health?", [{"role": "user", "content": QUESTION}])
    assert isinstance(condensed, str) and condensed and isinstance(context, str)
    plan = assistant.plan(QUESTION)
    top = assistant.retriever.search(plan).passages[:5]
    draft = answerer.answer(plan, top)
    assert isinstance(draft, Draft) and not draft.abstained and draft.sentences
    given = {p.chunk.id: p.chunk.text for p in top}
    numbers = {c.n for c in draft.citations}
    assert numbers == set(range(1, len(draft.citations) + 1))
    for citation in draft.citations:
        assert citation.chunk_id in given and citation.text == given[citation.chunk_id]
        for piece in citation.quote.split(" [...] "):
            assert piece and piece in citation.text  # quotes are verbatim
    for sentence in draft.sentences:
        assert sentence.citations and set(sentence.citations) <= numbers
    assert {int(m) for m in re.findall(r"\[(\d+)\]", draft.text)} <= numbers


def test_the_answer_type_check_applies_to_every_answerer(sample_index: Path) -> None:
    """A question for a sum of money whose draft states none abstains, whichever answerer wrote the draft."""
    settings = Settings.from_env(data_dir=sample_index)
    question = "How much did the MACE meetings cost?"
    for answerer in (OfflineAnswerer.from_settings(settings), llm_answerer("MACE meetings are held monthly [1].")):
        answer = Assistant(settings, answerer=answerer).ask(question)
        assert answer.abstained and "a sum of money" in answer.notice, (answerer.name, answer.text, answer.notice)


def test_the_support_check_applies_to_every_answerer(sample_index: Path) -> None:
    settings = Settings.from_env(data_dir=sample_index)
    offline = Assistant(settings, answerer=OfflineAnswerer.from_settings(settings)).ask(QUESTION)
    assert offline.sentences and all(s.supported and s.support == 1.0 for s in offline.sentences)  # verbatim
    invented = "Inspectors rated the council outstanding in 2031 [1]."
    llm = Assistant(settings, answerer=llm_answerer(invented)).ask(QUESTION)
    assert not llm.abstained and llm.sentences[0].supported is False
    assert "weakly supported" in llm.notice


def test_a_draft_keeps_the_sentences_chosen_and_renumbers_their_citations() -> None:
    from assistant.types import AnswerSentence, Citation

    def cite(n: int) -> Citation:
        return Citation(n=n, chunk_id=f"c{n}", source="x.txt", path="/x.txt", section="", section_kind="",
                        paragraph="", page=None, text=f"text {n}", quote=f"text {n}")

    sentences = [AnswerSentence(text=f"Claim {n} [{n}].", citations=[n]) for n in (1, 2, 3)]
    sentences[2].text, sentences[2].lead = "Also: Claim 3 [3].", "Also:"
    draft = Draft(" ".join(s.text for s in sentences), [cite(1), cite(2), cite(3)], sentences,
                  groups={"strengths": [0], "improvement": [2]})
    draft.keep([1, 2])
    assert [c.chunk_id for c in draft.citations] == ["c2", "c3"] and [c.n for c in draft.citations] == [1, 2]
    assert draft.text == "Claim 2 [1].\n\nAlso: Claim 3 [2]."
    assert [s.citations for s in draft.sentences] == [[1], [2]]
    assert draft.groups == {"improvement": [1]}
