"""Optimisers on a ravine and at a saddle: SGD, momentum, Nesterov, AdaGrad, RMSProp, Adam (4주차 7-2 … 7-9; 면접 #14, #17).

Two surfaces of two parameters; every run measures both:

* ravine ("taco shell"): ``f = ½(u²/κ + v²)`` in the surface's own axes (u along the floor, v across it),
  curvature 1 across the ravine and ``1/κ`` along it. Plain SGD must keep its step under 2 (the steep
  curvature) and then crawls along the floor. Momentum (Polyak's heavy ball, in the form of Sutskever et
  al. 2013) adds up past gradients: the bounces cancel and the pull along the floor accumulates. AdaGrad
  (Duchi et al. 2011), RMSProp (Tieleman & Hinton 2012) and Adam (Kingma & Ba 2015) divide each
  coordinate's step by a running size of its gradients, which helps only as far as the ravine lines up
  with the coordinate axes (``rotation_degrees``).
* saddle: ``f = ½v² + (u⁴/4 − u²/2)/κ``: a gentle hump along u at the origin with minima at u = ±1.
  Starting almost on the ridge (|u| ≈ 0.001), the gradient along u is tiny.

Fair arms: each optimiser gets its own learning rate, per seed, from a grid (SGD family in units of the
steep curvature, adaptive methods roughly in distance per step), chosen by the steps it needs from a
*tuning* start drawn for that seed; the reported steps come from a second, independent start of the same
seed. A seed draws both starts; the update rules are torch.optim's, written out so that every
(optimiser, learning rate, seed, start, surface) runs in one batched tensor per optimiser.
"""

from __future__ import annotations

import math
from itertools import pairwise
from typing import Any, Literal

from pydantic import Field

from app.demos.base import Chart, Citation, DemoParams, DemoSpec, Measurement, QuestionRef, Series, Table
from app.demos.evidence import Claim, summarise
from app.demos.training import differences

OPTIMIZERS = (
    ("sgd", "SGD"),
    ("momentum", "모멘텀"),
    ("nesterov", "네스테로프"),
    ("adagrad", "AdaGrad"),
    ("rmsprop", "RMSProp"),
    ("adam", "Adam"),
)
SGD_FAMILY = ("sgd", "momentum", "nesterov")
SGD_GRID = tuple(round(0.05 * math.sqrt(2) ** k, 4) for k in range(13))  # 0.05 … 3.2 (× 1/steep curvature)
ADAPTIVE_GRID = tuple(0.1 * 2.0 ** k for k in range(-4, 6))  # 0.00625 … 3.2, 0.1 among them
SURFACES = ("ravine", "saddle")
TOLERANCE = 1e-3  # "arrived": f − f* below this fraction of where it started
ESCAPED = 0.5  # "escaped the saddle": |u| past half-way to a minimum
BOUNCE_FLOOR = 0.01  # a sign change across the ravine counts while |v| ≥ 1 % of the start's
DIVERGED = 1e6
PATH_LIMIT = 10.0  # the path chart stops following a run whose loss is 10× where it started
SHARED_ADAPTIVE_LR = 0.1  # the one rate all adaptive methods used to share (issue 14)


class Params(DemoParams):
    surface: Literal["ravine", "saddle"] = Field(
        "ravine", description="경로·손실 차트에 보여 줄 곡면 (ravine: 좁고 긴 골짜기(taco), saddle: 안장점; 판정은 둘 다 잽니다)")
    condition: float = Field(50.0, ge=2.0, le=1000.0, description="가파른 방향과 완만한 방향의 곡률 비 κ")
    rotation_degrees: float = Field(0.0, ge=0.0, le=90.0, description="곡면을 좌표축에 대해 돌리는 각도 (기울어진 타원)")
    # torch's Nesterov needs ρ > 0 (at 0 both are plain SGD).
    momentum: float = Field(0.9, ge=0.05, le=0.99, description="모멘텀·네스테로프의 ρ (속도에 곱하는 값)")
    steps: int = Field(300, ge=20, le=3000, description="스텝 수 (도착 못 하면 이 값으로 셈)")


SMALLEST = Params(steps=250)
BREAKING = Params(condition=2.0)


def grid(key: str) -> tuple[float, ...]:
    return SGD_GRID if key in SGD_FAMILY else ADAPTIVE_GRID


def _starts(seeds, params: Params):
    """Per seed, surface and start (tuning, evaluation): a point in the surface's own axes (u, v).

    (S, 2 surfaces, 2 starts, 2). Ravine: u in [−10, −6], |v| in [1, 2]; saddle: |u| in [0.5, 1.5]·10⁻³,
    |v| in [1.5, 2.5], signs random.
    """
    import torch

    from app.demos.batched import generator

    out = []
    for seed in seeds:
        gen = generator(seed * 7919 + 3)
        u = torch.rand(2, 2, generator=gen)
        v = torch.rand(2, 2, generator=gen)
        signs = torch.randint(0, 2, (2, 2, 2), generator=gen).float() * 2 - 1
        ravine = torch.stack([-(6 + 4 * u[0]), (1 + v[0]) * signs[0, :, 1]], dim=-1)
        saddle = torch.stack([(0.5 + u[1]) * 1e-3 * signs[1, :, 0], (1.5 + v[1]) * signs[1, :, 1]], dim=-1)
        out.append(torch.stack([ravine, saddle]))
    return torch.stack(out)


def surface_value(aligned, saddle, condition: float):
    """f at points given in the surface's axes; ``saddle`` (N,) bool picks the surface per row."""
    u, v = aligned[..., 0], aligned[..., 1]
    ravine_f = 0.5 * (u * u / condition + v * v)
    saddle_f = 0.5 * v * v + (u ** 4 / 4 - u * u / 2) / condition
    return saddle_f.where(saddle, ravine_f)


def _gradient(aligned, saddle, condition: float):
    import torch

    u, v = aligned[..., 0], aligned[..., 1]
    du = ((u ** 3 - u) / condition).where(saddle, u / condition)
    return torch.stack([du, v], dim=-1)


def trajectories(kind: str, lrs, starts, saddle, condition: float, rotation_degrees: float, momentum: float,
                 steps: int):
    """Positions (steps + 1, N, 2) in the plane's coordinates of ``kind`` run from ``starts`` (N, 2, plane
    coordinates) with a learning rate per row; torch.optim's update rules with their default constants."""
    import torch

    angle = math.radians(rotation_degrees)
    rotation = torch.tensor([[math.cos(angle), math.sin(angle)], [-math.sin(angle), math.cos(angle)]],
                            dtype=starts.dtype, device=starts.device)
    lr = lrs[:, None]
    p = starts.clone()
    state = torch.zeros_like(p)
    second = torch.zeros_like(p)
    out = [p.clone()]
    for t in range(1, steps + 1):
        aligned = p @ rotation.T
        g = _gradient(aligned, saddle, condition) @ rotation
        if kind == "sgd":
            p = p - lr * g
        elif kind in ("momentum", "nesterov"):
            state = g if t == 1 else momentum * state + g
            p = p - lr * (g + momentum * state if kind == "nesterov" else state)
        elif kind == "adagrad":
            state = state + g * g
            p = p - lr * g / (state.sqrt() + 1e-10)
        elif kind == "rmsprop":
            state = 0.99 * state + 0.01 * g * g
            p = p - lr * g / (state.sqrt() + 1e-8)
        else:  # adam
            state = 0.9 * state + 0.1 * g
            second = 0.999 * second + 0.001 * g * g
            p = p - lr * (state / (1 - 0.9 ** t)) / ((second / (1 - 0.999 ** t)).sqrt() + 1e-8)
        # A diverged row would overflow into NaN and drag nothing else with it; freeze it where it is.
        p = torch.nan_to_num(p, nan=1e30, posinf=1e30, neginf=-1e30).clamp(-1e30, 1e30)
        out.append(p)
    return torch.stack(out), rotation


def _runs(key: str, params: Params, starts, device) -> dict[str, Any]:
    """One optimiser at every rate of its grid, from every start on both surfaces: rows (lr, seed, surface,
    start). Returns its paths and gaps, the step each run arrives and escapes, whether it diverged, its
    tuning score and the rate each seed picks on the tuning start."""
    import torch

    kappa, S = params.condition, starts.shape[0]
    angle = math.radians(params.rotation_degrees)
    rotation = torch.tensor([[math.cos(angle), math.sin(angle)], [-math.sin(angle), math.cos(angle)]])
    lowest = torch.tensor([0.0, -0.25 / kappa])
    rates = grid(key)
    G = len(rates)
    shape = (G, S, 2, 2)
    lr = torch.tensor(rates).reshape(G, 1, 1, 1).expand(shape).reshape(-1)
    saddle = torch.tensor([False, True]).reshape(1, 1, 2, 1).expand(shape).reshape(-1)
    aligned_start = starts.unsqueeze(0).expand(G, *starts.shape).reshape(-1, 2)
    plane_start = aligned_start @ rotation  # u·R: the start sits at the same place relative to the surface
    path, _ = trajectories(key, lr.to(device), plane_start.to(device), saddle.to(device), kappa,
                           params.rotation_degrees, params.momentum, params.steps)
    path = path.cpu()
    aligned = path @ rotation.T
    floor = lowest[saddle.long()]
    f0 = surface_value(aligned[0], saddle, kappa) - floor
    gap = (surface_value(aligned, saddle, kappa) - floor) / f0
    gap = torch.nan_to_num(gap, nan=math.inf).clamp(max=DIVERGED * 10)
    reached = gap <= TOLERANCE
    arrive = torch.where(reached.any(dim=0), reached.float().argmax(dim=0),
                         torch.full(reached.shape[1:], params.steps, dtype=torch.long))
    diverged = gap[-1] > DIVERGED
    out_u = aligned[..., 0].abs() > ESCAPED
    escape = torch.where(out_u.any(dim=0), out_u.float().argmax(dim=0),
                         torch.full(out_u.shape[1:], params.steps, dtype=torch.long))
    # Tuning score: steps to arrive from the tuning start; without arrival, the steps plus how far it still
    # was (log scale); a diverged run never wins.
    score = arrive.float() + torch.where(reached.any(dim=0), torch.zeros_like(gap[-1]),
                                         1 + torch.log10(gap[-1].clamp(min=1e-30)) + 40)
    score = torch.where(diverged, torch.full_like(score, math.inf), score)
    score = score.reshape(shape)
    return {"path": path.reshape(-1, *shape, 2), "gap": gap.reshape(-1, *shape),
            "arrive": arrive.reshape(shape), "escape": escape.reshape(shape),
            "diverged": diverged.reshape(shape), "best": score[:, :, :, 0].argmin(dim=0),  # (S, surface)
            "score": score, "aligned": aligned.reshape(-1, *shape, 2)}


def _chosen_metrics(key: str, result: dict[str, Any], params: Params, S: int) -> dict[str, list[float | None]]:
    """Per surface and seed, from the evaluation start at the rate picked on the tuning start."""
    import torch

    rates = grid(key)
    per_seed: dict[str, list[float | None]] = {}
    for s_index, surface in enumerate(SURFACES):
        chosen = result["best"][:, s_index]
        steps = result["arrive"][chosen, torch.arange(S), s_index, 1]
        per_seed[f"steps_{key}_{surface}"] = [float(v) for v in steps.tolist()]
        per_seed[f"arrived_{key}_{surface}"] = [float(v < params.steps) for v in steps.tolist()]
        per_seed[f"lr_{key}_{surface}"] = [rates[i] for i in chosen.tolist()]
    return per_seed


def _savings(per_seed: dict[str, list[float | None]]) -> None:
    """The claims are judged on steps saved: a difference of step counts is not heavy-tailed the way a
    ratio is when one arm lands on the minimum in two lucky steps."""
    for surface in SURFACES:
        sgd = per_seed[f"steps_sgd_{surface}"]
        for key in ("momentum", "adam"):
            other = per_seed[f"steps_{key}_{surface}"]
            per_seed[f"steps_saved_{key}_vs_sgd_{surface}"] = differences(sgd, other)
            per_seed[f"speedup_{key}_over_sgd_{surface}"] = [a / b for a, b in zip(sgd, other)]


def run(params: Params, device, progress, seeds) -> Measurement:
    seeds = list(seeds)
    S = len(seeds)
    starts = _starts(seeds, params)  # (S, surface, start, 2) in the surface's axes
    per_seed: dict[str, list[float | None]] = {}
    results = {}
    for index, (key, label) in enumerate(OPTIMIZERS):
        results[key] = _runs(key, params, starts, device)
        per_seed |= _chosen_metrics(key, results[key], params, S)
        progress(0.9 * (index + 1) / len(OPTIMIZERS), f"{label}: 학습률 {len(grid(key))}개 × 시드 {S}개")
    _savings(per_seed)
    _shared_rate_metrics(params, results, per_seed, S)
    _ravine_shape_metrics(params, results, per_seed, S)

    charts = _charts(params, results, per_seed, S)
    table = _table(params, results, per_seed, S)
    progress(1.0, "완료", charts)
    return Measurement(per_seed=per_seed, charts=charts, table=table, notes=_notes(params, per_seed))


def _shared_rate_metrics(params: Params, results, per_seed, S: int) -> None:
    """AdaGrad at the one rate all adaptive methods used to share, on the evaluation start."""
    shared = ADAPTIVE_GRID.index(SHARED_ADAPTIVE_LR)
    for surface_index, surface in enumerate(SURFACES):
        steps = results["adagrad"]["arrive"][shared, :, surface_index, 1]
        per_seed[f"steps_adagrad_shared_lr_{surface}"] = [float(v) for v in steps.tolist()]


def _ravine_shape_metrics(params: Params, results, per_seed, S: int) -> None:
    """SGD's bounces across the ravine at its chosen rate, and how far AdaGrad's step shrinks."""
    import torch

    bounces, shrink = [], []
    for s in range(S):
        chosen = int(results["sgd"]["best"][s, 0])
        across = results["sgd"]["aligned"][:, chosen, s, 0, 1, 1]
        until = int(results["sgd"]["arrive"][chosen, s, 0, 1]) + 1
        start = abs(float(across[0]))
        signs = [float(a) for a in across[:until] if abs(float(a)) >= BOUNCE_FLOOR * start]
        bounces.append(float(sum(a * b < 0 for a, b in pairwise(signs))))
        # At the shared rate, where AdaGrad used to be judged "never arrives": its step keeps shrinking.
        path = results["adagrad"]["path"][:, ADAPTIVE_GRID.index(SHARED_ADAPTIVE_LR), s, 0, 1]
        lengths = (path[1:] - path[:-1]).norm(dim=-1)
        shrink.append(float(lengths[-5:].sum() / torch.clamp(lengths[:5].sum(), min=1e-30)))
    per_seed["bounces_sgd_ravine"] = bounces
    per_seed["adagrad_step_shrink_shared_lr_ravine"] = shrink


def _surface_index(params: Params) -> int:
    return SURFACES.index(params.surface)


def _charts(params: Params, results, per_seed, S: int) -> list[Chart]:
    from app.demos.batched import band

    si = _surface_index(params)
    name = "골짜기" if params.surface == "ravine" else "안장점"
    angle = math.radians(params.rotation_degrees)
    paths, losses, sweeps = [], [], []
    for key, label in OPTIMIZERS:
        r = results[key]
        chosen = int(r["best"][0, si])
        gap = r["gap"][:, chosen, 0, si, 1]
        kept = [i for i in range(gap.shape[0]) if float(gap[: i + 1].max()) <= PATH_LIMIT]
        path = r["path"][:, chosen, 0, si, 1]
        paths.append(Series(name=f"{label} (η {grid(key)[chosen]:g})", x=[float(path[i, 0]) for i in kept],
                            y=[float(path[i, 1]) for i in kept]))
        curves = []
        for s in range(S):
            c = int(r["best"][s, si])
            curves.append([max(float(v), 1e-16) if v < DIVERGED else None for v in r["gap"][:, c, s, si, 1].tolist()])
        stride = max(params.steps // 150, 1)
        y, low, high = band([row[::stride] for row in curves])
        losses.append(Series(name=label, x=[float(t) for t in range(0, params.steps + 1, stride)], y=y, lower=low,
                             upper=high))
        tuned = r["score"][:, :, si, 0]  # (G, S): the tuning start's score
        arrive = r["arrive"][:, :, si, 0].float()
        per = [[float(arrive[g, s]) if math.isfinite(float(tuned[g, s])) else None for g in range(len(grid(key)))]
               for s in range(S)]
        y, low, high = band(per)
        sweeps.append(Series(name=label, x=list(grid(key)), y=y, lower=low, upper=high))
    minima = [(0.0, 0.0)] if params.surface == "ravine" else [(-1.0, 0.0), (1.0, 0.0)]
    plane = [(u * math.cos(angle) - v * math.sin(angle), u * math.sin(angle) + v * math.cos(angle)) for u, v in minima]
    paths.append(Series(name="최소점", x=[p[0] for p in plane], y=[p[1] for p in plane]))
    return [
        Chart(key="path", title=f"{name}에서의 경로 (κ = {params.condition:g}, 첫 시드, 각자 고른 학습률)",
              x_label="x (첫째 좌표)", y_label="y (둘째 좌표)", series=paths),
        Chart(key="loss", title=f"{name}: 남은 손실 (f − f*) / (f₀ − f*) (시드 평균, 띠는 최소~최대)", x_label="스텝",
              y_label="남은 손실 비율", log_y=True, series=losses),
        Chart(key="lr_sweep", title=f"{name}: 학습률마다 튜닝용 출발점에서 도착까지 스텝 (발산은 빈칸)", x_label="학습률",
              y_label="스텝", log_x=True, series=sweeps),
    ]


def _table(params: Params, results, per_seed, S: int) -> Table:
    si = _surface_index(params)
    surface = params.surface
    rows = []
    for key, label in OPTIMIZERS:
        rates = grid(key)
        lrs = per_seed[f"lr_{key}_{surface}"]
        steps = per_seed[f"steps_{key}_{surface}"]
        arrived = sum(1 for v in steps if v < params.steps)
        diverged = results[key]["diverged"][:, :, si, 0]
        unstable = [rates[g] for g in range(len(rates)) if bool(diverged[g].all())]
        escape = results[key]["escape"][:, :, si, 1]
        esc = [int(escape[int(results[key]["best"][s, si]), s]) for s in range(S)]
        row = [label, f"{rates[0]:.3g}…{rates[-1]:.3g} ({len(rates)}개)", "/".join(f"{v:.3g}" for v in lrs),
               round(sum(steps) / S, 1), f"{arrived}/{S}",
               f"{unstable[0]:.3g} 이상" if unstable else "없음"]
        row.append(round(sum(esc) / S, 1) if surface == "saddle" else None)
        rows.append(row)
    escape_column = f"탈출 스텝 (|u| > {ESCAPED:g}, 안장점)"
    return Table(columns=["옵티마이저", "학습률 격자", "고른 학습률 (시드별)", f"도착 스텝 (남은 손실 ≤ {TOLERANCE:g}, 평균)",
                          "도착한 시드", "발산한 학습률", escape_column], rows=rows)


def _mean(values) -> float:
    return sum(values) / len(values)


def _steps_text(m, key: str, surface: str, steps: int) -> str:
    values = m[f"steps_{key}_{surface}"]
    arrived = sum(1 for v in values if v < steps)
    if arrived == 0:
        return f"{steps}스텝 안에 못 감"
    return f"{_mean(values):.0f}스텝" + ("" if arrived == len(values) else f"(도착 {arrived}/{len(values)})")


def _notes(params: Params, m: dict[str, list[float | None]]) -> list[str]:
    n = params.steps
    notes = []
    for surface, name in (("ravine", "골짜기"), ("saddle", "안장점")):
        arrivals = ", ".join(f"{label} {_steps_text(m, key, surface, n)}" for key, label in OPTIMIZERS)
        notes.append(f"{name}(κ = {params.condition:g})에서 남은 손실이 {TOLERANCE:g} 아래로 내려가기까지, 각자 고른 "
                     f"학습률로 (시드 평균): {arrivals}.")

    saved = summarise(m["steps_saved_momentum_vs_sgd_ravine"])
    sgd, mom = _mean(m["steps_sgd_ravine"]), _mean(m["steps_momentum_ravine"])
    if saved.ci95 is not None and saved.ci95[0] > 0:
        notes.append(f"골짜기에서 모멘텀(ρ = {params.momentum:g})은 지난 기울기를 쌓아 완만한 방향의 속도를 키워 SGD보다 "
                     f"{sgd / mom:.1f}배 빨리 도착했습니다 (둘 다 자기 학습률: SGD {_lrs(m, 'sgd', 'ravine')}, 모멘텀 "
                     f"{_lrs(m, 'momentum', 'ravine')}).")
    elif saved.ci95 is not None and saved.ci95[1] < 0:
        notes.append(f"κ = {params.condition:g}에서는 SGD가 이미 빨라 모멘텀(ρ = {params.momentum:g})이 오히려 늦었습니다 "
                     f"({mom:.0f} 대 {sgd:.0f}스텝): 큰 ρ는 지난 속도를 오래 끌고 다녀 최소점 주위를 맴돕니다.")
    else:
        notes.append(f"골짜기에서 모멘텀과 SGD의 차이는 시드 사이 흔들림 안에 있습니다 ({mom:.0f} 대 {sgd:.0f}스텝).")

    bounces = _mean(m["bounces_sgd_ravine"])
    if bounces >= 2:
        notes.append(f"SGD가 고른 학습률({_lrs(m, 'sgd', 'ravine')})은 가파른 방향의 한계 2에 가까워 골짜기 벽 사이를 "
                     f"평균 {bounces:.0f}번 튕기며(지그재그) 내려갔습니다.")

    adam = summarise(m["steps_saved_adam_vs_sgd_ravine"])
    adam_steps = _mean(m["steps_adam_ravine"])
    aligned = "좌표축과 나란한" if params.rotation_degrees == 0 else f"{params.rotation_degrees:g}° 돌린"
    if adam.ci95 is not None and adam.ci95[0] > 0:
        notes.append(f"{aligned} 골짜기에서 Adam은 SGD보다 {sgd / adam_steps:.1f}배 빨랐습니다 ({adam_steps:.0f} 대 "
                     f"{sgd:.0f}스텝).")
    elif adam.ci95 is not None and adam.ci95[1] < 0:
        notes.append(f"{aligned} 골짜기에서 Adam은 자기 학습률({_lrs(m, 'adam', 'ravine')})로도 SGD보다 느렸습니다 "
                     f"({adam_steps:.0f} 대 {sgd:.0f}스텝): 좌표별 보폭 맞춤이 잘 고른 SGD를 이기지 못했습니다.")
    else:
        notes.append(f"{aligned} 골짜기에서 Adam과 SGD의 차이는 시드 사이 흔들림 안에 있습니다 ({adam_steps:.0f} 대 "
                     f"{sgd:.0f}스텝): 'Adam이 골짜기에서 돕는다'는 이 설정에서는 말할 수 없습니다.")
    rms, sgd_rms = _mean(m["steps_rmsprop_ravine"]), sgd
    if rms * 3 <= sgd_rms:
        notes.append(f"RMSProp은 {rms:.0f}스텝 만에 도착했습니다: {aligned} 골짜기에서 좌표마다 기울기 크기로 나눈 보폭은 "
                     f"두 방향을 같은 거리씩 움직여 완만한 방향을 따로 키워 줍니다"
                     + (". 곡면을 돌려(rotation_degrees) 이 이득이 좌표축 정렬 덕인지 확인해 보세요."
                        if params.rotation_degrees == 0 else "."))
    elif params.rotation_degrees > 0:
        notes.append(f"곡면을 {params.rotation_degrees:g}° 돌리면 좌표별 보폭 맞춤이 골짜기 방향과 어긋나 RMSProp도 "
                     f"{rms:.0f}스텝으로 SGD({sgd_rms:.0f}스텝)보다 크게 빠르지 않았습니다.")

    shared = m["steps_adagrad_shared_lr_ravine"]
    arrived_shared = sum(1 for v in shared if v < n)
    arrived_own = sum(1 for v in m["steps_adagrad_ravine"] if v < n)
    shrink = _mean(m["adagrad_step_shrink_shared_lr_ravine"])
    if arrived_own > arrived_shared:
        notes.append(f"AdaGrad는 모두가 함께 쓰던 학습률 {SHARED_ADAPTIVE_LR:g}에서는 시드 {len(shared)}개 중 {arrived_shared}개만 "
                     f"도착했지만, 자기 학습률({_lrs(m, 'adagrad', 'ravine')})로는 {arrived_own}개가 "
                     f"{_steps_text(m, 'adagrad', 'ravine', n)}에 도착했습니다: 기울기 제곱을 계속 더해 보폭이 줄어드는 만큼 "
                     f"(학습률 {SHARED_ADAPTIVE_LR:g}에서 마지막 보폭이 처음의 {shrink:.2g}배) 큰 학습률이 필요합니다.")
    else:
        notes.append(f"AdaGrad는 기울기 제곱을 계속 더해 학습률 {SHARED_ADAPTIVE_LR:g}에서 마지막 보폭이 처음의 {shrink:.2g}배로 "
                     f"줄었습니다 (자기 학습률 "
                     f"{_lrs(m, 'adagrad', 'ravine')}, 도착 {arrived_own}/{len(shared)}).")

    saddle = summarise(m["steps_saved_adam_vs_sgd_saddle"])
    s_sgd, s_adam = _mean(m["steps_sgd_saddle"]), _mean(m["steps_adam_saddle"])
    if saddle.ci95 is not None and saddle.ci95[0] > 0:
        notes.append(f"안장점 옆에서는 u 방향 기울기가 u/κ 정도로 작아 SGD는 그만큼 작은 스텝을 밟지만, Adam은 기울기를 제 "
                     f"크기로 나눠 일정한 보폭으로 나가 {s_sgd / s_adam:.1f}배 빨리 최소점에 닿았습니다 ({s_adam:.0f} 대 "
                     f"{s_sgd:.0f}스텝).")
    else:
        notes.append(f"이번 설정에서는 안장점 옆에서 Adam이 SGD보다 확실히 빠르지 않았습니다 ({s_adam:.0f} 대 {s_sgd:.0f}스텝): "
                     f"κ가 작으면 u 방향 기울기도 작지 않아 SGD가 금방 벗어납니다.")
    notes.append("안장점에 정확히 (u = 0) 놓이면 u 방향 기울기가 0이라 어떤 옵티마이저도 그 방향으로 움직이지 않습니다: "
                 "미니배치의 잡음이 이런 균형을 깨 줍니다.")
    return notes


def _lrs(m, key: str, surface: str) -> str:
    values = sorted(set(m[f"lr_{key}_{surface}"]))
    return "/".join(f"{v:.3g}" for v in values)


DEMO = DemoSpec(
    slug="optimizers",
    title="옵티마이저 비교: 골짜기와 안장점",
    summary=(
        "옵티마이저마다 자기 학습률을 격자에서 골라, 좁고 긴 골짜기(taco shell)와 안장점 옆에서 최소점까지 몇 스텝이 "
        "걸리는지 시드 3개로 잽니다. 골짜기에서는 모멘텀이 SGD보다 빠르고, 안장점 옆에서는 기울기 크기로 보폭을 맞추는 "
        "Adam이 빨리 벗어나는지, 그리고 Adam의 이득이 좌표축 정렬에 얼마나 달렸는지 봅니다."
    ),
    params=Params,
    smallest=SMALLEST,
    breaking=BREAKING,
    run=run,
    claims=(
        Claim(metric="steps_saved_momentum_vs_sgd_ravine", direction="greater", margin=0.0,
              statement="골짜기에서 모멘텀이 SGD보다 적은 스텝으로 최소점에 닿는다 (각자 고른 학습률)",
              metric_label="골짜기에서 줄어든 스텝 수 (SGD − 모멘텀)"),
        Claim(metric="steps_saved_adam_vs_sgd_saddle", direction="greater", margin=0.0,
              statement="안장점 옆에서 출발하면 Adam이 SGD보다 적은 스텝으로 최소점에 닿는다 (각자 고른 학습률)",
              metric_label="안장점 옆에서 줄어든 스텝 수 (SGD − Adam)"),
    ),
    # Steps are counted from the evaluation start, at the rate each optimiser picked on the tuning start.
    metric_labels={
        **{f"{name}_{key}_{surface}": label.format(shown, where)
           for key, shown in OPTIMIZERS for surface, where in (("ravine", "골짜기"), ("saddle", "안장점 옆"))
           for name, label in (
               ("steps", f"남은 손실 {TOLERANCE:g}까지 걸린 스텝 수 ({{}}, {{}}, 못 닿으면 스텝 예산)"),
               ("arrived", "스텝 예산 안에 도착 ({}, {}, 1 = 도착)"),
               ("lr", "튜닝용 출발점에서 고른 학습률 ({}, {})"))},
        **{f"{name}_{key}_{infix}_{surface}": label.format(shown, where)
           for key, shown in OPTIMIZERS if key in ("momentum", "adam")
           for surface, where in (("ravine", "골짜기"), ("saddle", "안장점 옆"))
           for name, infix, label in (
               ("steps_saved", "vs_sgd", "줄어든 스텝 수 (SGD − {}, {})"),
               ("speedup", "over_sgd", "걸린 스텝 비 (SGD ÷ {}, {})"))},
        **{f"steps_adagrad_shared_lr_{surface}": f"학습률 {SHARED_ADAPTIVE_LR:g}로 고정한 AdaGrad가 도착까지 걸린 스텝 수 ({where})"
           for surface, where in (("ravine", "골짜기"), ("saddle", "안장점 옆"))},
        "bounces_sgd_ravine": "골짜기를 가로지르는 좌표의 부호가 바뀐 횟수 (SGD, 도착까지)",
        "adagrad_step_shrink_shared_lr_ravine": f"AdaGrad 보폭 비 (마지막 5스텝 ÷ 처음 5스텝, 학습률 {SHARED_ADAPTIVE_LR:g}, 골짜기)",
    },
    concepts=(
        "optimizer", "sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "saddle_point", "zigzag",
        "taco_shell",
    ),
    # A question linked through the saddle point opens the chart on the saddle surface.
    presets={"saddle_point": Params(surface="saddle")},
    questions=(
        QuestionRef("4주차 p15", "taco shell과 지그재그"),
        QuestionRef("4주차 p22", "SGD 모멘텀의 velocity"),
        QuestionRef("4주차 p24", "지수가중이동평균"),
        QuestionRef("4주차 p31", "안장점과 AdaGrad"),
        QuestionRef("면접 #14", "Local minima와 안장점"),
        QuestionRef("면접 #14-1", "Local minima를 피하는 방법"),
        QuestionRef("면접 #17", "SGD, RMSprop, Adam"),
        QuestionRef("면접 #17-3", "모멘텀의 수식"),
    ),
    citations=(
        Citation(authors="Sutskever, Martens, Dahl & Hinton", year=2013,
                 title="On the Importance of Initialization and Momentum in Deep Learning",
                 url="https://proceedings.mlr.press/v28/sutskever13.html"),
        Citation(authors="Duchi, Hazan & Singer", year=2011,
                 title="Adaptive Subgradient Methods for Online Learning and Stochastic Optimization",
                 url="https://jmlr.org/papers/v12/duchi11a.html"),
        Citation(authors="Tieleman & Hinton", year=2012,
                 title="Lecture 6.5 — RMSProp: Divide the Gradient by a Running Average of its Recent Magnitude "
                       "(Neural Networks for Machine Learning, Coursera)",
                 url="https://www.cs.toronto.edu/~tijmen/csc321/slides/lecture_slides_lec6.pdf"),
        Citation(authors="Kingma & Ba", year=2015, title="Adam: A Method for Stochastic Optimization",
                 url="https://arxiv.org/abs/1412.6980"),
    ),
    version="2",
)
