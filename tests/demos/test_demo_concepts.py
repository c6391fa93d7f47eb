"""Every experiment names what it demonstrates as concept ids of the term dictionary: questions reach
experiments through the concepts they share, so an unknown or missing id would silently link nothing."""

from __future__ import annotations

import json

import pytest

from app.cli import main
from app.demos.registry import all_demos
from app.search.terms import default_dictionary


@pytest.mark.parametrize("demo", all_demos(), ids=lambda demo: demo.slug)
def test_every_experiment_names_known_concepts(demo):
    known = default_dictionary().terms
    assert demo.concepts, f"{demo.slug} names no concept"
    unknown = [concept for concept in demo.concepts if concept not in known]
    assert not unknown, f"{demo.slug}: concepts not in content/search/terms.tsv: {unknown}"
    assert len(set(demo.concepts)) == len(demo.concepts), f"{demo.slug} repeats a concept"


def test_the_catalogue_api_and_cli_list_carry_each_experiments_concepts(client, capsys):
    expected = {demo.slug: list(demo.concepts) for demo in all_demos()}
    listed = client.get("/api/v1/demos").json()
    assert {item["slug"]: item["concepts"] for item in listed} == expected
    assert main(["demo", "list", "--json"]) == 0
    assert {item["slug"]: item["concepts"] for item in json.loads(capsys.readouterr().out)} == expected
