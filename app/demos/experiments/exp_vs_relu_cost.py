"""What exp costs next to ReLU, and whether inputs near 0 make it dearer (노드 03-2).

The node 03 thread says exp is expensive "near 0". This demo times it instead of guessing, with
``torch.utils.benchmark`` on whatever device the run gets, one tensor of ``n_elements`` float32 values
at a time: exp over a sweep of input values, ReLU over the same sweep, and the usual activations on
ordinary inputs. Timings are readings of this machine (timing metrics); what does not change from run
to run is recorded too: how many results of each input range are subnormal (float32 values below
1.18e-38, which ``exp`` produces for inputs between about −103.3 and −87.3) or underflow to exactly 0.
Each seed draws fresh inputs and times every case again, so the ratios come with an interval over
three measurements. The headline claim rests on those counts (which results are subnormal); the
timing claims rest on ratios measured in the same run, each against a margin.

An inputs-near-0 exp returns values near 1, ordinary floats. A very negative input returns a value
"near 0", and that is where vectorised exp implementations leave their fast path (SLEEF, Shibata &
Petrogalli 2020) and where arithmetic on subnormals can need slow microcode on x86 CPUs (the
``flush_denormal`` switch, ``torch.set_flush_denormal``, turns such results into 0 to tell the two apart).
"""

from __future__ import annotations

import math
import platform
import statistics
from collections.abc import Callable
from typing import Literal

from pydantic import Field

from app.demos.base import (
    Chart,
    Citation,
    DemoParams,
    DemoSpec,
    Measurement,
    QuestionRef,
    Series,
    Table,
)
from app.demos.evidence import Claim
from app.demos.training import differences

# exp's input ranges: (key, Korean label, low, high)
RANGES = (
    ("near_zero", "0 근처 [−0.01, 0.01]", -0.01, 0.01),
    ("ordinary", "보통 [−5, 5]", -5.0, 5.0),
    ("to_subnormal", "결과가 서브노멀 [−103, −88]", -103.0, -88.0),
    ("to_zero", "결과가 0으로 underflow [−150, −104]", -150.0, -104.0),
)
ACTIVATIONS = (("relu", "ReLU"), ("sigmoid", "시그모이드"), ("tanh", "tanh"), ("elu", "ELU"), ("softmax", "소프트맥스"),
               ("exp", "exp"))
SOFTMAX_ROW = 256
SWEEP = [float(v) for v in range(-130, 11, 10)]  # input values for the exp-vs-input chart
ROUNDS = 3


class Params(DemoParams):
    n_elements: int = Field(32768, ge=4096, le=524_288, description="한 번에 계산하는 float32 원소 수")
    min_time_ms: float = Field(3.0, ge=1.0, le=40.0, description="시드마다 연산 하나를 재는 데 쓰는 시간 (ms, 3번에 나눠 잼)")
    flush_denormal: Literal["off", "on"] = Field(
        "off", description="서브노멀 결과를 0으로 바꾸는 CPU 설정(torch.set_flush_denormal)을 켤지",
    )


SMALLEST = Params(n_elements=16384, min_time_ms=1.0)
# Subnormal results flushed to 0: the counted claim has nothing left to count (x86 CPUs; a CPU that
# cannot flush keeps its subnormals, and the run says so).
BREAKING = Params(n_elements=16384, min_time_ms=1.0, flush_denormal="on")
SLOW_SUBNORMAL = 2.0  # "dearer" means at least twice the time per element
NOT_DEARER = 1.25  # "not dearer" means under a quarter more


def _device_name(torch, device) -> str:
    if device.type == "cuda":
        return f"GPU {torch.cuda.get_device_name(device)}"
    name = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            name = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), name)
    except OSError:
        pass
    return f"CPU {name} ({torch.backends.cpu.get_cpu_capability()}, torch 스레드 {torch.get_num_threads()}개)"


def _time_one_seed(seed: int, params: Params, device, functions: dict, report) -> tuple[dict, dict]:
    """Fresh inputs from ``seed``; the fastest of ROUNDS interleaved rounds per case, in seconds."""
    import torch
    from torch.utils.benchmark import Timer

    n = params.n_elements
    generator = torch.Generator().manual_seed(seed)

    def uniform(low: float, high: float):
        return (torch.rand(n, generator=generator) * (high - low) + low).to(device)

    ordinary = uniform(-5.0, 5.0)
    cases: dict[str, tuple] = {}  # name -> (function, input)
    range_inputs = {key: uniform(low, high) for key, _, low, high in RANGES}
    for key, x in range_inputs.items():
        cases[f"exp_{key}"] = (torch.exp, x)
    for key, _ in ACTIVATIONS:
        cases[key] = (functions[key], ordinary)
    # σ(x) = 1/(1 + e^{−x}): for x in [88, 103] the e^{−x} inside is a subnormal.
    cases["sigmoid_tiny_result"] = (torch.sigmoid, uniform(88.0, 103.0))
    noise = uniform(-0.5, 0.5)
    for value in SWEEP:
        cases[f"sweep_exp_{value:g}"] = (torch.exp, value + noise)
        cases[f"sweep_relu_{value:g}"] = (torch.relu, value + noise)
    tiny = torch.finfo(torch.float32).tiny
    counts = {key: (((y != 0) & (y < tiny)).float().mean().item(), (y == 0).float().mean().item())
              for key, y in ((key, torch.exp(x)) for key, x in range_inputs.items())}
    counts["input_mean"] = (ordinary.mean().item(), 0.0)  # which inputs this seed drew
    # Other processes share the machine: every case is timed in several interleaved rounds and the
    # fastest round counts, the usual estimate of what the operation itself costs.
    timers = {name: Timer(stmt="fn(x)", globals={"fn": fn, "x": x}, num_threads=torch.get_num_threads())
              for name, (fn, x) in cases.items()}
    budget = params.min_time_ms / 1000 / ROUNDS
    number = {name: max(1, int(budget / max(timer.timeit(1).median, 1e-7))) for name, timer in timers.items()}
    best = dict.fromkeys(timers, math.inf)
    for round_index in range(ROUNDS):
        for name, timer in timers.items():
            best[name] = min(best[name], timer.timeit(number[name]).median)
        report(round_index + 1, best)
    return best, counts


def _functions(torch) -> dict[str, Callable]:
    return {
        "relu": torch.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh, "elu": torch.nn.functional.elu,
        "softmax": lambda t: torch.softmax(t.view(-1, SOFTMAX_ROW), dim=1), "exp": torch.exp,
    }


def _per_element(seconds: dict[str, float], name: str, n: int) -> float:
    return seconds[name] / n * 1e9


def _sweep_chart(timed: list[dict[str, float]], n: int, where: str) -> Chart:
    return Chart(
        key="sweep", title=f"입력값에 따른 원소당 시간 ({where}, 시드 범위)", x_label="입력값 x (±0.5로 흩음)",
        y_label="ns / 원소", log_y=True,
        series=[Series.over_seeds(f"{label}(x)", SWEEP, [[_per_element(t, f"sweep_{key}_{v:g}", n) for v in SWEEP]
                                                         for t in timed])
                for key, label in (("exp", "exp"), ("relu", "ReLU"))],
    )


def _activation_chart(timed: list[dict[str, float]], n: int) -> Chart:
    return Chart(
        key="activations", title="보통 입력 [−5, 5]에서 활성화별 원소당 시간 (시드 범위)", x_label="활성화 (순서)",
        y_label="ns / 원소", log_y=True,
        series=[Series.over_seeds(label, [float(i + 1)], [[_per_element(t, key, n)] for t in timed])
                for i, (key, label) in enumerate(ACTIVATIONS)],
    )


def _time_seeds(params: Params, device, seeds, where: str,
                progress) -> tuple[list[dict[str, float]], list[dict[str, tuple[float, float]]], bool]:
    """Each seed's best times and result counts, and whether flushing subnormals to zero was on."""
    import torch

    n, functions = params.n_elements, _functions(torch)
    timed: list[dict[str, float]] = []
    counted: list[dict[str, tuple[float, float]]] = []
    # A process-wide CPU switch: on for this run only if asked, and back to PyTorch's default (off) after.
    flush_applied = device.type == "cpu" and params.flush_denormal == "on" and torch.set_flush_denormal(True)
    try:
        for i, seed in enumerate(seeds):
            def report(done: int, best: dict[str, float], i=i) -> None:
                progress((i * ROUNDS + done) / (len(seeds) * ROUNDS), f"시드 {i + 1}/{len(seeds)}, 측정 {done}/{ROUNDS}회",
                         [_sweep_chart([*timed, best], n, where), _activation_chart([*timed, best], n)])

            best, counts = _time_one_seed(seed, params, device, functions, report)
            timed.append(best)
            counted.append(counts)
    finally:
        if device.type == "cpu":
            torch.set_flush_denormal(False)
    return timed, counted, bool(flush_applied)


def _measure(timed: list[dict[str, float]], counted: list[dict[str, tuple[float, float]]], flush_applied: bool,
             n: int) -> dict[str, list]:
    per_seed: dict[str, list] = {"flush_denormal_applied": [1.0 if flush_applied else 0.0] * len(timed)}
    for key, _, _, _ in RANGES:
        per_seed[f"subnormal_fraction_{key}"] = [c[key][0] for c in counted]
        per_seed[f"zero_fraction_{key}"] = [c[key][1] for c in counted]
        per_seed[f"ns_exp_{key}"] = [_per_element(t, f"exp_{key}", n) for t in timed]
    for key, _ in ACTIVATIONS:
        per_seed[f"ns_{key}"] = [_per_element(t, key, n) for t in timed]
    per_seed["input_mean_ordinary"] = [c["input_mean"][0] for c in counted]
    per_seed["ns_sigmoid_tiny_result"] = [_per_element(t, "sigmoid_tiny_result", n) for t in timed]
    per_seed["subnormal_gap"] = differences(per_seed["subnormal_fraction_to_subnormal"],
                                            per_seed["subnormal_fraction_near_zero"])

    def ratio(numerator: str, denominator: str) -> list[float | None]:
        return [a / b for a, b in zip(per_seed[numerator], per_seed[denominator])]

    per_seed["ratio_exp_to_relu"] = ratio("ns_exp", "ns_relu")
    per_seed["ratio_near_zero_to_ordinary"] = ratio("ns_exp_near_zero", "ns_exp_ordinary")
    per_seed["ratio_subnormal_to_ordinary"] = ratio("ns_exp_to_subnormal", "ns_exp_ordinary")
    per_seed["ratio_zero_to_ordinary"] = ratio("ns_exp_to_zero", "ns_exp_ordinary")
    per_seed["ratio_sigmoid_tiny_to_ordinary"] = ratio("ns_sigmoid_tiny_result", "ns_sigmoid")
    return per_seed


def _table(per_seed: dict[str, list]) -> Table:
    def mean(name: str) -> float:
        return statistics.fmean(per_seed[name])

    relu = mean("ns_relu")
    rows = [[f"exp, 입력 {label}", round(mean(f"ns_exp_{key}"), 3), round(mean(f"ns_exp_{key}") / relu, 1),
             f"{mean(f'subnormal_fraction_{key}'):.0%}", f"{mean(f'zero_fraction_{key}'):.0%}"]
            for key, label, _, _ in RANGES]
    rows += [[f"{label}, 입력 [−5, 5]", round(mean(f"ns_{key}"), 3), round(mean(f"ns_{key}") / relu, 1), "—", "—"]
             for key, label in ACTIVATIONS if key != "exp"]
    rows.append(["시그모이드, 안의 e^(−x)가 서브노멀인 입력 [88, 103]", round(mean("ns_sigmoid_tiny_result"), 3),
                 round(mean("ns_sigmoid_tiny_result") / relu, 1), "—", "—"])
    return Table(columns=["연산 (시드 평균)", "ns / 원소", "ReLU 대비", "서브노멀 결과", "0이 된 결과"], rows=rows)


def run(params: Params, device, progress, seeds) -> Measurement:
    import torch

    where = _device_name(torch, device)
    timed, counted, flush_applied = _time_seeds(params, device, seeds, where, progress)
    per_seed = _measure(timed, counted, flush_applied, params.n_elements)
    charts = [_sweep_chart(timed, params.n_elements, where), _activation_chart(timed, params.n_elements)]
    progress(1.0, "완료", charts)
    return Measurement(per_seed=per_seed, charts=charts, table=_table(per_seed), notes=_notes(params, per_seed, where))


def _notes(params: Params, per_seed: dict[str, list], where: str) -> list[str]:
    def mean(name: str) -> float:
        return statistics.fmean(per_seed[name])

    low, high = math.log(2.0 ** -149), math.log(torch_tiny())
    notes = [(
        f"{where}에서 float32 원소 {params.n_elements:,}개씩, 시드마다 새 입력으로 {ROUNDS}번 잰 것 중 가장 빠른 시간의 "
        f"평균입니다 (이 기계의 측정값이라 실행마다 조금씩 다릅니다). exp는 원소당 {mean('ns_exp'):.3g} ns로 "
        f"ReLU({mean('ns_relu'):.3g} ns)의 {mean('ratio_exp_to_relu'):.1f}배였습니다."
    )]
    if mean("ratio_exp_to_relu") < NOT_DEARER:
        # Measured on an H200 at 32,768 elements: 0.21 ns against 0.23 ns (bench/results/gpu_verdicts.json).
        notes.append(
            f"여기서는 'exp가 ReLU보다 비싸다'는 주장이 무너집니다: 원소당 {mean('ns_exp'):.2g} ns 대 {mean('ns_relu'):.2g} ns로, "
            f"한 번의 연산 시간이 계산보다 메모리 접근과 커널 실행에 묶인 장치(GPU가 흔히 그렇습니다)에서는 두 연산의 비용 "
            f"차이가 드러나지 않습니다."
        )
    near = mean("ratio_near_zero_to_ordinary")
    if near < NOT_DEARER:
        notes.append(
            f"입력이 0 근처라고 exp가 더 비싸지는 않았습니다: [−0.01, 0.01]과 [−5, 5]의 시간 비는 {near:.2f}이고, "
            f"0 근처 입력의 결과는 1 근처의 평범한 수입니다 (서브노멀 {mean('subnormal_fraction_near_zero'):.0%})."
        )
    else:
        notes.append(f"입력이 0 근처일 때 exp가 보통 입력의 {near:.2f}배 시간이 걸렸습니다: 이 측정에서는 '0 근처 입력이 "
                     f"비싸지 않다'는 주장이 흔들립니다 (결과는 평범한 수, 서브노멀 "
                     f"{mean('subnormal_fraction_near_zero'):.0%}).")
    sub, zero, tiny = (mean("ratio_subnormal_to_ordinary"), mean("ratio_zero_to_ordinary"),
                       mean("ratio_sigmoid_tiny_to_ordinary"))
    if per_seed["flush_denormal_applied"][0]:
        notes.append(
            f"여기서는 주장이 무너집니다: 서브노멀 결과를 0으로 바꾸는 설정(flush_denormal)을 켠 상태라, 원래 서브노멀이 "
            f"나올 입력({low:.1f} < x < {high:.1f})의 결과도 {mean('zero_fraction_to_subnormal'):.0%}가 0이 되었습니다. "
            f"그 입력에서 exp는 {sub:.1f}배, 결과가 원래 0인 입력에서는 {zero:.1f}배 걸렸습니다"
            + (": 서브노멀 연산이 없어도 느리니, exp 구현이 이 범위의 입력을 따로 처리하는 느린 경로 탓입니다."
               if sub >= SLOW_SUBNORMAL else ".")
        )
        notes.append(
            f"시그모이드는 {tiny:.1f}배로 보통 입력과 같아졌습니다: 시그모이드를 느리게 하던 것은 서브노멀 연산이었습니다."
            if tiny < 1.5 else f"시그모이드는 이 설정에서도 {tiny:.1f}배였습니다."
        )
        return notes
    if params.flush_denormal == "on":
        notes.append("flush_denormal을 요청했지만 이 장치에서는 켤 수 없어 서브노멀이 그대로 남았습니다.")
    if sub >= SLOW_SUBNORMAL:
        notes.append(
            f"반면 결과가 0에 가까워지는 입력, 곧 결과가 서브노멀이 되는 {low:.1f} < x < {high:.1f}에서는 {sub:.0f}배 "
            f"느렸고 (그 범위 결과의 {mean('subnormal_fraction_to_subnormal'):.0%}가 서브노멀)"
            + (f", 결과가 아예 0이 되는 더 작은 입력에서도 {zero:.0f}배 느렸습니다." if zero >= SLOW_SUBNORMAL else
               f", 결과가 아예 0이 되는 더 작은 입력에서는 {zero:.1f}배로 돌아왔습니다.")
            + " '0 근처에서 비싸다'는 말은 입력이 아니라 결과가 0 근처일 때 맞는 셈입니다."
        )
    else:
        notes.append(f"결과가 서브노멀이 되는 입력({low:.1f} < x < {high:.1f})에서도 {sub:.2f}배로, 이 장치에서는 "
                     f"느려지지 않았습니다: 서브노멀을 하드웨어로 처리하는 장치(대부분의 GPU)에서는 이 주장이 무너집니다.")
    if tiny >= SLOW_SUBNORMAL:
        notes.append(
            f"시그모이드도 안에서 계산하는 e^(−x)가 서브노멀이 되는 입력에서 {tiny:.1f}배 느렸습니다: flush_denormal을 켜고 "
            f"다시 재 보면 어느 쪽이 서브노멀 연산 탓인지 가릴 수 있습니다."
        )
    return notes


def torch_tiny() -> float:
    """The smallest normal float32, 2⁻¹²⁶ ≈ 1.18e-38: exp(x) is subnormal below ln of it."""
    return 2.0 ** -126


DEMO = DemoSpec(
    slug="exp-vs-relu-cost",
    title="exp는 ReLU보다 얼마나 비싼가: '0 근처'의 진실",
    summary=(
        "시그모이드·소프트맥스·ELU가 쓰는 exp와 ReLU의 원소당 시간을 이 기계에서 직접 잽니다. 입력이 0 근처라서 "
        "exp가 비싸지는지, 결과가 0 근처(서브노멀)일 때 비싸지는지를 나눠서 확인합니다."
    ),
    params=Params,
    smallest=SMALLEST,
    run=run,
    claims=(
        Claim(metric="subnormal_gap", direction="greater", margin=0.5,
              statement="exp의 결과가 서브노멀(1.18e-38 미만)이 되는 것은 입력이 0 근처일 때가 아니라 −87.3 아래일 때다 "
                        "(두 입력 범위의 서브노멀 비율 차)",
              metric_label="exp의 서브노멀 결과 비율 차 (입력 [−103, −88] − 0 근처 입력, 0–1)"),
        Claim(metric="ratio_subnormal_to_ordinary", direction="greater", margin=SLOW_SUBNORMAL,
              statement="결과가 서브노멀이 되는 입력에서 exp가 보통 입력보다 2배 넘게 느리다",
              metric_label="exp 시간 비 (서브노멀이 되는 입력 ÷ 보통 입력)"),
        Claim(metric="ratio_near_zero_to_ordinary", direction="less", margin=NOT_DEARER,
              statement="입력이 0 근처라서 exp가 보통 입력보다 비싸지지는 않는다",
              metric_label="exp 시간 비 (0 근처 입력 ÷ 보통 입력)"),
        Claim(metric="ratio_exp_to_relu", direction="greater", margin=1.0, statement="exp가 ReLU보다 원소당 비싸다",
              metric_label="원소당 시간 비 (exp ÷ ReLU)"),
    ),
    breaking=BREAKING,
    metric_labels={
        "flush_denormal_applied": "서브노멀을 0으로 바꾸는 CPU 설정이 적용됨 (1 = 적용)",
        **{f"{name}_{key}": label.format(shown) for key, shown, _, _ in RANGES for name, label in (
            ("subnormal_fraction", "exp 결과 중 서브노멀 비율 ({} 입력, 0–1)"),
            ("zero_fraction", "exp 결과 중 0으로 underflow된 비율 ({} 입력, 0–1)"),
            ("ns_exp", "exp 원소당 시간 ({} 입력, ns)"))},
        **{f"ns_{key}": f"{shown} 원소당 시간 (입력 [−5, 5], ns)" for key, shown in ACTIVATIONS},
        "input_mean_ordinary": "이 시드가 뽑은 보통 입력 [−5, 5]의 평균",
        "ns_sigmoid_tiny_result": "시그모이드 원소당 시간 (안의 e^(−x)가 서브노멀인 입력 [88, 103], ns)",
        "ratio_zero_to_ordinary": "exp 시간 비 (결과가 0이 되는 입력 ÷ 보통 입력)",
        "ratio_sigmoid_tiny_to_ordinary": "시그모이드 시간 비 (e^(−x)가 서브노멀인 입력 ÷ 보통 입력)",
    },
    concepts=("computational_cost", "exponential", "relu", "sigmoid", "activation_function"),
    questions=(
        QuestionRef("노드 03-2", "0 근처에서 exponential 연산 비용"),
        QuestionRef("면접 #12", "sigmoid보다 ReLU를 많이 쓰는 이유"),
        QuestionRef("2주차 질문 2", "ReLU가 좋은 이유: 연산 비용"),
    ),
    citations=(
        Citation(authors="Shibata & Petrogalli", year=2020,
                 title="SLEEF: A Portable Vectorized Library of C Standard Mathematical Functions",
                 url="https://doi.org/10.1109/TPDS.2019.2960333"),
        Citation(authors="IEEE", year=2019, title="IEEE Standard for Floating-Point Arithmetic (IEEE 754-2019)",
                 url="https://doi.org/10.1109/IEEESTD.2019.8766229"),
    ),
    version="2",
    timing_metrics=(
        "ns_exp_near_zero", "ns_exp_ordinary", "ns_exp_to_subnormal", "ns_exp_to_zero",
        "ns_relu", "ns_sigmoid", "ns_tanh", "ns_elu", "ns_softmax", "ns_exp", "ns_sigmoid_tiny_result",
        "ratio_exp_to_relu", "ratio_near_zero_to_ordinary", "ratio_subnormal_to_ordinary", "ratio_zero_to_ordinary",
        "ratio_sigmoid_tiny_to_ordinary",
    ),
)
