"""Dropout against overfitting, judged on held-out loss; eval mode as the expected train output (면접 #16-1).

For each seed, one split of the 8×8 digits (a small training set, a validation set that picks each
network's best epoch, and a test set nobody trains or chooses on) and one initialisation. From the
same start, MLPs are trained with and without inverted dropout (PyTorch's: surviving units are
scaled by 1/(1-p) during training, nothing happens at test time), each with full-batch Adam at the
better of two learning rates (chosen on validation loss). The claim is judged on **test loss at each
network's best validation epoch**: the network without dropout is early-stopped, so dropout has to
beat early stopping, not a network left to overfit.

Also measured on the trained dropout networks: the eval-mode output of the layer after a dropout is
the average of its train-mode outputs over random masks (the error of the average falls like 1/√M;
without the 1/(1-p) rescaling it stays off), the average of k random sub-networks approaches the
eval prediction (4주차 p62), and the measured cost: time per training step (forward, backward and the
Adam update of one network on the full training batch) and epochs to the best epoch (4주차 p71).

All 2 arms × 2 learning rates × seeds networks train as one batched model (stacked weights, one
``bmm`` per layer); Adam is written out so each network keeps its own learning rate.
"""

from __future__ import annotations

import math
import statistics
import time
from dataclasses import dataclass
from typing import Any

from pydantic import Field

from app.demos.base import Boundary, Chart, Citation, DemoParams, DemoSpec, Measurement, QuestionRef, Series, Table
from app.demos.datasets import DIGIT_CLASSES, digit_orders, digit_splits
from app.demos.evidence import Claim
from app.demos.training import differences

VALIDATION_SIZE = 200
PROBE_EXAMPLES = 32
ENSEMBLE_EXAMPLES = 300  # of the test set: enough to read agreement to a percent
LEARNING_RATES = (3e-3, 1e-2)  # each arm gets the better of these, picked on its validation loss
ADAM_BETAS, ADAM_EPS = (0.9, 0.999), 1e-8
TIMING_STEPS = 15
# Mask draws after training come from generators of their own, one per seed (seed·7919 + salt), so a seed's
# numbers depend on that seed alone and not on which seeds ran beside it. Salts 1 and 2 made seed 0's
# streams the generators of seeds 1 and 2 (their data order, init and training masks) in the default run:
# a salt is never a seed that runs beside seed 0.
EXPECTATION_SALT, ENSEMBLE_SALT = 101, 103
ARMS = ("plain", "dropout")
# Networks are laid out (arm, learning rate, seed): these are the (arm, rate) groups.
GROUPS = [(arm, lr) for arm in ARMS for lr in LEARNING_RATES]


class Params(DemoParams):
    drop_probability: float = Field(0.5, ge=0.05, le=0.9, description="드롭아웃 확률 p (유닛을 끌 확률)")
    hidden: int = Field(128, ge=32, le=512, description="은닉층 너비 (은닉층 2개)")
    n_train: int = Field(100, ge=50, le=900, description="학습 데이터 수 (적을수록 과대적합)")
    epochs: int = Field(120, ge=20, le=2000, description="학습 에폭 수 (전체 배치)")
    max_masks: int = Field(256, ge=16, le=4096, description="기댓값 확인에 쓰는 최대 마스크 수 M")
    max_subnetworks: int = Field(32, ge=4, le=256, description="앙상블로 평균 내는 최대 서브 네트워크 수 k")


SMALLEST = Params(hidden=64, epochs=100, max_masks=64, max_subnetworks=8)
# Too few epochs: the dropout network is still learning when the early-stopped one has peaked.
BREAKING = Params(epochs=60)

CLAIMS = (
    Claim("test_loss_gain", "greater", 0.0,
          "드롭아웃 망이 조기 종료한 드롭아웃 없는 망보다 테스트 손실이 낮다 (각자 최적 에폭에서)",
          metric_label="테스트 손실 이득 (드롭아웃 없음 − 드롭아웃)"),
    Claim("expectation_error_ratio", "less", 0.25,
          "역드롭아웃의 eval 출력은 train 출력의 기댓값이다 (마스크 M개 평균의 오차가 마스크 1개의 1/4 아래로 준다)",
          metric_label="기댓값 오차 비 (마스크 M개 평균 ÷ 마스크 1개)"),
)


def _powers_of_two(limit: int) -> list[int]:
    return [2 ** i for i in range(int(math.log2(limit)) + 1)]


def _init(torch, generator, fan_in: int, fan_out: int):
    """nn.Linear's default initialisation: U(-1/√fan_in, 1/√fan_in) for weight and bias."""
    bound = 1 / math.sqrt(fan_in)
    weight = (torch.rand(fan_in, fan_out, generator=generator) * 2 - 1) * bound
    bias = (torch.rand(1, fan_out, generator=generator) * 2 - 1) * bound
    return weight, bias


def _forward(torch, weights, x, masks=None):
    """Stacked MLPs: x (m, n, 64) → logits (m, n, 10); masks multiply the two hidden layers."""
    w1, b1, w2, b2, w3, b3 = weights
    h = torch.relu(torch.baddbmm(b1, x, w1))
    if masks is not None:
        h = h * masks[0]
    h = torch.relu(torch.baddbmm(b2, h, w2))
    if masks is not None:
        h = h * masks[1]
    return torch.baddbmm(b3, h, w3)


def _losses(torch, logits, labels):
    """Cross-entropy per network: logits (m, n, 10), labels (m, n) → (m,)."""
    m, n, c = logits.shape
    return torch.nn.functional.cross_entropy(logits.reshape(m * n, c), labels.reshape(m * n),
                                             reduction="none").reshape(m, n).mean(1)


def _data(params: Params, generators, device) -> dict[str, tuple[Any, Any]]:
    """Per seed a split of the digits, drawn on the CPU so every device sees the same; laid out per
    network (arm, learning rate, seed)."""
    import torch

    seed_of = torch.arange(len(GROUPS) * len(generators)) % len(generators)
    return digit_splits(digit_orders(generators), params.n_train, VALIDATION_SIZE, seed_of, device)


@dataclass
class _Networks:
    """Networks in the order (arm, learning rate, seed): arm 0 without dropout, arm 1 with; each seed
    one initialisation, drawn after its split from the same generator."""

    weights: list
    lr: Any  # (networks, 1, 1)
    dropped: Any  # (networks,) bool
    state: list  # Adam's moments per weight


def _model(params: Params, generators, device) -> _Networks:
    import torch

    h, k = params.hidden, len(generators)
    inits = [[_init(torch, g, a, b) for a, b in ((64, h), (h, h), (h, DIGIT_CLASSES))] for g in generators]
    base = [torch.stack([init[layer][part] for init in inits]) for layer in range(3) for part in range(2)]
    m = len(GROUPS) * k
    seed_of = torch.arange(m) % k
    weights = [tensor[seed_of].clone().to(device).requires_grad_(True) for tensor in base]
    return _Networks(
        weights=weights,
        lr=torch.tensor([lr for _, lr in GROUPS for _ in range(k)], device=device).reshape(m, 1, 1),
        dropped=torch.tensor([arm == "dropout" for arm, _ in GROUPS for _ in range(k)]),
        state=[(torch.zeros_like(w), torch.zeros_like(w)) for w in weights],
    )


@dataclass
class _Trained:
    """Each network's weights at its lowest validation loss, that loss and epoch, and the loss curve."""

    best_val: Any
    best_epoch: Any
    best_weights: list
    val_curve: Any  # (epochs, networks)


def _train(params: Params, nets: _Networks, data, generators, device, progress) -> _Trained:
    """Full-batch Adam, every network at once; each network is kept at its best validation epoch."""
    import torch

    k, weights = len(generators), nets.weights
    m = len(nets.dropped)
    trained = _Trained(best_val=torch.full((m,), math.inf, device=device),
                       best_epoch=torch.zeros(m, dtype=torch.long, device=device),
                       best_weights=[w.detach().clone() for w in weights], val_curve=torch.empty(params.epochs, m))
    (train_x, train_y), (val_x, val_y) = data["train"], data["val"]
    for epoch in range(1, params.epochs + 1):
        masks = _training_masks(torch, generators, nets.dropped, k, params.n_train, params.hidden,
                                params.drop_probability, device)
        loss = _losses(torch, _forward(torch, weights, train_x, masks), train_y).sum()
        grads = torch.autograd.grad(loss, weights)
        _adam_step(torch, weights, grads, nets.state, nets.lr, epoch)
        with torch.no_grad():
            val_loss = _losses(torch, _forward(torch, weights, val_x), val_y)
            trained.val_curve[epoch - 1] = val_loss.cpu()
            improved = val_loss < trained.best_val
            trained.best_val = torch.where(improved, val_loss, trained.best_val)
            trained.best_epoch = torch.where(improved, torch.full_like(trained.best_epoch, epoch), trained.best_epoch)
            for kept, current in zip(trained.best_weights, weights):
                kept.copy_(torch.where(improved.reshape(m, 1, 1), current, kept))
        if epoch % 25 == 0 or epoch == params.epochs:
            progress(0.7 * epoch / params.epochs, f"{epoch}/{params.epochs} 에폭")
    return trained


def _measure(nets: _Networks, trained: _Trained, test, k: int) -> tuple[dict[str, list], dict[str, list[int]]]:
    """Per arm and seed, at the learning rate with the lower validation loss: test loss and accuracy at
    the best epoch and at the last; also returns that choice (network indices)."""
    import torch

    test_x, test_y = test
    with torch.no_grad():
        best_logits = _forward(torch, trained.best_weights, test_x)
        test_loss_best = _losses(torch, best_logits, test_y).cpu()
        test_accuracy_best = (best_logits.argmax(-1) == test_y).float().mean(1).cpu()
        test_loss_last = _losses(torch, _forward(torch, nets.weights, test_x), test_y).cpu()
    chosen = _choose(trained.best_val.cpu(), k)  # per arm and seed: the index of the better learning rate

    def per_seed(values, arm: str) -> list[float]:
        return [float(values[chosen[arm][i]]) for i in range(k)]

    best_epochs = trained.best_epoch.cpu()
    return {
        "test_loss_best_plain": per_seed(test_loss_best, "plain"),
        "test_loss_best_dropout": per_seed(test_loss_best, "dropout"),
        "test_accuracy_best_plain": per_seed(test_accuracy_best, "plain"),
        "test_accuracy_best_dropout": per_seed(test_accuracy_best, "dropout"),
        "test_loss_last_plain": per_seed(test_loss_last, "plain"),
        "test_loss_last_dropout": per_seed(test_loss_last, "dropout"),
        "best_epoch_plain": per_seed(best_epochs, "plain"),
        "best_epoch_dropout": per_seed(best_epochs, "dropout"),
        "learning_rate_plain": [GROUPS[chosen["plain"][i] // k][1] for i in range(k)],
        "learning_rate_dropout": [GROUPS[chosen["dropout"][i] // k][1] for i in range(k)],
    }, chosen


def run(params: Params, device, progress, seeds) -> Measurement:
    import torch

    k, p = len(seeds), params.drop_probability
    generators = [torch.Generator().manual_seed(seed) for seed in seeds]
    data = _data(params, generators, device)
    nets = _model(params, generators, device)
    trained = _train(params, nets, data, generators, device, progress)
    per, chosen = _measure(nets, trained, data["test"], k)
    dropout_nets = [chosen["dropout"][i] for i in range(k)]
    progress(0.75, "마스크 평균과 eval 출력을 비교합니다")
    expectation = _expectation(torch, trained.best_weights, dropout_nets, data["val"][0], p, params.max_masks, seeds)
    ensemble = _ensemble(torch, trained.best_weights, dropout_nets, *data["test"], p, params.max_subnetworks, seeds)
    progress(0.9, "스텝 시간을 잽니다")
    per |= {**expectation["per_seed"], **ensemble["per_seed"], **_time_steps(torch, params, device, k)}
    per["test_loss_gain"] = differences(per["test_loss_best_plain"], per["test_loss_best_dropout"])
    per["expectation_error_ratio"] = [a / b for a, b in zip(per["rel_error_max_masks"], per["rel_error_1_mask"])]

    charts = [
        _loss_chart(trained.val_curve, chosen, k, params),
        _expectation_chart(expectation),
        _ensemble_chart(ensemble),
    ]
    progress(1.0, "완료", charts)
    return Measurement(per_seed=per, charts=charts, table=_table(per, params), notes=_notes(per, params))


def _training_masks(torch, generators, dropped, k: int, n: int, h: int, p: float, device):
    """Inverted-dropout masks for the networks that use dropout (ones elsewhere), one draw per seed
    from that seed's CPU generator, so a seed's networks see the same masks on every device."""
    masks = []
    for _ in range(2):
        layer = torch.ones(len(dropped), n, h)
        rows = dropped.nonzero().flatten().tolist()
        for row in rows:
            layer[row] = (torch.rand(n, h, generator=generators[row % k]) >= p).float() / (1 - p)
        masks.append(layer.to(device))
    return masks


def _adam_step(torch, weights, grads, state, lr, step: int) -> None:
    beta1, beta2 = ADAM_BETAS
    with torch.no_grad():
        for w, g, (m1, m2) in zip(weights, grads, state):
            m1.mul_(beta1).add_(g, alpha=1 - beta1)
            m2.mul_(beta2).addcmul_(g, g, value=1 - beta2)
            update = (m1 / (1 - beta1 ** step)) / ((m2 / (1 - beta2 ** step)).sqrt() + ADAM_EPS)
            w.sub_(lr.reshape(-1, *([1] * (w.dim() - 1))) * update)


def _choose(best_val, k: int) -> dict[str, list[int]]:
    """Per arm and seed, the network (index) whose learning rate reached the lower validation loss."""
    chosen = {}
    for a, arm in enumerate(ARMS):
        picks = []
        for i in range(k):
            candidates = [(a * len(LEARNING_RATES) + j) * k + i for j in range(len(LEARNING_RATES))]
            picks.append(min(candidates, key=lambda index: float(best_val[index])))
        chosen[arm] = picks
    return chosen


def _expectation(torch, weights, nets: list[int], val_x, p: float, max_masks: int, seeds) -> dict:
    """Relative error between the mean over M train-mode masks and the eval-mode output of the layer
    after the first dropout, with and without the 1/(1-p) rescaling, for each seed's dropout net."""
    from app.demos.batched import generator

    w1, b1, w2, b2 = (w[nets] for w in weights[:4])
    probe = val_x[nets][:, :PROBE_EXAMPLES]
    masks_at = _powers_of_two(max_masks)
    out = {"inverted": [], "unscaled": []}
    with torch.no_grad():
        hidden = torch.relu(torch.baddbmm(b1, probe, w1))  # (k, probe, h): what the first dropout sees
        reference = torch.baddbmm(b2, hidden, w2)  # eval mode: dropout is the identity
        sums = {"inverted": torch.zeros_like(reference), "unscaled": torch.zeros_like(reference)}
        generators = [generator(seed * 7919 + EXPECTATION_SALT) for seed in seeds]
        drawn = 0
        for count in masks_at:
            draws = torch.stack([torch.rand(count - drawn, *hidden.shape[1:], generator=g) for g in generators], dim=1)
            keep = (draws >= p).float().to(hidden.device)
            kept = hidden.unsqueeze(0) * keep  # (new, k, probe, h)
            sums["inverted"] += (kept / (1 - p) @ w2.unsqueeze(0) + b2.unsqueeze(0)).sum(0)
            sums["unscaled"] += (kept @ w2.unsqueeze(0) + b2.unsqueeze(0)).sum(0)
            drawn = count
            for key in out:
                error = (sums[key] / count - reference).flatten(1).norm(dim=1) / reference.flatten(1).norm(dim=1)
                out[key].append(error.cpu().tolist())
    per_seed = {
        "rel_error_1_mask": out["inverted"][0], "rel_error_max_masks": out["inverted"][-1],
        "rel_error_unscaled_max_masks": out["unscaled"][-1],
        "error_slope": [(math.log(out["inverted"][-1][i]) - math.log(out["inverted"][0][i])) / math.log(masks_at[-1])
                        for i in range(len(nets))] if len(masks_at) > 1 else [None] * len(nets),
    }
    return {"masks": [float(c) for c in masks_at], "curves": out, "per_seed": per_seed}


def _ensemble(torch, weights, nets: list[int], test_x, test_y, p: float, max_k: int, seeds) -> dict:
    """Accuracy of the average of k random sub-networks' probabilities, and agreement with eval()."""
    from app.demos.batched import generator

    chosen = [w[nets] for w in weights]
    x, y = test_x[nets][:, :ENSEMBLE_EXAMPLES], test_y[nets][:, :ENSEMBLE_EXAMPLES]
    h = chosen[0].shape[-1]
    generators = [generator(seed * 7919 + ENSEMBLE_SALT) for seed in seeds]
    ks = _powers_of_two(max_k)
    accuracy, agreement, drawn = [], [], 0
    with torch.no_grad():
        eval_predictions = _forward(torch, chosen, x).argmax(-1)
        total = torch.zeros(*x.shape[:2], DIGIT_CLASSES, device=x.device)
        for count in ks:
            for _ in range(count - drawn):
                masks = [((torch.stack([torch.rand(x.shape[1], h, generator=g) for g in generators]) >= p).float()
                          / (1 - p)).to(x.device) for _ in range(2)]
                total += torch.softmax(_forward(torch, chosen, x, masks), dim=-1)
            drawn = count
            predictions = total.argmax(-1)
            accuracy.append((predictions == y).float().mean(1).cpu().tolist())
            agreement.append((predictions == eval_predictions).float().mean(1).cpu().tolist())
        eval_accuracy = (eval_predictions == y).float().mean(1).cpu().tolist()
    per_seed = {"ensemble_accuracy_1": accuracy[0], "ensemble_accuracy_max": accuracy[-1],
                "agreement_with_eval_1": agreement[0], "agreement_with_eval_max": agreement[-1],
                "eval_accuracy_dropout": eval_accuracy}
    return {"ks": [float(c) for c in ks], "accuracy": accuracy, "agreement": agreement, "eval": eval_accuracy,
            "per_seed": per_seed}


def _time_steps(torch, params: Params, device, repeats: int) -> dict[str, list[float]]:
    """Measured time of one training step of one network, with and without dropout: forward, backward
    and an Adam update on the full training batch, as each epoch of the training above does. ``repeats``
    blocks (one per seed) of alternating steps, the median of each block, so both arms see the same
    machine load."""
    nn = torch.nn
    models, optimizers = {}, {}
    for arm in ARMS:
        p = params.drop_probability if arm == "dropout" else 0.0
        models[arm] = nn.Sequential(nn.Linear(64, params.hidden), nn.ReLU(), nn.Dropout(p),
                                    nn.Linear(params.hidden, params.hidden), nn.ReLU(), nn.Dropout(p),
                                    nn.Linear(params.hidden, DIGIT_CLASSES)).to(device).train()
        optimizers[arm] = torch.optim.Adam(models[arm].parameters(), lr=LEARNING_RATES[0], betas=ADAM_BETAS,
                                           eps=ADAM_EPS)
    x = torch.zeros(params.n_train, 64, device=device)
    y = torch.zeros(params.n_train, dtype=torch.long, device=device)
    out: dict[str, list[float]] = {"ms_per_step_plain": [], "ms_per_step_dropout": [], "time_ratio_per_step": []}
    for _ in range(repeats):
        times: dict[str, list[float]] = {"plain": [], "dropout": []}
        for step in range(TIMING_STEPS + 2):
            for arm in ARMS:
                if device.type == "cuda":
                    torch.cuda.synchronize(device)
                started = time.perf_counter()
                optimizers[arm].zero_grad(set_to_none=True)
                torch.nn.functional.cross_entropy(models[arm](x), y).backward()
                optimizers[arm].step()
                if device.type == "cuda":
                    torch.cuda.synchronize(device)
                if step >= 2:  # the first steps pay for allocation
                    times[arm].append(time.perf_counter() - started)
        plain, drop = statistics.median(times["plain"]) * 1000, statistics.median(times["dropout"]) * 1000
        out["ms_per_step_plain"].append(plain)
        out["ms_per_step_dropout"].append(drop)
        out["time_ratio_per_step"].append(drop / plain)
    return out


def _band(rows) -> tuple[list[float], list[float], list[float]]:
    """Mean, min and max over seeds at each x (rows: one list per seed)."""
    columns = list(zip(*rows))
    return ([statistics.fmean(c) for c in columns], [min(c) for c in columns], [max(c) for c in columns])


def _loss_chart(val_curve, chosen, k: int, params: Params) -> Chart:
    x = [float(e) for e in range(1, val_curve.shape[0] + 1)]
    series = []
    for arm, label in (("plain", "드롭아웃 없음"), ("dropout", f"드롭아웃 p={params.drop_probability:g}")):
        mean, low, high = _band([val_curve[:, chosen[arm][i]].tolist() for i in range(k)])
        series.append(Series(name=f"{label}: 검증 손실", x=x, y=mean, lower=low, upper=high))
    return Chart(key="overfitting", title=f"검증 손실 (학습 데이터 {params.n_train}개; 띠: 시드 {k}개의 범위)",
                 x_label="에폭", y_label="교차 엔트로피", log_y=True, series=series)


def _expectation_chart(expectation: dict) -> Chart:
    masks = expectation["masks"]
    series = []
    for key, label in (("inverted", "역드롭아웃(학습 때 1/(1−p) 배)"), ("unscaled", "다시 곱하지 않은 드롭아웃")):
        mean, low, high = _band(list(zip(*expectation["curves"][key])))
        series.append(Series(name=label, x=masks, y=mean, lower=low, upper=high))
    first = statistics.fmean(expectation["curves"]["inverted"][0])
    series.append(Series(name="1/√M 기준선", x=masks, y=[first / math.sqrt(c) for c in masks]))
    return Chart(key="expectation", title="M개 마스크의 train 출력 평균과 eval 출력의 상대 오차 (드롭아웃 다음 선형층)",
                 x_label="마스크 수 M", y_label="‖평균 − eval‖ / ‖eval‖", log_x=True, log_y=True, series=series)


def _ensemble_chart(ensemble: dict) -> Chart:
    ks = ensemble["ks"]
    series = []
    for key, label in (("accuracy", "앙상블 정확도"), ("agreement", "eval() 예측과 일치율")):
        mean, low, high = _band(list(zip(*ensemble[key])))
        series.append(Series(name=label, x=ks, y=mean, lower=low, upper=high))
    series.append(Series(name="eval() 정확도", x=ks, y=[statistics.fmean(ensemble["eval"])] * len(ks)))
    return Chart(key="ensemble", title="서브 네트워크 k개의 예측 평균 (테스트 세트)", x_label="평균 낸 서브 네트워크 수 k",
                 y_label="비율", log_x=True, series=series)


def _mean(per: dict, key: str) -> float:
    return statistics.fmean(v for v in per[key] if v is not None)


def _table(per: dict, params: Params) -> Table:
    def both(key: str, digits: int = 4):
        return [round(_mean(per, f"{key}_plain"), digits), round(_mean(per, f"{key}_dropout"), digits)]

    rates = {arm: ", ".join(f"{lr:g}" for lr in per[f"learning_rate_{arm}"]) for arm in ARMS}
    return Table(
        columns=["시드 평균", "드롭아웃 없음 (조기 종료)", f"드롭아웃 p={params.drop_probability:g}"],
        rows=[
            ["예산", f"같은 분할·초기값, 전체 배치 Adam {params.epochs}에폭", f"같은 분할·초기값, 전체 배치 Adam {params.epochs}에폭"],
            ["학습률 (시드별, 검증 손실로 고름)", rates["plain"], rates["dropout"]],
            ["최적 에폭 (검증 손실 최소)", *both("best_epoch", 1)],
            ["테스트 손실, 최적 에폭", *both("test_loss_best")],
            ["테스트 정확도, 최적 에폭", *both("test_accuracy_best")],
            ["테스트 손실, 마지막 에폭 (조기 종료 없음)", *both("test_loss_last")],
            ["학습 스텝 시간 (ms, 이 기기에서 잼)", *both("ms_per_step", 3)],
        ],
    )


def _notes(per: dict, params: Params) -> list[str]:
    epochs = params.epochs
    plain, drop = _mean(per, "test_loss_best_plain"), _mean(per, "test_loss_best_dropout")
    best_plain, best_drop = _mean(per, "best_epoch_plain"), _mean(per, "best_epoch_dropout")
    last_plain = _mean(per, "test_loss_last_plain")
    notes = [
        f"테스트 손실(각자 검증 손실이 가장 낮던 에폭)은 드롭아웃 없이 {plain:.3g}, 드롭아웃 p={params.drop_probability:g}로 "
        f"{drop:.3g}입니다 (정확도 {_mean(per, 'test_accuracy_best_plain'):.1%} 대 "
        f"{_mean(per, 'test_accuracy_best_dropout'):.1%}; 최적 에폭 평균 {best_plain:.0f} 대 {best_drop:.0f})."
    ]
    wins = sum(1 for gain in per["test_loss_gain"] if gain > 0)
    seeds = len(per["test_loss_gain"])
    notes.append(f"시드 {seeds}개 중 {wins}개에서 드롭아웃 망의 테스트 손실이 더 낮았습니다"
                 + ("." if wins in (0, seeds) else ": 시드(데이터 분할과 초기값)에 따라 결과가 갈립니다."))
    if last_plain > 1.1 * plain:
        notes.append(f"드롭아웃 없는 망을 조기 종료 없이 {epochs}에폭까지 두면 테스트 손실이 {last_plain:.3g}로 올라갑니다: "
                     f"비교 기준을 과대적합한 마지막 에폭으로 잡으면 드롭아웃이 실제보다 좋아 보입니다.")
    still_learning = sum(1 for e in per["best_epoch_dropout"] if e >= 0.95 * epochs)
    if still_learning:
        notes.append(f"시드 {len(per['best_epoch_dropout'])}개 중 {still_learning}개에서 드롭아웃 망의 검증 손실이 "
                     f"{epochs}에폭 끝까지 내려가고 있었습니다: 에폭이 모자라면 드롭아웃 망은 다 배우지 못한 채 비교됩니다.")
    if drop >= plain:
        notes.append("이 설정에서는 드롭아웃이 조기 종료보다 나은 일반화를 주지 못했습니다.")
    error_1, error_m = _mean(per, "rel_error_1_mask"), _mean(per, "rel_error_max_masks")
    notes.append(
        f"마스크 {params.max_masks}개로 train 모드 출력을 평균 내면 eval 출력과의 상대 오차가 {error_1:.3g}(마스크 1개)에서 "
        f"{error_m:.3g}로 줄고(로그 기울기 {_mean(per, 'error_slope'):.2f}, 1/√M이면 −0.5), 1/(1−p)로 다시 곱하지 않으면 "
        f"{_mean(per, 'rel_error_unscaled_max_masks'):.3g}만큼 어긋난 채 남습니다: 그래서 원 논문처럼 학습 때 곱하지 않았다면 "
        f"테스트 때 출력에 유지 확률 1−p를 곱합니다(p가 아님)."
    )
    notes.append(
        f"서브 네트워크 하나의 테스트 정확도는 {_mean(per, 'ensemble_accuracy_1'):.1%}, {params.max_subnetworks}개를 평균 내면 "
        f"{_mean(per, 'ensemble_accuracy_max'):.1%}이고 eval() 예측과의 일치율은 {_mean(per, 'agreement_with_eval_1'):.1%}에서 "
        f"{_mean(per, 'agreement_with_eval_max'):.1%}로 오릅니다."
    )
    notes.append(
        f"비용(이 기기에서 잰 값): 학습 스텝 한 번이 드롭아웃 없이 {_mean(per, 'ms_per_step_plain'):.2f}ms, 드롭아웃으로 "
        f"{_mean(per, 'ms_per_step_dropout'):.2f}ms ({_mean(per, 'time_ratio_per_step'):.2f}배)였고, 최적 에폭은 {best_plain:.0f}에서 {best_drop:.0f}로 "
        + ("늘었습니다." if best_drop > best_plain else "늘지 않았습니다.")
    )
    return notes


DEMO = DemoSpec(
    slug="dropout",
    title="드롭아웃: 조기 종료와 겨룬 일반화, 테스트 때의 출력, 비용",
    summary=(
        "드롭아웃이 조기 종료한 드롭아웃 없는 망보다 테스트 손실을 낮추는지 시드 여러 개로 잽니다. 역드롭아웃의 eval "
        "출력이 train 출력의 기댓값인지, 서브 네트워크 앙상블과 같은지, 스텝 시간과 에폭이 얼마나 드는지도 잽니다."
    ),
    params=Params,
    smallest=SMALLEST,
    run=run,
    claims=CLAIMS,
    breaking=BREAKING,
    boundary=Boundary("epochs", (20, 40, 60, 90, 120)),
    concepts=("dropout", "inverted_dropout", "dropout_rate", "overfitting", "ensemble", "sub_network"),
    questions=(
        QuestionRef("면접 #16-1", "Dropout의 효과"), QuestionRef("4주차 p62", "서브 네트워크 앙상블"),
        QuestionRef("4주차 p71", "학습 시간"), QuestionRef("4주차 p82", "test 때 marginalize out"),
        QuestionRef("노드 07-3", "테스트 단계의 드롭아웃"),
    ),
    citations=(
        Citation(authors="Srivastava, Hinton, Krizhevsky, Sutskever & Salakhutdinov", year=2014,
                 title="Dropout: A Simple Way to Prevent Neural Networks from Overfitting",
                 url="https://jmlr.org/papers/v15/srivastava14a.html"),
    ),
    timing_metrics=("ms_per_step_plain", "ms_per_step_dropout", "time_ratio_per_step"),
    # M masks and K sub-networks: the largest powers of two within max_masks and max_subnetworks.
    metric_labels={
        **{f"{name}_{arm}": label.format(shown) for arm, shown in zip(ARMS, ("드롭아웃 없음", "드롭아웃"), strict=True)
           for name, label in (
               ("test_loss_best", "최적 검증 에폭의 테스트 교차 엔트로피 ({})"),
               ("test_accuracy_best", "최적 검증 에폭의 테스트 정확도 ({}, 0–1)"),
               ("test_loss_last", "마지막 에폭의 테스트 교차 엔트로피 ({})"),
               ("best_epoch", "검증 손실이 가장 낮은 에폭 ({})"),
               ("learning_rate", "검증 손실로 고른 학습률 ({})"),
               ("ms_per_step", "학습 스텝 한 번(순전파·역전파·Adam 갱신)의 시간 ({}, ms)"))},
        "rel_error_1_mask": "마스크 1개 출력과 eval 출력의 상대 오차 (첫 드롭아웃 다음 층)",
        "rel_error_max_masks": "마스크 M개 평균과 eval 출력의 상대 오차 (첫 드롭아웃 다음 층)",
        "rel_error_unscaled_max_masks": "1/(1−p) 없이 마스크 M개 평균과 eval 출력의 상대 오차",
        "error_slope": "상대 오차의 로그-로그 기울기 (마스크 수에 대해, 이론 −0.5)",
        "ensemble_accuracy_1": "무작위 부분망 1개의 테스트 정확도 (0–1)",
        "ensemble_accuracy_max": "무작위 부분망 K개 평균의 테스트 정확도 (0–1)",
        "agreement_with_eval_1": "부분망 1개의 예측이 eval()과 같은 비율 (0–1)",
        "agreement_with_eval_max": "부분망 K개 평균의 예측이 eval()과 같은 비율 (0–1)",
        "eval_accuracy_dropout": "드롭아웃 망의 eval() 테스트 정확도 (0–1)",
        "time_ratio_per_step": "학습 스텝 한 번(순전파·역전파·Adam 갱신)의 시간 비 (드롭아웃 ÷ 없음)",
    },
    # 2: seeds, held-out loss at each network's best epoch against early stopping; 3: mask draws per seed,
    # the timed step includes the optimiser's update
    version="4",
)
