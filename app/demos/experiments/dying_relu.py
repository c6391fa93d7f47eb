"""Dying ReLU at a high learning rate, and LeakyReLU's way back (면접 #12-3; 2주차 질문 2).

One hidden layer classifies synthetic data, trained by plain SGD at four learning rates, with ReLU
and with LeakyReLU, all eight copies on the same minibatches from the same start. A unit is dead when
its pre-activation is ≤ 0 for every training example: a ReLU unit then outputs 0 and gets gradient 0
from every minibatch, so its weights never change again and it stays dead for good (its input is the
data, which does not move). A LeakyReLU unit in the same place still gets ``slope × gradient`` and can
come back. A large step is what pushes a unit's bias and weights there in the first place (the CS231n
notes warn that a high learning rate can leave "as much as 40%" of a network dead; Maas et al. 2013
proposed the leaky variant).
"""

from __future__ import annotations

from pydantic import Field

from app.demos.base import Chart, Citation, DemoParams, DemoResult, DemoSpec, QuestionRef, Series, Table

N_TRAIN = 512
N_FEATURES = 10
N_CLASSES = 4
LR_FRACTIONS = (0.125, 0.25, 0.5, 1.0)  # learning rates tried, as fractions of the largest
EARLY_FRACTION = 0.1  # units dead after this share of training are watched for revival


class Params(DemoParams):
    max_learning_rate: float = Field(4.0, ge=0.1, le=8.0, description="가장 큰 학습률 (그 1/8, 1/4, 1/2도 함께 학습)")
    negative_slope: float = Field(0.01, ge=0.001, le=0.3, description="LeakyReLU의 음수 쪽 기울기")
    hidden_units: int = Field(128, ge=16, le=512, description="은닉 유닛 수")
    steps: int = Field(600, ge=100, le=3000, description="SGD 스텝 수")
    batch_size: int = Field(32, ge=8, le=256, description="미니배치 크기")


SMALLEST = Params(hidden_units=64, steps=200)


def run(params: Params, device, progress) -> DemoResult:
    import torch

    lrs = [params.max_learning_rate * f for f in LR_FRACTIONS]
    kinds = [("relu", "ReLU", 0.0), ("leaky", "LeakyReLU", params.negative_slope)]
    models = [(kind, label, slope, lr) for kind, label, slope in kinds for lr in lrs]
    n_models, hidden = len(models), params.hidden_units

    inputs = torch.randn(N_TRAIN, N_FEATURES, device=device)
    labels = torch.sin(1.5 * inputs @ torch.randn(N_FEATURES, N_CLASSES, device=device)).argmax(dim=1)

    # All copies start from the same He-initialised weights and stack along dim 0; their losses are
    # summed, so each copy's gradient is its own and one SGD step with per-copy rates updates them all.
    first = torch.randn(N_FEATURES, hidden, device=device) * (2.0 / N_FEATURES) ** 0.5
    second = torch.randn(hidden, N_CLASSES, device=device) * (2.0 / hidden) ** 0.5
    w1 = first.expand(n_models, -1, -1).clone().requires_grad_()
    b1 = torch.zeros(n_models, 1, hidden, device=device, requires_grad=True)
    w2 = second.expand(n_models, -1, -1).clone().requires_grad_()
    b2 = torch.zeros(n_models, 1, N_CLASSES, device=device, requires_grad=True)
    slope = torch.tensor([m[2] for m in models], device=device).view(-1, 1, 1)
    step_size = torch.tensor([m[3] for m in models], device=device).view(-1, 1, 1)

    def pre_activation(x):
        return x @ w1 + b1  # (copies, examples, units)

    def forward(x):
        z = pre_activation(x)
        return torch.where(z > 0, z, slope * z) @ w2 + b2

    def dead_units():
        with torch.no_grad():
            return (pre_activation(inputs) <= 0).all(dim=1)  # (copies, units)

    def dead_chart() -> Chart:
        return Chart(
            key="dead", title="죽은 유닛 비율 (모든 학습 예제에서 출력 0)", x_label="스텝", y_label="죽은 유닛 비율",
            series=[Series(name=f"{label} lr={lr:g}", x=[float(s) for s in checked_steps],
                           y=[row[i] for row in dead_curve])
                    for i, (_, label, _, lr) in enumerate(models)],
        )

    check_every = max(params.steps // 60, 1)
    early_step = max(int(params.steps * EARLY_FRACTION), 1)
    checked_steps, dead_curve = [0], [dead_units().float().mean(dim=1).tolist()]
    early_dead = early_w1 = None
    for step in range(1, params.steps + 1):
        batch = torch.randint(0, N_TRAIN, (params.batch_size,), device=device)
        logits = forward(inputs[batch])
        loss = torch.nn.functional.cross_entropy(
            logits.reshape(-1, N_CLASSES), labels[batch].repeat(n_models), reduction="sum") / params.batch_size
        grads = torch.autograd.grad(loss, (w1, b1, w2, b2))
        with torch.no_grad():
            for tensor, grad in zip((w1, b1, w2, b2), grads):
                tensor -= step_size * grad
        if step == early_step:
            early_dead, early_w1 = dead_units(), w1.detach().clone()
        if step % check_every == 0 or step == params.steps:
            checked_steps.append(step)
            dead_curve.append(dead_units().float().mean(dim=1).tolist())
        if step % 100 == 0:
            progress(step / params.steps, f"{step}/{params.steps} 스텝", [dead_chart()])

    final_dead = dead_units()
    with torch.no_grad():
        accuracy = (forward(inputs).argmax(dim=2) == labels).float().mean(dim=1).tolist()
        moved = (w1 - early_w1).abs().amax(dim=1)  # (copies, units): largest change of each unit's weights
    # A copy whose weights blew up (the largest rate with tiny batches) has no dead units to speak of.
    finite = [bool(torch.isfinite(w).all() and torch.isfinite(v).all()) for w, v in zip(w1, w2)]

    # Metric names end in the learning rate's rank: 0 is the smallest (max/8), 3 the largest.
    metrics: dict[str, float] = {}
    rows = []
    for i, (kind, label, _, lr) in enumerate(models):
        early = early_dead[i]
        n_early = int(early.sum())
        revived = int((early & ~final_dead[i]).sum())
        rank = lrs.index(lr)
        metrics[f"dead_{kind}_{rank}"] = final_dead[i].float().mean().item()
        metrics[f"accuracy_{kind}_{rank}"] = accuracy[i]
        metrics[f"early_dead_{kind}_{rank}"] = float(n_early)
        metrics[f"revived_{kind}_{rank}"] = float(revived)
        metrics[f"early_dead_weight_change_{kind}_{rank}"] = (
            moved[i][early].max().item() if n_early and finite[i] else 0.0)
        metrics[f"diverged_{kind}_{rank}"] = 0.0 if finite[i] else 1.0
        rows.append([label, lr, f"{metrics[f'dead_{kind}_{rank}']:.0%}", n_early, revived,
                     f"{metrics[f'early_dead_weight_change_{kind}_{rank}']:.3g}" if n_early else "—",
                     round(accuracy[i], 3) if finite[i] else "발산"])
    top = len(lrs) - 1
    for kind, _, _ in kinds:
        metrics[f"early_dead_{kind}"] = sum(metrics[f"early_dead_{kind}_{r}"] for r in range(len(lrs)))
        metrics[f"revived_{kind}"] = sum(metrics[f"revived_{kind}_{r}"] for r in range(len(lrs)))
        metrics[f"early_dead_weight_change_{kind}"] = max(
            metrics[f"early_dead_weight_change_{kind}_{r}"] for r in range(len(lrs)))
    metrics["max_learning_rate"] = lrs[top]
    metrics["min_learning_rate"] = lrs[0]

    charts = [
        dead_chart(),
        Chart(
            key="dead_vs_lr", title="학습 끝의 죽은 유닛 비율", x_label="학습률", y_label="죽은 유닛 비율", log_x=True,
            series=[Series(name=label, x=lrs, y=[metrics[f"dead_{kind}_{r}"] for r in range(len(lrs))])
                    for kind, label, _ in kinds],
        ),
    ]
    table = Table(
        columns=["활성화", "학습률", "끝의 죽은 유닛", f"{early_step}스텝에 죽은 유닛", "그중 되살아난 유닛",
                 "그 유닛 가중치의 최대 변화", "학습 정확도"],
        rows=rows,
    )
    progress(1.0, "완료", charts)
    return DemoResult(charts=charts, table=table, conclusion=_conclusion(params, metrics, early_step),
                      metrics=metrics)


def _conclusion(params: Params, m: dict[str, float], early_step: int) -> str:
    top = len(LR_FRACTIONS) - 1
    lo_lr, hi_lr = m["min_learning_rate"], m["max_learning_rate"]
    relu_hi, relu_lo, leaky_hi = m[f"dead_relu_{top}"], m["dead_relu_0"], m[f"dead_leaky_{top}"]
    if relu_hi >= 0.05 and relu_hi > relu_lo + 0.03:
        dying = (
            f"학습률 {hi_lr:g}에서 학습한 ReLU 망은 은닉 유닛의 {relu_hi:.0%}가 모든 학습 예제에서 0을 내는 죽은 유닛이 "
            f"되었고, 학습률 {lo_lr:g}에서는 {relu_lo:.0%}였습니다: 큰 스텝이 유닛을 음수 쪽으로 밀어 넣습니다."
        )
    elif relu_hi >= 0.05:
        dying = (
            f"ReLU 망의 죽은 유닛은 학습률 {hi_lr:g}에서 {relu_hi:.0%}, {lo_lr:g}에서 {relu_lo:.0%}로, 이번에는 "
            f"학습률에 따라 크게 달라지지 않았습니다."
        )
    else:
        dying = (
            f"이번 설정에서는 학습률 {hi_lr:g}에서도 ReLU 유닛이 거의 죽지 않았습니다 ({relu_hi:.0%}). "
            f"학습률을 더 키우면 죽는 유닛이 생깁니다."
        )
    early_relu, revived_relu = int(m["early_dead_relu"]), int(m["revived_relu"])
    early_leaky, revived_leaky = int(m["early_dead_leaky"]), int(m["revived_leaky"])
    if early_relu:
        change = m["early_dead_weight_change_relu"]
        stay = (
            f" 네 학습률을 합쳐 {early_step}스텝에 죽어 있던 ReLU 유닛 {early_relu}개 중 끝까지 되살아난 것은 "
            f"{revived_relu}개이고, "
            + ("그 유닛들의 가중치는 그 뒤로 전혀 움직이지 않았습니다 (변화 0): 기울기가 정확히 0이라 한 번 죽으면 "
               "그대로입니다." if change == 0 else
               f"그 유닛들의 가중치는 그 뒤로 최대 {change:.3g}만큼 움직였습니다.")
        )
    else:
        stay = f" 네 학습률 모두 {early_step}스텝에 죽어 있던 ReLU 유닛은 없었습니다."
    if early_leaky:
        leaky = (
            f" LeakyReLU(음수 쪽 기울기 {params.negative_slope:g})는 같은 학습률 {hi_lr:g}에서 {leaky_hi:.0%}가 모든 "
            f"예제에서 음수 구간에 있었지만, 그 구간에서도 기울기가 남아, 네 학습률을 합쳐 {early_step}스텝에 그랬던 유닛 "
            f"{early_leaky}개 중 {revived_leaky}개가 되살아났고 가중치가 최대 {m['early_dead_weight_change_leaky']:.3g}만큼 움직였습니다."
        )
    else:
        leaky = (
            f" LeakyReLU(음수 쪽 기울기 {params.negative_slope:g})는 {early_step}스텝에 음수 구간에 갇힌 유닛이 없었고, "
            f"학습률 {hi_lr:g}에서 끝의 비율도 {leaky_hi:.0%}입니다."
        )
    diverged = [f"{'ReLU' if kind == 'relu' else 'LeakyReLU'} 학습률 {params.max_learning_rate * fraction:g}"
                for kind in ("relu", "leaky") for rank, fraction in enumerate(LR_FRACTIONS)
                if m[f"diverged_{kind}_{rank}"]]
    if diverged:
        dying += f" ({', '.join(diverged)}의 학습은 발산해 그 망의 수치는 뜻이 없습니다.)"
    return dying + stay + leaky


DEMO = DemoSpec(
    slug="dying-relu",
    title="죽은 ReLU: 큰 학습률과 LeakyReLU",
    summary=(
        "학습률이 크면 많은 ReLU 유닛이 모든 입력에서 0을 내는 죽은 유닛이 되고, 기울기가 0이라 다시 살아나지 "
        "못합니다. LeakyReLU는 음수 쪽에도 기울기가 있어 유닛이 되살아날 수 있습니다."
    ),
    params=Params,
    smallest=SMALLEST,
    run=run,
    concepts=("dead_relu", "relu", "leaky_relu", "learning_rate"),
    questions=(
        QuestionRef("면접 #12-3", "ReLU의 문제점: 죽은 뉴런"),
        QuestionRef("2주차 질문 2", "ReLU 도함수가 1과 0인 것"),
        QuestionRef("면접 #5", "Dead ReLU와 LeakyReLU"),
    ),
    citations=(
        Citation(authors="Maas, Hannun & Ng", year=2013,
                 title="Rectifier Nonlinearities Improve Neural Network Acoustic Models",
                 url="https://ai.stanford.edu/~amaas/papers/relu_hybrid_icml2013_final.pdf"),
        Citation(authors="Karpathy (Stanford CS231n course notes)", year=2015,
                 title="Neural Networks Part 1: Commonly Used Activation Functions",
                 url="https://cs231n.github.io/neural-networks-1/#actfun"),
    ),
    version="1",
)
