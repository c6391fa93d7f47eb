"""Convolution output size: the formula people quote against the size torch actually returns.

Each seed draws random layer configurations — input size n, kernel k, padding p, stride s, dilation
d, and a convolution or a max-pooling layer — runs the layer on a random n×n image and reads the output
size. Two formulas are checked against it:

* the one usually quoted, ``(n + 2p − k)/s + 1`` (no floor, no dilation), counted right only where it
  gives the measured size exactly;
* the one torch documents, ``⌊(n + 2p − d(k−1) − 1)/s⌋ + 1`` (Dumoulin & Visin 2016).

The floor has a consequence that is measured too: when the stride does not divide ``n + 2p − d(k−1) − 1``,
the last windows do not fit and the remaining input rows are never read. Backpropagating the output's sum
to the input (with positive weights, so nothing cancels) shows those rows as zero gradient; the rows
the formula predicts are compared with them. At stride 1 both formulas agree; the quoted one breaks as
soon as strides above 1 (or dilations) are drawn.
"""

from __future__ import annotations

from pydantic import Field

from app.demos.base import Chart, Citation, DemoParams, DemoSpec, Measurement, QuestionRef, Series, Table
from app.demos.evidence import Claim

KERNELS = (1, 2, 3, 4, 5, 7)
SWEEP_KERNEL, SWEEP_PADDING = 3, 1


class Params(DemoParams):
    stride: int = Field(1, ge=1, le=4, description="가장 큰 스트라이드 s (조합마다 1부터 이 값까지 고르게 뽑음)")
    dilation: int = Field(1, ge=1, le=3, description="가장 큰 팽창 d (dilation, 1이면 빈칸 없는 보통 커널)")
    max_size: int = Field(32, ge=8, le=96, description="입력 한 변 n의 최댓값")
    configs: int = Field(120, ge=20, le=600, description="시드마다 뽑아 재 보는 (n, k, p, s, d) 조합 수")


SMALLEST = Params(configs=40)
BREAKING = Params(stride=3)


def quoted_size(n: int, k: int, p: int, s: int) -> float:
    return (n + 2 * p - k) / s + 1


def exact_size(n: int, k: int, p: int, s: int, d: int) -> int:
    return (n + 2 * p - d * (k - 1) - 1) // s + 1


def unread_rows(n: int, k: int, p: int, s: int, d: int) -> set[int]:
    """Input rows no window of the layer touches (from the formula: windows start at j·s − p)."""
    out = exact_size(n, k, p, s, d)
    touched = {j * s + t * d - p for j in range(out) for t in range(k)}
    return {i for i in range(n) if i not in touched}


def _draw(gen, params: Params) -> list[dict]:
    import torch

    def pick(low: int, high: int) -> int:
        return int(torch.randint(low, high + 1, (1,), generator=gen))

    configs = []
    for _ in range(params.configs):
        kind = "pool" if pick(0, 2) == 0 else "conv"  # a third pooling layers, as they follow the same rule
        k = KERNELS[pick(0, len(KERNELS) - 1)]
        s, d, p = pick(1, params.stride), pick(1, params.dilation), pick(0, k // 2)
        n = pick(max(1, d * (k - 1) + 1 - 2 * p), params.max_size)
        configs.append(dict(kind=kind, n=n, k=k, p=p, s=s, d=d))
    return configs


def _measure(config: dict, gen, device) -> tuple[int, set[int] | None]:
    """The output side torch returns, and (for a convolution) the input rows whose gradient is zero."""
    import torch
    import torch.nn.functional as F

    n, k, p, s, d = (config[key] for key in ("n", "k", "p", "s", "d"))
    image = torch.randn(1, 1, n, n, generator=gen).to(device)
    if config["kind"] == "pool":
        return int(F.max_pool2d(image, k, stride=s, padding=p, dilation=d).shape[-1]), None
    image.requires_grad_()
    weight = (torch.rand(1, 1, k, k, generator=gen) + 0.1).to(device)  # positive: no gradient cancels to 0
    output = F.conv2d(image, weight, stride=s, padding=p, dilation=d)
    output.sum().backward()
    row_gradient = image.grad[0, 0].abs().sum(dim=1)
    return int(output.shape[-1]), {int(i) for i in (row_gradient == 0).nonzero().flatten().tolist()}


def _seed_rows(gen, params: Params, device) -> list[dict]:
    """One seed's drawn layers, each with its measured output size, both formulas' sizes and the input
    rows it never read (measured and predicted)."""
    rows = []
    for config in _draw(gen, params):
        measured, zero_rows = _measure(config, gen, device)
        quoted = quoted_size(config["n"], config["k"], config["p"], config["s"])
        exact = exact_size(config["n"], config["k"], config["p"], config["s"], config["d"])
        predicted = unread_rows(config["n"], config["k"], config["p"], config["s"], config["d"])
        rows.append(dict(config, measured=measured, quoted=quoted, exact=exact, quoted_ok=quoted == measured,
                         exact_ok=exact == measured, zero_rows=zero_rows, predicted=predicted))
    return rows


def _seed_metrics(rows: list[dict]) -> dict[str, float | None]:
    """How often each formula matched, and how often the unread rows were predicted and present (convs only)."""
    convs = [r for r in rows if r["kind"] == "conv"]
    return {
        "quoted_match_rate": sum(r["quoted_ok"] for r in rows) / len(rows),
        "exact_match_rate": sum(r["exact_ok"] for r in rows) / len(rows),
        "unread_rows_predicted_rate": (sum(r["zero_rows"] == r["predicted"] for r in convs) / len(convs)
                                       if convs else None),
        "configs_with_unread_rows": sum(bool(r["zero_rows"]) for r in convs) / len(convs) if convs else None,
    }


def _tally(rows: list[dict], counts: dict[int, list[int]], by_stride: dict[int, list[tuple[float, float]]]) -> None:
    """Adds one seed's rows to the per-stride counts (configs, quoted ok, exact ok, unread rows) and match rates."""
    for row in rows:
        tally = counts[row["s"]]
        tally[0] += 1
        tally[1] += row["quoted_ok"]
        tally[2] += row["exact_ok"]
        tally[3] += bool(row["zero_rows"])
    for s in by_stride:
        chosen = [r for r in rows if r["s"] == s]
        if chosen:
            by_stride[s].append((sum(r["quoted_ok"] for r in chosen) / len(chosen),
                                 sum(r["exact_ok"] for r in chosen) / len(chosen)))


def run(params: Params, device, progress, seeds) -> Measurement:
    from app.demos.batched import generator

    seeds = list(seeds)
    per_seed: dict[str, list[float | None]] = {name: [] for name in (
        "quoted_match_rate", "exact_match_rate", "unread_rows_predicted_rate", "configs_with_unread_rows")}
    by_stride: dict[int, list[tuple[float, float]]] = {s: [] for s in range(1, params.stride + 1)}
    counts = {s: [0, 0, 0, 0] for s in range(1, params.stride + 1)}
    mismatches: list[dict] = []
    unread_examples: list[dict] = []
    for index, seed in enumerate(seeds):
        rows = _seed_rows(generator(seed * 7919 + 11), params, device)
        if index == 0:  # the notes quote the first seed's examples
            mismatches = [row for row in rows if not row["quoted_ok"]]
            unread_examples = [row for row in rows if row["zero_rows"]]
        for name, value in _seed_metrics(rows).items():
            per_seed[name].append(value)
        _tally(rows, counts, by_stride)
        progress(0.9 * (index + 1) / len(seeds), f"시드 {index + 1}/{len(seeds)}")
    charts = [_sweep_chart(params, device), _stride_chart(by_stride)]
    table = _table(counts)
    progress(1.0, "완료", charts)
    return Measurement(per_seed=per_seed, charts=charts, table=table,
                       notes=_notes(params, per_seed, mismatches, unread_examples))


def _sweep_chart(params: Params, device) -> Chart:
    """Output side against input side for one layer (k=3, p=1) at the largest stride and dilation."""
    import torch
    import torch.nn.functional as F

    s, d = params.stride, params.dilation
    sizes = list(range(max(1, d * (SWEEP_KERNEL - 1) + 1 - 2 * SWEEP_PADDING), params.max_size + 1))
    weight = torch.ones(1, 1, SWEEP_KERNEL, SWEEP_KERNEL, device=device)
    measured = [float(F.conv2d(torch.zeros(1, 1, n, n, device=device), weight, stride=s, padding=SWEEP_PADDING,
                               dilation=d).shape[-1]) for n in sizes]
    x = [float(n) for n in sizes]
    return Chart(key="sweep", title=f"출력 크기: 실측 vs 식 (k={SWEEP_KERNEL}, p={SWEEP_PADDING}, s={s}, d={d})",
                 x_label="입력 크기 n", y_label="출력 크기", series=[
                     Series(name="실측 (torch conv2d)", x=x, y=measured),
                     Series(name="⌊(n+2p−d(k−1)−1)/s⌋+1", x=x,
                            y=[float(exact_size(n, SWEEP_KERNEL, SWEEP_PADDING, s, d)) for n in sizes]),
                     Series(name="(n+2p−k)/s+1 (흔히 인용되는 식)", x=x,
                            y=[quoted_size(n, SWEEP_KERNEL, SWEEP_PADDING, s) for n in sizes]),
                 ])


def _stride_chart(by_stride: dict[int, list[tuple[float, float]]]) -> Chart:
    from app.demos.batched import band

    strides = [s for s, values in by_stride.items() if values]
    series = []
    for position, name in ((0, "(n+2p−k)/s+1"), (1, "floor·팽창을 넣은 식")):
        # band() wants per-seed lists over the x points; seeds that drew no config of a stride are skipped.
        per_seed = [[values[i][position] if i < len(values) else None for values in
                     (by_stride[s] for s in strides)] for i in range(max(len(by_stride[s]) for s in strides))]
        y, low, high = band(per_seed)
        series.append(Series(name=name, x=[float(s) for s in strides], y=y, lower=low, upper=high))
    return Chart(key="match_by_stride", title="스트라이드별로 식이 실측과 맞은 비율 (띠는 시드 최소~최대)",
                 x_label="스트라이드 s", y_label="맞은 비율", series=series)


def _table(counts: dict[int, list[int]]) -> Table:
    rows = []
    for s, (total, quoted, exact, unread) in counts.items():
        if total:
            rows.append([s, total, f"{quoted}/{total}", f"{exact}/{total}", unread])
    return Table(columns=["스트라이드 s", "조합 수 (시드 합)", "(n+2p−k)/s+1이 맞음", "floor 식이 맞음",
                          "읽히지 않은 입력 줄이 있던 합성곱"], rows=rows)


def _describe(row: dict) -> str:
    return f"n={row['n']}, k={row['k']}, p={row['p']}, s={row['s']}, d={row['d']}"


def _notes(params: Params, m: dict, mismatches: list[dict], unread_examples: list[dict]) -> list[str]:
    notes = []
    quoted = sum(m["quoted_match_rate"]) / len(m["quoted_match_rate"])
    exact = sum(m["exact_match_rate"]) / len(m["exact_match_rate"])
    if mismatches:
        example = mismatches[0]
        reason = ("팽창을 빼먹어" if example["d"] > 1 and (example["n"] + 2 * example["p"] - example["k"]) % example["s"] == 0
                  else "나누어떨어지지 않는 몫을 버리지 않아")
        notes.append(f"흔히 인용되는 식은 조합의 {quoted:.0%}에서만 맞았습니다. 예: {_describe(example)}이면 실측 "
                     f"{example['measured']}인데 식은 {example['quoted']:.3g}입니다 ({reason} 틀립니다).")
    else:
        notes.append(f"스트라이드 {params.stride} 이하, 팽창 {params.dilation} 이하에서는 흔히 인용되는 식도 모든 조합에서 "
                     f"맞았습니다: s = 1이면 나눗셈이 없고 d = 1이면 커널에 빈칸이 없습니다. 스트라이드를 2 이상으로 올리면 "
                     f"어긋납니다.")
    if exact >= 1:
        notes.append("floor와 팽창을 넣은 식은 합성곱과 최대 풀링 모두 모든 조합에서 실측과 같았습니다.")
    else:
        notes.append(f"floor와 팽창을 넣은 식도 조합의 {exact:.0%}에서만 맞았습니다: 이 식이 빠뜨린 규칙이 있습니다.")
    unread = [v for v in m["configs_with_unread_rows"] if v is not None]
    predicted = [v for v in m["unread_rows_predicted_rate"] if v is not None]
    if unread and max(unread) > 0 and unread_examples:
        # Rows cut off at the end are the floor's remainder; rows skipped inside come from a window
        # narrower than the stride (d(k−1)+1 < s).
        trailing = [r for r in unread_examples if max(r["zero_rows"]) == r["n"] - 1
                    and min(r["zero_rows"]) > r["n"] - 1 - r["s"]]
        inside = [r for r in unread_examples if r not in trailing]
        examples = []
        if trailing:
            examples.append(f"끝의 줄은 floor로 버려진 몫입니다(예: {_describe(trailing[0])}에서 "
                            f"{sorted(trailing[0]['zero_rows'])}번 줄)")
        if inside:
            row = inside[0]
            why = ("커널 폭 d(k−1)+1이 스트라이드보다 좁아" if row["d"] * (row["k"] - 1) + 1 < row["s"]
                   else "팽창된 커널의 빈칸과 스트라이드가 맞물려")
            examples.append(f"중간의 줄은 {why} 창이 건너뛴 칸입니다(예: {_describe(row)}에서 "
                            f"{sorted(row['zero_rows'])[:6]}번 줄…)")
        notes.append(f"합성곱의 {sum(unread) / len(unread):.0%}에서 어떤 출력에도 쓰이지 않은 입력 줄이 있었습니다(역전파 기울기 0): "
                     f"{'; '.join(examples)}. 식으로 예측한 줄과 역전파로 잰 줄은 합성곱의 "
                     f"{sum(predicted) / len(predicted):.0%}에서 같았습니다.")
    else:
        notes.append("스트라이드 1에서는 창이 한 칸씩 움직여 모든 입력 줄이 적어도 한 출력에 쓰였습니다(기울기가 0인 줄 없음).")
    return notes


DEMO = DemoSpec(
    slug="conv-output-shape",
    title="합성곱 출력 크기: 패딩·스트라이드·팽창과 floor",
    summary=(
        "무작위로 뽑은 입력 크기·커널·패딩·스트라이드·팽창 조합에서 torch가 돌려준 출력 크기를 식과 맞춰 봅니다. "
        "흔히 인용되는 (n+2p−k)/s+1은 스트라이드 1에서만 늘 맞고, 나머지를 버리는 floor와 팽창을 넣어야 언제나 맞습니다."
    ),
    params=Params,
    smallest=SMALLEST,
    breaking=BREAKING,
    run=run,
    claims=(
        Claim(metric="quoted_match_rate", direction="greater", margin=0.99,
              statement="흔히 인용되는 식 (n+2p−k)/s+1이 실제 출력 크기와 맞는다",
              metric_label="흔히 인용되는 식의 일치율"),
        Claim(metric="exact_match_rate", direction="greater", margin=0.99,
              statement="⌊(n+2p−d(k−1)−1)/s⌋+1 식이 실제 출력 크기와 맞는다",
              metric_label="팽창까지 넣은 식의 일치율"),
    ),
    metric_labels={
        "unread_rows_predicted_rate": "읽히지 않는 입력 행이 예측과 맞은 비율 (합성곱)",
        "configs_with_unread_rows": "읽히지 않는 입력 행이 있는 설정의 비율 (합성곱)",
    },
    concepts=("convolution", "padding", "stride", "kernel", "feature_map", "pooling", "shape", "dilated_convolution"),
    questions=(QuestionRef("면접 #18-3", "filter 크기, padding, stride"),),
    citations=(
        Citation(authors="Dumoulin, Visin", year=2016, title="A guide to convolution arithmetic for deep learning",
                 url="https://arxiv.org/abs/1603.07285"),
    ),
    version="1",
)
