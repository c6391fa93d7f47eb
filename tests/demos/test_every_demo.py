"""Every registered demo, whichever batch wrote it: runs at SMALLEST, well-formed and seeded, bounded
parameters, listed without torch, linked from at least one question. Claims live in test_claims_*.py.
"""

from __future__ import annotations

import pytest

from app.demos.registry import all_demos, get_demo
from tests.demos.support import (
    check_described_in_korean,
    check_every_claim_is_tested,
    check_every_demo_is_linked_and_each_link_is_valid,
    check_listing_imports_neither_torch_nor_sklearn,
    check_params_reject_values_outside_their_bounds,
    check_well_formed_and_seeded,
)

SLUGS = [demo.slug for demo in all_demos()]


@pytest.mark.slow
@pytest.mark.parametrize("slug", SLUGS)
def test_result_is_well_formed_and_the_same_seed_gives_the_same_numbers(slug):
    check_well_formed_and_seeded(slug)


@pytest.mark.parametrize("slug", SLUGS)
def test_params_reject_values_outside_their_bounds(slug):
    check_params_reject_values_outside_their_bounds(slug)


def test_listing_every_demo_imports_neither_torch_nor_sklearn():
    check_listing_imports_neither_torch_nor_sklearn(SLUGS)


def test_every_demo_is_linked_and_each_link_is_valid():
    check_every_demo_is_linked_and_each_link_is_valid(SLUGS)


@pytest.mark.parametrize("slug", SLUGS)
def test_described_in_korean(slug):
    check_described_in_korean(slug)


def test_every_claim_is_tested():
    check_every_claim_is_tested(SLUGS)


@pytest.mark.parametrize("slug", SLUGS)
def test_every_experiment_cites_where_its_claim_comes_from(slug):
    citations = get_demo(slug).citations
    assert citations, f"{slug} cites nothing"
    assert all(c.authors and c.title and 1900 < c.year <= 2026 for c in citations)
