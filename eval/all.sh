#!/usr/bin/env bash
# Every question set through `rag eval --json`, one JSON per set into OUT (compare two runs with eval/compare.py).
#   eval/all.sh OUT [extra rag eval flags]
# office-help (../shared/corpora/office-help) gets its own index, built under OUT/../office-index if missing.
set -euo pipefail
out=${1:?usage: eval/all.sh OUT [flags]}; shift
cd "$(dirname "$0")/.."
py=${PY:-.venv/bin/python}
office=${OFFICE:-../shared/corpora/office-help}
oindex=${OFFICE_INDEX:-$(dirname "$out")/office-index}
mkdir -p "$out"
$py -m rag index --quiet >/dev/null
$py -m rag index --docs "$office/docs" --index "$oindex" --quiet >/dev/null
$py -m rag eval --json --out "$out/reports" "$@" > "$out/qa.json"
$py -m rag eval --json --no-chats --qa eval/heldout.jsonl --out "$out/reports" "$@" > "$out/heldout.json"
$py -m rag eval --json --no-chats --qa eval/short.jsonl --out "$out/reports" "$@" > "$out/short.json"
$py -m rag eval --json --no-chats --qa "$office/qa.jsonl" --index "$oindex" --out "$out/reports" "$@" > "$out/office.json"
$py - "$out" <<'PY'
import json, sys, pathlib
for p in sorted(pathlib.Path(sys.argv[1]).glob("*.json")):
    d = json.loads(p.read_text()); a = d.get("answers") or {}; e = d.get("evidence") or {}
    res = d["results"]; ans = [r for r in res if r["answerable"]]; un = [r for r in res if not r["answerable"]]
    fact = sum(bool(r["checks"].get("fact")) for r in ans); cited = sum(bool(r["checks"].get("cites_gold")) for r in ans)
    ref = sum(bool(r["checks"].get("refused")) for r in un)
    line = f"{p.stem:8} fact {fact}/{len(ans)}  cited {cited}/{len(ans)}  refused {ref}/{len(un)}"
    line += f"  stages {e.get('top1')}/{e.get('top3')}/{e.get('shown')}  passage {e.get('passage_retrieved')}/{e.get('passage_shown')}"
    if c := d.get("conversations"):
        rows = c["results"]; f = [r for r in rows if r["kind"] == "follow_up"]; s = [r for r in rows if r["kind"] == "switch"]
        line += f"  follow-ups {sum(r['right'] for r in f)}/{len(f)} switches-same {sum(r['same_sources_as_alone'] for r in s)}/{len(s)}"
    print(line)
PY
