"""Files nobody wrote: random mixes of the lines of every seed and sample, with CRLF, a BOM, tabs and
stray indentation. A parser must never raise on them and must still place (or report) every line.

Each case has its own seed, so a failure names the exact text to reproduce it with `_mixed_text`.
"""

from __future__ import annotations

import random

import pytest

from app.ingest.shapes import SHAPES, parse_document
from tests.conftest import CONTENT_DIR, SAMPLES_DIR
from tests.ingest.lossless import missing_lines
from tests.ingest.parsing import raw_text

CASES_PER_KIND = 120


def _source_files() -> list[list[str]]:
    paths = sorted(p for kind in SHAPES for p in (CONTENT_DIR / kind).glob("*.md")) + sorted(SAMPLES_DIR.glob("*.md"))
    return [raw_text(p).lstrip("\ufeff").replace("\r\n", "\n").split("\n") for p in paths]


FILES = _source_files()


def _mutate(line: str, rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.08:
        return rng.choice(["  ", "    ", "\t", "   "]) + line  # indented as a nested reply or a list
    if roll < 0.12:
        return rng.choice(["-> ", "=> ", "→", "- ", "1. ", "Q3. ", "## ", "#### ✅ ", "> "]) + line
    if roll < 0.14:
        return line + rng.choice(["  ", " (민수)", " -> 2222", "\u00a0", " ?"])
    if roll < 0.15:
        return line * rng.randint(2, 20)  # a very long line
    return line


def _mixed_text(seed: str) -> str:
    rng = random.Random(seed)
    pieces: list[str] = []
    for _ in range(rng.randint(1, 40)):
        lines = rng.choice(FILES)
        start = rng.randrange(len(lines))
        run = lines[start:start + rng.choice([1, 1, 2, 3, 5, 8, 13])]  # single lines and runs that keep structure
        pieces.extend(_mutate(line, rng) for line in run)
    newline = rng.choice(["\n", "\n", "\r\n", "\r"])
    text = newline.join(pieces) + rng.choice(["", newline])
    return ("\ufeff" if rng.random() < 0.2 else "") + text


@pytest.mark.parametrize("kind", sorted(SHAPES))
@pytest.mark.parametrize("case", range(CASES_PER_KIND))
def test_random_mixes_never_raise_and_lose_no_line(kind, case):
    text = _mixed_text(f"{kind}-{case}")
    document = parse_document(kind, text, f"{kind}/fuzz-{case}.md")
    assert missing_lines(text, document) == []
    labels = [q.label for q in document.questions()]
    assert len(labels) == len(set(labels))  # labels stay unique whatever the file looks like


# Long runs of the characters the patterns look for. A pattern that backtracks over them (the
# merged-number header once did on a run of digits) makes these cases run for hours instead of
# milliseconds; each must still parse and place every line.
PATHOLOGICAL = {
    "digits": "1" * 3000 + "x", "parens": "(" * 5000 + "가", "arrows": "-> " * 3000, "numbered": "1. " * 3000,
    "hashes": "#" * 5000, "backticks": "`" * 5000, "stars": "**" * 3000 + "Q.", "twos": "2" * 5000 + "(가)",
    "spaces": " " * 5000 + "x", "hangul": "가" * 100_000, "commas": "1, " * 3000 + "번", "circled": "①②③" * 2000,
    "brackets": "[" * 3000 + "](" * 3000, "q_numbers": "Q1. " * 3000, "colons": "가: " * 3000, "names": "(가) " * 3000,
    "decimals": "1.1.1.1." * 1000 + "x",
    "nested": "\n".join("  " * depth + "-> 답" for depth in range(400)),
    "unclosed_html": "<details>\n" * 2000,
    "long_list": "\n".join(f"{n}. 질문인가요?" for n in range(1, 3000)),
}


@pytest.mark.parametrize("kind", sorted(SHAPES))
@pytest.mark.parametrize("name", sorted(PATHOLOGICAL))
def test_long_runs_of_pattern_characters_parse_and_lose_no_line(kind, name):
    text = "## 노드 1\n" + PATHOLOGICAL[name] + "\n"
    document = parse_document(kind, text, f"{kind}/{name}.md")
    assert missing_lines(text, document) == []
