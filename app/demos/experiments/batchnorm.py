"""Batch normalisation: trainability at large learning rates, overfitting measured apart, and the
train/eval mistakes (면접 #16, #16-2, 노드 02-1).

For each seed, one split of the 8×8 digits (training, validation, test) and one He initialisation.
A deep ReLU network is trained with plain SGD with and without BatchNorm (linear → BN → ReLU), each
at every rate of a small grid (the largest, lr/5 and lr/25). Two separate questions:

- **Trainability**: at the largest rate, does the network with BN reach a lower training loss than
  the one without? (A run that diverges counts as chance-level loss, ln 10.)
- **Overfitting**: with each arm at its own best rate (picked on validation loss), does BN lower the
  held-out test loss? Regularisation and trainability are different claims; the old demo inferred
  the second from the first.

Then the trained BN network of each seed is used for prediction the right way (``model.eval()``:
running statistics) and the wrong ways (left in train mode, each batch normalised by its own
statistics): one example's prediction depends on which other examples share its batch, and the
forgotten ``eval()`` quietly overwrites the running statistics.

Every arm × rate × seed network trains in one stack (a ``bmm`` per layer, BN written out per network).
"""

from __future__ import annotations

import copy
import math
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field

from app.demos.base import Boundary, Chart, Citation, DemoParams, DemoSpec, Measurement, QuestionRef, Series, Table
from app.demos.batched import band, generator, per_model_cross_entropy, rows
from app.demos.datasets import DIGIT_CLASSES, digit_orders, digit_splits
from app.demos.evidence import Claim
from app.demos.training import differences

VALIDATION_SIZE = 200
GRID_DIVISORS = (25, 5, 1)  # the rates tried: lr/25, lr/5 and lr itself
BATCH_SIZES = (2, 4, 8, 16, 32, 128)
SORTED_BATCH = 32
MISTAKE_EXAMPLES = 320  # of the test set, for the train-mode predictions (one forward pass per batch)
BN_EPS, BN_MOMENTUM = 1e-5, 0.1  # torch.nn.BatchNorm1d's defaults
CHANCE_LOSS = math.log(DIGIT_CLASSES)  # what a diverged or collapsed network scores
ARMS = (("plain", "BN 없음"), ("bn", "BN"))
PLACEMENTS = {"before": "선형층 → BN → ReLU", "after": "선형층 → ReLU → BN"}


class Params(DemoParams):
    depth: int = Field(6, ge=2, le=16, description="은닉층 수")
    width: int = Field(32, ge=16, le=256, description="은닉층 너비")
    learning_rate: float = Field(1.0, ge=0.001, le=5.0,
                                 description="가장 큰 SGD 학습률 (격자: 이 값, 1/5, 1/25; 큰 값에서 BN 없는 망이 버거움)")
    steps: int = Field(200, ge=20, le=2000, description="학습 스텝 수")
    batch_size: int = Field(64, ge=8, le=256, description="학습 미니배치 크기")
    n_train: int = Field(300, ge=100, le=1200, description="학습 데이터 수 (적을수록 과대적합)")
    placement: Literal["before", "after"] = Field(
        "before", description="BN 위치: before는 선형층 → BN → ReLU, after는 선형층 → ReLU → BN")


SMALLEST = Params(depth=4, width=16, steps=100)
# At a modest top rate both networks train: the trainability claim has nothing to stand on.
BREAKING = Params(learning_rate=0.05)

CLAIMS = (
    Claim("high_lr_train_loss_gain", "greater", 0.1,
          "가장 큰 학습률에서 BN을 넣은 망이 BN 없는 망보다 학습 손실을 0.1 넘게 낮춘다 (학습 가능성)",
          metric_label="가장 큰 학습률에서 BN의 학습 손실 이득 (BN 없음 − BN)"),
    Claim("best_test_loss_gain", "greater", 0.0,
          "각자 가장 좋은 학습률에서 BN을 넣은 망의 테스트 손실이 더 낮다 (과대적합 억제)",
          metric_label="각자 최적 학습률에서 BN의 테스트 손실 이득 (BN 없음 − BN)"),
)


def _he_init(torch, gen, sizes):
    layers = []
    for fan_in, fan_out in zip(sizes, sizes[1:]):
        layers.append(torch.randn(fan_in, fan_out, generator=gen) * math.sqrt(2.0 / fan_in))
        layers.append(torch.zeros(1, fan_out))
    return layers


def _contiguous(grad):
    return grad.contiguous()


class _Stack:
    """``count`` networks, with or without BN after each hidden linear layer, as stacked tensors.

    BN runs as one ``F.batch_norm`` over all networks: a (networks, batch, width) activation seen as
    (batch, networks × width) channels has exactly each network's per-feature batch statistics.
    """

    def __init__(self, torch, init: list, copies: int, width: int, depth: int, bn: bool, device,
                 placement: str = "before") -> None:
        self.torch, self.bn, self.depth, self.width, self.after = torch, bn, depth, width, placement == "after"
        self.weights = [t.repeat(copies, 1, 1).to(device).requires_grad_() for t in init]
        channels = self.weights[0].shape[0] * width
        self.gamma = [torch.ones(channels, device=device).requires_grad_() for _ in range(depth)] if bn else []
        self.beta = [torch.zeros(channels, device=device).requires_grad_() for _ in range(depth)] if bn else []
        self.running_mean = [torch.zeros(channels, device=device) for _ in range(depth)]
        self.running_var = [torch.ones(channels, device=device) for _ in range(depth)]

    def parameters(self) -> list:
        return self.weights + self.gamma + self.beta

    def forward(self, x, train: bool):
        torch = self.torch
        h = x
        for layer in range(self.depth):
            h = torch.baddbmm(self.weights[2 * layer + 1], h, self.weights[2 * layer])
            if self.bn and h.requires_grad:
                # BN's gradient comes back laid out (batch, networks × width); summed over the batch in that
                # layout for the bias, a network's sum depended on how many networks stood beside it (the
                # bias's true gradient is 0 before BN, so only those last bits are left, and the top rate grew
                # them into percents): summed per network, a seed gives the same numbers alone.
                h.register_hook(_contiguous)
            if self.after:
                h = torch.relu(h)
            if self.bn:
                count, batch, width = h.shape
                flat = torch.nn.functional.batch_norm(
                    h.transpose(0, 1).reshape(batch, count * width), self.running_mean[layer],
                    self.running_var[layer], self.gamma[layer], self.beta[layer], training=train,
                    momentum=BN_MOMENTUM, eps=BN_EPS)
                h = flat.reshape(batch, count, width).transpose(0, 1)
            if not self.after:
                h = torch.relu(h)
        return torch.baddbmm(self.weights[-1], h, self.weights[-2])

    def step(self, lr) -> None:
        with self.torch.no_grad():
            for p in self.weights:
                p.sub_(lr.reshape(-1, 1, 1) * p.grad)
                p.grad = None
            per_channel = lr.repeat_interleave(self.width)
            for p in self.gamma + self.beta:
                p.sub_(per_channel * p.grad)
                p.grad = None

    def module(self, index: int):
        """Network ``index`` as an ordinary nn.Sequential (nn.BatchNorm1d with its running statistics)."""
        nn = self.torch.nn
        layers = []
        channels = slice(index * self.width, (index + 1) * self.width)
        for layer in range(self.depth + 1):
            w, b = self.weights[2 * layer][index], self.weights[2 * layer + 1][index]
            linear = nn.Linear(w.shape[0], w.shape[1])
            with self.torch.no_grad():
                linear.weight.copy_(w.T)
                linear.bias.copy_(b.flatten())
            layers.append(linear)
            if layer < self.depth:
                if self.after:
                    layers.append(nn.ReLU())
                if self.bn:
                    norm = nn.BatchNorm1d(w.shape[1])
                    with self.torch.no_grad():
                        norm.weight.copy_(self.gamma[layer][channels])
                        norm.bias.copy_(self.beta[layer][channels])
                        norm.running_mean.copy_(self.running_mean[layer][channels])
                        norm.running_var.copy_(self.running_var[layer][channels])
                    layers.append(norm)
                if not self.after:
                    layers.append(nn.ReLU())
        return nn.Sequential(*layers).to(w.device).eval()


@dataclass
class _Draws:
    """Per seed, from its generator in this order: a split of the digits, one He initialisation, and the
    minibatches (seeds, steps, batch)."""

    orders: Any
    init: list
    batches: Any


def _draw(params: Params, seeds) -> _Draws:
    import torch

    generators = [generator(seed) for seed in seeds]
    orders = digit_orders(generators)
    sizes = [64] + [params.width] * params.depth + [DIGIT_CLASSES]
    inits = [_he_init(torch, g, sizes) for g in generators]
    return _Draws(
        orders=orders,
        init=[torch.stack([per_seed[i] for per_seed in inits]) for i in range(len(inits[0]))],
        batches=torch.stack([torch.randint(0, params.n_train, (params.steps, params.batch_size), generator=g)
                             for g in generators]),
    )


def _train(params: Params, stacks: dict[str, _Stack], train, batch_index, lr, progress,
           chart: Callable[[dict, int], Chart]) -> dict[str, Any]:
    """Minibatch SGD for both arms on the same batches; returns each network's loss at every step."""
    import torch

    train_x, train_y = train
    losses = {arm: torch.empty(params.steps, len(lr)) for arm, _ in ARMS}
    for step in range(params.steps):
        index = batch_index[:, step]
        x, y = rows(train_x, index), torch.gather(train_y, 1, index)
        for arm, stack in stacks.items():
            loss = per_model_cross_entropy(stack.forward(x, train=True), y)
            losses[arm][step] = loss.detach().cpu()
            finite = torch.isfinite(loss)
            # A diverged network stops learning (its loss stays NaN); the others are unaffected.
            torch.where(finite, loss, torch.zeros_like(loss)).sum().backward()
            stack.step(torch.where(finite, lr, torch.zeros_like(lr)))
        if (step + 1) % 25 == 0:
            progress(0.75 * (step + 1) / params.steps, f"{step + 1}/{params.steps} 스텝", [chart(losses, step + 1)])
    return losses


def _scores(params: Params, stacks: dict[str, _Stack], losses: dict[str, Any], data) -> dict[str, dict[str, Any]]:
    """Per arm and network: training loss (the last tenth of the steps), validation and test loss (a
    diverged network scores chance), test accuracy, and whether it diverged."""
    import torch

    scores = {}
    with torch.no_grad():
        for arm, stack in stacks.items():
            # One row per network: a mean down a column of (steps, networks) adds in an order that depends on
            # how many networks there are, so a seed alone got other last bits than beside the others.
            tail = losses[arm][-max(1, params.steps // 10):].T.contiguous()
            train_loss = torch.where(torch.isfinite(tail).all(1), tail.mean(1), torch.full((tail.shape[0],), math.inf))
            val_x, val_y = data["val"]
            test_x, test_y = data["test"]
            val_loss = per_model_cross_entropy(stack.forward(val_x, train=False), val_y).cpu()
            test_logits = stack.forward(test_x, train=False)
            scores[arm] = {
                "train": torch.clamp(torch.nan_to_num(train_loss, nan=math.inf), max=CHANCE_LOSS),
                "val": torch.nan_to_num(val_loss, nan=math.inf),
                "test": torch.clamp(torch.nan_to_num(per_model_cross_entropy(test_logits, test_y).cpu(), nan=math.inf),
                                    max=CHANCE_LOSS),
                "test_accuracy": (test_logits.argmax(-1) == test_y).float().mean(1).cpu(),
                "diverged": (~torch.isfinite(losses[arm]).all(0)).float(),
            }
    return scores


def _measure(scores, rates: list[float], lr, k: int) -> tuple[dict[str, list], dict[str, list[int]]]:
    """Per seed: each arm at the largest rate and at its best rate on validation; also returns the
    networks of the best rates."""
    per: dict[str, list] = {}
    copies = len(rates)
    high = (copies - 1) * k  # offset of the largest rate's networks
    best = {}
    for arm, _ in ARMS:
        s = scores[arm]
        best[arm] = [min(range(copies), key=lambda r: float(s["val"][r * k + i])) * k + i for i in range(k)]
        per[f"train_loss_high_lr_{arm}"] = [float(s["train"][high + i]) for i in range(k)]
        per[f"diverged_high_lr_{arm}"] = [float(s["diverged"][high + i]) for i in range(k)]
        per[f"best_lr_{arm}"] = [float(lr[j]) for j in best[arm]]
        per[f"test_loss_best_{arm}"] = [float(s["test"][j]) for j in best[arm]]
        per[f"test_accuracy_best_{arm}"] = [float(s["test_accuracy"][j]) for j in best[arm]]
        # Generalisation gap at the chosen rate: test loss less the end-of-training loss.
        per[f"gap_best_{arm}"] = [float(s["test"][j] - s["train"][j]) for j in best[arm]]
        for r, rate in enumerate(rates):
            per[f"train_loss_{arm}_lr{r}"] = [float(s["train"][r * k + i]) for i in range(k)]
    per["high_lr_train_loss_gain"] = differences(per["train_loss_high_lr_plain"], per["train_loss_high_lr_bn"])
    per["best_test_loss_gain"] = differences(per["test_loss_best_plain"], per["test_loss_best_bn"])
    return per, best


def run(params: Params, device, progress, seeds) -> Measurement:
    import torch

    k = len(seeds)
    rates = [params.learning_rate / d for d in GRID_DIVISORS]
    drawn = _draw(params, seeds)
    # Networks ordered (rate, seed) within each arm; each arm is one stack.
    copies = len(rates)
    seed_of = torch.arange(copies * k) % k
    lr = torch.tensor([r for r in rates for _ in range(k)], device=device)
    data = digit_splits(drawn.orders, params.n_train, VALIDATION_SIZE, seed_of, device)
    stacks = {arm: _Stack(torch, drawn.init, copies, params.width, params.depth, arm == "bn", device, params.placement)
              for arm, _ in ARMS}
    losses = _train(params, stacks, data["train"], drawn.batches[seed_of].to(device), lr, progress,
                    lambda losses, upto: _loss_chart(losses, upto, k, copies, rates))
    scores = _scores(params, stacks, losses, data)
    progress(0.8, "train 모드 예측을 시험합니다")
    per, best = _measure(scores, rates, lr, k)
    mistakes = [_train_mode_mistakes(torch, stacks["bn"].module(j), data["test"][0][j][:MISTAKE_EXAMPLES],
                                     data["test"][1][j][:MISTAKE_EXAMPLES]) for j in best["bn"]]
    for key in mistakes[0]:
        per[key] = [m[key] for m in mistakes]

    charts = [_loss_chart(losses, params.steps, k, copies, rates), _grid_chart(scores, rates, k),
              _batch_chart(per)]
    progress(1.0, "완료", charts)
    return Measurement(per_seed=per, charts=charts, table=_table(per, rates), notes=_notes(per, params, rates))


def _loss_chart(losses, upto: int, k: int, copies: int, rates) -> Chart:
    """Training loss (10-step moving average) at the largest rate; band: the seeds' range."""
    series = []
    x = [float(i + 1) for i in range(upto)]
    for arm, label in ARMS:
        curves = []
        for i in range(k):
            raw = losses[arm][:upto, (copies - 1) * k + i].tolist()
            curves.append([_moving(raw, t) for t in range(upto)])
        y, low, high = band(curves)
        series.append(Series(name=f"{label}, 학습률 {rates[-1]:g}", x=x, y=y, lower=low, upper=high))
    return Chart(key="loss", title="가장 큰 학습률에서의 학습 손실 (10스텝 이동 평균; 띠: 시드 범위)", x_label="스텝",
                 y_label="교차 엔트로피", log_y=True, series=series)


def _moving(values: list[float], t: int, window: int = 10) -> float | None:
    chunk = values[max(0, t - window + 1): t + 1]
    mean = sum(chunk) / len(chunk)
    return mean if math.isfinite(mean) and mean > 0 else None


def _grid_chart(scores, rates, k: int) -> Chart:
    series = []
    for arm, label in ARMS:
        for key, what in (("train", "학습 손실"), ("test", "테스트 손실")):
            values = scores[arm][key]
            y, low, high = band([[float(values[r * k + i]) for r in range(len(rates))] for i in range(k)])
            series.append(Series(name=f"{label}: {what}", x=[float(r) for r in rates], y=y, lower=low, upper=high))
    return Chart(key="grid", title=f"학습률마다 학습 손실과 테스트 손실 (발산은 ln 10 = {CHANCE_LOSS:.2f}로 셈)",
                 x_label="학습률", y_label="교차 엔트로피", log_x=True, series=series)


def _batch_chart(per: dict) -> Chart:
    x = [float(b) for b in BATCH_SIZES]
    eval_y, eval_low, eval_high = band([[a] * len(BATCH_SIZES) for a in per["test_accuracy_best_bn"]])
    train_rows = [[per[f"train_mode_accuracy_b{b}"][i] for b in BATCH_SIZES]
                  for i in range(len(per["test_accuracy_best_bn"]))]
    y, low, high = band(train_rows)
    sorted_y, sorted_low, sorted_high = band([[v] for v in per["train_mode_accuracy_sorted"]])
    return Chart(
        key="batch_dependence", title="학습된 BN 망의 테스트 정확도: eval() vs train 모드로 예측",
        x_label="예측할 때의 배치 크기", y_label="테스트 정확도", log_x=True,
        series=[
            Series(name="eval(): 이동 평균 통계", x=x, y=eval_y, lower=eval_low, upper=eval_high),
            Series(name="train 모드: 섞인 배치", x=x, y=y, lower=low, upper=high),
            Series(name=f"train 모드: 한 클래스만 모인 배치 ({SORTED_BATCH}개)", x=[float(SORTED_BATCH)], y=sorted_y,
                   lower=sorted_low, upper=sorted_high),
        ],
    )


def _train_mode_mistakes(torch, model, test_x, test_y) -> dict[str, float]:
    """Predict with a copy left in train mode, as code that forgot ``model.eval()`` does."""
    out: dict[str, float] = {}
    forgetful = copy.deepcopy(model).train()
    with torch.no_grad():
        eval_predictions = model(test_x).argmax(dim=1)
        try:
            forgetful(test_x[:1])
            out["batch1_raises"] = 0.0
        except ValueError:  # "Expected more than 1 value per channel when training"
            out["batch1_raises"] = 1.0
        n = test_x.shape[0]
        for size in BATCH_SIZES:
            usable = n - n % size
            predictions = torch.cat([forgetful(test_x[s: s + size]).argmax(dim=1) for s in range(0, usable, size)])
            out[f"train_mode_accuracy_b{size}"] = (predictions == test_y[:usable]).float().mean().item()
        # The same examples, batched with others of their own class.
        order = torch.argsort(test_y, stable=True)
        sorted_x, sorted_y = test_x[order], test_y[order]
        predictions, kept = [], []
        for c in range(DIGIT_CLASSES):
            members = (sorted_y == c).nonzero().flatten()
            members = members[: len(members) - len(members) % SORTED_BATCH]
            for s in range(0, len(members), SORTED_BATCH):
                chunk = members[s: s + SORTED_BATCH]
                predictions.append(forgetful(sorted_x[chunk]).argmax(dim=1))
                kept.append(chunk)
        predictions_sorted, kept_index = torch.cat(predictions), torch.cat(kept)
        out["train_mode_accuracy_sorted"] = (predictions_sorted == sorted_y[kept_index]).float().mean().item()
        out["changed_vs_eval_sorted"] = (
            predictions_sorted != eval_predictions[order][kept_index]).float().mean().item()
        # Every train-mode forward pass above also moved the running statistics.
        first_bn = next(layer for layer in model if isinstance(layer, torch.nn.BatchNorm1d))
        first_bn_copy = next(layer for layer in forgetful if isinstance(layer, torch.nn.BatchNorm1d))
        out["running_mean_shift"] = ((first_bn_copy.running_mean - first_bn.running_mean).norm()
                                     / first_bn.running_mean.norm()).item()
        forgetful.eval()
        out["eval_accuracy_after_forgotten_eval"] = (forgetful(test_x).argmax(dim=1) == test_y).float().mean().item()
    return out


def _mean(per: dict, key: str) -> float:
    return statistics.fmean(per[key])


def _table(per: dict, rates) -> Table:
    def both(key: str):
        return [round(_mean(per, f"{key}_plain"), 4), round(_mean(per, f"{key}_bn"), 4)]

    rows_ = [["예산", "같은 분할·초기값·미니배치, SGD, 같은 스텝", "같은 분할·초기값·미니배치, SGD, 같은 스텝"]]
    for r, rate in enumerate(rates):
        rows_.append([f"학습 손실, 학습률 {rate:g}", round(_mean(per, f"train_loss_plain_lr{r}"), 4),
                      round(_mean(per, f"train_loss_bn_lr{r}"), 4)])
    rows_ += [
        ["가장 큰 학습률에서 발산한 시드 비율", *both("diverged_high_lr")],
        ["검증 손실로 고른 학습률 (시드별)", ", ".join(f"{v:g}" for v in per["best_lr_plain"]),
         ", ".join(f"{v:g}" for v in per["best_lr_bn"])],
        ["테스트 손실, 고른 학습률", *both("test_loss_best")],
        ["테스트 정확도, 고른 학습률", *both("test_accuracy_best")],
        ["테스트 − 학습 손실, 고른 학습률", *both("gap_best")],
        ["BN 망, train 모드로 섞인 배치 2개씩 예측", None, round(_mean(per, "train_mode_accuracy_b2"), 4)],
        [f"BN 망, train 모드로 같은 클래스끼리 {SORTED_BATCH}개씩", None, round(_mean(per, "train_mode_accuracy_sorted"), 4)],
        ["eval()을 잊은 채 예측한 뒤 다시 eval()", None, round(_mean(per, "eval_accuracy_after_forgotten_eval"), 4)],
    ]
    return Table(columns=["시드 평균", "BN 없음", "BN"], rows=rows_)


def _notes(per: dict, params: Params, rates) -> list[str]:
    top = rates[-1]
    plain_high, bn_high = _mean(per, "train_loss_high_lr_plain"), _mean(per, "train_loss_high_lr_bn")
    diverged = int(sum(per["diverged_high_lr_plain"]))
    seeds = len(per["diverged_high_lr_plain"])
    notes = [f"BN 위치는 {PLACEMENTS[params.placement]}입니다. "
             f"학습률 {top:g}에서 {params.depth}층 망의 마지막 학습 손실은 BN 없이 {plain_high:.3g}, BN으로 {bn_high:.3g}입니다"
             + (f" (BN 없는 망은 시드 {seeds}개 중 {diverged}개에서 발산: ln 10으로 셈)." if diverged else ".")]
    low_plain, low_bn = _mean(per, "train_loss_plain_lr0"), _mean(per, "train_loss_bn_lr0")
    if low_plain <= low_bn + 0.1:
        notes.append(f"작은 학습률 {rates[0]:g}에서는 BN 없는 망도 학습됩니다 ({low_plain:.3g} 대 {low_bn:.3g}): BN이 주는 것은 "
                     f"큰 학습률을 견디는 힘이지, 학습 자체의 조건이 아닙니다.")
    else:
        notes.append(f"작은 학습률 {rates[0]:g}에서도 BN 없는 망의 학습 손실이 더 높습니다 ({low_plain:.3g} 대 {low_bn:.3g}).")
    plain_test, bn_test = _mean(per, "test_loss_best_plain"), _mean(per, "test_loss_best_bn")
    wins = sum(1 for g in per["best_test_loss_gain"] if g > 0)
    notes.append(
        f"과대적합은 따로 봅니다: 각자 검증 손실로 고른 학습률에서 테스트 손실은 BN 없이 {plain_test:.3g}, BN으로 {bn_test:.3g}"
        f"(시드 {seeds}개 중 {wins}개에서 BN이 낮음), 테스트−학습 손실 차는 {_mean(per, 'gap_best_plain'):.3g} 대 "
        f"{_mean(per, 'gap_best_bn'):.3g}입니다"
        + (": 큰 학습률에서 학습이 된다는 것과 일반화가 나아진다는 것은 다른 주장입니다." if bn_test >= plain_test else ".")
    )
    eval_acc, sorted_acc = _mean(per, "test_accuracy_best_bn"), _mean(per, "train_mode_accuracy_sorted")
    mistakes = (f"예측할 때 model.eval()을 잊으면 배치마다 자기 평균과 분산으로 정규화됩니다: 섞인 배치 2개씩이면 정확도 "
                f"{_mean(per, 'train_mode_accuracy_b2'):.1%}, 128개씩이면 {_mean(per, 'train_mode_accuracy_b128'):.1%} "
                f"(eval() {eval_acc:.1%})")
    if eval_acc - sorted_acc > 0.05:
        mistakes += (f", 같은 클래스끼리 {SORTED_BATCH}개씩 묶으면 {sorted_acc:.1%}로 떨어지고 예측의 "
                     f"{_mean(per, 'changed_vs_eval_sorted'):.1%}가 바뀝니다: 한 예제의 답이 함께 들어온 예제에 달립니다.")
    else:
        mistakes += f", 같은 클래스끼리 묶어도 {sorted_acc:.1%}로 크게 떨어지지 않았습니다."
    notes.append(mistakes)
    if all(per["batch1_raises"]):
        notes.append("배치 1개로 train 모드 예측은 아예 오류가 납니다 (분산을 낼 값이 하나뿐).")
    after = _mean(per, "eval_accuracy_after_forgotten_eval")
    notes.append(f"train 모드 순전파는 no_grad 안에서도 이동 평균 통계를 덮어씁니다 (첫 BN층 평균이 "
                 f"{_mean(per, 'running_mean_shift'):.0%} 바뀜): 그 뒤 eval()로 돌아가면 정확도가 {eval_acc:.1%}에서 "
                 f"{after:.1%}" + ("로 떨어졌습니다." if eval_acc - after > 0.01 else "로, 이번에는 거의 그대로였습니다."))
    return notes


DEMO = DemoSpec(
    slug="batchnorm",
    title="배치 정규화: 큰 학습률에서의 학습, 과대적합, train/eval 모드 실수",
    summary=(
        "BN을 넣은 깊은 망이 BN 없는 망이 무너지는 큰 학습률에서도 학습되는지, 그리고 각자 가장 좋은 학습률에서 "
        "테스트 손실도 낮추는지를 따로 잽니다. 학습 뒤 model.eval()을 잊으면 예측이 배치 구성에 따라 달라집니다."
    ),
    params=Params,
    smallest=SMALLEST,
    run=run,
    claims=CLAIMS,
    breaking=BREAKING,
    # The training loss is the mean of the last tenth of the steps' minibatch losses (ln 10 if diverged).
    metric_labels={
        **{f"{name}_{arm}": label.format(shown) for arm, shown in ARMS for name, label in (
            ("train_loss_high_lr", "가장 큰 학습률의 학습 손실 ({})"),
            ("diverged_high_lr", "가장 큰 학습률에서 발산 ({}, 1 = 발산)"),
            ("best_lr", "검증 손실로 고른 학습률 ({})"),
            ("test_loss_best", "고른 학습률의 테스트 교차 엔트로피 ({})"),
            ("test_accuracy_best", "고른 학습률의 테스트 정확도 ({}, 0–1)"),
            ("gap_best", "고른 학습률의 테스트 − 학습 손실 ({})"))},
        **{f"train_loss_{arm}_lr{r}": f"학습 손실 ({shown}, 학습률 {'lr' if d == 1 else f'lr/{d}'})"
           for arm, shown in ARMS for r, d in enumerate(GRID_DIVISORS)},
        "batch1_raises": "train 모드에서 예제 1개 예측이 오류를 냄 (1 = 예)",
        "train_mode_accuracy_sorted": f"train 모드, 같은 클래스끼리 {SORTED_BATCH}개씩 예측한 정확도 (0–1)",
        "train_mode_accuracy_b{}": "train 모드, 섞인 배치 {}개씩 예측한 정확도 (0–1)",
        "changed_vs_eval_sorted": f"같은 클래스끼리 {SORTED_BATCH}개씩 train 모드로 예측해 eval()과 달라진 비율 (0–1)",
        "running_mean_shift": "train 모드 예측으로 바뀐 첫 BN층 이동 평균 ‖Δμ‖ / ‖μ‖",
        "eval_accuracy_after_forgotten_eval": "train 모드로 예측한 뒤 다시 eval()한 정확도 (0–1)",
    },
    boundary=Boundary("learning_rate", (0.05, 0.2, 0.5, 1.0, 2.0)),
    concepts=("batch_normalization", "learning_rate", "eval_mode", "internal_covariate_shift"),
    questions=(
        QuestionRef("면접 #16", "BN의 효과"), QuestionRef("면접 #16-2", "추론 시 주의점"),
        QuestionRef("노드 02-1", "BN과 과적합"), QuestionRef("노드 08-3", "BN의 위치 (placement)"),
    ),
    citations=(
        Citation(authors="Ioffe & Szegedy", year=2015,
                 title="Batch Normalization: Accelerating Deep Network Training by Reducing Internal Covariate Shift",
                 url="https://arxiv.org/abs/1502.03167"),
        Citation(authors="Bjorck, Gomes, Selman & Weinberger", year=2018, title="Understanding Batch Normalization",
                 url="https://arxiv.org/abs/1806.02375"),
    ),
    # 3: a seed gives the same numbers alone as beside other seeds; 2: seeds, a learning-rate grid per arm,
    # overfitting judged apart from trainability
    version="3",
)
