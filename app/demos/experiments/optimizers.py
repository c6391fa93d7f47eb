"""Optimisers on a ravine and at a saddle: SGD, momentum, Nesterov, AdaGrad, RMSProp, Adam (4주차 7-2 … 7-9; 면접 #14, #17).

Two surfaces of two parameters, each optimiser from ``torch.optim`` started at the same point:

* ravine ("taco shell"): ``f = ½(x²/κ + y²)``, curvature 1 across the ravine and ``1/κ`` along it.
  Plain SGD must keep its step under 2 (the steep curvature) and then crawls along the floor,
  bouncing from wall to wall when the step is over 1. Momentum (Polyak's heavy ball, in the form of
  Sutskever et al. 2013) adds up past gradients: the bounces cancel and the steady pull along the floor
  accumulates. Nesterov evaluates the gradient after the momentum step, which damps the bounces.
  AdaGrad (Duchi et al. 2011), RMSProp (Tieleman & Hinton 2012) and Adam (Kingma & Ba 2015) divide each
  coordinate's step by a running size of its gradients, so the flat direction gets a larger step; their
  advantage depends on the ravine lining up with the coordinate axes (try ``rotation_degrees``).
* saddle: ``f = ½y² + (x⁴/4 − x²/2)/κ``: a minimum across y, a gentle hump along x at the origin with
  minima at x = ±1. Starting almost on the ridge (x = 0.001), the gradient along x is tiny; the question
  is how soon each optimiser escapes (|x| > 0.5).

Learning rates: one for the SGD family, in units of the steep curvature, and one for the adaptive
methods, which is roughly the distance they move per step.
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field

from app.demos.base import Chart, Citation, DemoParams, DemoResult, DemoSpec, QuestionRef, Series, Table

OPTIMIZERS = (
    ("sgd", "SGD"),
    ("momentum", "모멘텀"),
    ("nesterov", "네스테로프"),
    ("adagrad", "AdaGrad"),
    ("rmsprop", "RMSProp"),
    ("adam", "Adam"),
)
STARTS = {"ravine": (-8.0, 1.5), "saddle": (1e-3, 2.0)}
TOLERANCE = 1e-3  # "arrived": f − f* below this fraction of where it started
ESCAPED = 0.5  # "escaped the saddle": |x| past half-way to a minimum
BOUNCE_FLOOR = 0.01  # a sign change across the ravine counts as a bounce while |across| ≥ 1 % of the start
DIVERGED = 1e6
PATH_LIMIT = 10.0  # the path chart stops following a run whose loss is 10× where it started


class Params(DemoParams):
    surface: Literal["ravine", "saddle"] = Field("ravine", description="곡면 (ravine: 좁고 긴 골짜기(taco), saddle: 안장점)")
    condition: float = Field(50.0, ge=2.0, le=1000.0, description="가파른 방향과 완만한 방향의 곡률 비 κ")
    rotation_degrees: float = Field(0.0, ge=0.0, le=90.0, description="곡면을 좌표축에 대해 돌리는 각도 (기울어진 타원)")
    sgd_lr: float = Field(1.2, ge=0.01, le=2.5, description="SGD·모멘텀·네스테로프 학습률 (가파른 방향 곡률이 1, 2를 넘으면 SGD 발산)")
    # torch's Nesterov needs ρ > 0 (at 0 both are plain SGD).
    momentum: float = Field(0.9, ge=0.05, le=0.99, description="모멘텀·네스테로프의 ρ (속도에 곱하는 값)")
    adaptive_lr: float = Field(0.1, ge=0.001, le=1.0, description="AdaGrad·RMSProp·Adam 학습률 (한 스텝에 움직이는 대략의 거리)")
    steps: int = Field(300, ge=20, le=3000, description="스텝 수")


SMALLEST = Params(steps=200)


def run(params: Params, device, progress) -> DemoResult:
    import torch

    kappa = params.condition
    angle = math.radians(params.rotation_degrees)
    rotation = torch.tensor([[math.cos(angle), math.sin(angle)], [-math.sin(angle), math.cos(angle)]],
                            device=device)

    def aligned(p):
        return rotation @ p  # the surface's own axes: along the ravine, across it

    if params.surface == "ravine":
        def surface(p):
            u, v = aligned(p)
            return 0.5 * (u * u / kappa + v * v)
        lowest = 0.0
    else:
        def surface(p):
            u, v = aligned(p)
            return 0.5 * v * v + (u ** 4 / 4 - u * u / 2) / kappa
        lowest = -0.25 / kappa

    start = torch.tensor(STARTS[params.surface], device=device)
    start = rotation.T @ start  # the start sits at the same place relative to the surface at any rotation
    point = {key: start.clone().requires_grad_() for key, _ in OPTIMIZERS}
    optim = torch.optim
    optimizers = {
        "sgd": optim.SGD([point["sgd"]], lr=params.sgd_lr),
        "momentum": optim.SGD([point["momentum"]], lr=params.sgd_lr, momentum=params.momentum),
        "nesterov": optim.SGD([point["nesterov"]], lr=params.sgd_lr, momentum=params.momentum, nesterov=True),
        "adagrad": optim.Adagrad([point["adagrad"]], lr=params.adaptive_lr),
        "rmsprop": optim.RMSprop([point["rmsprop"]], lr=params.adaptive_lr),
        "adam": optim.Adam([point["adam"]], lr=params.adaptive_lr),
    }
    start_gap = surface(start).item() - lowest
    paths = {key: [start.tolist()] for key in point}
    gaps: dict[str, list[float | None]] = {key: [1.0] for key in point}
    arrived: dict[str, int | None] = dict.fromkeys(point)
    escaped: dict[str, int | None] = dict.fromkeys(point)
    diverged: dict[str, int | None] = dict.fromkeys(point)
    step_lengths: dict[str, list[float]] = {key: [] for key in point}
    across_signs: dict[str, list[float]] = {key: [] for key in point}
    surface_name = "골짜기" if params.surface == "ravine" else "안장점"
    minima = [[0.0, 0.0]] if params.surface == "ravine" else [[-1.0, 0.0], [1.0, 0.0]]
    minima = [(rotation.T @ torch.tensor(m, device=device)).tolist() for m in minima]

    def path_chart() -> Chart:
        return Chart(
            key="path", title=f"{surface_name}에서의 경로 (κ = {kappa:g})", x_label="x (첫째 좌표)", y_label="y (둘째 좌표)",
            series=[Series(name=label, x=[p[0] for p in paths[key]], y=[p[1] for p in paths[key]])
                    for key, label in OPTIMIZERS]
            + [Series(name="최소점", x=[m[0] for m in minima], y=[m[1] for m in minima])],
        )

    def loss_chart() -> Chart:
        return Chart(
            key="loss", title="남은 손실 (f − f*) / (f₀ − f*)", x_label="스텝", y_label="남은 손실 비율", log_y=True,
            series=[Series(name=label, x=[float(s) for s in range(len(gaps[key]))], y=gaps[key])
                    for key, label in OPTIMIZERS],
        )

    for step in range(1, params.steps + 1):
        for key, optimizer in optimizers.items():
            if diverged[key] is not None:
                gaps[key].append(None)
                continue
            p = point[key]
            before = p.detach().clone()
            optimizer.zero_grad(set_to_none=True)
            surface(p).backward()
            optimizer.step()
            with torch.no_grad():
                gap = (surface(p).item() - lowest) / start_gap
                along, across = aligned(p).tolist()
            if not math.isfinite(gap) or gap > DIVERGED:
                diverged[key] = step
                gaps[key].append(None)
                continue
            if gap <= PATH_LIMIT:  # a diverging path would stretch the chart until nothing else shows
                paths[key].append(p.detach().tolist())
            gaps[key].append(max(gap, 1e-16))
            step_lengths[key].append((p.detach() - before).norm().item())
            if arrived[key] is None:
                across_signs[key].append(across)
            if arrived[key] is None and gap <= TOLERANCE:
                arrived[key] = step
            if escaped[key] is None and abs(along) > ESCAPED:
                escaped[key] = step
        if step % 100 == 0:
            progress(step / params.steps, f"{step}/{params.steps} 스텝", [path_chart(), loss_chart()])

    metrics: dict[str, float] = {}
    floor = BOUNCE_FLOOR * abs(STARTS[params.surface][1])
    for key, _ in OPTIMIZERS:
        signs = [s for s in across_signs[key] if abs(s) >= floor]
        metrics[f"arrived_{key}"] = 1.0 if arrived[key] else 0.0
        metrics[f"steps_to_arrive_{key}"] = float(arrived[key] or params.steps)
        metrics[f"diverged_{key}"] = 1.0 if diverged[key] else 0.0
        last_gap = next((g for g in reversed(gaps[key]) if g is not None), 1.0)
        metrics[f"final_gap_{key}"] = last_gap
        # Bounces across the ravine on the way to the minimum: sign changes of the coordinate across it,
        # leaving out the invisible wobble once it is within 1 % of the floor.
        metrics[f"bounces_{key}"] = float(sum(a * b < 0 for a, b in zip(signs, signs[1:])))
        if params.surface == "saddle":
            metrics[f"escaped_{key}"] = 1.0 if escaped[key] else 0.0
            metrics[f"escape_step_{key}"] = float(escaped[key] or params.steps)
        metrics[f"first_step_{key}"] = step_lengths[key][0] if step_lengths[key] else 0.0
    lengths = step_lengths["adagrad"]
    if len(lengths) >= 10:
        metrics["adagrad_step_shrink"] = sum(lengths[-5:]) / max(sum(lengths[:5]), 1e-30)

    charts = [path_chart(), loss_chart()]
    columns = ["옵티마이저", "학습률", f"도착 스텝 (남은 손실 ≤ {TOLERANCE:g})", "골짜기 벽 사이 튕김", "마지막 남은 손실"]
    if params.surface == "saddle":
        columns.insert(3, f"탈출 스텝 (|x| > {ESCAPED:g})")
    rows = []
    for key, label in OPTIMIZERS:
        lr = params.sgd_lr if key in ("sgd", "momentum", "nesterov") else params.adaptive_lr
        row = [label, lr, _arrival(metrics, key), int(metrics[f"bounces_{key}"]),
               float(f"{metrics[f'final_gap_{key}']:.3g}")]
        if params.surface == "saddle":
            row.insert(3, int(metrics[f"escape_step_{key}"]) if metrics[f"escaped_{key}"] else "탈출 못 함")
        rows.append(row)
    progress(1.0, "완료", charts)
    return DemoResult(charts=charts, table=Table(columns=columns, rows=rows),
                      conclusion=_conclusion(params, metrics), metrics=metrics)


def _arrival(m: dict[str, float], key: str) -> str | int:
    if m[f"diverged_{key}"]:
        return "발산"
    return int(m[f"steps_to_arrive_{key}"]) if m[f"arrived_{key}"] else "도착 못 함"


def _name(key: str) -> str:
    return dict(OPTIMIZERS)[key]


def _steps(m: dict[str, float], key: str, steps: int) -> str:
    if m[f"diverged_{key}"]:
        return "발산"
    return f"{int(m[f'steps_to_arrive_{key}'])}스텝" if m[f"arrived_{key}"] else f"{steps}스텝 안에 못 감"


def _stability_limit(key: str, rho: float) -> float:
    """The largest learning rate × curvature at which the method still converges on a quadratic."""
    return {"sgd": 2.0, "momentum": 2 * (1 + rho), "nesterov": 2 * (1 + rho) / (1 + 2 * rho)}[key]


def _conclusion(params: Params, m: dict[str, float]) -> str:
    if params.surface == "saddle":
        text = _saddle_story(params, m)
    else:
        text = _ravine_story(params, m)
    for key, subject in (("sgd", "SGD는"), ("momentum", "모멘텀은"), ("nesterov", "네스테로프는")):
        if m[f"diverged_{key}"]:
            text += (
                f" {subject} 학습률({params.sgd_lr:g})이 가파른 방향에서 견딜 수 있는 한계"
                f"({_stability_limit(key, params.momentum):.3g})를 넘어 발산했습니다."
            )
    if m["first_step_rmsprop"] > 3 * params.adaptive_lr and not m["diverged_rmsprop"]:
        text += (
            f" RMSProp의 첫 스텝은 {m['first_step_rmsprop']:.2g}만큼 움직였습니다 (학습률 {params.adaptive_lr:g}의 "
            f"{m['first_step_rmsprop'] / params.adaptive_lr:.0f}배): 기울기 제곱의 지수가중이동평균이 0에서 출발해 처음에는 "
            f"너무 작기 때문이고, Adam은 이 치우침을 보정해 첫 스텝 크기가 {m['first_step_adam']:.2g}에 그쳤습니다."
        )
    return text


def _ravine_story(params: Params, m: dict[str, float]) -> str:
    n = params.steps
    arrivals = ", ".join(f"{_name(k)} {_steps(m, k, n)}" for k, _ in OPTIMIZERS)
    text = f"κ = {params.condition:g}인 골짜기에서 남은 손실이 {TOLERANCE:g} 아래로 내려가기까지: {arrivals}."
    if not m["diverged_sgd"]:
        crawl = params.sgd_lr / params.condition
        if m["bounces_sgd"] >= 2:
            text += (
                f" SGD는 골짜기 벽 사이를 {int(m['bounces_sgd'])}번 튕기며(지그재그) 내려갔습니다: 학습률이 가파른 방향의 "
                f"한계 2에 가까워 건너편으로 넘어가고, 그 학습률로는 완만한 방향의 남은 거리를 한 스텝에 {crawl:.3g}만큼만 "
                f"줄입니다."
            )
        else:
            text += (
                f" SGD는 이번 학습률({params.sgd_lr:g})에서 벽 사이를 거의 튕기지 않고 ({int(m['bounces_sgd'])}번) 바닥으로 "
                f"내려간 뒤, 완만한 방향의 남은 거리를 한 스텝에 {crawl:.3g}만큼씩만 줄이며 기어갔습니다."
            )
    sgd, mom = m["steps_to_arrive_sgd"], m["steps_to_arrive_momentum"]
    rho = params.momentum
    if m["diverged_momentum"]:
        pass  # said below, with the limit it crossed
    elif m["diverged_sgd"]:
        text += (
            f" 같은 학습률에서 모멘텀(ρ = {rho:g})은 견딜 수 있는 한계({_stability_limit('momentum', rho):.3g})가 더 높아 "
            f"발산하지 않았습니다 ({_steps(m, 'momentum', n)})."
        )
    elif m["arrived_momentum"] and mom * 1.5 <= sgd:
        text += (
            f" 같은 학습률의 모멘텀(ρ = {rho:g})은 지난 기울기를 쌓아 완만한 방향의 속도를 키워, 벽 사이를 "
            f"{int(m['bounces_momentum'])}번 튕기면서도 SGD보다 {sgd / mom:.1f}배"
            f"{'' if m['arrived_sgd'] else ' 넘게'} 빨리 도착했습니다."
        )
    elif m["arrived_sgd"] and (not m["arrived_momentum"] or mom > sgd):
        text += (
            f" 모멘텀(ρ = {rho:g})은 지난 속도가 너무 오래 남아 벽 사이를 {int(m['bounces_momentum'])}번 튕기며 SGD보다 "
            f"늦었습니다 ({_steps(m, 'momentum', n)} 대 {_steps(m, 'sgd', n)})."
        )
    else:
        text += f" 이번 설정에서는 모멘텀이 SGD보다 크게 빠르지 않았습니다 ({_steps(m, 'momentum', n)} 대 {_steps(m, 'sgd', n)})."
    calmer = m["bounces_nesterov"] <= 0.75 * m["bounces_momentum"]
    if not m["diverged_nesterov"] and not m["diverged_momentum"] and calmer:
        text += (
            f" 네스테로프는 한 발 앞에서 기울기를 재어 튕김을 {int(m['bounces_nesterov'])}번으로 줄였습니다 "
            f"({_steps(m, 'nesterov', n)})."
        )
    if m["arrived_rmsprop"] or m["arrived_adam"]:
        adaptive = f"(RMSProp {_steps(m, 'rmsprop', n)}, Adam {_steps(m, 'adam', n)})"
        if params.rotation_degrees == 0:
            text += (
                f" RMSProp과 Adam은 좌표마다 기울기 크기로 나눈 보폭을 써서 완만한 방향으로도 가파른 방향만큼 움직입니다 "
                f"{adaptive}: 골짜기가 좌표축과 나란할 때 크게 돕는 방식이니 곡면을 돌려(rotation_degrees) 비교해 보세요."
            )
        else:
            text += (
                f" RMSProp과 Adam은 좌표마다 보폭을 맞추지만, 곡면을 {params.rotation_degrees:g}° 돌려 골짜기가 좌표축과 "
                f"어긋나 있으면 좌표별로 나누는 것이 완만한 방향을 따로 키워 주지 못합니다 {adaptive}."
            )
    if "adagrad_step_shrink" in m and m["adagrad_step_shrink"] < 0.5:
        text += (
            f" AdaGrad는 기울기 제곱을 계속 더하기만 해서 마지막 보폭이 처음의 {m['adagrad_step_shrink']:.2f}배로 "
            f"줄었습니다 ({_steps(m, 'adagrad', n)})."
        )
    return text


def _saddle_story(params: Params, m: dict[str, float]) -> str:
    n = params.steps

    def escape(k: str) -> str:
        if m[f"diverged_{k}"]:
            return "발산"
        return f"{int(m[f'escape_step_{k}'])}스텝" if m[f"escaped_{k}"] else f"{n}스텝 안에 못 함"

    text = (
        f"안장점 바로 옆(x = 0.001)에서 출발해 |x| > {ESCAPED:g}로 벗어나기까지: "
        + ", ".join(f"{_name(k)} {escape(k)}" for k, _ in OPTIMIZERS) + "."
    )
    sgd, adam = m["escape_step_sgd"], m["escape_step_adam"]
    if m["escaped_adam"] and adam * 2 <= sgd:
        text += (
            f" 안장점 근처에서는 x 방향 기울기가 x/κ 정도로 작아 SGD는 그만큼 작은 스텝을 밟지만, Adam은 기울기를 제 "
            f"크기로 나눠 작은 기울기에도 일정한 보폭으로 나가 {sgd / adam:.0f}배{'' if m['escaped_sgd'] else ' 넘게'} "
            f"빨리 벗어났습니다."
        )
    else:
        text += f" 이번 설정에서는 Adam이 SGD보다 크게 빨리 벗어나지 않았습니다 ({escape('adam')} 대 {escape('sgd')})."
    if m["escaped_momentum"] and m["escape_step_momentum"] * 1.5 <= sgd:
        text += f" 모멘텀도 작은 기울기를 쌓아 SGD보다 {sgd / m['escape_step_momentum']:.1f}배 빨리 벗어났습니다."
    if m["escaped_adagrad"]:
        text += (
            f" AdaGrad는 x 방향 기울기 제곱의 합이 작아 보폭이 커서 {escape('adagrad')} 만에 벗어났지만, "
            + (f"쌓인 합 때문에 보폭이 줄어 최소점까지는 {_steps(m, 'adagrad', n)} 걸렸습니다."
               if m["arrived_adagrad"] else
               f"쌓인 합 때문에 보폭이 줄어 {n}스텝 안에 최소점에 닿지 못했습니다 (남은 손실 {m['final_gap_adagrad']:.2g}).")
        )
    text += (
        " 안장점에 정확히 (x = 0) 놓이면 x 방향 기울기가 0이라 어떤 옵티마이저도 그 방향으로 움직이지 않습니다: "
        "미니배치의 잡음이 이런 균형을 깨 줍니다."
    )
    return text


DEMO = DemoSpec(
    slug="optimizers",
    title="옵티마이저 비교: 골짜기와 안장점",
    summary=(
        "좁고 긴 골짜기(taco shell)에서 SGD는 벽 사이를 지그재그로 튕기며 느리게 가고, 모멘텀·네스테로프는 속도를 "
        "쌓아 빨리 가며, RMSProp·Adam은 좌표마다 보폭을 맞춥니다. 안장점 옆에서는 작은 기울기를 키우는 방법이 빨리 "
        "벗어납니다."
    ),
    params=Params,
    smallest=SMALLEST,
    run=run,
    concepts=(
        "optimizer", "sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "saddle_point", "zigzag",
        "taco_shell",
    ),
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
    version="1",
)
