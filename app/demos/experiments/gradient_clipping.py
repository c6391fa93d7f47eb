"""Gradient clipping: the same recurrent network, the same rate, with and without clipping by norm.

A tanh RNN (hidden size 32, recurrent gain 1) reads sequences of Gaussian inputs and predicts, at the
last step, a fixed mix of the last three inputs (``0.5·x_{T−2} + x_{T−1} − x_T``; variance 2.25). Per
seed the network's initial weights, the training stream and the validation set are drawn once; three
copies of each seed train side by side with plain SGD (minibatch 32) for the same number of steps:

* unclipped, at the learning rate ``learning_rate``;
* clipped, at the same rate, each step's global gradient norm rescaled to at most ``max_norm``
  (``clip_grad_norm_``; Pascanu, Mikolov & Bengio 2013);
* a reference: unclipped at a tenth of the rate, to show what simply lowering the rate gives.

The loss surface of a recurrent network has cliffs: a step across one meets a gradient many times the
usual size, and an unclipped SGD step of that size throws the weights so far that the run diverges
(the loss becomes NaN). Clipping caps the step length, so the run survives the cliff. Judged on the
validation loss at the end, as a fraction of the targets' variance; a diverged run counts as the
loss of predicting 0 (the variance itself), the most generous value a run that learned nothing can get.
At a small learning rate there is no cliff to fall off: the unclipped run converges too and clipping
has nothing to rescue, which is where the claim breaks.
"""

from __future__ import annotations

import math
from typing import Any

from pydantic import Field

from app.demos.base import Chart, Citation, DemoParams, DemoSpec, Measurement, QuestionRef, Series, Table
from app.demos.batched import finite_mean as _mean
from app.demos.evidence import Claim
from app.demos.training import differences

ARMS = ("unclipped", "clipped", "slow")
ARM_NAMES = {"unclipped": "클리핑 없음", "clipped": "노름 클리핑", "slow": "클리핑 없음, 학습률 1/10"}
HIDDEN, BATCH, N_VAL = 32, 32, 512
MIX = (0.5, 1.0, -1.0)  # the target: this mix of the last three inputs
TARGET_VARIANCE = sum(c * c for c in MIX)


class Params(DemoParams):
    learning_rate: float = Field(0.3, ge=0.001, le=3.0, description="학습률 (클리핑 있는/없는 망이 같음, SGD)")
    max_norm: float = Field(3.0, ge=0.01, le=100.0, description="클리핑 임계값: 기울기 전체 노름의 최댓값")
    length: int = Field(20, ge=4, le=100, description="시퀀스 길이 T")
    steps: int = Field(150, ge=20, le=2000, description="학습 스텝 수 (미니배치 32, 모든 망이 같음)")


SMALLEST = Params(steps=100, length=12)
BREAKING = Params(learning_rate=0.03)


def _data(seeds, params: Params, device):
    """Per seed: the training stream (S, steps·batch, T, 1) and the validation set (S, N_VAL, T, 1), with targets."""
    import torch

    from app.demos.batched import generator

    mix = torch.tensor(MIX)
    xs, vs = [], []
    for seed in seeds:
        gen = generator(seed * 7919 + 101)
        xs.append(torch.randn(params.steps * BATCH, params.length, 1, generator=gen))
        vs.append(torch.randn(N_VAL, params.length, 1, generator=gen))
    train, val = torch.stack(xs), torch.stack(vs)

    def target(x):
        return (x[:, :, -3:, 0] * mix).sum(dim=2, keepdim=True)

    return train.to(device), target(train).to(device), val.to(device), target(val).to(device)


def _model(params: Params, seeds: list[int], device) -> tuple[list, Any, Any]:
    """Model i: arm i // S, seed i % S. Returns the RNN weights, each model's clipping threshold (inf:
    none) and its learning rate (the slow arm's a tenth)."""
    import torch

    from app.demos.batched import generator
    from app.demos.sequences import init_rnn

    S, A = len(seeds), len(ARMS)
    models = A * S
    weights = init_rnn([generator(seed * 7919 + 103) for seed in seeds], A, 1, HIDDEN, 1, 1.0, device)
    inf = float("inf")
    max_norm = torch.tensor([params.max_norm if ARMS[i // S] == "clipped" else inf for i in range(models)],
                            device=device)
    lr = torch.tensor([params.learning_rate / (10 if ARMS[i // S] == "slow" else 1) for i in range(models)],
                      device=device)
    return weights, max_norm, lr


def _train(params: Params, weights: list, max_norm, lr, train_x, train_y, progress) -> tuple[list, list, Any]:
    """SGD on a fresh minibatch each step, clipped per model; returns each step's losses and gradient norms
    (before clipping) and how many steps each model clipped."""
    import torch

    from app.demos.sequences import clip_per_model, readout, rnn_states

    A = len(ARMS)
    losses, norms = [], []
    clipped_steps = torch.zeros(len(lr), device=lr.device)
    for step in range(params.steps):
        rows = slice(step * BATCH, (step + 1) * BATCH)
        x, y = train_x[:, rows].repeat(A, 1, 1, 1), train_y[:, rows].repeat(A, 1, 1)
        loss = ((readout(weights, rnn_states(weights, x)[-1]) - y) ** 2).mean(dim=(1, 2))
        loss.sum().backward()
        before = clip_per_model(weights, max_norm)
        clipped_steps += (before > max_norm).float()
        with torch.no_grad():
            for w in weights:
                w -= lr.reshape(-1, *([1] * (w.dim() - 1))) * w.grad
                w.grad = None
        losses.append(loss.detach())
        norms.append(before.detach())
        if (step + 1) % 25 == 0:
            progress(0.95 * (step + 1) / params.steps, f"스텝 {step + 1}/{params.steps}")
    return losses, norms, clipped_steps


def _measure(params: Params, weights: list, val_x, val_y, grad_norms, clipped_steps,
             S: int) -> dict[str, list[float | None]]:
    import torch

    from app.demos.sequences import readout, rnn_states

    A = len(ARMS)
    with torch.no_grad():
        val_loss = ((readout(weights, rnn_states(weights, val_x.repeat(A, 1, 1, 1))[-1])
                     - val_y.repeat(A, 1, 1)) ** 2).mean(dim=(1, 2))
    fraction = (val_loss / TARGET_VARIANCE).cpu()
    diverged = ~torch.isfinite(fraction) | (fraction > 1.0)
    counted = torch.where(diverged, torch.ones_like(fraction), fraction)  # a diverged run counts as predicting 0

    def arm(values, name):
        return values[ARMS.index(name) * S:(ARMS.index(name) + 1) * S].tolist()

    per_seed: dict[str, list[float | None]] = {
        "val_loss_gain_from_clipping": differences(arm(counted, "unclipped"), arm(counted, "clipped")),
    }
    for name in ARMS:
        per_seed[f"val_loss_{name}"] = arm(counted, name)
        per_seed[f"diverged_{name}"] = [float(d) for d in arm(diverged.float(), name)]
    per_seed["clipped_step_fraction"] = arm(clipped_steps.cpu() / params.steps, "clipped")
    # How far the largest gradient of a run rises above its typical one: the cliffs the steps meet.
    finite_norms = torch.where(torch.isfinite(grad_norms), grad_norms, torch.full_like(grad_norms, float("nan")))
    median = finite_norms.nanmedian(dim=1).values
    per_seed["median_grad_norm_clipped"] = arm(median, "clipped")
    per_seed["max_grad_norm_clipped"] = arm(torch.nan_to_num(finite_norms, nan=0.0).max(dim=1).values, "clipped")
    return per_seed


def run(params: Params, device, progress, seeds) -> Measurement:
    import torch

    seeds = list(seeds)
    S = len(seeds)
    train_x, train_y, val_x, val_y = _data(seeds, params, device)
    weights, max_norm, lr = _model(params, seeds, device)
    losses, norms, clipped_steps = _train(params, weights, max_norm, lr, train_x, train_y, progress)
    curves = (torch.stack(losses, dim=1) / TARGET_VARIANCE).cpu()  # (models, steps)
    grad_norms = torch.stack(norms, dim=1).cpu()
    per_seed = _measure(params, weights, val_x, val_y, grad_norms, clipped_steps, S)
    charts = _charts(params, curves, grad_norms, S)
    table = _table(params, per_seed)
    progress(1.0, "완료", charts)
    return Measurement(per_seed=per_seed, charts=charts, table=table, notes=_notes(params, per_seed))


def _smoothed(curve: list[float], window: int = 10) -> list[float | None]:
    out: list[float | None] = []
    for i in range(len(curve)):
        chunk = curve[max(0, i - window + 1):i + 1]
        out.append(sum(chunk) / len(chunk) if all(math.isfinite(v) for v in chunk) and sum(chunk) > 0 else None)
    return out


def _charts(params: Params, curves, grad_norms, S: int) -> list[Chart]:
    from app.demos.batched import band

    x = [float(s + 1) for s in range(params.steps)]
    loss_series, norm_series = [], []
    for a, name in enumerate(ARMS):
        y, low, high = band([_smoothed(curves[a * S + s].tolist()) for s in range(S)])
        loss_series.append(Series(name=ARM_NAMES[name], x=x, y=_capped(y), lower=_capped(low), upper=_capped(high)))
        y, low, high = band([[v if math.isfinite(v) and v > 0 else None for v in grad_norms[a * S + s].tolist()]
                             for s in range(S)])
        norm_series.append(Series(name=ARM_NAMES[name], x=x, y=_capped(y, 1e12), lower=_capped(low, 1e12),
                                  upper=_capped(high, 1e12)))
    norm_series.append(Series(name="클리핑 임계값", x=[x[0], x[-1]], y=[params.max_norm, params.max_norm]))
    return [
        Chart(key="train_loss", title="학습 손실 / 목표 분산 (10스텝 이동 평균, 띠는 시드 최소~최대; 끊긴 곳은 발산)",
              x_label="스텝", y_label="손실 / 분산", log_y=True, series=loss_series),
        Chart(key="grad_norm", title="클리핑 전 기울기 전체 노름 (시드 평균)", x_label="스텝", y_label="‖g‖", log_y=True,
              series=norm_series),
    ]


def _capped(values, cap: float = 1e6):
    return [v if v is not None and 0 < v <= cap else None for v in values]


def _table(params: Params, m: dict) -> Table:
    rows = []
    for name in ARMS:
        rate = params.learning_rate / (10 if name == "slow" else 1)
        clip = f"{params.max_norm:g}" if name == "clipped" else "없음"
        rows.append([ARM_NAMES[name], f"{rate:g}", clip, params.steps, round(_mean(m[f"val_loss_{name}"]), 4),
                     f"{int(sum(m[f'diverged_{name}']))}/{len(m[f'diverged_{name}'])}"])
    return Table(columns=["망", "학습률", "클리핑 임계값", "스텝", "검증 손실 / 목표 분산 (시드 평균, 발산은 1)", "발산한 시드"],
                 rows=rows)


def _notes(params: Params, m: dict) -> list[str]:
    notes = []
    seeds = len(m["diverged_unclipped"])
    diverged = int(sum(m["diverged_unclipped"]))
    clipped_diverged = int(sum(m["diverged_clipped"]))
    unclipped, clipped, slow = (_mean(m[f"val_loss_{name}"]) for name in ARMS)
    engaged = _mean(m["clipped_step_fraction"])
    if diverged:
        notes.append(f"학습률 {params.learning_rate:g}에서 클리핑 없는 망은 시드 {seeds}개 중 {diverged}개가 발산했고, 같은 학습률에 "
                     f"노름을 {params.max_norm:g}로 자른 망은 {clipped_diverged}개가 발산하고 검증 손실이 분산의 {clipped:.3f}배에 "
                     f"닿았습니다(스텝의 {engaged:.0%}에서 클리핑이 걸림).")
    else:
        notes.append(f"학습률 {params.learning_rate:g}에서는 클리핑 없는 망도 발산하지 않았습니다(검증 손실 {unclipped:.3f} 대 클리핑 "
                     f"{clipped:.3f}): 건널 절벽이 없으면 클리핑이 구해 낼 것도 없습니다. 클리핑은 스텝의 {engaged:.0%}에서 "
                     f"걸렸지만 결과를 {'거의 ' if abs(unclipped - clipped) < 0.05 else ''}바꾸지 않았습니다.")
    peak, typical = _mean(m["max_grad_norm_clipped"]), _mean(m["median_grad_norm_clipped"])
    if typical > 0 and peak > 3 * typical:
        notes.append(f"클리핑한 망이 만난 가장 큰 기울기는 보통(중앙값 {typical:.2g})의 {peak / typical:.0f}배였습니다: 손실 곡면의 "
                     f"절벽이며, 자르지 않은 스텝은 그만큼 멀리 튑니다.")
    if not math.isnan(slow):
        better = slow < clipped
        notes.append(f"학습률만 1/10({params.learning_rate / 10:g})로 낮춘 망은 클리핑 없이 {slow:.3f}에 닿아 클리핑한 망보다 "
                     f"{'낮았습니다: 같은 스텝 수에서는 학습률을 낮추는 것도 답이며, 클리핑은 큰 학습률을 버티게 할 뿐입니다' if better else '높았습니다: 같은 스텝 수에서 작은 학습률은 느리고, 클리핑은 큰 학습률의 빠른 진전을 지킵니다'}.")
    return notes


DEMO = DemoSpec(
    slug="gradient-clipping",
    title="그래디언트 클리핑: 같은 학습률에서 발산하는 RNN을 노름 클리핑이 붙잡는다",
    summary=(
        "같은 tanh RNN을 같은 학습률의 SGD로 학습하되 하나는 기울기 전체 노름을 잘라 줍니다. 큰 학습률에서는 자르지 않은 망이 "
        "손실 곡면의 절벽에서 튀어 발산하고, 자른 망은 학습을 이어 갑니다. 학습률이 작으면 둘 다 수렴해 차이가 없습니다."
    ),
    params=Params,
    smallest=SMALLEST,
    breaking=BREAKING,
    run=run,
    claims=(
        Claim(metric="val_loss_gain_from_clipping", direction="greater", margin=0.25,
              statement="같은 학습률에서 클리핑한 망의 검증 손실이 클리핑 없는 망보다 목표 분산의 25% 이상 낮다",
              metric_label="클리핑의 검증 손실 이득 (목표 분산 대비)"),
    ),
    metric_labels={
        **{f"val_loss_{name}": f"검증 손실 ÷ 목표 분산 ({arm}, 발산은 1)" for name, arm in ARM_NAMES.items()},
        **{f"diverged_{name}": f"발산 여부 ({arm}, 1이면 발산)" for name, arm in ARM_NAMES.items()},
        "clipped_step_fraction": "클리핑이 걸린 스텝 비율",
        "median_grad_norm_clipped": "기울기 노름 중앙값 (노름 클리핑)",
        "max_grad_norm_clipped": "기울기 노름 최댓값 (노름 클리핑)",
    },
    concepts=("gradient_clipping", "exploding_gradient", "divergence", "rnn", "learning_rate"),
    questions=(
        QuestionRef("CS224n 6강", "기울기 폭주가 생기면 loss가 NaN이 되는데 클리핑은 어떻게 막나요?"),
    ),
    citations=(
        Citation(authors="Pascanu, Mikolov, Bengio", year=2013, title="On the difficulty of training recurrent neural networks",
                 url="https://arxiv.org/abs/1211.5063"),
    ),
    version="1",
)
