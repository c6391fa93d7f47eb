"""How much memory training needs: an estimate from the model and batch against what is measured (면접 #20-3).

For an MLP trained with a chosen optimiser, training memory is estimated as
    parameters + gradients + optimiser state + activations saved for backward × batch size
(4 bytes per float32 number), next to the rule of thumb "model size + data size × batch".

What autograd really keeps for the backward pass is measured on any device with saved-tensor hooks
(every tensor packed for backward, counted once per storage, parameters left out). On a GPU the
caching allocator is read as well, after one warm-up step (so the optimiser state and cuBLAS's
workspace already exist and are not mistaken for the step's own memory): the step's peak of
allocated memory, the peak the allocator reserved, and the CUDA context (device memory in use that
the allocator did not reserve). On a CPU nothing is read from a GPU, and the result says so.

Each seed draws its own batch and initial weights on the CPU; the sizes do not depend on them, the
first step's loss does (which shows the seeds are honoured).
"""

from __future__ import annotations

import statistics
from typing import Literal

from pydantic import Field

from app.demos import draws
from app.demos.base import Chart, Citation, DemoParams, DemoSpec, Measurement, QuestionRef, Series, Table
from app.demos.batched import generator
from app.demos.evidence import Claim

FLOAT_BYTES = 4
LABEL_BYTES = 8  # int64 class labels, saved by the loss
# The initial weights' stream (seed·7919 + salt): the seed's own generator draws its batch, and seeding the
# weights with the seed itself made them the same uniform numbers as the batch's.
INIT_SALT = 131
CLASSES = 10
STATE_COPIES = {"sgd": 0, "momentum": 1, "adam": 2}  # optimiser tensors kept per parameter
OPTIMIZER_NAMES = {"sgd": "SGD", "momentum": "모멘텀 SGD", "adam": "Adam"}
SWEEP = (1, 4, 16, 64, 256, 1024)
MB = 1024 ** 2
CUDA_METRICS = ("cuda_step_peak_bytes", "cuda_allocated_total_bytes", "cuda_reserved_peak_bytes", "cuda_context_bytes",
                "cuda_allocated_over_estimate")


class Params(DemoParams):
    depth: int = Field(3, ge=1, le=6, description="은닉층 수")
    width: int = Field(512, ge=16, le=1024, description="은닉층 너비")
    input_dim: int = Field(784, ge=16, le=2048, description="입력 차원 (예: 28×28 이미지 = 784)")
    batch_size: int = Field(256, ge=1, le=1024, description="배치 크기")
    optimizer: Literal["sgd", "momentum", "adam"] = Field("adam", description="옵티마이저 (상태 텐서 수가 다름)")


SMALLEST = Params(width=128, batch_size=64)
# A wide input, a narrow one-layer model, plain SGD and a large batch: the data is most of the memory,
# so "model + data × batch" is no longer far off.
BREAKING = Params(depth=1, width=16, input_dim=2048, batch_size=1024, optimizer="sgd")

CLAIMS = (
    Claim("activation_estimate_error", "less", 0.1,
          "층마다 저장되는 활성값 공식이 autograd가 실제로 저장한 크기를 10% 안으로 맞힌다",
          metric_label="저장된 활성값 공식의 상대 오차 |autograd가 저장한 크기 ÷ 공식 − 1|"),
    Claim("measured_over_naive", "greater", 1.5,
          "'모델 크기 + 데이터 × 배치' 어림식은 실제 학습 메모리를 1.5배 넘게 과소평가한다",
          metric_label="학습 메모리 비 (텐서에서 센 크기 ÷ 모델 + 데이터 × 배치 어림식)"),
)


def _network(torch, params: Params):
    nn = torch.nn
    layers, fan_in = [], params.input_dim
    for _ in range(params.depth):
        layers += [nn.Linear(fan_in, params.width), nn.ReLU()]
        fan_in = params.width
    layers.append(nn.Linear(fan_in, CLASSES))
    return nn.Sequential(*layers)


def estimate(params: Params, batch_size: int) -> dict[str, int]:
    """Bytes by the formula, from shapes alone."""
    p, w, d = params, params.width, params.input_dim
    count = d * w + w + (p.depth - 1) * (w * w + w) + w * CLASSES + CLASSES
    weights = FLOAT_BYTES * count
    # Saved for backward per example: the input (for the first layer's weight gradient), each ReLU's
    # output (its own backward and the next layer's weight gradient share it), the log-softmax output,
    # and the class label the loss keeps to pick its gradient.
    activations = FLOAT_BYTES * batch_size * (d + p.depth * w + CLASSES) + LABEL_BYTES * batch_size
    state = STATE_COPIES[p.optimizer] * weights
    return {
        "parameter_count": count, "param_bytes": weights, "grad_bytes": weights, "optimizer_state_bytes": state,
        "activation_bytes": activations, "input_bytes": FLOAT_BYTES * batch_size * d,
        "total_bytes": 2 * weights + state + activations,
        "naive_bytes": weights + FLOAT_BYTES * batch_size * d,  # "model size + data × batch"
    }


def _optimizer(torch, params: Params, model):
    if params.optimizer == "adam":
        return torch.optim.Adam(model.parameters(), lr=1e-3)
    return torch.optim.SGD(model.parameters(), lr=1e-2, momentum=0.9 if params.optimizer == "momentum" else 0.0)


class _SavedTensors:
    """A saved-tensor hook's pack: the bytes of every storage autograd keeps for backward, each storage once,
    the parameters' own storages left out (they exist whether or not anything is saved)."""

    def __init__(self, model) -> None:
        self.parameters = {p.untyped_storage().data_ptr() for p in model.parameters()}
        self.bytes: dict[int, int] = {}

    def pack(self, tensor):
        storage = tensor.untyped_storage()
        if storage.data_ptr() not in self.parameters:
            self.bytes[storage.data_ptr()] = storage.nbytes()
        return tensor

    def total(self) -> float:
        return float(sum(self.bytes.values()))


def _setup(torch, params: Params, batch_size: int, device, seed: int):
    """The seed's model (nn.Linear draws on the CPU from the global generator, seeded for this seed alone),
    its optimiser and one batch drawn from the seed's own generator."""
    gen = generator(seed)
    with draws.seeded(seed * 7919 + INIT_SALT):
        model = _network(torch, params).to(device)
    optimizer = _optimizer(torch, params, model)
    inputs = torch.randn(batch_size, params.input_dim, generator=gen).to(device)
    targets = torch.randint(0, CLASSES, (batch_size,), generator=gen).to(device)
    return model, optimizer, inputs, targets


def _train_step(torch, model, optimizer, inputs, targets, saved: _SavedTensors) -> float:
    optimizer.zero_grad(set_to_none=True)
    with torch.autograd.graph.saved_tensors_hooks(saved.pack, lambda tensor: tensor):
        loss = torch.nn.functional.cross_entropy(model(inputs), targets)
    loss.backward()
    optimizer.step()
    return loss.item()


def _counted(torch, model, optimizer, saved: _SavedTensors) -> dict[str, float]:
    """Bytes counted on the tensors after a step: saved activations, gradients, optimiser state, weights."""
    return {
        "saved_activation_bytes": saved.total(),
        "grad_bytes": float(sum(p.grad.numel() * p.grad.element_size() for p in model.parameters())),
        "optimizer_state_bytes": float(sum(
            value.numel() * value.element_size()
            for state in optimizer.state.values() for value in state.values()
            if torch.is_tensor(value) and value.dim() > 0  # Adam's step counter is a 0-d tensor
        )),
        "param_bytes": float(sum(p.numel() * p.element_size() for p in model.parameters())),
    }


def _cuda_reading(torch, device, before: int, counted: dict[str, float]) -> dict[str, float]:
    """What the caching allocator held during the measured step (``before``: allocated at its start)."""
    torch.cuda.synchronize(device)
    step_peak = torch.cuda.max_memory_allocated(device) - before
    free, total = torch.cuda.mem_get_info(device)
    return {
        "cuda_step_peak_bytes": float(step_peak),
        # The model's own memory on the GPU: what persists (weights, state) plus the step's peak.
        "cuda_allocated_total_bytes": float(counted["param_bytes"] + counted["optimizer_state_bytes"] + step_peak),
        "cuda_reserved_peak_bytes": float(torch.cuda.max_memory_reserved(device)),
        # Device memory in use that the allocator did not reserve: the CUDA context and libraries'
        # handles (on a GPU shared with other processes, theirs too).
        "cuda_context_bytes": float(max(0, total - free - torch.cuda.memory_reserved(device))),
    }


def _measure(torch, params: Params, batch_size: int, device, seed: int) -> dict[str, float]:
    """One warm-up step (the optimiser's state and the GPU libraries' workspaces come into being),
    then the measured step, counting what autograd saved and, on CUDA, what the allocator held."""
    cuda = device.type == "cuda"
    model, optimizer, inputs, targets = _setup(torch, params, batch_size, device, seed)
    saved = _SavedTensors(model)
    first_loss = _train_step(torch, model, optimizer, inputs, targets, saved)  # warm-up
    optimizer.zero_grad(set_to_none=True)
    saved.bytes.clear()
    before = 0
    if cuda:
        torch.cuda.synchronize(device)
        before = torch.cuda.memory_allocated(device)  # weights, optimiser state, workspaces; no gradients
        torch.cuda.reset_peak_memory_stats(device)
    _train_step(torch, model, optimizer, inputs, targets, saved)
    result = {"first_loss": first_loss, **_counted(torch, model, optimizer, saved)}
    if cuda:
        result |= _cuda_reading(torch, device, before, result)
    return result


def _seed_values(est: dict[str, int], measured: dict[str, float], device) -> dict[str, float]:
    """One seed's metrics from its counted bytes against the formula's estimate."""
    total = (measured["param_bytes"] + measured["grad_bytes"] + measured["optimizer_state_bytes"]
             + measured["saved_activation_bytes"])
    values = {
        "first_step_loss": measured["first_loss"],
        "measured_saved_activation_bytes": measured["saved_activation_bytes"],
        "measured_grad_bytes": measured["grad_bytes"],
        "measured_optimizer_state_bytes": measured["optimizer_state_bytes"],
        "measured_total_bytes": total,
        "activation_measured_over_estimate": measured["saved_activation_bytes"] / est["activation_bytes"],
        "activation_estimate_error": abs(measured["saved_activation_bytes"] / est["activation_bytes"] - 1),
        "measured_over_naive": total / est["naive_bytes"],
        "activation_share": measured["saved_activation_bytes"] / total,
    }
    if device.type == "cuda":
        values |= {key: measured[key] for key in CUDA_METRICS if key in measured}
        values["cuda_allocated_over_estimate"] = measured["cuda_allocated_total_bytes"] / est["total_bytes"]
    return values


def _sweep(torch, params: Params, device, seed: int, progress) -> tuple[list[int], list[float]]:
    """Saved activations at each batch size up to the chosen one (sizes do not depend on the seed: the first
    seed stands for all)."""
    sizes = sorted({s for s in SWEEP if s <= params.batch_size} | {params.batch_size})
    saved = []
    for i, size in enumerate(sizes):
        saved.append(_measure(torch, params, size, device, seed)["saved_activation_bytes"])
        progress(0.4 + 0.55 * (i + 1) / len(sizes), f"배치 {size}")
    return sizes, saved


def run(params: Params, device, progress, seeds) -> Measurement:
    import torch

    est = estimate(params, params.batch_size)
    per: dict[str, list] = {}
    for i, seed in enumerate(seeds):
        values = _seed_values(est, _measure(torch, params, params.batch_size, device, seed), device)
        for key, value in values.items():
            per.setdefault(key, []).append(value)
        progress(0.4 * (i + 1) / len(seeds), f"시드 {seed}: 배치 {params.batch_size}에서 측정했습니다")
    charts = [_chart(params, *_sweep(torch, params, device, seeds[0], progress))]
    progress(1.0, "완료", charts)
    return Measurement(per_seed=per, charts=charts, table=_table(params, est, per, device),
                       notes=_notes(params, est, per, device))


def _chart(params: Params, sizes: list[int], sweep_saved: list[float]) -> Chart:
    x = [float(s) for s in sizes]
    estimates = [estimate(params, s) for s in sizes]
    return Chart(
        key="memory", title="배치 크기에 따른 학습 메모리 (추정과 autograd가 저장한 활성값)", x_label="배치 크기",
        y_label="바이트", log_x=True, log_y=True,
        series=[
            Series(name="추정: 가중치+기울기+옵티마이저 상태", x=x,
                   y=[float(e["param_bytes"] * 2 + e["optimizer_state_bytes"]) for e in estimates]),
            Series(name="추정: 저장된 활성값", x=x, y=[float(e["activation_bytes"]) for e in estimates]),
            Series(name="측정: autograd가 저장한 활성값", x=x, y=sweep_saved),
            Series(name="추정 합계", x=x, y=[float(e["total_bytes"]) for e in estimates]),
            Series(name="어림식: 모델 + 데이터×배치", x=x, y=[float(e["naive_bytes"]) for e in estimates]),
        ],
    )


def _mean(per: dict, key: str) -> float:
    return statistics.fmean(per[key])


def _table(params: Params, est: dict, per: dict, device) -> Table:
    def mb(value: float) -> float:
        return round(value / MB, 3)

    cuda = device.type == "cuda"
    not_read = "GPU 없음: 재지 않음"
    rows = [
        ["가중치", mb(est["param_bytes"]), mb(est["param_bytes"]), None],
        ["기울기", mb(est["grad_bytes"]), mb(_mean(per, "measured_grad_bytes")), None],
        [f"옵티마이저 상태 ({OPTIMIZER_NAMES[params.optimizer]})", mb(est["optimizer_state_bytes"]),
         mb(_mean(per, "measured_optimizer_state_bytes")), None],
        [f"저장된 활성값 (배치 {params.batch_size})", mb(est["activation_bytes"]),
         mb(_mean(per, "measured_saved_activation_bytes")), None],
        ["합계", mb(est["total_bytes"]), mb(_mean(per, "measured_total_bytes")),
         mb(_mean(per, "cuda_allocated_total_bytes")) if cuda else not_read],
        ["할당기가 예약한 최고치", None, None, mb(_mean(per, "cuda_reserved_peak_bytes")) if cuda else not_read],
        ["CUDA 컨텍스트", None, None, mb(_mean(per, "cuda_context_bytes")) if cuda else not_read],
        ["어림식: 모델 + 데이터×배치", mb(est["naive_bytes"]), None, None],
    ]
    return Table(columns=["항목", "추정 (MB)", "텐서에서 센 크기 (MB)", "GPU 할당기에서 잰 값 (MB)"], rows=rows)


def _notes(params: Params, est: dict, per: dict, device) -> list[str]:
    def mb(value: float) -> str:
        return f"{value / MB:.2f}MB"

    ratio = _mean(per, "activation_measured_over_estimate")
    notes = [
        f"파라미터 {est['parameter_count']:,}개인 MLP를 배치 {params.batch_size}, {OPTIMIZER_NAMES[params.optimizer]}로 "
        f"학습할 때 추정은 가중치 {mb(est['param_bytes'])} + 기울기 {mb(est['grad_bytes'])} + 옵티마이저 상태 "
        f"{mb(est['optimizer_state_bytes'])} + 활성값 {mb(est['activation_bytes'])} = {mb(est['total_bytes'])}입니다.",
        f"autograd가 역전파용으로 실제 저장한 텐서는 {mb(_mean(per, 'measured_saved_activation_bytes'))}로 추정의 "
        f"{ratio:.2f}배이고, 텐서에서 센 합계는 {mb(_mean(per, 'measured_total_bytes'))}입니다 "
        f"(활성값 비중 {_mean(per, 'activation_share'):.0%}).",
    ]
    over_naive = _mean(per, "measured_over_naive")
    if over_naive > 1.5:
        notes.append(f"'모델 + 데이터 × 배치' 어림식({mb(est['naive_bytes'])})은 실제의 1/{over_naive:.1f}에 그칩니다: "
                     f"기울기와 옵티마이저 상태, 층마다 저장되는 활성값을 빠뜨리기 때문입니다.")
    else:
        notes.append(f"이 설정에서는 데이터가 메모리의 대부분이라 '모델 + 데이터 × 배치' 어림식({mb(est['naive_bytes'])})도 "
                     f"측정의 {1 / over_naive:.0%}로 가깝습니다: 어림식이 크게 틀리는 것은 모델과 층별 활성값이 클 때입니다.")
    static = est["param_bytes"] + est["grad_bytes"] + est["optimizer_state_bytes"]
    per_gpu = static + estimate(params, (params.batch_size + 1) // 2)["activation_bytes"]
    notes.append(f"GPU 2개로 데이터 병렬 학습(DistributedDataParallel)을 하면 GPU마다 가중치·기울기·상태를 모두 들고 배치 "
                 f"절반의 활성값만 나누므로, 공식으로는 GPU당 {mb(per_gpu)}입니다 (한 GPU면 {mb(est['total_bytes'])}; "
                 f"잰 값이 아니라 추정).")
    if device.type == "cuda":
        allocated = _mean(per, "cuda_allocated_total_bytes")
        notes.append(
            f"이 GPU에서 워밍업 한 스텝 뒤에 잰 학습 스텝의 할당 메모리(가중치·상태 + 스텝 최고치)는 {mb(allocated)}로 추정의 "
            f"{_mean(per, 'cuda_allocated_over_estimate'):.2f}배, 할당기가 예약한 최고치는 "
            f"{mb(_mean(per, 'cuda_reserved_peak_bytes'))}, CUDA 컨텍스트는 {mb(_mean(per, 'cuda_context_bytes'))}입니다: "
            f"nvidia-smi에 보이는 사용량은 예약량 + 컨텍스트에 가깝습니다."
        )
    else:
        notes.append("이 실행은 CPU에서 했습니다: GPU에서 잰 것은 없습니다. 위의 수치는 공식의 추정과, autograd가 저장한 "
                     "텐서·기울기·옵티마이저 상태 텐서의 크기를 센 것입니다. GPU의 할당기 최고치, 예약 메모리, CUDA "
                     "컨텍스트는 GPU에서 실행해야 잽니다.")
    return notes


DEMO = DemoSpec(
    slug="gpu-memory",
    title="학습에 필요한 GPU 메모리: 추정과 측정",
    summary=(
        "학습 메모리는 가중치 + 기울기 + 옵티마이저 상태 + (층마다 저장되는 활성값 × 배치 크기)입니다. 이 공식을 "
        "autograd가 실제로 저장한 텐서와, GPU에서는 워밍업 뒤의 할당·예약 메모리와 CUDA 컨텍스트와 비교합니다."
    ),
    params=Params,
    smallest=SMALLEST,
    run=run,
    claims=CLAIMS,
    breaking=BREAKING,
    # Bytes counted on the tensors after the measured step; the cuda_ readings come from the allocator.
    metric_labels={
        "first_step_loss": "첫 학습 스텝의 손실 (교차 엔트로피)",
        "measured_saved_activation_bytes": "autograd가 역전파용으로 저장한 활성값 (바이트)",
        "measured_grad_bytes": "기울기 (바이트)",
        "measured_optimizer_state_bytes": "옵티마이저 상태 (바이트)",
        "measured_total_bytes": "가중치 + 기울기 + 옵티마이저 상태 + 저장된 활성값 (바이트)",
        "activation_measured_over_estimate": "저장된 활성값 비 (autograd가 저장한 크기 ÷ 공식)",
        "activation_share": "학습 메모리 중 저장된 활성값의 비율 (0–1)",
        "cuda_step_peak_bytes": "측정한 스텝 동안 CUDA 할당이 늘어난 최고치 (바이트)",
        "cuda_allocated_total_bytes": "가중치 + 옵티마이저 상태 + 스텝 최고치 (CUDA 할당, 바이트)",
        "cuda_reserved_peak_bytes": "CUDA 할당기가 예약한 최고치 (바이트)",
        "cuda_context_bytes": "할당기 밖에서 쓰인 GPU 메모리: CUDA 컨텍스트 등 (바이트)",
        "cuda_allocated_over_estimate": "CUDA 할당 합계 ÷ 공식의 학습 메모리",
    },
    concepts=("gpu_memory", "batch_size", "memory", "gpu"),
    questions=(QuestionRef("면접 #20-3", "학습 시 필요한 GPU 메모리"), QuestionRef("면접 #20-2", "GPU 두 개 쓰기")),
    citations=(
        Citation(authors="Rajbhandari, Rasley, Ruwase & He", year=2020,
                 title="ZeRO: Memory Optimizations Toward Training Trillion Parameter Models",
                 url="https://arxiv.org/abs/1910.02054"),
        Citation(authors="Chen, Xu, Zhang & Guestrin", year=2016, title="Training Deep Nets with Sublinear Memory Cost",
                 url="https://arxiv.org/abs/1604.06174"),
    ),
    gpu_aware=True,
    timing_metrics=CUDA_METRICS,
    # 4: the initial weights no longer share the batch's stream; 3: seeds, claims, a warm-up before the GPU
    # reading, reserved memory and the CUDA context
    version="4",
)
