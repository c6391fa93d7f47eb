"""Claims of the generalisation / regularisation / training-practice / systems demos, checked from numbers.

Each demo runs at its SMALLEST parameters on CPU (seeded as the engine seeds it), and the claim it
stands for is asserted on its deterministic metrics; timing metrics are never asserted on. Every
conclusion must quote what was measured, and change when the measurement changes.
"""

from __future__ import annotations

import pytest

from app.demos.registry import get_demo
from tests.demos.support import smallest

pytestmark = pytest.mark.slow


# throughput-bottleneck ------------------------------------------------------------------------------


def test_throughput_reports_its_work_and_timings():
    from app.demos.experiments.throughput_bottleneck import INPUT_DIM, flops_per_batch

    demo = get_demo("throughput-bottleneck")
    result = smallest("throughput-bottleneck")
    m, params = result.metrics, demo.smallest
    w = params.width
    assert m["flops_per_batch"] == flops_per_batch(params) == 6 * params.batch_size * (INPUT_DIM * w + w * w + w * 10)
    assert m["augment_ops_per_batch"] == params.batch_size * params.augment_ops_per_sample
    assert m["delay_cap_samples_per_s"] == pytest.approx(1000 * params.batch_size / params.load_delay_ms)
    assert m["gpu_compared"] == 0
    # Timing readings are reported (never asserted on: they are this machine's clock).
    for name in ("samples_per_s_memory", "samples_per_s_slow", "samples_per_s_prefetch", "wait_fraction_slow"):
        assert name in m and name in demo.timing_metrics
    assert "CPU와 GPU의 처리량 비교는 하지 않았습니다" in result.conclusion


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


def test_throughput_conclusion_branches_on_the_measured_wait():
    from app.demos.experiments.throughput_bottleneck import conclusion

    params = get_demo("throughput-bottleneck").smallest
    starved = conclusion(params, _throughput_metrics(), "cpu", None)
    assert "80%" in starved and "병목" in starved and "2.0배 빨라졌습니다" in starved
    busy = conclusion(params, _throughput_metrics(wait_fraction_slow=0.12, prefetch_speedup=1.05), "cpu", None)
    assert "계산이 더 오래 걸렸습니다" in busy and "12%" in busy and "1.05배에 그쳤습니다" in busy
    on_gpu = conclusion(params, _throughput_metrics(samples_per_s_cpu_compute=5000.0, gpu_over_cpu=10.0),
                        "cuda", "NVIDIA H100")
    assert "GPU(NVIDIA H100)" in on_gpu and "10.0배" in on_gpu and "비교는 하지 않았습니다" not in on_gpu
