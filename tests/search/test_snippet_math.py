"""Search snippets show formulas as the page draws them: a seed answer's \\gamma and \\beta read γ and β,
as on the question page, while the index still reads the LaTeX."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.read_only  # only reads: one shared app

LATEX_COMMAND = re.compile(r"\\[A-Za-z]+")


def snippets(client, query: str) -> dict[int, str]:
    items = client.get("/api/v1/search", params={"q": query}).json()["items"]
    return {item["question_id"]: item["snippet"] for item in items}


def test_seed_answers_with_math_show_it_drawn_in_their_snippets(seeded_client):
    found = snippets(seeded_client, "스케일 이동 변환")
    gamma = [qid for qid, snippet in found.items() if "γ로 <mark>스케일</mark>과 β로 <mark>이동</mark>" in snippet]
    assert len(gamma) == 1, found
    assert any("x = (x − xₘᵢₙ)/(xₘₐₓ − xₘᵢₙ)" in snippet for snippet in found.values()), found
    for snippet in found.values():
        assert not LATEX_COMMAND.search(snippet) and "x_{" not in snippet and "\ue000" not in snippet, snippet
    # The question page draws the same formula (MathML) where the snippet writes γ.
    page = seeded_client.get(f"/questions/{gamma[0]}", headers={"Accept": "text/html"}).text
    assert "<mi>γ</mi>" in page


def test_the_latex_of_a_formula_still_finds_its_question(seeded_client):
    """The index keeps reading formulas as their source: the LaTeX's words find them."""
    gamma = [qid for qid, snippet in snippets(seeded_client, "스케일 이동 변환").items() if "γ로" in snippet]
    assert gamma and gamma[0] in snippets(seeded_client, "gamma beta")
