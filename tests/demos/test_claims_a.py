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


# batch-size-noise ----------------------------------------------------------------------------------


def test_minibatch_gradient_variance_falls_like_one_over_b():
    m = smallest("batch-size-noise").metrics
    assert -1.15 < m["variance_slope"] < -0.85
    assert m["theory_max_relative_error"] < 0.25
    assert m["variance_b1"] > 40 * m["variance_b64"]


def test_big_batches_win_per_step_and_small_batches_per_epoch():
    m = smallest("batch-size-noise").metrics
    assert m["loss_at_common_step_bfull"] < 0.8 * m["loss_at_common_step_b1"]
    assert m["final_loss_b64"] < 0.8 * m["final_loss_bfull"]
    assert m["best_batch_by_epoch"] not in (1.0, m["n_train"])


def test_batch_size_conclusion_follows_the_numbers():
    result = smallest("batch-size-noise")
    m = result.metrics
    assert f"{m['variance_slope']:.2f}" in result.conclusion
    assert f"배치 {int(m['best_batch_by_epoch'])}의 손실이 가장 낮았고" in result.conclusion
    assert "더 작은 학습률이 필요합니다" in result.conclusion
    gentle = run("batch-size-noise", learning_rate=0.05)
    assert gentle.metrics["best_batch_by_epoch"] == 1.0
    assert "더 작은 학습률이 필요합니다" not in gentle.conclusion
    assert "뚜렷이 앞서지 않았습니다" in gentle.conclusion
