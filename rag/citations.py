"""Checks and repairs the `[n]` markers of a generated answer and picks a verbatim quote for each.

A marker that points to no shown source is removed. A sentence whose cited sources don't support
it (nor state its figures, nor hold as many of its names as another shown passage) is attributed to
the shown passage that does, and a sentence without a marker to the passage that supports it best;
when no passage does, it is marked `[?]`. It does not generate text and never invents a source.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np

from . import grounds, numbers, tidy
from .types import Checked, Citation, Passage

UNSUPPORTED = "[?]"
ATTRIBUTE_MIN = 0.35  # below this cosine a sentence is not taken as supported by a passage

LEXICAL_WEIGHT = 0.5  # shared numbers and names are strong evidence that embeddings blur
# A sentence is moved to the shown passage holding more of its names than the cited ones (qa: gold cited 41 -> 43).
NAMES_DECIDE = True

_MARKER = re.compile(r"\s*\[([^\[\]]*)\]")
_BOUNDARY = re.compile(r"(?<=[.!?])((?:\s*\[[^\[\]]*\])*)\s+")


def claims(text: str) -> list[str]:
    """The answer cut into sentences, each keeping the markers that follow it."""
    out, pos = [], 0
    for m in _BOUNDARY.finditer(text):
        end = m.start() + len(m.group(1))
        out.append(text[pos:end])
        pos = m.end()
    out.append(text[pos:])
    return [c.strip() for c in out if c.strip()]


def markers(claim: str) -> list[int]:
    """Numbers cited in a sentence, in order, e.g. '[1, 3]' -> [1, 3]; junk inside brackets is ignored."""
    nums = []
    for m in _MARKER.finditer(claim):
        nums += [int(x) for x in re.findall(r"\d+", m.group(1)) if len(x) < 4]
    return nums


def strip_markers(claim: str) -> str:
    return _MARKER.sub("", claim).strip()


def _tokens(text: str) -> set[str]:
    """Numbers and longer words, lowercased: the tokens that survive translation best."""
    return {t for t in re.findall(r"\w+", text.lower()) if t.isdigit() or len(t) > 3}


def overlap(claims_: list[str], passages: list[str]) -> np.ndarray:
    """Share of each claim's tokens found in each passage, shape (claims, passages)."""
    ptoks = [_tokens(p) for p in passages]
    rows = []
    for c in claims_:
        ct = _tokens(c)
        rows.append([len(ct & pt) / len(ct) if ct else 0.0 for pt in ptoks])
    return np.array(rows, dtype=np.float32).reshape(len(claims_), len(passages))


def _content(text: str) -> set[str]:
    """`_tokens` plus short names (any capitalised word, e.g. 'MGX'): all that can carry an answer."""
    return _tokens(text) | {t.lower() for t in re.findall(r"\w+", text) if not t.islower()}


def restates(answer: str, question: str) -> bool:
    """True when the answer only echoes the question: it adds no number, name or longer word.
    Small models do this when the shown sources miss the answer ("X did Y [1]" for "Why did X do Y?").
    A number word is new content too, short as it is ("at two US sites" answers "At how many US sites…")."""
    body = strip_markers(answer)
    return not (_content(body) - _content(question) or numbers.figures(body) - numbers.figures(question, lenient=True))


def grounded(stated: set[str], cited: list[set[str]]) -> bool:
    """False when the sentence states a figure (`stated`: digits, number or scale words, in en/nl/de/id, those of
    the question left out) that none of its cited passages' figures (`cited`) holds."""
    return stated <= set().union(*cited)


def with_markers(body: str, nums: list[int]) -> str:
    """The sentence with its markers before its full stop; `[?]` when it cites nothing."""
    tag = "".join(f"[{n}]" for n in dict.fromkeys(nums)) if nums else UNSUPPORTED
    stop = body[-1] if body and body[-1] in ".!?" else ""
    core = body[:-1].rstrip() if stop else body
    return f"{core} {tag}{stop}"


def _attribute(support: np.ndarray, cited: list[int], passages: list[Passage]) -> list[int]:
    """The cited sources that support the sentence; else the one shown passage that does best; else none."""
    kept = [
        n for n in dict.fromkeys(cited) if max(support[j] for j, p in enumerate(passages) if p.n == n) >= ATTRIBUTE_MIN
    ]
    if kept:
        return kept
    j = int(np.argmax(support))
    return [passages[j].n] if support[j] >= ATTRIBUTE_MIN else []


def names(body: str, asked: set[str], language: str | None = None) -> set[str]:
    """The sentence's names that the question (its lowercased words, `asked`) doesn't give, lowercased: capitalised
    words past the first and words with an inner capital ("OpenAI", "CEO"). As in grounds.names, German counts
    only the latter, for it capitalises every noun. Names survive translation, so they tell which of the shown
    sentences, in whatever language, a sentence of the answer was read from."""
    found = set()
    for i, word in enumerate(re.findall(r"[^\W_][\w-]*", body)):
        marked = any(c.isupper() for c in word[1:])
        if marked or (i and word[:1].isupper() and language != "de"):
            found.add(word.lower())
    # A compound whose parts the question gives ("KI-Modelle" for "die KI-Modelle") is no new name.
    return {w for w in found if not set(w.split("-")) <= asked}


def _held(found: set[str], passage: Passage) -> int:
    """How many of the names `found` the passage holds (an inflected or compound form counts, as in grounds.py)."""
    return sum(grounds.holds_all([n], passage.text) for n in found)


def _sources_of(
    marked: list[int],
    sims: np.ndarray,
    passages: list[Passage],
    figs: list[set[str]],
    stated: set[str],
    found: set[str],
) -> list[int]:
    """The shown sources that support one sentence (see the module docstring); [] when none does. `figs` are the
    passages' figures, `stated` the sentence's own (those of the question left out), `found` its names."""
    nums = _attribute(sims, marked, passages)
    backed = [j for j, f in enumerate(figs) if stated <= f]  # the shown passages that state the sentence's figures
    if nums and not grounded(stated, [f for p, f in zip(passages, figs) if p.n in nums]):
        # Cite the shown passage that states the figures, if one does; if none does, the
        # figure is the model's own knowledge and the sentence is unsupported.
        nums = [passages[max(backed, key=lambda j: sims[j])].n] if backed else []
    if nums and found:
        # A passage holding more of the answer's names than the cited ones is where the sentence was read: qa q11
        # "… was Thrive Capital [1]" cited the English sentence about the round, not the German one naming Thrive.
        cited = {n for p in passages if p.n in nums for n in found if _held({n}, p)}
        held = {j: _held(found, passages[j]) for j in backed}
        best = max(held, key=lambda j: (held[j], sims[j]), default=None)
        if best is not None and held[best] > len(cited):
            nums = [passages[best].n]
    return nums


def _kept(rows: list[tuple[int, str, list[int]]], language: str | None) -> list[tuple[int, str, list[int]]]:
    """Rows without noise: sentences saying the sources don't give the answer (they are no claim, whatever they
    cite: an answer of nothing else is a refusal), unsupported sentences about the sources, and off-language
    sentences beside on-language ones."""
    rows = [r for r in rows if not tidy.says_absent(r[1]) and (r[2] or not tidy.is_meta(r[1]))]
    if language and any(not tidy.foreign(body, language) for _, body, _ in rows):
        rows = [r for r in rows if not tidy.foreign(r[1], language)]
    return rows


def check(
    text: str,
    passages: list[Passage],
    embed: Callable[[list[str]], np.ndarray],
    vectors: np.ndarray,
    question: str = "",
    language: str | None = None,
) -> Checked:
    """The repaired answer and one citation per quoted sentence, its markers renumbered to match. `vectors` are the passages' embeddings;
    figures in `question` may be repeated without a source (they are the user's, not the model's).
    With `language`, sentences in another language are dropped when one in it remains."""
    given = numbers.figures(question, lenient=True)
    sents = claims(text)
    bodies = [strip_markers(s) for s in sents]
    valid = {p.n for p in passages}
    if not sents or not passages:
        return Checked(text.strip(), (), len(sents))
    asked = set(re.findall(r"\w+", question.lower()))
    found = [names(body, asked, language) if NAMES_DECIDE else set() for body in bodies]
    # Each passage's figures and each sentence's own, once: every sentence is weighed against every passage.
    figs = [numbers.figures(p.text, lenient=True) for p in passages]
    stated = [numbers.figures(body) - given for body in bodies]
    sims = embed(bodies) @ vectors.T + LEXICAL_WEIGHT * overlap(bodies, [p.text for p in passages])
    rows = [
        (
            i,
            body,
            _sources_of([n for n in markers(sents[i]) if n in valid], sims[i], passages, figs, stated[i], found[i]),
        )
        for i, body in enumerate(bodies)
        if body
    ]
    rows = _kept(rows, language)
    # Every sentence shows its own quote: markers are renumbered so that one number is one quoted sentence
    # ("…650 Millionen US-Dollar [1]. Dieser Schritt sorgte bei OpenAI für Unmut [2]." once showed one quote for both).
    quoted: dict[tuple[str, int], Citation] = {}
    out = []
    for i, body, nums in rows:
        marks = []
        for n in nums:
            p = _quote(i, n, passages, sims, figs, stated[i], found[i])
            key = (p.chunk.source, p.start)
            quoted.setdefault(key, cite(p, len(quoted) + 1))
            marks.append(quoted[key].n)
        out.append(with_markers(body, marks))
    return Checked(" ".join(out), tuple(quoted.values()), sum(not nums for *_, nums in rows))


def _quote(
    i: int, n: int, passages: list[Passage], sims: np.ndarray, figs: list[set[str]], stated: set[str], found: set[str]
) -> Passage:
    """The sentence of source n closest to what sentence i of the answer says; for a sentence stating a figure
    (`stated`), one that states it comes first, so the quote is the proof ("$80 billion [1]" once quoted the
    sentence beside the figure's), then one holding most of its names (`found`)."""
    j = max(
        (j for j, p in enumerate(passages) if p.n == n),
        key=lambda j: (bool(stated) and stated <= figs[j], _held(found, passages[j]), sims[i, j]),
    )
    return passages[j]


def cite(p: Passage, n: int = 0) -> Citation:
    """Passage `p` as citation number `n` (0: not a marker of the answer, e.g. the closest evidence)."""
    first, last = p.lines()
    return Citation(
        n=n, source=p.chunk.source, chunk_id=p.chunk.id, start_line=first, end_line=last, quote=p.text, page=p.page()
    )
