"""The figures a text states, comparable across en/nl/de/id: "two gigawatts" and "2 Gigawatt" both give {"2", "e9"}.

Digit groups are kept as written ("13,75" gives "13" and "75", the same as "13.75"); number words
become their digits; scale words become a power of ten ("billion", "miljard", "Milliarden",
"miliar" give "e9"), so "650 billion" does not pass for "650 Millionen". Words that are as often
articles as numbers ("one", "een", "ein") count only on the side of the source (`lenient`), where
an extra figure can only let a claim through. It does not parse arithmetic or ordinals.
"""

from __future__ import annotations

import re

_WORDS = {
    "2": "two twee zwei dua",
    "3": "three drie drei tiga",
    "4": "four vier empat",
    "5": "five vijf fünf fuenf lima",
    "6": "six zes sechs enam",
    "7": "seven zeven sieben tujuh",
    "8": "eight acht delapan",
    "9": "nine negen neun sembilan",
    "10": "ten tien zehn sepuluh",
    "11": "eleven elf sebelas",
    "12": "twelve twaalf zwölf",
    "20": "twenty twintig zwanzig",
    "e2": "hundred hundreds honderd honderden hundert hunderte ratus ratusan",
    "e3": "thousand thousands duizend duizenden tausend tausende ribu ribuan",
    "e6": "million millions mln miljoen miljoenen millionen juta",
    "e9": "billion billions bn miljard miljarden milliarde milliarden mrd miliar",
    "e12": "trillion trillions biljoen biljoenen billionen triliun",
}
_AMBIGUOUS = {"1": "one een ein eine einen einem einer satu"}
_LOOKUP = {w: value for value, words in _WORDS.items() for w in words.split()}
_LOOKUP_LENIENT = {**_LOOKUP, **{w: value for value, words in _AMBIGUOUS.items() for w in words.split()}}
_UNITS = {w: value for w, value in _LOOKUP.items() if value.isdigit()}
# Dutch and German write numbers as compounds ("tweehonderd", "zweihundert", "Hunderttausende").
_COMPOUND_HUNDRED = re.compile(rf"^({'|'.join(_UNITS)})(honderd|hundert)$")
_SCALE_INSIDE = re.compile(r"(hundert|honderd|tausend|duizend|millionen|milliarden)")
_TOKEN = re.compile(r"\d+|[^\W\d_]+")


def figures(text: str, lenient: bool = False) -> set[str]:
    """Digit groups, number words as digits ("five hundred" is 500) and scale words as "eN" stated in `text`."""
    lookup = _LOOKUP_LENIENT if lenient else _LOOKUP
    tokens = _TOKEN.findall(text.lower())
    out = set()
    for i, token in enumerate(tokens):
        after = tokens[i + 1] if i + 1 < len(tokens) else ""
        if token.isdigit():
            out.add(token)
        elif token in _UNITS and _LOOKUP.get(after) == "e2":  # "five hundred", "lima ratus"
            out.add(str(int(_UNITS[token]) * 100))
        elif token in lookup and not (lookup[token] == "e2" and tokens[i - 1 : i] and tokens[i - 1] in _UNITS):
            out.add(lookup[token])
        elif m := _COMPOUND_HUNDRED.match(token):
            out.add(str(int(_UNITS[m[1]]) * 100))
        elif len(token) > 7:
            out.update(_LOOKUP[m] for m in _SCALE_INSIDE.findall(token))
    return out


def has_figure(text: str) -> bool:
    """True if `text` states any figure (a digit, a number word or a scale word)."""
    return bool(figures(text))
