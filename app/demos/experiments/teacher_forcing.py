"""Teacher forcing and exposure bias: a sequence model trained on the true previous values, then asked
to run on its own predictions.

Per seed, sine waves with random frequency and phase are drawn; a tanh RNN (hidden size 32) is
trained with teacher forcing, the usual way (Williams & Zipser 1989): at every step it reads the TRUE
previous value and predicts the next one (Adam, minibatch 32). On held-out waves it is then evaluated
two ways over the same steps after a warm-up of 5 given values:

* teacher-forced: every step still reads the true previous value (the one-step error training saw);
* free-running: every step reads the model's own previous prediction, as generation must.

Training never showed the model its own mistakes, so in free-running mode each small error moves the
input off the data it learned from and the next prediction errs more: the errors compound with the
horizon (exposure bias; Bengio et al. 2015). With a single step to generate there is nothing to feed
back and the two evaluations coincide, which is where the claim breaks.
"""

from __future__ import annotations

import math
from typing import Any

from pydantic import Field

from app.demos.base import Chart, Citation, DemoParams, DemoSpec, Measurement, QuestionRef, Series, Table
from app.demos.batched import finite_mean as _mean
from app.demos.evidence import Claim

HIDDEN, BATCH, N_VAL, WARMUP = 32, 32, 256, 5


class Params(DemoParams):
    horizon: int = Field(20, ge=1, le=100, description="워밍업 5스텝 뒤 예측하는 스텝 수")
    steps: int = Field(200, ge=20, le=3000, description="티처 포싱 학습 스텝 수 (Adam, 미니배치 32)")
    learning_rate: float = Field(0.01, ge=1e-4, le=0.1, description="Adam 학습률")


SMALLEST = Params(horizon=10, steps=120)
BREAKING = Params(horizon=1)


def _waves(seeds, params: Params, salt: int, n: int, device):
    """(S, n, W + horizon, 1) sine waves (W = warm-up), random frequency in [0.3, 0.8) and phase: the
    prediction read from value W − 1 is the first of ``horizon`` predicted steps."""
    import torch

    from app.demos.batched import generator

    t = torch.arange(WARMUP + params.horizon).float()
    out = []
    for seed in seeds:
        gen = generator(seed * 7919 + salt)
        freq = 0.3 + 0.5 * torch.rand(n, 1, generator=gen)
        phase = 2 * math.pi * torch.rand(n, 1, generator=gen)
        out.append(torch.sin(freq * t + phase))
    return torch.stack(out).unsqueeze(-1).to(device)


def _train(params: Params, weights: list, seeds: list[int], device, progress) -> None:
    """Teacher forcing: every step reads the true previous value."""
    import torch

    from app.demos.batched import Adam
    from app.demos.sequences import readout, rnn_states

    train = _waves(seeds, params, 403, params.steps * BATCH, device)
    optimizer = Adam(weights, lr=params.learning_rate)
    for step in range(params.steps):
        x = train[:, step * BATCH:(step + 1) * BATCH]
        states = rnn_states(weights, x[:, :, :-1])
        predictions = torch.stack([readout(weights, h) for h in states], dim=2)
        ((predictions - x[:, :, 1:]) ** 2).mean(dim=(1, 2, 3)).sum().backward()
        optimizer.step()
        if (step + 1) % 50 == 0:
            progress(0.9 * (step + 1) / params.steps, f"스텝 {step + 1}/{params.steps}")


def _free_running(weights: list, val, device):
    """Predictions that read the true values for the warm-up, then the model's own previous prediction."""
    import torch

    from app.demos.sequences import readout

    S, n = val.shape[0], val.shape[1]
    h = torch.zeros(S, n, HIDDEN, device=device)
    previous, free = val[:, :, 0], []
    for t in range(val.shape[2] - 1):
        value = val[:, :, t] if t < WARMUP else previous
        h = torch.tanh(torch.baddbmm(weights[2], value, weights[0]) + torch.bmm(h, weights[1]))
        previous = readout(weights, h)
        free.append(previous)
    return torch.stack(free, dim=2)


def _errors(weights: list, seeds: list[int], params: Params, device) -> tuple[Any, Any]:
    """Validation MSE at each predicted step after the warm-up, (S, horizon): teacher-forced and free-running."""
    import torch

    from app.demos.sequences import readout, rnn_states

    val = _waves(seeds, params, 409, N_VAL, device)
    with torch.no_grad():
        states = rnn_states(weights, val[:, :, :-1])
        forced = torch.stack([readout(weights, h) for h in states], dim=2)
        running = _free_running(weights, val, device)
    target = val[:, :, 1:]
    forced_err = ((forced - target) ** 2).mean(dim=(1, 3))[:, WARMUP - 1:].cpu()
    free_err = ((running - target) ** 2).mean(dim=(1, 3))[:, WARMUP - 1:].cpu()
    return forced_err, free_err


def _measure(forced_err, free_err) -> dict[str, list[float | None]]:
    forced_mse, free_mse = forced_err.mean(dim=1), free_err.mean(dim=1)

    def log_ratio(a, b):
        return [math.log10(x / y) if x > 0 and y > 0 and math.isfinite(x) else None for x, y in zip(a, b)]

    return {
        "log10_free_over_forced": log_ratio(free_mse.tolist(), forced_mse.tolist()),
        "mse_forced": forced_mse.tolist(),
        "mse_free": free_mse.tolist(),
        "log10_free_last_over_first": log_ratio(free_err[:, -1].tolist(), free_err[:, 0].tolist()),
    }


def run(params: Params, device, progress, seeds) -> Measurement:
    from app.demos.batched import generator
    from app.demos.sequences import init_rnn

    seeds = list(seeds)
    weights = init_rnn([generator(seed * 7919 + 401) for seed in seeds], 1, 1, HIDDEN, 1, 1.0, device)
    _train(params, weights, seeds, device, progress)
    forced_err, free_err = _errors(weights, seeds, params, device)
    per_seed = _measure(forced_err, free_err)
    charts = [_chart(forced_err, free_err)]
    table = _table(params, per_seed)
    progress(1.0, "완료", charts)
    return Measurement(per_seed=per_seed, charts=charts, table=table, notes=_notes(params, per_seed))


def _chart(forced_err, free_err) -> Chart:
    from app.demos.batched import band

    S, horizon = forced_err.shape
    x = [float(k + 1) for k in range(horizon)]
    series = []
    for name, err in (("티처 포싱 평가 (참값 입력)", forced_err), ("자유 생성 (자기 예측 입력)", free_err)):
        y, low, high = band([[v if v > 0 else None for v in err[s].tolist()] for s in range(S)])
        series.append(Series(name=name, x=x, y=y, lower=low, upper=high))
    return Chart(key="error_by_horizon", title="워밍업 뒤 k번째 예측 스텝의 검증 MSE (띠는 시드 최소~최대)",
                 x_label="예측 스텝 k", y_label="MSE", log_y=True, series=series)


def _table(params: Params, m: dict) -> Table:
    training = f"티처 포싱, Adam {params.learning_rate:g}, {params.steps}스텝"
    return Table(columns=["평가", "입력", "검증 MSE (예측 스텝 평균, 시드 평균)", "학습"], rows=[
        ["티처 포싱", "직전 참값", f"{_mean(m['mse_forced']):.3g}", training],
        ["자유 생성", "직전 자기 예측", f"{_mean(m['mse_free']):.3g}", training],
    ])


def _notes(params: Params, m: dict) -> list[str]:
    ratio, growth = _mean(m["log10_free_over_forced"]), _mean(m["log10_free_last_over_first"])
    forced, free = _mean(m["mse_forced"]), _mean(m["mse_free"])
    if params.horizon == 1 or abs(ratio) < 0.1:
        return [f"예측할 스텝이 {params.horizon}개라 자기 예측을 다시 읽을 일이 {'없어' if params.horizon == 1 else '거의 없어'} 두 평가의 "
                f"MSE가 {forced:.3g} 대 {free:.3g}로 같습니다: 노출 편향은 오차가 되먹임될 때 생깁니다."]
    notes = [f"티처 포싱으로 학습한 같은 망이 참값을 읽을 때 MSE {forced:.3g}, 자기 예측을 읽을 때 {free:.3g}로 10^{ratio:.1f}배 "
             f"컸습니다: 학습 때 본 적 없는 자기 오차가 입력으로 들어옵니다."]
    if growth > 0.3:
        notes.append(f"자유 생성의 오차는 첫 예측 스텝에서 {params.horizon}번째 스텝까지 10^{growth:.1f}배 커져, 스텝마다 쌓입니다(차트).")
    else:
        notes.append(f"자유 생성의 오차는 첫 예측 스텝에서 {params.horizon}번째 스텝까지 10^{growth:.1f}배로 거의 늘지 않았습니다: "
                     f"차이는 쌓인 것이 아니라 첫 스텝부터 있었습니다.")
    return notes


DEMO = DemoSpec(
    slug="teacher-forcing",
    title="티처 포싱과 노출 편향: 참값으로 배운 RNN이 자기 예측을 읽으면 오차가 쌓인다",
    summary=(
        "사인파의 다음 값을 티처 포싱으로 학습한 RNN을, 같은 검증 파형에서 참값을 읽혀 평가하고 자기 예측을 읽혀(자유 생성) 평가합니다. "
        "자유 생성의 오차는 예측 스텝마다 쌓여 훨씬 커집니다. 예측이 한 스텝뿐이면 두 평가가 같습니다."
    ),
    params=Params,
    smallest=SMALLEST,
    breaking=BREAKING,
    run=run,
    claims=(
        Claim(metric="log10_free_over_forced", direction="greater", margin=0.5,
              statement="티처 포싱으로 학습한 RNN의 자유 생성 MSE가 참값 입력 MSE보다 3배(10^0.5) 이상 크다",
              metric_label="MSE 비 (자유 생성 ÷ 참값 입력, log10)"),
    ),
    metric_labels={
        "mse_forced": "MSE (참값 입력)", "mse_free": "MSE (자유 생성)",
        "log10_free_last_over_first": "자유 생성 오차 비 (마지막 스텝 ÷ 첫 스텝, log10)",
    },
    concepts=("teacher_forcing", "exposure_bias", "seq2seq", "rnn"),
    questions=(
        QuestionRef("CS224n 7강", "Teacher forcing의 장단점은?"),
    ),
    citations=(
        Citation(authors="Williams, Zipser", year=1989,
                 title="A learning algorithm for continually running fully recurrent neural networks",
                 url="https://doi.org/10.1162/neco.1989.1.2.270"),
        Citation(authors="Bengio, Vinyals, Jaitly, Shazeer", year=2015,
                 title="Scheduled sampling for sequence prediction with recurrent neural networks",
                 url="https://arxiv.org/abs/1506.03099"),
    ),
    version="1",
)
