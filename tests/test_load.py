"""Load on a live `python -m rag serve` with the tiny real model, on loopback: 20 API clients (half streaming) and
5 page sessions at once, one question each. Every request is answered or turned away with 429 and Retry-After,
none outlives its timeout, each gets its own question's answer, and resident memory stays within 10%."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from rag.evaluation import bench_load
from rag.settings import Settings
from rag.types import LoadRequest

QUESTIONS = [
    "How much did Microsoft pay for the Inflection AI team?",
    "Why did Microsoft cancel data center leases?",
    "Apa strategi pusat data Microsoft?",
    "Warum überdenkt Microsoft seine Investitionen in OpenAI?",
    "Waarom heeft Microsoft pachten voor datacenters opgezegd?",
]
MAX_TOKENS = 24
RETRY_S = 900  # a client turned away asks again (after Retry-After) for this long


def page_session(base: str, question: str) -> str:
    """One visitor of the page asking through its Gradio queue (the `/chat` endpoint), as a browser session would."""
    from gradio_client import Client

    return Client(f"{base}/", verbose=False, download_files=False).predict(question, 5, MAX_TOKENS, api_name="/chat")


def test_twenty_api_clients_and_five_page_sessions(built: Path, monkeypatch) -> None:
    monkeypatch.chdir(built)
    settings = Settings().replace(llm_model="smollm2-135m", max_tokens=MAX_TOKENS, k=5)
    with bench_load.serving(settings) as (base, proc):
        # Each question alone first (which also warms up), twice: the answer every concurrent asker must get. Every
        # prompt is read from the end of the cached system prompt (LlamaGenerator._pin_prefix), so a question gets
        # the same greedy answer whatever was asked before it, and a mix-up gives another question's.
        with httpx.Client(timeout=bench_load.TIMEOUT_S) as http:
            alone = {q: bench_load.attempt(http, base, q, False) for q in QUESTIONS}
            again = {q: bench_load.attempt(http, base, q, False) for q in QUESTIONS}
        assert all(r.status == 200 and r.answer.strip() for r in alone.values()), alone
        assert {q: r.answer for q, r in again.items()} == {q: r.answer for q, r in alone.items()}
        assert len({r.answer for r in alone.values()}) == len(QUESTIONS)  # a mix-up would show
        before = bench_load.rss_mib(proc.pid)
        plans = [[QUESTIONS[i % len(QUESTIONS)]] for i in range(20)]
        with ThreadPoolExecutor(5) as pool:
            pages = [pool.submit(page_session, base, q) for q in QUESTIONS]
            api, _ = bench_load.drive(base, plans, retry_s=RETRY_S, stream_every=2)
            page_replies = [p.result(timeout=bench_load.TIMEOUT_S) for p in pages]
        after = bench_load.rss_mib(proc.pid)
        assert httpx.get(f"{base}/healthz").json()["queued"] == 0
    tries: list[LoadRequest] = [r for client in api for r in client]
    print(f"{len(tries)} API requests, {sum(r.status == 429 for r in tries)} turned away; RSS {before} -> {after} MiB")
    # Answered or turned away with Retry-After; nothing timed out, failed or was cut off.
    assert all((r.status == 200 and not r.error) or r.status == 429 for r in tries), [
        r for r in tries if r.status != 200
    ]
    assert all(r.retry_after for r in tries if r.status == 429)
    assert any(r.status == 429 for r in tries)  # 20 at once against a queue of 8: some were turned away
    for plan, client in zip(plans, api):
        # The client's last try was answered, with its own question's answer (streamed or not).
        assert client[-1].status == 200 and client[-1].answer == alone[plan[0]].answer, (
            plan,
            client[-1],
            alone[plan[0]],
        )
    for question, reply in zip(QUESTIONS, page_replies):
        assert f"**Question:** {question}" in reply and alone[question].answer in reply, (question, reply)
    assert after <= before * 1.10, (before, after)


def test_bench_load_reports_each_level(built: Path, cli) -> None:
    import json

    env = {"RAG_LLM_MODEL": "smollm2-135m", "RAG_MAX_TOKENS": "8", "RAG_QUEUE_LIMIT": "2"}
    qa = str(Path(__file__).parents[1] / "eval/qa.jsonl")
    res = cli("bench", "--load", "--quick", "--json", "--qa", qa, cwd=built, env=env)
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert [v["clients"] for v in out["levels"]] == [1, 5, 20] and out["queue_limit"] == 2
    for level in out["levels"]:
        assert level["requests"] == level["clients"]  # one question each, no retry
        assert level["answered"] + level["rejected_429"] == level["requests"] and level["failed"] == 0
        assert level["latency_s_p50"] <= level["latency_s_p95"] and level["answered_per_s"] > 0
    # 20 at once against a queue of 2: most are turned away at once.
    assert out["levels"][2]["share_429"] >= 0.5 and out["levels"][0]["share_429"] == 0
