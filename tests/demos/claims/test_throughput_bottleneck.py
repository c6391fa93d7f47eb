"""throughput-bottleneck: repeated timings as the seeds. A pipeline that sleeps before every batch keeps the
model waiting more than half the time and prefetching threads overlap the waits; with nothing slow to read
the step takes the time. Timings are this machine's clock: asserted only where a sleep bounds them."""

from __future__ import annotations

import pytest

from app.demos.experiments.throughput_bottleneck import INPUT_DIM, conclusion, flops_per_batch
from app.demos.registry import get_demo
from tests.demos.support import check_seeds_draw_new_data_and_repeat, run, smallest

pytestmark = pytest.mark.slow
SLUG = "throughput-bottleneck"


def test_each_seed_repeats_the_timing_and_the_work_is_reported():
    demo = get_demo(SLUG)
    result = smallest(SLUG)
    m, params = result.metrics, demo.smallest
    w = params.width
    assert m["flops_per_batch"] == flops_per_batch(params) == 6 * params.batch_size * (INPUT_DIM * w + w * w + w * 10)
    assert m["augment_ops_per_batch"] == params.batch_size * params.augment_ops_per_sample
    assert m["delay_cap_samples_per_s"] == pytest.approx(1000 * params.batch_size / params.load_delay_ms)
    assert m["gpu_compared"] == 0
    waits = result.summaries["wait_ms_per_batch_slow"].per_seed
    assert len(waits) == len(result.seeds) == 3
    assert all(wait >= params.load_delay_ms for wait in waits)  # the sleep is a lower bound on every reading
    for name in ("samples_per_s_memory", "samples_per_s_slow", "samples_per_s_prefetch", "wait_fraction_slow"):
        assert name in demo.timing_metrics
    # The pipeline sleeps before every batch: however loaded the machine, the verdict cannot be that it
    # does not wait.
    assert result.claims[0].verdict != "does_not_hold"
    assert "3번 번갈아 쟀습니다" in result.conclusion
    assert "CPU와 GPU의 처리량 비교는 하지 않았습니다" in result.conclusion


def test_with_nothing_slow_to_read_the_input_is_not_the_bottleneck():
    result = run(SLUG, **get_demo(SLUG).breaking.model_dump())
    assert result.claims[0].verdict != "holds"
    assert result.verdict in ("does_not_hold", "mixed")
    assert all(wait < 1.0 for wait in result.summaries["wait_fraction_slow"].per_seed)
    assert "학습 루프 안에서 CPU의 데이터를 배치마다 옮기면" in result.conclusion


def _throughput_metrics(**overrides) -> dict[str, float]:
    base = {
        "batch_size": 64.0, "flops_per_batch": 1.0, "augment_ops_per_batch": 128.0,
        "configured_delay_ms_per_batch": 4.0, "delay_cap_samples_per_s": 16000.0, "loader_workers": 2.0,
        "gpu_compared": 0.0, "samples_per_s_memory": 50000.0, "samples_per_s_slow": 9000.0,
        "samples_per_s_prefetch": 18000.0, "wait_fraction_memory": 0.01, "wait_fraction_slow": 0.8,
        "wait_fraction_prefetch": 0.4, "wait_ms_per_batch_memory": 0.01, "wait_ms_per_batch_slow": 5.0,
        "wait_ms_per_batch_prefetch": 1.0, "compute_ms_per_batch": 1.2, "slowdown_slow": 5.6,
        "prefetch_speedup": 2.0,
    }
    return base | overrides


def test_the_conclusion_branches_on_the_measured_wait():
    params = get_demo(SLUG).smallest
    starved = conclusion(params, _throughput_metrics(), "cpu", None)
    assert "80%" in starved and "병목" in starved and "2.0배 빨라졌습니다" in starved
    busy = conclusion(params, _throughput_metrics(wait_fraction_slow=0.12, prefetch_speedup=1.05), "cpu", None)
    assert "계산이 더 오래 걸렸습니다" in busy and "12%" in busy and "1.05배에 그쳤습니다" in busy
    on_gpu = conclusion(params, _throughput_metrics(samples_per_s_cpu_compute=5000.0, gpu_over_cpu=10.0),
                        "cuda", "NVIDIA H100")
    assert "GPU(NVIDIA H100)" in on_gpu and "10.0배" in on_gpu and "비교는 하지 않았습니다" not in on_gpu


def test_seeds_change_the_data_and_the_same_seed_repeats():
    check_seeds_draw_new_data_and_repeat(SLUG, "final_loss_memory")
