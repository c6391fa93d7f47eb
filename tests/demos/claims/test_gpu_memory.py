"""gpu-memory: the activation formula against what autograd saves, the rule of thumb against the
measured total, and on a CPU no GPU number at all (the old demo's "measured" GPU column equalled the
estimate by construction)."""

from __future__ import annotations

import pytest

from app.demos.experiments.gpu_memory import CUDA_METRICS, estimate
from app.demos.registry import get_demo
from tests.demos.support import run, smallest

pytestmark = pytest.mark.slow

SLUG = "gpu-memory"
MB = 1024 ** 2


def test_the_formula_matches_what_training_holds_and_the_rule_of_thumb_falls_short():
    result = run(SLUG, **get_demo(SLUG).params().model_dump())
    assert result.verdict == "holds", result.conclusion
    params = get_demo(SLUG).params()
    est = estimate(params, params.batch_size)
    m = result.metrics
    assert m["measured_grad_bytes"] == est["grad_bytes"] == est["param_bytes"]
    assert m["measured_optimizer_state_bytes"] == 2 * est["param_bytes"]  # Adam: two moments
    # Every saved tensor is in the formula, labels included; what is left is the loss's scalar or two.
    assert 0 <= m["measured_saved_activation_bytes"] - est["activation_bytes"] <= 16
    assert m["measured_over_naive"] > 2
    bigger = estimate(params, 4 * params.batch_size)
    assert bigger["activation_bytes"] == 4 * est["activation_bytes"] and bigger["param_bytes"] == est["param_bytes"]


def test_where_the_data_is_most_of_the_memory_the_rule_of_thumb_is_close():
    breaking = get_demo(SLUG).breaking
    result = run(SLUG, **breaking.model_dump())
    assert result.claims[1].verdict == "does_not_hold" and result.verdict in ("does_not_hold", "mixed")
    ratio = result.summaries["measured_over_naive"].mean
    assert ratio < 1.5 and f"측정의 {1 / ratio:.0%}로 가깝습니다" in result.conclusion


def test_optimizer_choice_changes_the_state():
    sgd = run(SLUG, optimizer="sgd").metrics
    adam = smallest(SLUG).metrics
    assert sgd["measured_optimizer_state_bytes"] == 0
    assert sgd["measured_total_bytes"] < adam["measured_total_bytes"]


def test_on_a_cpu_nothing_is_presented_as_a_gpu_measurement():
    import torch

    if torch.cuda.is_available():
        pytest.skip("a GPU is present: the CUDA readings are real there")
    result = smallest(SLUG)
    assert "GPU에서 잰 것은 없습니다" in result.conclusion
    assert not set(CUDA_METRICS) & set(result.metrics)
    gpu_column = [row[3] for row in result.table.rows if row[3] is not None]
    assert gpu_column and all(cell == "GPU 없음: 재지 않음" for cell in gpu_column)
    assert "잰 값이 아니라 추정" in result.conclusion  # the two-GPU figure is labelled an estimate
    m = result.metrics
    assert f"{m['measured_saved_activation_bytes'] / MB:.2f}MB" in result.conclusion
    assert f"{m['activation_measured_over_estimate']:.2f}배" in result.conclusion


def test_the_gpu_reading_warms_up_and_reports_reserved_memory_and_the_context():
    import torch

    if not torch.cuda.is_available():
        pytest.skip("no CUDA GPU on this machine")
    from app.demos.execute import execute

    spec = get_demo(SLUG)
    result = execute(spec, spec.smallest, "cuda", 0).result
    m = result.metrics
    assert m["cuda_reserved_peak_bytes"] >= m["cuda_step_peak_bytes"] > 0
    assert m["cuda_context_bytes"] > 0
    assert "CUDA 컨텍스트" in result.conclusion and "GPU에서 잰 것은 없습니다" not in result.conclusion


def test_seeds_change_the_data_and_the_same_seed_reproduces():
    first, again, other = run(SLUG), run(SLUG), run(SLUG, seed=4)
    losses = first.summaries["first_step_loss"].per_seed
    assert losses == again.summaries["first_step_loss"].per_seed and len(set(losses)) == 3
    assert other.summaries["first_step_loss"].per_seed != losses
