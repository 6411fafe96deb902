"""Search over the live index; picks up a newly swapped-in build between questions.

A chunk's relevance mixes its own cosine with that of its best sentence (a long chunk dilutes
the one sentence that answers; a lone sentence lacks the chunk's names and topic). The top k
are then picked by maximal marginal relevance, so overlapping near-copies of one passage don't
crowd out a second article, with a longer query's words (names aside) matched in each chunk whatever
its language (wordmatch.py) weighing in the pick. It does not generate answers (see answer.py).
"""

from __future__ import annotations

import threading

import numpy as np

from . import grounds, lang
from .backends import stores
from .backends.embed import Embedder
from .backends.stores import VectorStore
from .errors import IndexMismatch, UsageError
from .lexical import Lexical
from .limits import DEFAULT_K
from .settings import Settings
from .types import ChunkerSettings, Hit
from .wordmatch import WordMatcher

MAX_QUERY_CHARS = 2000  # a longer query only dilutes the embedding
CHUNK_WEIGHT = 0.7  # relevance = 0.7 chunk cosine + 0.3 best-sentence cosine
MMR_LAMBDA = 0.7  # 1.0 would rank by relevance alone; lower trades relevance for variety
POOL = 30  # candidates from each of the chunk and sentence indexes (and the lexical index)
# relevance += weight x the chunk's normalised BM25 score (lexical.py), for a short query (lang.is_short):
# there the name is what is asked about, and a sentence embedding of four words carries little else. Short questions:
# gold file in the top 5, 41 -> 43 of 44; the fact shown, 38 -> 43. Given to long questions it changed which
# sources the model read for 3 of the 8 unanswerable held-out questions, and the model answered them.
LEXICAL_WEIGHT = 0.3
# x the share of the query's words a chunk matches word by word, in any language (wordmatch.py), its names left out
# and only for a question that is not short (lang.is_short): the dense cosine of a whole chunk misses the one sentence
# naming what is asked ("paradox" -> "de paradox van Jevons") when the chunk is in another language. It re-orders
# the pool before MMR picks the k, but is left out of a hit's score, which sentence ranking reads (context.rank adds
# the word match per sentence; counted twice it cost held-out's best sentence 57% -> 55%). Weight chosen on qa
# (0.1 / 0.2 / 0.3). With its names the pick also brought the chunks that misled near misses (qa refusals 16 -> 13
# of 17); without them, fact in the best sentence / best three / shown: qa 67/76/86 -> 71/80/86, held-out
# 60/79/85 -> 64/87/92, refusals unchanged (README, "Quality and speed").
WORD_MATCH_WEIGHT = 0.2


class Retriever:
    """Embeds a query and returns the nearest chunks of the index `settings` names."""

    def __init__(
        self,
        settings: Settings,
        embedder: Embedder,
        chunker: ChunkerSettings | None = None,
        store: VectorStore | None = None,
    ):
        self.settings = settings
        self.embedder = embedder
        self.chunker = chunker or ChunkerSettings()
        if store is not None:
            self._check(store.manifest)
        self._store: VectorStore | None = store  # None: opened at the first search
        self._lexical: Lexical | None = None
        self._lock = threading.Lock()
        self.words = WordMatcher(embedder.embed)  # shared with sentence ranking (answer.py): one word cache

    @property
    def store(self) -> VectorStore:
        """The committed snapshot; reopened when a newer build was committed (cheap check per call)."""
        with self._lock:
            if self._store is None or self._store.committed() != self._store.version:
                fresh = stores.open_store(self.settings)
                self._check(fresh.manifest)
                self._store, self._lexical = fresh, None
            return self._store

    def lexical_index(self) -> Lexical:
        """The BM25 index of the current snapshot."""
        return self.lexical(self.store)

    def lexical(self, store: VectorStore) -> Lexical:
        """The BM25 index of `store`'s snapshot, built on first use (a new snapshot gets a new one)."""
        with self._lock:
            if self._lexical is None or self._store is not store:
                chunks = store.all_chunks()
                self._lexical = Lexical([c.id for c in chunks], [c.text for c in chunks])
            return self._lexical

    def _check(self, manifest: dict) -> None:
        if manifest.get("embed_model") != self.embedder.name or manifest.get("chunker") != self.chunker.to_dict():
            raise IndexMismatch(
                f"index was built with embedding model {manifest.get('embed_model')!r} and other settings "
                f"than {self.embedder.name!r}; run `python -m rag index` to rebuild it"
            )

    def search(self, query: str, k: int = DEFAULT_K) -> list[Hit]:
        if not query or not query.strip():
            raise UsageError("the question is empty")
        if k < 1:
            raise UsageError("-k must be at least 1")
        query = query.strip()[:MAX_QUERY_CHARS]
        return self.search_vector(self.embedder.embed([query]), k, query)

    def search_vector(self, vec: np.ndarray, k: int, text: str = "") -> list[Hit]:
        """The k most relevant chunks, near-duplicates of a better one pushed down; `text` (the query as
        written) adds the lexical evidence of its names and rare words, and its other words, matched in each
        chunk across languages, steer the pick."""
        st, q = self.store, np.asarray(vec, dtype=np.float32).reshape(-1)  # one snapshot for the whole search
        pool = max(POOL, 2 * k)
        ids = {c.id for c, _ in st.search(q, pool)} | {s.chunk_id for s, _ in st.search_sentences(q, pool)}
        lex: dict[int, float] = {}
        # A short question is about the names it gives: BM25 weighs them. A longer one's other words steer the pick
        # instead (a short one's are a verb or two: "Waar ligt Abilene?" matched "ligt" everywhere, s19 lost).
        short = lang.is_short(text)
        if text and LEXICAL_WEIGHT and short:
            index = self.lexical(st)
            scores = index.scores(text)
            lex = {index.ids[i]: float(scores[i]) for i in np.argsort(-scores)[:pool] if scores[i] > 0}
            ids |= set(lex)
        if not ids:
            return []
        cands = sorted(ids)
        chunks, vecs, sents = st.chunks(cands), st.chunk_vectors(cands), st.sentence_vectors(cands)
        best = np.array([max((float(v @ q) for v in d.values()), default=-1.0) for d in sents])
        lexical = np.array([lex.get(i, 0.0) for i in cands], dtype=np.float32)
        dense = CHUNK_WEIGHT * (vecs @ q) + (1 - CHUNK_WEIGHT) * best
        relevance = dense + LEXICAL_WEIGHT * lexical
        words = (
            self._word_share(st, text, [c.text for c in chunks])
            if text and WORD_MATCH_WEIGHT and not short
            else np.zeros(len(cands), dtype=np.float32)
        )
        return [
            Hit(r + 1, float(relevance[i]), chunks[i], sents[i], float(dense[i]), float(lexical[i]), float(words[i]))
            for r, i in enumerate(mmr(relevance + WORD_MATCH_WEIGHT * words, vecs, k))
        ]

    def _word_share(self, st: VectorStore, text: str, texts: list[str]) -> np.ndarray:
        """Per text, the share of the query's words (idf-weighted), names aside, it matches across languages."""
        # Names left out: dense and BM25 already find them in any language, and a chunk that only shares a name
        # is how questions the documents cannot answer got one to misread ("Berapa gaji Mustafa Suleyman sebagai CEO
        # Microsoft AI?" -> the $650 million Microsoft paid for his team).
        asked = grounds.without_names(text, lang.detect(text))
        return np.array(self.words.coverage(asked, texts, self.lexical(st).idf), dtype=np.float32)


def mmr(relevance: np.ndarray, vecs: np.ndarray, k: int, lam: float = MMR_LAMBDA) -> list[int]:
    """Indices picked greedily by lam * relevance - (1 - lam) * max similarity to those already picked."""
    sims = vecs @ vecs.T
    chosen: list[int] = []
    left = list(np.argsort(-relevance, kind="stable"))
    while left and len(chosen) < k:
        penalty = sims[np.ix_(left, chosen)].max(axis=1) if chosen else np.zeros(len(left))
        best = int(np.argmax(lam * relevance[left] - (1 - lam) * penalty))
        chosen.append(int(left.pop(best)))
    return chosen
