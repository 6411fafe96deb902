"""Generated news-like articles in English, Dutch, German and Indonesian, for the scale benchmark.

Seeded: the same seed and size give the same files. Each article follows one company, city and sector
through a title and paragraphs built from sentence templates with varied figures, names and dates;
none is copied from `seeds/`. It writes `.txt` files only; it does not index or measure (bench_scale.py).
"""

from __future__ import annotations

import random
from pathlib import Path

from ..chunker import ChunkerSettings, chunk_text

# A sector in each language (en, nl, de, id): the article's topic.
SECTORS = [
    ("chip factories", "chipfabrieken", "Chipfabriken", "pabrik cip"),
    ("battery plants", "batterijfabrieken", "Batteriewerke", "pabrik baterai"),
    ("data centres", "datacenters", "Rechenzentren", "pusat data"),
    ("wind farms", "windparken", "Windparks", "ladang angin"),
    ("rail lines", "spoorlijnen", "Bahnstrecken", "jalur kereta"),
    ("hospitals", "ziekenhuizen", "Krankenhäuser", "rumah sakit"),
    ("container ports", "containerhavens", "Containerhäfen", "pelabuhan peti kemas"),
    ("satellites", "satellieten", "Satelliten", "satelit"),
    ("vaccine plants", "vaccinfabrieken", "Impfstoffwerke", "pabrik vaksin"),
    ("fish farms", "viskwekerijen", "Fischfarmen", "tambak ikan"),
    ("coffee roasteries", "koffiebranderijen", "Kaffeeröstereien", "pabrik kopi"),
    ("solar parks", "zonneparken", "Solarparks", "taman surya"),
]
LANGS = ("en", "nl", "de", "id")
CITIES = (
    "Rotterdam Surabaya Leipzig Manchester Bandung Utrecht Hamburg Medan Bristol Groningen Dresden Makassar".split()
)
CITIES += "Leeds Eindhoven Bremen Semarang Cardiff Arnhem Kassel Malang Glasgow Zwolle Rostock Palembang".split()
SYLLABLES = "vel or kin ta mar ix sol ven tor an bel un zen ar lum ic dar es quin tel ro ka ma nu".split()
SUFFIXES = ("", " Systems", " Group", " Holding", " Tbk", " AG", " NV", " Labs")
FIRST = (
    "Anna Budi Claire Daan Erik Fatima Gerrit Hana Irfan Jonas Kirsten Lukas Maya Niels Putri Ruben Sari Tom".split()
)
LAST = "Visser Santoso Becker Hughes Wijaya Jansen Schulz Patel Hidayat Richter Kusuma Baker Smit Nugroho".split()
DAYS = {
    "en": "Monday Tuesday Wednesday Thursday Friday".split(),
    "nl": "maandag dinsdag woensdag donderdag vrijdag".split(),
    "de": "Montag Dienstag Mittwoch Donnerstag Freitag".split(),
    "id": "Senin Selasa Rabu Kamis Jumat".split(),
}
TITLES = {
    "en": "{org} bets {num} million on {sector} in {city}",
    "nl": "{org} zet {num} miljoen in op {sector} in {city}",
    "de": "{org} setzt {num} Millionen auf {sector} in {city}",
    "id": "{org} pertaruhkan {num} juta untuk {sector} di {city}",
}
SENTENCES = {
    "en": [
        "{org} said on {day} it would invest {num} million dollars in {sector} near {city}.",
        "The plan, announced by chief executive {person}, follows a {pct} percent rise in demand since {year}.",
        "Analysts at {org2} expect the market for {sector} to reach {num} billion dollars by {year2}.",
        "{person} told reporters that the first {sector} in {city} could open within {small} years.",
        "Critics warned that the cost of {sector} had doubled and that {city} lacked the workers to build them.",
        "According to {org2}, about {num} people already work on {sector} in the region.",
        "The company did not say how it would pay for the {sector}.",
        "Shares of {org} rose {pct} percent after the announcement.",
    ],
    "nl": [
        "{org} maakte op {day} bekend dat het {num} miljoen euro investeert in {sector} bij {city}.",
        "Het plan van topman {person} volgt op een stijging van de vraag met {pct} procent sinds {year}.",
        "Analisten van {org2} verwachten dat de markt voor {sector} in {year2} {num} miljard euro waard is.",
        "{person} zei tegen journalisten dat de eerste {sector} in {city} binnen {small} jaar open kunnen gaan.",
        "Critici waarschuwen dat de kosten van {sector} verdubbeld zijn en dat {city} te weinig personeel heeft.",
        "Volgens {org2} werken in de regio al ongeveer {num} mensen aan {sector}.",
        "Het bedrijf zei niet hoe het de {sector} gaat betalen.",
        "Het aandeel {org} steeg na de aankondiging {pct} procent.",
    ],
    "de": [
        "{org} kündigte am {day} an, {num} Millionen Euro in {sector} bei {city} zu investieren.",
        "Der Plan von Vorstandschef {person} folgt auf einen Anstieg der Nachfrage um {pct} Prozent seit {year}.",
        "Analysten von {org2} erwarten, dass der Markt für {sector} bis {year2} {num} Milliarden Euro erreicht.",
        "{person} sagte Journalisten, die ersten {sector} in {city} könnten in {small} Jahren öffnen.",
        "Kritiker warnten, die Kosten für {sector} hätten sich verdoppelt und {city} fehlten die Fachkräfte.",
        "Laut {org2} arbeiten in der Region bereits rund {num} Menschen an {sector}.",
        "Das Unternehmen sagte nicht, wie es die {sector} bezahlen will.",
        "Die Aktie von {org} stieg nach der Ankündigung um {pct} Prozent.",
    ],
    "id": [
        "{org} mengumumkan pada hari {day} akan berinvestasi {num} juta dolar pada {sector} di dekat {city}.",
        "Rencana direktur utama {person} itu menyusul kenaikan permintaan sebesar {pct} persen sejak {year}.",
        "Analis di {org2} memperkirakan pasar {sector} mencapai {num} miliar dolar pada {year2}.",
        "{person} mengatakan kepada wartawan bahwa {sector} pertama di {city} dapat dibuka dalam {small} tahun.",
        "Para pengkritik memperingatkan bahwa biaya {sector} berlipat ganda dan {city} kekurangan tenaga kerja.",
        "Menurut {org2}, sekitar {num} orang sudah bekerja di bidang {sector} di wilayah itu.",
        "Perusahaan itu tidak menjelaskan bagaimana akan membiayai {sector} tersebut.",
        "Saham {org} naik {pct} persen setelah pengumuman itu.",
    ],
}


def _org(rng: random.Random) -> str:
    name = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3)))
    return name.capitalize() + rng.choice(SUFFIXES)


def article(rng: random.Random, lang: str) -> str:
    """One article: a title line, then three to seven paragraphs of two to four sentences."""
    sector = rng.choice(SECTORS)[LANGS.index(lang)]
    org, city, person = _org(rng), rng.choice(CITIES), f"{rng.choice(FIRST)} {rng.choice(LAST)}"

    def fill(template: str) -> str:
        year = rng.randint(2015, 2026)
        return template.format(
            org=org,
            org2=_org(rng),
            city=city,
            sector=sector,
            person=person,
            day=rng.choice(DAYS[lang]),
            num=rng.randint(2, 990),
            pct=rng.randint(2, 60),
            small=rng.randint(2, 9),
            year=year,
            year2=year + rng.randint(3, 10),
        )

    paragraphs = [
        " ".join(fill(rng.choice(SENTENCES[lang])) for _ in range(rng.randint(2, 4))) for _ in range(rng.randint(3, 7))
    ]
    return fill(TITLES[lang]) + "\n\n" + "\n\n".join(paragraphs) + "\n"


def write_corpus(folder: Path, chunks: int, seed: int = 0) -> tuple[int, int]:
    """Writes articles below `folder` (one subfolder per language) until they make at least `chunks` chunks
    with the default chunker; returns (files, chunks)."""
    rng, settings = random.Random(seed), ChunkerSettings()
    files = made = 0
    while made < chunks:
        lang = LANGS[files % len(LANGS)]
        text = article(rng, lang)
        path = folder / lang / f"{files:06}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        made += len(chunk_text(path.as_posix(), text, settings))
        files += 1
    return files, made


def queries(folder: Path, count: int, seed: int = 1) -> list[str]:
    """`count` questions-like probes: a sentence of a random article, its last word dropped."""
    rng = random.Random(seed)
    paths = sorted(folder.rglob("*.txt"))
    out = []
    for _ in range(count):
        lines = [ln for ln in rng.choice(paths).read_text(encoding="utf-8").splitlines()[2:] if ln]
        sentence = rng.choice(rng.choice(lines).split(". "))
        out.append(sentence.rsplit(" ", 1)[0])
    return out
