"""Claims of the activation and optimisation demos, checked from the numbers each run measured.

Every demo runs at its SMALLEST parameters on CPU, seeded the way the engine seeds it; the claim it
stands for is asserted on its deterministic metrics (timing metrics are never asserted on). Each
conclusion must quote what was measured and read differently when the measurement differs.
"""

from __future__ import annotations

import pytest

from tests.demos.support import run, smallest

pytestmark = pytest.mark.slow


# nonlinearity --------------------------------------------------------------------------------------


def test_a_deep_linear_stack_fits_no_better_than_one_line():
    m = smallest("nonlinearity").metrics
    assert m["linear_stack_mse"] >= m["best_line_mse"] * (1 - 1e-4)
    assert m["linear_stack_vs_line"] < 1.01
    assert m["collapse_gap"] < 1e-4  # the product of its matrices is the same function


def test_relu_pieces_fit_the_curve_and_more_units_help():
    m = smallest("nonlinearity").metrics
    assert m["widest_mse"] * 10 < m["best_line_mse"]
    assert m["widest_mse"] * 10 < m["narrowest_mse"]
    assert 2 * m["improving_doublings"] >= m["n_networks"] - 1


def test_nonlinearity_conclusion_quotes_the_errors_and_reports_the_sigmoid_tangent():
    result = smallest("nonlinearity")
    m = result.metrics
    assert f"{m['best_line_mse']:.4g}" in result.conclusion
    assert f"{m['widest_mse']:.3g}" in result.conclusion
    assert "접선" not in result.conclusion
    sigmoid = run("nonlinearity", activation="sigmoid")
    assert 0.0 < sigmoid.metrics["tangent_gap_unit_interval"] < 0.02  # |σ(z) − (½ + z/4)| ≤ 0.019 on (−1, 1)
    assert f"{sigmoid.metrics['curved_fraction']:.0%}" in sigmoid.conclusion
