"""k-fold cross-validation against a single hold-out split: how far each estimate lands from the truth.

For each seed, a data distribution (inputs N(0, I) in 10 dimensions, labels ±1 drawn from a logistic
model, so even the best classifier errs on about a fifth) and ``datasets`` independent training sets
of ``n`` examples drawn from it. On every training set the same learner — a least-squares linear
classifier (ridge on ±1 targets, sign of the output), fitted in closed form — is evaluated two ways:

* hold-out: train on 80 %, count errors on the other 20 %;
* k-fold: k fits, each tested on the fold it left out, errors averaged over all n examples.

(The curve over other sizes uses 50 training sets per size.) The truth is the error rate, on 10,000 fresh examples, of the model trained on all n — the model one
would ship. The spread of (estimate − truth) over the training sets is each method's error as an
estimator (its RMSE). The hold-out estimate rests on n/5 test examples, k-fold on all n, so k-fold
should land closer (Kohavi 1995); the folds share most of their training data, so the spread of
fold scores / √k understates its real error (Bengio & Grandvalet 2004). With many examples both
estimates are within a fraction of a percentage point: a single validation split is then good enough,
which is why deep learning rarely cross-validates — there the headline claim (a gain of at least one
percentage point) breaks.
"""

from __future__ import annotations

import math

from pydantic import Field

from app.demos.base import Chart, Citation, DemoParams, DemoSpec, Measurement, QuestionRef, Series, Table
from app.demos.evidence import Claim, summarise

INPUTS = 10
SIGNAL = 2.0  # norm of the true weight vector: sets how separable the classes are
RIDGE = 1e-3
N_TRUTH = 10000
HOLDOUT_FRACTION = 0.2
SIZES = (50, 100, 200, 400, 800, 1600, 3200)
CURVE_DATASETS = 50
MARGIN = 0.01  # the claim: k-fold's RMSE at least one percentage point of error rate below hold-out's


class Params(DemoParams):
    n: int = Field(100, ge=20, le=5000, description="학습 데이터 크기 n (한 데이터셋의 예제 수)")
    k: int = Field(5, ge=2, le=20, description="k-fold의 k")
    datasets: int = Field(200, ge=20, le=2000, description="시드마다 새로 뽑는 데이터셋 수 (추정의 퍼짐을 재는 표본)")


SMALLEST = Params(datasets=100)
BREAKING = Params(n=5000, datasets=100)


def _with_bias(x):
    import torch

    return torch.cat([x, torch.ones(*x.shape[:-1], 1, dtype=x.dtype, device=x.device)], dim=-1)


def _statistics(xb, y):
    """The sufficient statistics of least squares, (XᵀX, Xᵀy), per training set: every fit below is a
    difference of sums of these, so the k folds cost one pass over the data."""
    return xb.transpose(-1, -2) @ xb, (xb.transpose(-1, -2) @ y.unsqueeze(-1)).squeeze(-1)


def _solve(gram, moment):
    """Ridge weights (bias last) from the statistics, batched over the first axis."""
    import torch

    eye = RIDGE * torch.eye(gram.shape[-1], dtype=gram.dtype, device=gram.device)
    return torch.linalg.solve(gram + eye, moment.unsqueeze(-1)).squeeze(-1)


def _errors(w, xb, y):
    """Error rate of each weight vector: w (R, d+1); xb (R, m, d+1) per model, or (m, d+1) shared."""
    import torch

    scores = w @ xb.T if xb.dim() == 2 else (xb @ w.unsqueeze(-1)).squeeze(-1)
    return (torch.sign(scores) != y).float().mean(dim=-1)


def estimates(x, y, k: int, x_truth, y_truth):
    """Per training set (first axis): hold-out estimate, k-fold estimate, naive fold SE, and the truth."""
    import torch

    R, n, _ = x.shape
    xb, truth_xb = _with_bias(x), _with_bias(x_truth)
    gram, moment = _statistics(xb, y)
    cut = n - max(round(HOLDOUT_FRACTION * n), 1)
    held_gram, held_moment = _statistics(xb[:, cut:], y[:, cut:])
    holdout = _errors(_solve(gram - held_gram, moment - held_moment), xb[:, cut:], y[:, cut:])
    bounds = [round(i * n / k) for i in range(k + 1)]
    fold_errors, wrong = [], torch.zeros(R, device=x.device)
    for a, b in zip(bounds, bounds[1:]):
        fold_gram, fold_moment = _statistics(xb[:, a:b], y[:, a:b])
        error = _errors(_solve(gram - fold_gram, moment - fold_moment), xb[:, a:b], y[:, a:b])
        fold_errors.append(error)
        wrong += error * (b - a)
    folds = torch.stack(fold_errors, dim=1)
    kfold = wrong / n
    naive_se = folds.std(dim=1) / math.sqrt(k)
    truth = _errors(_solve(gram, moment), truth_xb, y_truth)
    return holdout, kfold, naive_se, truth


def _draw(gen, count: int, w, device):
    import torch

    x = torch.randn(count, INPUTS, generator=gen)
    p = torch.sigmoid(x @ w)
    y = torch.where(torch.rand(count, generator=gen) < p, 1.0, -1.0)
    return x.to(device), y.to(device)


def _claim_metrics(holdout, kfold, naive, truth) -> dict[str, float]:
    """At the claim's n: both estimates' error against the truth, and the naive standard error's honesty."""
    rmse_h = ((holdout - truth) ** 2).mean().sqrt().item()
    rmse_k = ((kfold - truth) ** 2).mean().sqrt().item()
    return {
        "rmse_holdout": rmse_h,
        "rmse_kfold": rmse_k,
        "rmse_gain": rmse_h - rmse_k,
        "rmse_ratio": rmse_h / max(rmse_k, 1e-12),
        "naive_se_over_actual": naive.mean().item() / max((kfold - truth).std().item(), 1e-12),
        "mean_truth": truth.mean().item(),
        "bias_holdout": (holdout - truth).mean().item(),
        "bias_kfold": (kfold - truth).mean().item(),
    }


def _one_seed(params: Params, seed: int, sizes: list[int], device) -> tuple[dict[str, list[float]], dict, dict]:
    """One seed's teacher and truth set, then datasets of every size: both estimates' RMSE per size, the
    claim's metrics at n, and the sorted deviations at n."""
    import torch

    from app.demos.batched import generator

    gen = generator(seed * 7919 + 1)
    w = torch.randn(INPUTS, generator=gen)
    w = SIGNAL * w / w.norm()
    x_truth, y_truth = _draw(gen, N_TRUTH, w, device)
    rows: dict[str, list[float]] = {"holdout": [], "kfold": []}
    metrics, deviations = {}, {}
    for size in sizes:
        # The claim's n gets every dataset; the other sizes, drawn only for the curve, fewer.
        count = params.datasets if size == params.n else min(params.datasets, CURVE_DATASETS)
        x, y = _draw(gen, count * size, w, device)
        x, y = x.reshape(count, size, INPUTS), y.reshape(count, size)
        holdout, kfold, naive, truth = estimates(x, y, params.k, x_truth, y_truth)
        rows["holdout"].append(((holdout - truth) ** 2).mean().sqrt().item())
        rows["kfold"].append(((kfold - truth) ** 2).mean().sqrt().item())
        if size == params.n:
            metrics = _claim_metrics(holdout, kfold, naive, truth)
            deviations = {"holdout": sorted((holdout - truth).tolist()), "kfold": sorted((kfold - truth).tolist())}
    return rows, metrics, deviations


def run(params: Params, device, progress, seeds) -> Measurement:
    seeds = list(seeds)
    per_seed: dict[str, list[float | None]] = {key: [] for key in (
        "rmse_holdout", "rmse_kfold", "rmse_gain", "rmse_ratio", "naive_se_over_actual", "mean_truth",
        "bias_holdout", "bias_kfold")}
    curves: dict[str, list[list[float]]] = {"holdout": [], "kfold": []}
    deviations: dict[str, list[list[float]]] = {"holdout": [], "kfold": []}
    sizes = sorted({*SIZES, params.n})
    for s, seed in enumerate(seeds):
        rows, metrics, seed_deviations = _one_seed(params, seed, sizes, device)
        for key, value in metrics.items():
            per_seed[key].append(value)
        for key in rows:
            curves[key].append(rows[key])
            deviations[key].append(seed_deviations[key])
        progress(0.95 * (s + 1) / len(seeds), f"시드 {s + 1}/{len(seeds)}")

    charts = _charts(params, sizes, curves, deviations)
    table = _table(params, sizes, curves)
    progress(1.0, "완료", charts)
    return Measurement(per_seed=per_seed, charts=charts, table=table, notes=_notes(params, per_seed, sizes, curves))


def _charts(params: Params, sizes, curves, deviations) -> list[Chart]:
    from app.demos.batched import band

    by_n = []
    for key, label in (("holdout", "한 번 나누기 (20%)"), ("kfold", f"{params.k}-fold")):
        y, low, high = band(curves[key])
        by_n.append(Series(name=label, x=[float(v) for v in sizes], y=y, lower=low, upper=high))
    count = len(deviations["holdout"][0])
    quantiles = [(i + 0.5) / count for i in range(count)]
    spread = []
    for key, label in (("holdout", "한 번 나누기 (20%)"), ("kfold", f"{params.k}-fold")):
        y, low, high = band(deviations[key])
        spread.append(Series(name=label, x=quantiles, y=y, lower=low, upper=high))
    return [
        Chart(key="rmse_by_n", title="추정 오차의 RMSE (추정 − 참값), 데이터 크기별", x_label="n", y_label="RMSE (오류율)",
              log_x=True, log_y=True, series=by_n),
        Chart(key="deviation", title=f"n = {params.n}에서 추정 − 참값의 분포 (정렬한 분위수)", x_label="분위",
              y_label="추정 − 참값 (오류율)", series=spread),
    ]


def _table(params: Params, sizes, curves) -> Table:
    rows = []
    S = len(curves["holdout"])
    for i, size in enumerate(sizes):
        h = sum(curves["holdout"][s][i] for s in range(S)) / S
        k = sum(curves["kfold"][s][i] for s in range(S)) / S
        rows.append([size, max(round(HOLDOUT_FRACTION * size), 1), params.k, round(h, 4), round(k, 4), round(h / k, 2)])
    return Table(columns=["n", "한 번 나누기의 테스트 예제 수", "k", "RMSE 한 번 나누기", "RMSE k-fold", "비"], rows=rows)


def _mean(values) -> float:
    return sum(values) / len(values)


def _notes(params: Params, m, sizes, curves) -> list[str]:
    notes = []
    h, k = _mean(m["rmse_holdout"]), _mean(m["rmse_kfold"])
    gain = summarise(m["rmse_gain"])
    truth = _mean(m["mean_truth"])
    if gain.ci95 is not None and gain.ci95[0] > MARGIN:
        notes.append(f"n = {params.n}에서 한 번 나누기(테스트 {max(round(HOLDOUT_FRACTION * params.n), 1)}개)의 추정은 참 오류율"
                     f"({truth:.1%} 안팎)에서 평균 ±{h:.1%}p, {params.k}-fold는 ±{k:.1%}p 벗어났습니다: 모든 예제를 한 번씩 "
                     f"테스트에 쓰니 {h / k:.1f}배 덜 흔들립니다.")
    else:
        notes.append(f"n = {params.n}에서는 한 번 나누기(±{h:.2%}p)와 {params.k}-fold(±{k:.2%}p)의 차이가 "
                     f"{h - k:.2%}p로, {MARGIN:.0%}p 넘게 난다고 할 수 없습니다: 데이터가 많으면 검증 세트 하나로도 충분히 정확해, 딥러닝에서는 보통 "
                     f"k-fold를 하지 않습니다.")
    ratio = _mean(m["naive_se_over_actual"])
    if ratio < 0.9:
        notes.append(f"폴드 점수의 표준편차/√k로 낸 표준오차는 k-fold 추정의 실제 흔들림의 {ratio:.0%}에 그쳤습니다: 폴드들이 "
                     f"학습 데이터를 대부분 공유해 서로 독립이 아닙니다.")
    else:
        notes.append(f"폴드 점수의 표준편차/√k는 실제 흔들림의 {ratio:.0%}였습니다.")
    S = len(curves["holdout"])
    # The smallest n at which the two RMSEs differ by less than the margin, if any.
    close = [size for i, size in enumerate(sizes)
             if sum(curves["holdout"][s][i] - curves["kfold"][s][i] for s in range(S)) / S < MARGIN]
    if close:
        notes.append(f"두 방법의 RMSE 차이는 n = {close[0]}부터 {MARGIN:.0%}p 아래로 줄었습니다.")
    bias = _mean(m["bias_kfold"])
    notes.append(f"두 추정 모두 n보다 적은 데이터로 학습한 모델을 재므로 평균적으로 참값보다 약간 비관적입니다 "
                 f"(k-fold {bias:+.2%}p, 한 번 나누기 {_mean(m['bias_holdout']):+.2%}p).")
    return notes


DEMO = DemoSpec(
    slug="kfold-variance",
    title="k-fold 교차 검증 대 한 번 나누기: 추정은 얼마나 흔들리나",
    summary=(
        "같은 분포에서 데이터셋을 수백 번 새로 뽑아, 한 번 나눈 검증(20%)과 k-fold 교차 검증이 각각 참 오류율에서 얼마나 "
        "벗어나는지(RMSE) 잽니다. 데이터가 적을 때는 k-fold가 훨씬 덜 흔들리고, 데이터가 많으면 차이가 사라집니다."
    ),
    params=Params,
    smallest=SMALLEST,
    breaking=BREAKING,
    run=run,
    claims=(
        Claim(metric="rmse_gain", direction="greater", margin=MARGIN,
              statement="k-fold 추정의 오차(RMSE)가 한 번 나누기보다 1%p 넘게 작다",
              metric_label="추정 오차(RMSE) 이득 (한 번 나누기 − k-fold)"),
    ),
    metric_labels={
        "rmse_holdout": "추정 오차 RMSE (한 번 나누기)", "rmse_kfold": "추정 오차 RMSE (k-fold)",
        "rmse_ratio": "추정 오차 RMSE 비 (한 번 나누기 ÷ k-fold)",
        "naive_se_over_actual": "k-fold 단순 표준오차 ÷ 실제 추정 오차의 표준편차",
        "mean_truth": "참 일반화 오차 (평균)",
        "bias_holdout": "추정 편향 (한 번 나누기 − 참값)", "bias_kfold": "추정 편향 (k-fold − 참값)",
    },
    concepts=("cross_validation", "validation_set", "train_test_split", "variance", "unbiased_estimation",
              "test_set"),
    questions=(
        QuestionRef("면접 #15", "Training 세트와 Test 세트를 분리하는 이유"),
        QuestionRef("면접 #15-1", "Validation 세트가 따로 있는 이유"),
        QuestionRef("2주차 4", "비편향 추정이 필요없다는 뜻"),
    ),
    citations=(
        Citation(authors="Kohavi", year=1995,
                 title="A Study of Cross-Validation and Bootstrap for Accuracy Estimation and Model Selection",
                 url="https://www.ijcai.org/Proceedings/95-2/Papers/016.pdf"),
        Citation(authors="Bengio & Grandvalet", year=2004,
                 title="No Unbiased Estimator of the Variance of K-Fold Cross-Validation",
                 url="https://jmlr.org/papers/v5/grandvalet04a.html"),
    ),
    version="1",
)
