"""How much memory training needs: an estimate from the model and batch vs what is measured (면접 #20-3).

For an MLP trained with a chosen optimiser, training memory is estimated as
    parameters + gradients + optimiser state + activations saved for backward × batch size
(4 bytes per float32 number), next to the rule of thumb "model size + data size × batch".
What autograd really keeps for the backward pass is measured with saved-tensor hooks (every tensor
packed for backward, counted once per storage, parameters left out), and gradients and optimiser
state are measured from the tensors themselves; on CUDA the allocator's peak during a training step
is read as well. Also: what each of two data-parallel GPUs holds (면접 #20-2).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from app.demos.base import Chart, Citation, DemoParams, DemoResult, DemoSpec, QuestionRef, Series, Table

FLOAT_BYTES = 4
LABEL_BYTES = 8  # int64 class labels, saved by the loss
CLASSES = 10
STATE_COPIES = {"sgd": 0, "momentum": 1, "adam": 2}  # optimiser tensors kept per parameter
OPTIMIZER_NAMES = {"sgd": "SGD", "momentum": "모멘텀 SGD", "adam": "Adam"}
MB = 1024 ** 2


class Params(DemoParams):
    depth: int = Field(3, ge=1, le=6, description="은닉층 수")
    width: int = Field(512, ge=16, le=1024, description="은닉층 너비")
    input_dim: int = Field(784, ge=16, le=2048, description="입력 차원 (예: 28×28 이미지 = 784)")
    batch_size: int = Field(256, ge=1, le=1024, description="배치 크기")
    optimizer: Literal["sgd", "momentum", "adam"] = Field("adam", description="옵티마이저 (상태 텐서 수가 다름)")


SMALLEST = Params(width=128, batch_size=64)


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
        "naive_bytes": weights + FLOAT_BYTES * batch_size * d,  # "model size + data size × batch"
    }


def _optimizer(torch, params: Params, model):
    if params.optimizer == "adam":
        return torch.optim.Adam(model.parameters(), lr=1e-3)
    return torch.optim.SGD(model.parameters(), lr=1e-2, momentum=0.9 if params.optimizer == "momentum" else 0.0)


def _measure(torch, params: Params, batch_size: int, device) -> dict[str, float]:
    """A steady-state training step, counting what autograd saved and what the step left behind.

    One step runs first so that the optimiser's state exists, as it does for every step but the
    first; then gradients are released (``set_to_none``) and the measured step begins.
    """
    cuda = device.type == "cuda"
    # Whatever else lives on the device (nothing, in a worker of its own) is not this step's memory.
    baseline = torch.cuda.memory_allocated(device) if cuda else 0
    model = _network(torch, params).to(device)
    optimizer = _optimizer(torch, params, model)
    inputs = torch.randn(batch_size, params.input_dim, device=device)
    targets = torch.randint(0, CLASSES, (batch_size,), device=device)

    def train_step():
        optimizer.zero_grad(set_to_none=True)
        with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
            loss = torch.nn.functional.cross_entropy(model(inputs), targets)
        loss.backward()
        optimizer.step()

    parameter_storages = {p.untyped_storage().data_ptr() for p in model.parameters()}
    saved: dict[int, int] = {}

    def pack(tensor):
        storage = tensor.untyped_storage()
        if storage.data_ptr() not in parameter_storages:
            saved[storage.data_ptr()] = storage.nbytes()
        return tensor

    train_step()
    optimizer.zero_grad(set_to_none=True)
    saved.clear()
    if cuda:
        torch.cuda.synchronize(device)
        torch.cuda.reset_peak_memory_stats(device)
    train_step()
    result = {
        "saved_activation_bytes": float(sum(saved.values())),
        "grad_bytes": float(sum(p.grad.numel() * p.grad.element_size() for p in model.parameters())),
        "optimizer_state_bytes": float(sum(
            value.numel() * value.element_size()
            for state in optimizer.state.values() for value in state.values()
            if torch.is_tensor(value) and value.dim() > 0  # Adam's step counter is a 0-d tensor
        )),
        "param_bytes": float(sum(p.numel() * p.element_size() for p in model.parameters())),
    }
    if cuda:
        torch.cuda.synchronize(device)
        batch_bytes = inputs.numel() * inputs.element_size() + targets.numel() * targets.element_size()
        # The step's peak, less the batch itself (the estimate counts the model's memory, not the input's).
        result["cuda_peak_bytes"] = float(torch.cuda.max_memory_allocated(device) - baseline - batch_bytes)
    return result


def run(params: Params, device, progress) -> DemoResult:
    import torch

    est = estimate(params, params.batch_size)
    measured = _measure(torch, params, params.batch_size, device)
    progress(0.3, "선택한 배치 크기에서 측정했습니다")

    sweep_sizes = sorted({s for s in (1, 4, 16, 64, 256, 1024) if s <= params.batch_size} | {params.batch_size})
    sweep = []
    for i, size in enumerate(sweep_sizes):
        sweep.append((size, estimate(params, size), _measure(torch, params, size, device)))
        progress(0.3 + 0.6 * (i + 1) / len(sweep_sizes), f"배치 {size}")

    measured_total = (measured["param_bytes"] + measured["grad_bytes"] + measured["optimizer_state_bytes"]
                      + measured["saved_activation_bytes"])
    static = est["param_bytes"] + est["grad_bytes"] + est["optimizer_state_bytes"]
    metrics = {
        "parameter_count": float(est["parameter_count"]),
        "estimate_param_bytes": float(est["param_bytes"]),
        "estimate_grad_bytes": float(est["grad_bytes"]),
        "estimate_optimizer_state_bytes": float(est["optimizer_state_bytes"]),
        "estimate_activation_bytes": float(est["activation_bytes"]),
        "estimate_total_bytes": float(est["total_bytes"]),
        "naive_estimate_bytes": float(est["naive_bytes"]),
        "measured_grad_bytes": measured["grad_bytes"],
        "measured_optimizer_state_bytes": measured["optimizer_state_bytes"],
        "measured_saved_activation_bytes": measured["saved_activation_bytes"],
        "measured_total_bytes": measured_total,
        "activation_measured_over_estimate": measured["saved_activation_bytes"] / est["activation_bytes"],
        "measured_over_naive": measured_total / est["naive_bytes"],
        "activation_share": measured["saved_activation_bytes"] / measured_total,
        # Two data-parallel GPUs: each holds every weight, gradient and optimiser state, half the batch.
        "per_gpu_two_gpus_bytes": float(static + estimate(params, (params.batch_size + 1) // 2)["activation_bytes"]),
    }
    if "cuda_peak_bytes" in measured:
        metrics["cuda_peak_bytes"] = measured["cuda_peak_bytes"]
        metrics["cuda_peak_over_estimate"] = measured["cuda_peak_bytes"] / est["total_bytes"]

    x = [float(s) for s, _, _ in sweep]
    series = [
        Series(name="추정: 가중치+기울기+옵티마이저 상태", x=x,
               y=[e["param_bytes"] * 2 + e["optimizer_state_bytes"] for _, e, _ in sweep]),
        Series(name="추정: 저장된 활성값", x=x, y=[float(e["activation_bytes"]) for _, e, _ in sweep]),
        Series(name="측정: autograd가 저장한 활성값", x=x, y=[m["saved_activation_bytes"] for _, _, m in sweep]),
        Series(name="추정 합계", x=x, y=[float(e["total_bytes"]) for _, e, _ in sweep]),
        Series(name="어림식: 모델 + 데이터×배치", x=x, y=[float(e["naive_bytes"]) for _, e, _ in sweep]),
    ]
    if device.type == "cuda":
        series.append(Series(name="측정: CUDA 할당 최고치", x=x, y=[m["cuda_peak_bytes"] for _, _, m in sweep]))
    charts = [Chart(key="memory", title="배치 크기에 따른 학습 메모리", x_label="배치 크기", y_label="바이트",
                    log_x=True, log_y=True, series=series)]

    def mb(value: float) -> float:
        return round(value / MB, 3)

    rows = [
        ["가중치", mb(est["param_bytes"]), mb(measured["param_bytes"])],
        ["기울기", mb(est["grad_bytes"]), mb(measured["grad_bytes"])],
        [f"옵티마이저 상태 ({OPTIMIZER_NAMES[params.optimizer]})", mb(est["optimizer_state_bytes"]),
         mb(measured["optimizer_state_bytes"])],
        [f"저장된 활성값 (배치 {params.batch_size})", mb(est["activation_bytes"]), mb(measured["saved_activation_bytes"])],
        ["합계", mb(est["total_bytes"]), mb(measured_total)],
        ["어림식: 모델 + 데이터×배치", mb(est["naive_bytes"]), None],
        ["GPU 2개 데이터 병렬: GPU당", mb(metrics["per_gpu_two_gpus_bytes"]), None],
    ]
    if "cuda_peak_bytes" in metrics:
        rows.append(["CUDA 할당 최고치 (학습 한 스텝)", None, mb(metrics["cuda_peak_bytes"])])
    table = Table(columns=["항목", "추정 (MB)", "측정 (MB)"], rows=rows)
    progress(1.0, "완료", charts)
    return DemoResult(charts=charts, table=table, conclusion=_conclusion(params, metrics, device), metrics=metrics)


def _conclusion(params: Params, m: dict[str, float], device) -> str:
    def mb(key: str) -> str:
        return f"{m[key] / MB:.2f}MB"

    parts = [
        f"파라미터 {int(m['parameter_count']):,}개인 MLP를 배치 {params.batch_size}, {OPTIMIZER_NAMES[params.optimizer]} "
        f"학습에 필요한 메모리 추정은 가중치 {mb('estimate_param_bytes')} + 기울기 {mb('estimate_grad_bytes')} + 옵티마이저 상태 "
        f"{mb('estimate_optimizer_state_bytes')} + 활성값 {mb('estimate_activation_bytes')} = "
        f"{mb('estimate_total_bytes')}입니다."
    ]
    ratio = m["activation_measured_over_estimate"]
    parts.append(
        f" autograd가 역전파용으로 실제 저장한 텐서는 {mb('measured_saved_activation_bytes')}로 추정의 {ratio:.2f}배"
        + ("이고" if abs(ratio - 1) < 0.1 else "로 추정과 차이가 있고")
        + f", 측정한 합계는 {mb('measured_total_bytes')}입니다 (활성값 비중 {m['activation_share']:.0%})."
    )
    parts.append(
        f" '모델 크기 + 데이터 × 배치' 어림식({mb('naive_estimate_bytes')})은 실제의 1/{m['measured_over_naive']:.1f}"
        f"에 그칩니다: 기울기와 옵티마이저 상태, 층마다 저장되는 활성값을 빠뜨리기 때문입니다."
        if m["measured_over_naive"] > 1.2 else
        f" 이번 설정에서는 '모델 + 데이터 × 배치' 어림식({mb('naive_estimate_bytes')})도 측정에 가깝습니다."
    )
    parts.append(
        f" GPU 2개로 데이터 병렬 학습을 하면 GPU마다 가중치·기울기·상태를 모두 들고 배치 절반의 활성값만 나누므로 "
        f"GPU당 {mb('per_gpu_two_gpus_bytes')}입니다 (한 GPU면 {mb('estimate_total_bytes')})."
    )
    if device.type == "cuda":
        ratio = m["cuda_peak_over_estimate"]
        parts.append(
            f" 이 GPU에서 잰 학습 한 스텝의 할당 최고치는 {mb('cuda_peak_bytes')}로 추정의 {ratio:.2f}배입니다"
            + (": 행렬곱 작업 공간과 옵티마이저의 임시 텐서만큼 더 큽니다." if ratio > 1.05 else
               ": 역전파가 진행되며 활성값이 풀리는 동안 기울기가 채워져, 모두가 한꺼번에 살아 있지는 않기 때문입니다."
               if ratio < 0.95 else ": 추정과 거의 같습니다.")
        )
    else:
        parts.append(
            " 이 실행은 CPU에서 했습니다: GPU 할당기의 최고치는 재지 않았고, 측정값은 autograd가 저장한 텐서와 "
            "기울기·옵티마이저 상태 텐서의 실제 크기를 센 것입니다."
        )
    return "".join(parts)


DEMO = DemoSpec(
    slug="gpu-memory",
    title="학습에 필요한 GPU 메모리: 추정과 측정",
    summary=(
        "학습 메모리는 가중치 + 기울기 + 옵티마이저 상태 + (층마다 저장되는 활성값 × 배치 크기)입니다. "
        "이 추정을 autograd가 실제로 저장한 텐서, CUDA에서는 할당기 최고치와 비교합니다."
    ),
    params=Params,
    smallest=SMALLEST,
    run=run,
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
    timing_metrics=("cuda_peak_bytes", "cuda_peak_over_estimate"),
    version="2",  # 2: the estimate counts the labels the loss saves
)
