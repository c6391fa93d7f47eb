"""Training throughput when the input pipeline is the bottleneck (면접 #20, #20-1).

The same MLP is trained for the same number of batches from three input pipelines:
- in memory: the whole (already preprocessed) dataset sits on the compute device, a batch is a slice;
- slow: every batch is read with a waiting time (disk, network, decoding; simulated with a sleep of
  the configured length) and then augmented sample by sample on the CPU, all in the training loop;
- slow with prefetching: the same work in background worker threads that each keep batches ready,
  as a DataLoader with ``num_workers`` does (threads here: the waiting overlaps, and the engine's
  worker process should not fork more processes).
Time spent waiting for the next batch versus computing is measured per batch; on CUDA the step is
synchronised so the GPU's time is attributed honestly, and CPU and GPU compute throughput are
compared. The sleep is a stand-in for I/O; the augmentation is real CPU work.

Each seed is one repetition of the three pipelines on its own data and initial weights, so the verdict
(the slow pipeline waits more than half the time; prefetching speeds it up) rests on a 95% interval over
repeated timings. ``BREAKING`` removes the wait and the augmentation: the step, not the input, takes the
time there. Timings are this machine's: the tests assert only what a sleep guarantees and the verdict's
direction, never a speed.
"""

from __future__ import annotations

import queue
import statistics
import threading
import time
from dataclasses import dataclass
from typing import Any

from pydantic import Field

from app.demos import draws
from app.demos.base import Chart, Citation, DemoParams, DemoSpec, Measurement, QuestionRef, Series, Table
from app.demos.evidence import Claim

INPUT_DIM = 784
# Streams of one seed beside its data's own generator (seed·7919 + salt, never a seed a run uses, so a seed's
# augmentation noise is not the next seed's data): the initial weights (seeded with the seed itself they were
# the data's own uniform numbers, the first layer a copy of the first inputs) and the augmentation noise.
INIT_SALT = 107
NOISE_SALT = 109
CLASSES = 10
PREFETCH_DEPTH = 2
PIPELINES = (("memory", "메모리에 올려 둔 데이터"), ("slow", "느린 파이프라인"), ("prefetch", "느린 파이프라인 + 미리 읽기"))


class Params(DemoParams):
    batches: int = Field(30, ge=5, le=200, description="파이프라인마다 학습할 배치 수")
    batch_size: int = Field(128, ge=8, le=1024, description="배치 크기")
    width: int = Field(256, ge=32, le=2048, description="MLP 은닉층 너비 (은닉층 2개)")
    load_delay_ms: float = Field(6.0, ge=0.0, le=50.0, description="배치 하나를 읽는 대기 시간 (디스크·디코딩 흉내, ms)")
    augment_ops_per_sample: int = Field(2, ge=0, le=8, description="샘플마다 CPU에서 하는 증강 연산 수")
    loader_workers: int = Field(2, ge=1, le=4, description="미리 읽기 파이프라인의 작업 스레드 수")


SMALLEST = Params(batches=8, batch_size=32, width=64, load_delay_ms=4.0)
# Nothing slow to read or augment: the "slow" pipeline only copies slices, and the time goes to the step.
BREAKING = Params(batches=10, batch_size=64, width=256, load_delay_ms=0.0, augment_ops_per_sample=0)
WAIT_MARGIN = 0.5  # "the input pipeline is the bottleneck": the model waits for data more than half the time


def flops_per_batch(params: Params) -> int:
    """Multiply-adds ×2, forward and backward (about twice the forward) of the MLP's matrix products."""
    w = params.width
    per_example = INPUT_DIM * w + w * w + w * CLASSES
    return 2 * 3 * params.batch_size * per_example


def run(params: Params, device, progress, seeds) -> Measurement:
    """Each seed is one repetition of all three pipelines on its own data: the timings repeat as often as
    there are seeds, so the verdict rests on an interval over repeated measurements, not on one reading."""
    import torch

    seeds = list(seeds)
    results: list[dict[str, dict]] = []
    cpu_compute: list[float] = []
    for r, seed in enumerate(seeds):
        repetition, cpu = _repeat(torch, params, device, seed, first=r == 0)
        results.append(repetition)
        if cpu is not None:
            cpu_compute.append(cpu)
        progress(0.9 * (r + 1) / len(seeds), f"반복 {r + 1}/{len(seeds)}: 느린 파이프라인 "
                 f"{repetition['slow']['samples_per_s']:,.0f} 샘플/초", [_timeline_chart(results[0])])
    per_seed = _measure(params, device, results, cpu_compute)
    charts = [_timeline_chart(results[0]), _wait_chart(params, results)]
    means = {name: statistics.fmean(values) for name, values in per_seed.items()}  # type: ignore[arg-type]
    gpu_name = torch.cuda.get_device_name(device) if device.type == "cuda" else None
    progress(1.0, "완료", charts)
    notes = [f"세 파이프라인을 {len(seeds)}번 번갈아 쟀습니다(시드마다 데이터와 초기 가중치가 다름); 아래 수치는 그 평균입니다.",
             conclusion(params, means, device.type, gpu_name)]
    return Measurement(per_seed=per_seed, charts=charts, table=_table(results, means), notes=notes)


@dataclass
class _Storage:
    """One seed's dataset: "on disk" (CPU, not yet preprocessed) and already on the compute device."""

    x: Any
    y: Any
    device_x: Any
    device_y: Any

    def rows(self, params: Params, i: int) -> slice:
        return slice(i * params.batch_size, (i + 1) * params.batch_size)


def _storage(torch, params: Params, device, seed: int) -> _Storage:
    n = params.batches * params.batch_size
    generator = torch.Generator().manual_seed(seed)
    x = torch.rand(n, INPUT_DIM, generator=generator)
    y = torch.randint(0, CLASSES, (n,), generator=generator)
    return _Storage(x, y, x.to(device), y.to(device))


def _read_batch(torch, params: Params, storage: _Storage, i: int, noise, device):
    """Batch ``i`` as a slow pipeline delivers it: a wait, then per-sample augmentation on the CPU, then the copy."""
    if params.load_delay_ms:
        time.sleep(params.load_delay_ms / 1000)  # waiting on storage: the CPU is idle, so is the model
    rows = storage.rows(params, i)
    samples = []
    for sample in storage.x[rows]:  # per-sample augmentation, the usual transforms loop
        for op in range(params.augment_ops_per_sample):
            if op % 2 == 0:
                sample = sample.flip(0)
            else:
                sample = (sample + 0.05 * torch.randn(sample.shape, generator=noise)).clamp_(0, 1)
        samples.append(sample)
    return torch.stack(samples).to(device), storage.y[rows].to(device)


def _in_memory(params: Params, storage: _Storage):
    for i in range(params.batches):
        rows = storage.rows(params, i)
        yield storage.device_x[rows], storage.device_y[rows]


def _noise(torch, seed: int, reader: int):
    """Reader ``reader``'s augmentation noise (one generator per thread: they are not thread-safe); the slow
    pipeline reads as reader 0, so it adds the first prefetching thread's noise."""
    return torch.Generator().manual_seed(seed * 7919 + NOISE_SALT + reader)


def _slow(torch, params: Params, storage: _Storage, seed: int, device):
    noise = _noise(torch, seed, 0)
    for i in range(params.batches):
        yield _read_batch(torch, params, storage, i, noise, device)


def _prefetched(torch, params: Params, storage: _Storage, seed: int, device):
    """Worker j reads batches j, j+W, j+2W, ... into its own queue; reading the queues in turn keeps the
    batch order."""
    workers = params.loader_workers
    ready: list[queue.Queue] = [queue.Queue(maxsize=PREFETCH_DEPTH) for _ in range(workers)]

    def produce(j: int):
        noise = _noise(torch, seed, j)
        for i in range(j, params.batches, workers):
            ready[j].put(_read_batch(torch, params, storage, i, noise, device))

    threads = [threading.Thread(target=produce, args=(j,), daemon=True) for j in range(workers)]
    for thread in threads:
        thread.start()
    for i in range(params.batches):
        yield ready[i % workers].get()
    for thread in threads:
        thread.join()


def _repeat(torch, params: Params, device, seed: int, first: bool) -> tuple[dict[str, dict], float | None]:
    """One repetition: the seed's data, then each pipeline trains a fresh MLP from the seed's start."""
    storage = _storage(torch, params, device, seed)
    if first:  # warm-up, not timed
        _train(torch, params, device, (batch for batch, _ in zip(_in_memory(params, storage), range(3))), seed)
    sources = {"memory": lambda: _in_memory(params, storage),
               "slow": lambda: _slow(torch, params, storage, seed, device),
               "prefetch": lambda: _prefetched(torch, params, storage, seed, device)}
    results = {key: _train(torch, params, device, sources[key](), seed) for key, _ in PIPELINES}
    cpu = None
    if device.type == "cuda":  # the same batches and start, computed on the CPU
        cpu_batches = ((storage.x[storage.rows(params, i)], storage.y[storage.rows(params, i)])
                       for i in range(params.batches))
        cpu = _train(torch, params, torch.device("cpu"), cpu_batches, seed)["samples_per_s"]
    return results, cpu


def _measure(params: Params, device, results: list[dict[str, dict]], cpu_compute: list[float]
             ) -> dict[str, list[float | None]]:
    """Per repetition: throughput, waiting and the speed-ups; what each batch asks for (the same in each)."""
    S = len(results)
    per_seed: dict[str, list[float | None]] = {
        # Deterministic: what each batch asks for, and the cap the configured wait puts on throughput.
        "batch_size": [float(params.batch_size)] * S,
        "flops_per_batch": [float(flops_per_batch(params))] * S,
        "augment_ops_per_batch": [float(params.batch_size * params.augment_ops_per_sample)] * S,
        "configured_delay_ms_per_batch": [params.load_delay_ms] * S,
        "delay_cap_samples_per_s": [(1000 * params.batch_size / params.load_delay_ms) if params.load_delay_ms
                                    else 0.0] * S,
        "loader_workers": [float(params.loader_workers)] * S,
        "gpu_compared": [float(device.type == "cuda")] * S,
        # The seed's data and start, trained from memory: the same numbers whenever the seed is the same.
        "final_loss_memory": [rep["memory"]["final_loss"] for rep in results],
    }
    for key, _ in PIPELINES:
        for name in ("samples_per_s", "wait_fraction", "wait_ms_per_batch"):
            per_seed[f"{name}_{key}"] = [rep[key][name] for rep in results]
    per_seed["compute_ms_per_batch"] = [rep["memory"]["compute_ms_per_batch"] for rep in results]
    per_seed["slowdown_slow"] = [rep["memory"]["samples_per_s"] / rep["slow"]["samples_per_s"] for rep in results]
    per_seed["prefetch_speedup"] = [rep["prefetch"]["samples_per_s"] / rep["slow"]["samples_per_s"] for rep in results]
    if cpu_compute:
        per_seed["samples_per_s_cpu_compute"] = list(cpu_compute)
        per_seed["gpu_over_cpu"] = [rep["memory"]["samples_per_s"] / cpu for rep, cpu in zip(results, cpu_compute)]
    return per_seed


def _train(torch, params: Params, device, batches, seed: int) -> dict:
    """Train one fresh MLP (the seed's start, drawn on the CPU) on the given batches, timing the wait for
    each batch apart from the step."""
    nn = torch.nn
    with draws.seeded(seed * 7919 + INIT_SALT):
        model = nn.Sequential(nn.Linear(INPUT_DIM, params.width), nn.ReLU(), nn.Linear(params.width, params.width),
                              nn.ReLU(), nn.Linear(params.width, CLASSES)).to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    cuda = device.type == "cuda"
    waits, computes, elapsed = [], [], []
    started = time.perf_counter()
    iterator = iter(batches)
    while True:
        before_wait = time.perf_counter()
        try:
            x, y = next(iterator)
        except StopIteration:
            break
        before_compute = time.perf_counter()
        optimizer.zero_grad(set_to_none=True)
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        if cuda:
            torch.cuda.synchronize(device)  # the step is done only when the GPU is done
        done = time.perf_counter()
        waits.append(before_compute - before_wait)
        computes.append(done - before_compute)
        elapsed.append(done - started)
    total = elapsed[-1]
    return {
        "final_loss": loss.item(),
        "samples_per_s": len(waits) * params.batch_size / total,
        "wait_fraction": sum(waits) / total,
        "wait_ms_per_batch": 1000 * sum(waits) / len(waits),
        "compute_ms_per_batch": 1000 * sum(computes) / len(computes),
        "waits_ms": [1000 * w for w in waits],
        "elapsed_s": elapsed,
        "samples_done": [float((i + 1) * params.batch_size) for i in range(len(elapsed))],
    }


def _timeline_chart(results: dict) -> Chart:
    labels = dict(PIPELINES)
    return Chart(
        key="timeline", title="시간에 따라 학습한 샘플 수", x_label="경과 시간 (초)", y_label="학습한 샘플 수",
        series=[Series(name=labels[k], x=r["elapsed_s"], y=r["samples_done"]) for k, r in results.items()],
    )


def _wait_chart(params: Params, results: list[dict[str, dict]]) -> Chart:
    return Chart(
        key="wait", title="배치마다 데이터를 기다린 시간 (반복 평균, 띠는 최소~최대)", x_label="배치 번호",
        y_label="대기 시간 (ms)",
        series=[Series.over_seeds(label, [float(i + 1) for i in range(params.batches)],
                                  [rep[key]["waits_ms"] for rep in results]) for key, label in PIPELINES],
    )


def _table(results: list[dict[str, dict]], means: dict[str, float]) -> Table:
    return Table(
        columns=["파이프라인", "샘플/초 (반복 평균)", "데이터 대기 비율", "배치당 대기 (ms)", "배치당 계산 (ms)"],
        rows=[[label, round(means[f"samples_per_s_{k}"], 1), round(means[f"wait_fraction_{k}"], 3),
               round(means[f"wait_ms_per_batch_{k}"], 2),
               round(statistics.fmean(rep[k]["compute_ms_per_batch"] for rep in results), 2)]
              for k, label in PIPELINES],
    )


def _slow_pipeline_phrase(m: dict[str, float]) -> str:
    delay, ops = m["configured_delay_ms_per_batch"], int(m["augment_ops_per_batch"] / m["batch_size"])
    if delay and ops:
        return f"배치마다 {delay:g}ms를 기다려 읽고 CPU에서 샘플마다 증강 {ops}번을 하면"
    if delay:
        return f"배치마다 {delay:g}ms를 기다려 읽으면"
    if ops:
        return f"CPU에서 샘플마다 증강 {ops}번을 하면"
    return "학습 루프 안에서 CPU의 데이터를 배치마다 옮기면"


def conclusion(params: Params, m: dict[str, float], device_type: str, gpu_name: str | None) -> str:
    """Written from the measured numbers alone (kept separate so its branches can be tested)."""
    where = f"GPU({gpu_name})" if device_type == "cuda" else "CPU"
    parts = [
        f"{where}에서 같은 MLP를 배치 {int(m['batch_size'])}개씩 학습했습니다. 데이터를 메모리에 올려 두면 "
        f"{m['samples_per_s_memory']:,.0f} 샘플/초 (데이터 대기 {m['wait_fraction_memory']:.0%}), "
        + _slow_pipeline_phrase(m)
        + f" {m['samples_per_s_slow']:,.0f} 샘플/초입니다 (대기 {m['wait_fraction_slow']:.0%})."
    ]
    if m["wait_fraction_slow"] > WAIT_MARGIN:
        parts.append(
            f" 시간의 {m['wait_fraction_slow']:.0%} 동안 모델은 다음 배치를 기다리며 놀았습니다: 계산 장치가 아니라 "
            f"입력 파이프라인이 병목이라, 사용률이 100%에 못 미치는 전형적인 이유입니다 (계산 자체는 배치당 "
            f"{m['compute_ms_per_batch']:.1f}ms)."
        )
    else:
        parts.append(
            f" 이번 설정에서는 대기 비율이 {m['wait_fraction_slow']:.0%}로, 파이프라인보다 계산이 더 오래 걸렸습니다 "
            f"(계산 배치당 {m['compute_ms_per_batch']:.1f}ms)."
        )
    if m["configured_delay_ms_per_batch"] > 0:
        parts.append(
            f" 한 줄로 읽으면 읽기 대기만으로도 처리량의 상한이 {m['delay_cap_samples_per_s']:,.0f} 샘플/초입니다 "
            f"(배치 크기 ÷ 대기 시간); 작업자 {int(m['loader_workers'])}개가 나눠 읽으면 상한도 그만큼 올라갑니다."
        )
    workers = params.loader_workers
    if m["prefetch_speedup"] > 1.2:
        parts.append(
            f" 작업 스레드 {workers}개가 미리 읽어 두면 {m['samples_per_s_prefetch']:,.0f} 샘플/초로 "
            f"{m['prefetch_speedup']:.1f}배 빨라졌습니다 (대기 {m['wait_fraction_prefetch']:.0%}): DataLoader의 "
            f"num_workers와 같은 원리로, 읽기를 기다리는 동안 계산이 겹칩니다."
        )
    elif m["configured_delay_ms_per_batch"] or m["augment_ops_per_batch"]:
        parts.append(
            f" 미리 읽기(작업 스레드 {workers}개)는 이번에 {m['prefetch_speedup']:.2f}배에 그쳤습니다: 증강 같은 CPU "
            f"작업은 GIL과 코어를 나눠 쓰는 스레드로는 겹치지 않으니 프로세스 워커나 더 많은 코어가 필요합니다."
        )
    else:
        parts.append(
            f" 파이프라인에 느린 작업이 없어 미리 읽기로 얻을 것이 없었습니다 ({m['prefetch_speedup']:.2f}배)."
        )
    if device_type == "cuda":
        parts.append(
            f" 같은 계산을 CPU에서 하면 {m['samples_per_s_cpu_compute']:,.0f} 샘플/초로, GPU가 "
            f"{m['gpu_over_cpu']:.1f}배 빨랐습니다."
        )
    else:
        parts.append(" 이 실행은 CPU에서 했으므로 CPU와 GPU의 처리량 비교는 하지 않았습니다.")
    parts.append(" 시간은 이 기기에서 잰 값이라 실행마다 조금씩 다릅니다.")
    return "".join(parts)


DEMO = DemoSpec(
    slug="throughput-bottleneck",
    title="학습 처리량과 입력 파이프라인 병목",
    summary=(
        "데이터를 읽고 전처리하는 파이프라인이 느리면 계산 장치는 다음 배치를 기다리며 놉니다. 메모리에 올린 데이터, "
        "느린 파이프라인, 미리 읽기를 한 파이프라인의 처리량과 대기 비율을 잽니다."
    ),
    params=Params,
    smallest=SMALLEST,
    breaking=BREAKING,
    run=run,
    claims=(
        Claim(metric="wait_fraction_slow", direction="greater", margin=WAIT_MARGIN,
              statement="느린 입력 파이프라인에서는 학습 시간의 절반 넘게 다음 배치를 기다린다(병목은 계산이 아니라 입력)",
              metric_label="느린 파이프라인에서 다음 배치를 기다린 시간의 비율 (0–1)"),
        Claim(metric="prefetch_speedup", direction="greater", margin=1.0,
              statement="작업 스레드로 미리 읽으면 느린 파이프라인보다 처리량이 높다",
              metric_label="처리량 비 (미리 읽기 ÷ 느린 파이프라인)"),
    ),
    # A pipeline's wait is the time spent getting the next batch (reading and augmenting included).
    metric_labels={
        "batch_size": "배치 크기",
        "flops_per_batch": "배치 하나의 순전파+역전파 FLOP (행렬곱, 어림)",
        "augment_ops_per_batch": "배치 하나의 CPU 증강 연산 수",
        "configured_delay_ms_per_batch": "설정한 배치당 읽기 대기 (ms)",
        "delay_cap_samples_per_s": "읽기 대기만으로 정해지는 처리량 상한 (샘플/초, 대기 없으면 0)",
        "loader_workers": "미리 읽기 작업 스레드 수",
        "gpu_compared": "GPU에서 재고 CPU 계산과 비교함 (1 = 예)",
        "final_loss_memory": "메모리에 올려 둔 데이터로 학습한 마지막 배치의 손실 (교차 엔트로피)",
        **{f"{name}_{key}": label.format(shown) for key, shown in PIPELINES for name, label in (
            ("samples_per_s", "처리량 ({}, 샘플/초)"),
            ("wait_fraction", "다음 배치를 기다린 시간의 비율 ({}, 0–1)"),
            ("wait_ms_per_batch", "배치당 기다린 시간 ({}, ms)"))},
        "compute_ms_per_batch": "배치당 계산 시간 (메모리에 올려 둔 데이터, ms)",
        "slowdown_slow": "처리량 비 (메모리에 올려 둔 데이터 ÷ 느린 파이프라인)",
        "samples_per_s_cpu_compute": "같은 배치를 CPU에서 계산한 처리량 (메모리에 올려 둔 데이터, 샘플/초)",
        "gpu_over_cpu": "계산 처리량 비 (GPU ÷ CPU, 메모리에 올려 둔 데이터)",
    },
    concepts=("bottleneck", "dataloader", "gpu_utilization", "preprocessing"),
    questions=(QuestionRef("면접 #20", "GPU를 쓰면 좋은 이유"), QuestionRef("면접 #20-1", "GPU를 100% 쓰지 않는 이유")),
    citations=(
        Citation(authors="Murray, Šimša, Klimovic & Indyk", year=2021,
                 title="tf.data: A Machine Learning Data Processing Framework", url="https://arxiv.org/abs/2101.12127"),
    ),
    gpu_aware=True,
    timing_metrics=(
        "samples_per_s_memory", "samples_per_s_slow", "samples_per_s_prefetch",
        "wait_fraction_memory", "wait_fraction_slow", "wait_fraction_prefetch",
        "wait_ms_per_batch_memory", "wait_ms_per_batch_slow", "wait_ms_per_batch_prefetch",
        "compute_ms_per_batch", "slowdown_slow", "prefetch_speedup", "samples_per_s_cpu_compute", "gpu_over_cpu",
    ),
    version="3",
)
