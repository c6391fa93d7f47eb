"""Render benchmark: render_markdown on the content/ seeds, against plain markdown-it-py.

In one run on this machine, for the same texts:
  - baseline: MarkdownIt("commonmark").render, no plugins, no sanitising (the floor);
  - ours: app.render.render_markdown (plugins, Pygments, MathML, image pass, nh3);
  - ours split into the pieces ingest really renders (one call per question/answer-sized chunk),
    because per-call overhead matters when 10,000 files become ~100,000 small bodies;
  - where the time goes: nh3 alone on our HTML, and extract_text;
  - linear time: the seeds joined into one document, 1x and 8x long, per KB;
  - hostile posts (unclosed comments and tags, bracket runs, ...) against plain markdown-it-py.
Reports ms per KB of Markdown and the ratio ours/baseline. Writes bench/results/render.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from markdown_it import MarkdownIt  # noqa: E402

from app.render import extract_text, render_markdown  # noqa: E402
from app.render.markdown import markdown_parser  # noqa: E402
from app.render.math import latex_to_html  # noqa: E402
from app.render.sanitize import sanitize_html  # noqa: E402
from app.render.media import image_resolver  # noqa: E402


def seed_files() -> list[tuple[Path, str]]:
    return [(path, path.read_text(encoding="utf-8")) for path in sorted((ROOT / "content").rglob("*.md"))]


def chunks(text: str) -> list[str]:
    """Question/answer-sized pieces: split on headings and on "->" reply lines."""
    parts = re.split(r"\n(?=#{2,4} )|\n(?=-> )", text)
    return [part for part in parts if part.strip()]


def best_of(rounds: int, work) -> float:
    """Median seconds of `rounds` runs of work() (median: robust to a neighbour's burst on 2 cores)."""
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--repeat", type=int, default=5, help="passes over the seeds inside one round")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "render.json"))
    args = parser.parse_args()

    files = seed_files()
    content_dir = ROOT / "content"
    resolvers = {path: image_resolver(path, content_dir) for path, _ in files}
    texts = [(path, text) for path, text in files]
    pieces = [(path, piece) for path, text in files for piece in chunks(text)]
    kb = sum(len(text.encode("utf-8")) for _, text in texts) / 1024 * args.repeat
    baseline_md = MarkdownIt("commonmark")

    def baseline(items):
        def work():
            for _ in range(args.repeat):
                for _, text in items:
                    baseline_md.render(text)
        return work

    def ours(items):
        def work():
            for _ in range(args.repeat):
                for path, text in items:
                    render_markdown(text, resolve_image=resolvers[path])
        return work

    rendered = [render_markdown(text, resolve_image=resolvers[path]) for path, text in texts]
    # nh3's real input: our HTML before sanitising (same env as render_markdown gives it).
    unsanitised = [markdown_parser().render(text, {"resolve_image": resolvers[path], "docId": "0"})
                   for path, text in texts]

    def sanitise_only():
        for _ in range(args.repeat):
            for html in unsanitised:
                sanitize_html(html)

    def extract_only():
        for _ in range(args.repeat):
            for html in rendered:
                extract_text(html)

    # Cold: the formula cache empty, as in a fresh worker process.
    latex_to_html.cache_clear()
    start = time.perf_counter()
    for path, text in texts:
        render_markdown(text, resolve_image=resolvers[path])
    cold_ms_per_kb = (time.perf_counter() - start) * 1000 / (kb / args.repeat)

    ours(texts)()  # warm-up: parser built, lexers and formulas cached
    results = {}
    for name, work in [("baseline_whole", baseline(texts)), ("ours_whole", ours(texts)),
                       ("baseline_pieces", baseline(pieces)), ("ours_pieces", ours(pieces)),
                       ("sanitise_only", sanitise_only), ("extract_text_only", extract_only)]:
        results[name] = best_of(args.rounds, work)

    # Linear time: one document 1x and 8x as long should cost the same per KB.
    joined = "\n\n".join(text for _, text in texts)
    scaling = {}
    for factor in (1, 8):
        doc = "\n\n".join([joined] * factor)
        seconds = best_of(3, lambda: render_markdown(doc))
        scaling[f"x{factor}_ms_per_kb"] = round(seconds * 1000 / (len(doc.encode("utf-8")) / 1024), 4)
    scaling["x8_over_x1"] = round(scaling["x8_ms_per_kb"] / scaling["x1_ms_per_kb"], 2)

    # Hostile posts: per KB, ours against markdown-it-py with the same block syntax (table,
    # strikethrough) but no plugins, no raw-HTML pass, no sanitising. A large ratio here would be
    # super-linear work of ours (an unclosed "<!--" repeated was 6 s for 100 KB before the fix).
    gfm_md = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    hostile = {
        "unclosed_comments": "<!-- " * 20000,
        "unclosed_img_tags": "<img " * 20000,
        "comment_math_pairs": "<!-- $x$ --> <img src='https://render.githubusercontent.com/render/math?math=x'> " * 3000,
        "dollar_pairs": "$a$ " * 20000,
        "emphasis_runs": "*a " * 30000,
        "open_brackets": "[" * 30000,
        "many_footnotes": "".join(f"a[^{i}] " for i in range(3000)) + "\n\n" + "".join(f"[^{i}]: n\n" for i in range(3000)),
        "bare_urls": "https://example.com/x " * 5000,
    }
    hostile_result = {}
    for name, text in hostile.items():
        size_kb = len(text.encode("utf-8")) / 1024
        ours_s = best_of(3, lambda: render_markdown(text))
        base_s = best_of(3, lambda: gfm_md.render(text))
        hostile_result[name] = {"kb": round(size_kb, 1), "ours_ms_per_kb": round(ours_s * 1000 / size_kb, 3),
                                "ratio_vs_plain": round(ours_s / base_s, 2)}

    def per_kb(seconds: float) -> float:
        return round(seconds * 1000 / kb, 4)

    result = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "input": {
            "files": [str(path.relative_to(ROOT)) for path, _ in texts],
            "kb_per_round": round(kb, 1),
            "pieces_per_pass": len(pieces),
            "rounds": args.rounds,
            "passes_per_round": args.repeat,
        },
        "ms_per_kb": {name: per_kb(seconds) for name, seconds in results.items()},
        "ms_per_kb_ours_whole_cold_formula_cache": round(cold_ms_per_kb, 4),
        "ms_per_piece_ours": round(results["ours_pieces"] * 1000 / (len(pieces) * args.repeat), 4),
        "ratio_vs_plain_markdown_it": {
            "whole_files": round(results["ours_whole"] / results["baseline_whole"], 2),
            "pieces": round(results["ours_pieces"] / results["baseline_pieces"], 2),
        },
        "linear_scaling_one_document": scaling,
        "hostile_inputs": hostile_result,
        "share_of_ours_whole": {
            "sanitise": round(results["sanitise_only"] / results["ours_whole"], 3),
            "plain_markdown_it": round(results["baseline_whole"] / results["ours_whole"], 3),
        },
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
