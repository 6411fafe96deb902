"""The figures a text states, comparable across en/nl/de/id: "two gigawatts" and "2 Gigawatt" both give {"2", "e9"}.

Digit groups are kept as written ("13,75" gives "13" and "75", the same as "13.75"); number words
become their digits; scale words become a power of ten ("billion", "miljard", "Milliarden",
"miliar" give "e9"), so "650 billion" does not pass for "650 Millionen". Words that are as often
articles as numbers ("one", "een", "ein") count only on the side of the source (`lenient`), where
an extra figure can only let a claim through. The words come from the language files
(rag/languages/*.toml). It does not parse arithmetic or ordinals.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from . import languages

_TOKEN = re.compile(r"\d+|[^\W\d_]+")


@functools.cache
def _tables(table: tuple[languages.Language, ...]) -> dict[str, Any]:
    """Number words of every known language (rag/languages/*.toml): an answer and its source often differ."""
    lookup = {w: value for lang in table for value, words in lang.number_words for w in words}
    lenient = {**lookup, **{w: "1" for lang in table for w in lang.ambiguous_one}}
    units = {w: value for w, value in lookup.items() if value.isdigit()}
    hundreds = "|".join(w for lang in table for w in lang.hundred_compounds)
    scales = "|".join(w for lang in table for w in lang.scale_compounds)
    return {
        "lookup": lookup,
        "lenient": lenient,
        "units": units,
        # Dutch and German write numbers as compounds ("tweehonderd", "zweihundert", "Hunderttausende").
        "hundred": re.compile(rf"^({'|'.join(units)})({hundreds})$") if hundreds else None,
        "inside": re.compile(rf"({scales})") if scales else None,
    }


def figures(text: str, lenient: bool = False) -> set[str]:
    """Digit groups, number words as digits ("five hundred" is 500) and scale words as "eN" stated in `text`."""
    t = _tables(tuple(languages.all_languages().values()))
    strict, units, hundred, inside = t["lookup"], t["units"], t["hundred"], t["inside"]
    lookup = t["lenient"] if lenient else strict
    tokens = _TOKEN.findall(text.lower())
    out = set()
    for i, token in enumerate(tokens):
        after = tokens[i + 1] if i + 1 < len(tokens) else ""
        if token.isdigit():
            out.add(token)
        elif token in units and strict.get(after) == "e2":  # "five hundred", "lima ratus"
            out.add(str(int(units[token]) * 100))
        elif token in lookup and not (lookup[token] == "e2" and tokens[i - 1 : i] and tokens[i - 1] in units):
            out.add(lookup[token])
        elif hundred and (m := hundred.match(token)):
            out.add(str(int(units[m[1]]) * 100))
        elif len(token) > 7 and inside:
            out.update(strict[m] for m in inside.findall(token))
    return out


def has_figure(text: str) -> bool:
    """True if `text` states any figure (a digit, a number word or a scale word)."""
    return bool(figures(text))
