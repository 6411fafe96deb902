"""The scale benchmark's outputs: a Markdown table (`scale.md`) and a log-log chart (`scale.png`).

It only formats what bench_scale.run measured; it measures nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

COLUMNS = [
    ("store", "store"),
    ("chunks", "chunks"),
    ("files", "files"),
    ("build_s", "build s (no model)"),
    ("chunks_per_s", "chunks/s"),
    ("projected_build_s", "build s with the model"),
    ("peak_rss_mb", "peak RSS MB"),
    ("disk_mb", "disk MB"),
    ("search_ms_p50", "search p50 ms"),
    ("search_ms_p99", "p99 ms"),
    ("recall_at_10", "recall@10"),
]


def table(result: dict[str, Any]) -> str:
    head = "| " + " | ".join(title for _, title in COLUMNS) + " |"
    rule = "|" + "---|" * len(COLUMNS)
    body = [
        "| "
        + " | ".join(
            "n/a" if row[key] is None else f"{row[key]:,}" if key != "store" else row[key] for key, _ in COLUMNS
        )
        + " |"
        for row in result["rows"]
    ]
    return "\n".join([head, rule, *body])


def summary(result: dict[str, Any]) -> str:
    emb, lines = result["embedding"], []
    for name, g in result["growth"].items():
        lines.append(
            f"- {name}: {g['chunks_ratio']}x the chunks took {g['build_ratio']}x the build time "
            f"(throughput ratio {g['throughput_ratio']}, target >= 0.8) and {g['search_p50_ratio']}x the search p50"
        )
    lines.append(
        f"- embedding ({emb['model']}, each chunk and its sentences): {emb['chunks_per_s']} chunks/s "
        f"({emb['chunks']} chunks in {emb['seconds']} s), added to the build time in the 'with the model' column"
    )
    return "\n".join(lines)


def chart(result: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = [
        ("build_s", "build time, s (no model)"),
        ("search_ms_p50", "search p50, ms"),
        ("peak_rss_mb", "peak RSS, MB"),
    ]
    fig, axes = plt.subplots(1, len(panels), figsize=(13, 4.2))
    for ax, (key, title) in zip(axes, panels):
        for name in dict.fromkeys(r["store"] for r in result["rows"]):
            rows = [r for r in result["rows"] if r["store"] == name]
            ax.plot([r["chunks"] for r in rows], [r[key] for r in rows], marker="o", label=name)
        if key == "build_s":  # a line of slope 1 through the first point: linear growth
            first = result["rows"][0]
            xs = [first["chunks"], max(r["chunks"] for r in result["rows"])]
            ax.plot(xs, [first[key] * x / xs[0] for x in xs], "k:", label="linear")
        ax.set(xscale="log", yscale="log", xlabel="chunks", title=title)
        ax.grid(True, which="both", alpha=0.3)
    axes[0].legend(fontsize=8)
    fig.suptitle(f"rag bench --scale ({result['machine']['usable_cores']} cores, {result['queries']} queries per size)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write(result: dict[str, Any], out: Path) -> tuple[Path, Path]:
    """`out/scale.md` (table and growth) and `out/scale.png` (chart)."""
    out.mkdir(parents=True, exist_ok=True)
    md, png = out / "scale.md", out / "scale.png"
    md.write_text(
        f"# rag bench --scale\n\n{table(result)}\n\n{summary(result)}\n\n![chart](scale.png)\n", encoding="utf-8"
    )
    chart(result, png)
    return md, png
