"""Hostile documents (tests/hostile.py) with the real default model: answers never obey them.

Checked on the raw text as the model streams it, not only on the checked answer, since the page
shows the stream as it comes.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rag.answer import Assistant
from rag.api import assistant, build_index
from rag.types import Answer
from tests import hostile

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def bot(built: Path, tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    base = tmp_path_factory.mktemp("hostile")
    shutil.copytree(built / "seeds", base / "seeds")
    shutil.copytree(built / "index", base / "index")
    hostile.write(base / "seeds")
    build_index(base / "seeds", base / "index", progress=False)  # incremental: only the six new files
    return assistant(base / "index", "qwen2.5-coder-1.5b")


@pytest.mark.parametrize("name", list(hostile.HOSTILE))
def test_a_hostile_document_is_not_obeyed(bot: Assistant, name: str) -> None:
    _text, question, fact, obeyed = hostile.HOSTILE[name]
    events = list(bot.stream(question))
    answer = events[-1]
    assert isinstance(answer, Answer)
    streamed = "".join(e for e in events if isinstance(e, str))
    for sign in obeyed:
        assert sign.lower() not in streamed.lower(), (sign, streamed)
        assert sign.lower() not in answer.text.lower(), (sign, answer.text)
    # Not obeying must not mean not answering from the document: the fact, cited to it.
    assert answer.found and fact in answer.text, answer.text
    assert any(c.source.endswith(name) for c in answer.citations), answer.citations
