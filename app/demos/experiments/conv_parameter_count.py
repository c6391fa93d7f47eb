"""Parameter counts of a convolution, a 1×1 convolution, pooling and a dense layer with the same output.

Every layer maps a feature map of ``C_in`` channels and ``H×W`` pixels to the same output shape. The
counts are read from torch modules built on the ``meta`` device (shapes without memory, so a dense layer
of billions of weights costs nothing to count) and compared with the formulas: ``k²·C_in·C_out + C_out``
for a convolution, ``(H·W·C_in)·(H·W·C_out) + H·W·C_out`` for the dense layer, none for pooling. A
convolution's count does not depend on the image size; a dense layer's grows with its square.

Two measurements use seeded random inputs and weights: a 1×1 convolution against a dense layer applied at
every pixel with the same weights (channel mixing: the outputs agree to rounding), and how many input
pixels one output pixel depends on (its gradient's support): k² for a k×k convolution, 1 for a 1×1
convolution, all H·W for the dense layer. And what channel mixing can and cannot learn: on seeded
8×8 images, two targets are made from a random mixing of the channels (plus noise), one at the same pixel
and one at the right-hand neighbour; a 1×1 and a k×k convolution are fitted by least squares on six
images and scored (R²) on two held-out ones. The 1×1 convolution fits the first and not the second. The claim that convolutions need fewer parameters breaks where
the feature map is as small as the kernel: on a 1×1 map a 3×3 convolution spends 9× the weights of a
dense layer on taps that only ever see padding.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from app.demos.base import Chart, Citation, DemoParams, DemoSpec, Measurement, QuestionRef, Series, Table
from app.demos.evidence import Claim

POOL = 2
TOLERANCE = 1e-5
FIT_SIZE, FIT_TRAIN, FIT_TEST, FIT_NOISE = 8, 6, 2, 0.1
SWEEP_SIZES = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64)


class Params(DemoParams):
    image_size: int = Field(16, ge=1, le=64, description="입력 특징 맵 한 변의 픽셀 수 H = W")
    channels_in: int = Field(16, ge=1, le=256, description="입력 채널 수 C_in")
    channels_out: int = Field(32, ge=1, le=256, description="출력 채널 수 C_out")
    kernel: int = Field(3, ge=1, le=7, description="합성곱 커널 한 변 k (홀수, 'same' 패딩 k//2)")

    @model_validator(mode="after")
    def _odd_kernel(self):
        if self.kernel % 2 == 0:
            raise ValueError("kernel은 홀수여야 합니다: 'same' 패딩 k//2로 출력 크기를 입력과 같게 두려면")
        return self


SMALLEST = Params()
BREAKING = Params(image_size=1)


def conv_count(params: Params, kernel: int | None = None) -> int:
    k = params.kernel if kernel is None else kernel
    return k * k * params.channels_in * params.channels_out + params.channels_out


def dense_count(size: int, channels_in: int, channels_out: int, out_size: int | None = None) -> int:
    out_pixels = (size if out_size is None else out_size) ** 2
    return size * size * channels_in * out_pixels * channels_out + out_pixels * channels_out


def _counted(module) -> int:
    return sum(p.numel() for p in module.parameters())


def _modules(torch, params: Params, size: int) -> dict:
    """The layers on the meta device: shapes only, so even a huge dense layer is free to count."""
    nn = torch.nn
    c_in, c_out, k = params.channels_in, params.channels_out, params.kernel
    pooled = size // POOL
    with torch.device("meta"):
        layers = {
            "conv": nn.Conv2d(c_in, c_out, k, padding=k // 2),
            "conv1x1": nn.Conv2d(c_in, c_out, 1),
            "dense": nn.Linear(size * size * c_in, size * size * c_out),
            "pool": nn.MaxPool2d(POOL),
        }
        if pooled:
            layers["dense_like_pool"] = nn.Linear(size * size * c_in, pooled * pooled * c_in)
    return layers


def _formulas(params: Params, size: int) -> dict[str, int]:
    pooled = size // POOL
    counts = {"conv": conv_count(params), "conv1x1": conv_count(params, 1),
              "dense": dense_count(size, params.channels_in, params.channels_out), "pool": 0}
    if pooled:
        counts["dense_like_pool"] = dense_count(size, params.channels_in, params.channels_in, pooled)
    return counts


def _pixels_seen(torch, layer, params: Params, size: int, gen, device, flatten: bool) -> int:
    """How many input pixels the centre output pixel depends on (non-zero gradient of one output)."""
    image = torch.randn(1, params.channels_in, size, size, generator=gen).to(device).requires_grad_()
    output = layer(image.reshape(1, -1)).reshape(1, params.channels_out, size, size) if flatten else layer(image)
    output[0, :, size // 2, size // 2].abs().sum().backward()
    return int((image.grad[0].abs().sum(dim=0) > 0).sum())


def _real_layers(torch, params: Params, size: int, gen, device) -> dict:
    """Seeded weights for the measurements (the dense layer only where it is small enough to hold)."""
    nn = torch.nn
    c_in, c_out, k = params.channels_in, params.channels_out, params.kernel
    layers = {"conv": nn.Conv2d(c_in, c_out, k, padding=k // 2), "conv1x1": nn.Conv2d(c_in, c_out, 1)}
    if dense_count(size, c_in, c_out) <= 2_000_000:
        layers["dense"] = nn.Linear(size * size * c_in, size * size * c_out)
    for layer in layers.values():
        with torch.no_grad():
            for p in layer.parameters():
                p.copy_(torch.randn(p.shape, generator=gen) / max(p.shape[-1], 1) ** 0.5)
    return {name: layer.to(device) for name, layer in layers.items()}


def _fit_r2(torch, params: Params, gen, device) -> dict[str, float]:
    """Held-out R² of a 1×1 and a k×k convolution fitted by least squares to two channel-mixing targets."""
    import torch.nn.functional as F

    c_in, c_out, k = params.channels_in, params.channels_out, params.kernel
    images = torch.randn(FIT_TRAIN + FIT_TEST, c_in, FIT_SIZE, FIT_SIZE, generator=gen).to(device)
    mixing = (torch.randn(c_out, c_in, generator=gen) / c_in ** 0.5).to(device)
    noise = FIT_NOISE * torch.randn(2, FIT_TRAIN + FIT_TEST, c_out, FIT_SIZE, FIT_SIZE, generator=gen).to(device)
    same = torch.einsum("oc,bchw->bohw", mixing, images) + noise[0]
    # The neighbour to the right (zero beyond the edge), as a 3×3 or larger kernel could see it.
    shifted = F.pad(images[..., 1:], (0, 1))
    neighbour = torch.einsum("oc,bchw->bohw", mixing, shifted) + noise[1]

    def features(kernel: int):
        patches = F.unfold(images, kernel, padding=kernel // 2)  # (b, c_in·k², pixels)
        patches = patches.transpose(1, 2).reshape(-1, c_in * kernel * kernel)
        return torch.cat([patches, torch.ones(len(patches), 1, device=device)], dim=1)

    def r2(inputs, target) -> float:
        target = target.permute(0, 2, 3, 1).reshape(-1, c_out)
        split = FIT_TRAIN * FIT_SIZE * FIT_SIZE
        solution = torch.linalg.lstsq(inputs[:split], target[:split]).solution
        residual = ((inputs[split:] @ solution - target[split:]) ** 2).sum()
        total = ((target[split:] - target[:split].mean(dim=0)) ** 2).sum()
        # Rounded: LAPACK's summation order is not promised across runs, the sixth decimal is noise anyway.
        return round(float(1 - residual / total), 6)

    one, wide = features(1), features(k)
    return {"r2_1x1_same_pixel": r2(one, same), "r2_1x1_neighbour": r2(one, neighbour),
            "r2_kxk_neighbour": r2(wide, neighbour)}


def _conv1x1_equals_per_pixel_dense(torch, layer, image) -> float:
    """1×1 convolution = the same dense layer (C_in → C_out) at every pixel: channel mixing. Equal up to
    float rounding: the two paths sum in different orders (and the convolution kernel torch picks may
    depend on memory alignment), so the exact difference is not a stable number."""
    weight = layer.weight[:, :, 0, 0]
    with torch.no_grad():
        by_conv = layer(image)
        by_pixel = torch.einsum("oc,bchw->bohw", weight, image) + layer.bias[None, :, None, None]
    scale = by_pixel.abs().max().clamp(min=1e-12)
    return float((by_conv - by_pixel).abs().max() / scale < TOLERANCE)


def _one_seed(torch, params: Params, seed: int, counted: dict, formulas: dict, device) -> dict[str, float | None]:
    """One seed's layers, probes and fits, drawn from its generator in this order."""
    import math

    from app.demos.batched import generator

    size = params.image_size
    gen = generator(seed * 7919 + 5)
    layers = _real_layers(torch, params, size, gen, device)
    image = torch.randn(2, params.channels_in, size, size, generator=gen).to(device)
    measured: dict[str, float | None] = {
        "conv1x1_equals_per_pixel_dense": _conv1x1_equals_per_pixel_dense(torch, layers["conv1x1"], image),
        "pixels_seen_conv": float(_pixels_seen(torch, layers["conv"], params, size, gen, device, False)),
        "pixels_seen_1x1": float(_pixels_seen(torch, layers["conv1x1"], params, size, gen, device, False)),
        "pixels_seen_dense": (float(_pixels_seen(torch, layers["dense"], params, size, gen, device, True))
                              if "dense" in layers else None),
    }
    ratio = counted["dense"] / counted["conv"]
    measured |= {"dense_over_conv": ratio, "log10_dense_over_conv": math.log10(ratio),
                 "counts_match_formulas": float(counted == formulas)}
    fits = _fit_r2(torch, params, gen, device)
    measured |= fits
    measured["r2_gap_1x1_same_minus_neighbour"] = fits["r2_1x1_same_pixel"] - fits["r2_1x1_neighbour"]
    return measured


def run(params: Params, device, progress, seeds) -> Measurement:
    import torch

    size = params.image_size
    formulas = _formulas(params, size)
    counted = {name: _counted(layer) for name, layer in _modules(torch, params, size).items()}
    per_seed: dict[str, list[float | None]] = {name: [] for name in (
        "log10_dense_over_conv", "dense_over_conv", "conv1x1_equals_per_pixel_dense", "pixels_seen_conv",
        "pixels_seen_1x1", "pixels_seen_dense", "counts_match_formulas", "r2_1x1_same_pixel", "r2_1x1_neighbour",
        "r2_kxk_neighbour", "r2_gap_1x1_same_minus_neighbour")}
    for index, seed in enumerate(seeds):
        for name, value in _one_seed(torch, params, seed, counted, formulas, device).items():
            per_seed[name].append(value)
        progress(0.8 * (index + 1) / len(seeds), f"시드 {index + 1}/{len(seeds)}")
    charts = [_sweep_chart(torch, params)]
    table = _table(params, counted, formulas, per_seed)
    progress(1.0, "완료", charts)
    return Measurement(per_seed=per_seed, charts=charts, table=table, notes=_notes(params, counted, per_seed))


def _sweep_chart(torch, params: Params) -> Chart:
    """Counts read from meta-device modules at every image size (checked against the formulas in the table)."""
    series = {"conv": [], "conv1x1": [], "dense": []}
    for size in SWEEP_SIZES:
        layers = _modules(torch, params, size)
        for name in series:
            series[name].append(float(_counted(layers[name])))
    x = [float(s) for s in SWEEP_SIZES]
    names = {"conv": f"{params.kernel}×{params.kernel} 합성곱", "conv1x1": "1×1 합성곱", "dense": "완전 연결층"}
    return Chart(key="params_by_size", title=f"파라미터 수 vs 특징 맵 크기 (C_in={params.channels_in}, "
                 f"C_out={params.channels_out}; 풀링은 0개라 빠짐)", x_label="H = W", y_label="파라미터 수",
                 log_x=True, log_y=True, series=[Series(name=names[n], x=x, y=ys) for n, ys in series.items()])


def _mean(values) -> float | None:
    finite = [v for v in values if v is not None]
    return sum(finite) / len(finite) if finite else None


def _table(params: Params, counted: dict, formulas: dict, m: dict) -> Table:
    h, c_in, c_out, k = params.image_size, params.channels_in, params.channels_out, params.kernel
    macs = {"conv": k * k * c_in * c_out * h * h, "conv1x1": c_in * c_out * h * h,
            "dense": (h * h * c_in) * (h * h * c_out), "pool": POOL * POOL * c_in * (h // POOL) ** 2}
    seen = {"conv": _mean(m["pixels_seen_conv"]), "conv1x1": _mean(m["pixels_seen_1x1"]),
            "dense": _mean(m["pixels_seen_dense"])}
    labels = {"conv": f"{k}×{k} 합성곱", "conv1x1": "1×1 합성곱", "dense": "완전 연결층 (같은 출력 모양)",
              "pool": f"{POOL}×{POOL} 최대 풀링", "dense_like_pool": "완전 연결층 (풀링과 같은 출력 모양)"}
    shapes = {"conv": (c_out, h), "conv1x1": (c_out, h), "dense": (c_out, h), "pool": (c_in, h // POOL),
              "dense_like_pool": (c_in, h // POOL)}
    rows = []
    for name, label in labels.items():
        if name not in counted:
            continue
        channels, side = shapes[name]
        rows.append([label, f"{channels}×{side}×{side}", counted[name], formulas[name], counted[name] == formulas[name],
                     macs.get(name), None if seen.get(name) is None else round(seen[name])])
    return Table(columns=["층", "출력 모양", "파라미터 수 (torch)", "식", "일치", "곱셈 수 (MAC)",
                          "출력 픽셀 하나가 보는 입력 픽셀"], rows=rows)


def _notes(params: Params, counted: dict, m: dict) -> list[str]:
    notes = []
    ratio = m["dense_over_conv"][0]
    h, k = params.image_size, params.kernel
    if ratio > 1:
        notes.append(f"{h}×{h} 특징 맵에서 같은 출력 모양을 내는 완전 연결층은 파라미터가 {counted['dense']:,}개로, "
                     f"{k}×{k} 합성곱({counted['conv']:,}개)의 {ratio:,.0f}배입니다: 합성곱은 모든 위치에 같은 커널을 "
                     f"나눠 쓰므로 파라미터 수가 H·W와 무관합니다.")
    else:
        notes.append(f"{h}×{h} 특징 맵에서는 {k}×{k} 합성곱({counted['conv']:,}개)이 완전 연결층({counted['dense']:,}개)보다 "
                     f"오히려 {1 / ratio:.1f}배 많습니다: 커널의 탭 대부분이 패딩만 보게 되어, 맵이 커널보다 작아지면 "
                     f"가중치 공유의 이득이 사라집니다" + ("(1×1 맵에서는 1×1 합성곱이 곧 완전 연결층입니다)." if h == 1 else "."))
    equal = sum(m["conv1x1_equals_per_pixel_dense"])
    if equal == len(m["conv1x1_equals_per_pixel_dense"]):
        notes.append(f"1×1 합성곱의 출력과, 같은 가중치의 완전 연결층(C_in → C_out)을 픽셀마다 따로 적용한 결과는 시드마다 "
                     f"상대 오차 {TOLERANCE:g} 안에서 같았습니다(반올림 차이뿐): 1×1 합성곱은 위치를 섞지 않고 채널만 섞습니다.")
    else:
        notes.append(f"1×1 합성곱과 픽셀별 완전 연결층의 출력이 시드 {len(m['conv1x1_equals_per_pixel_dense']) - equal:.0f}개에서 "
                     f"상대 오차 {TOLERANCE:g}을 넘게 달랐습니다.")
    same, neighbour, wide = (_mean(m[n]) for n in ("r2_1x1_same_pixel", "r2_1x1_neighbour", "r2_kxk_neighbour"))
    if same - neighbour > 0.5:
        notes.append(f"채널 섞기로 만든 목표를 최소제곱으로 맞혀 보면, 1×1 합성곱은 같은 픽셀의 채널 조합은 held-out R² {same:.2f}로 "
                     f"맞히지만 오른쪽 이웃 픽셀의 조합은 {neighbour:.2f}에 그쳤습니다. {k}×{k} 합성곱은 이웃 목표도 "
                     f"{wide:.2f}였습니다.")
    else:
        notes.append(f"이번에는 1×1 합성곱이 같은 픽셀 목표(R² {same:.2f})와 이웃 픽셀 목표({neighbour:.2f})를 뚜렷이 가르지 "
                     f"못했습니다.")
    seen_conv, seen_1x1 = _mean(m["pixels_seen_conv"]), _mean(m["pixels_seen_1x1"])
    seen_dense = _mean(m["pixels_seen_dense"])
    dense_text = (f", 완전 연결층은 {seen_dense:.0f}개(전부)" if seen_dense is not None
                  else " (완전 연결층은 너무 커서 만들지 않았습니다)")
    notes.append(f"출력 픽셀 하나의 기울기가 닿는 입력 픽셀은 {k}×{k} 합성곱이 {seen_conv:.0f}개, 1×1 합성곱이 "
                 f"{seen_1x1:.0f}개{dense_text}였습니다.")
    if "dense_like_pool" in counted:
        notes.append(f"{POOL}×{POOL} 최대 풀링은 파라미터가 0개인데, 같은 크기로 줄이는 완전 연결층은 "
                     f"{counted['dense_like_pool']:,}개가 필요합니다.")
    return notes


DEMO = DemoSpec(
    slug="conv-parameter-count",
    title="파라미터 수: 합성곱 vs 풀링 vs 완전 연결층, 1×1 합성곱",
    summary=(
        "같은 모양의 출력을 내는 합성곱·1×1 합성곱·풀링·완전 연결층의 파라미터를 torch 모듈에서 세어 식과 맞춰 봅니다. "
        "합성곱은 특징 맵 크기와 무관하게 적고, 1×1 합성곱은 픽셀마다 채널만 섞는 완전 연결층과 같습니다. "
        "맵이 커널보다 작으면 합성곱 쪽이 오히려 많습니다."
    ),
    params=Params,
    smallest=SMALLEST,
    breaking=BREAKING,
    run=run,
    claims=(
        Claim(metric="log10_dense_over_conv", direction="greater", margin=1.0,
              statement="합성곱층의 파라미터는 같은 출력 모양의 완전 연결층보다 10배 이상 적다",
              metric_label="파라미터 수 비 (완전 연결 ÷ 합성곱, log10)"),
        Claim(metric="conv1x1_equals_per_pixel_dense", direction="greater", margin=0.5,
              statement="1×1 합성곱은 픽셀마다 같은 완전 연결층을 적용한 것과 같다",
              metric_label="1×1 합성곱과 픽셀별 완전 연결층이 같은지 (같으면 1)"),
        Claim(metric="r2_gap_1x1_same_minus_neighbour", direction="greater", margin=0.5,
              statement="1×1 합성곱은 같은 픽셀의 채널 조합은 배우고 이웃 픽셀이 필요한 목표는 못 배운다",
              metric_label="1×1 합성곱의 시험 R² 차 (같은 픽셀 목표 − 이웃 픽셀 목표)"),
    ),
    metric_labels={
        "dense_over_conv": "파라미터 수 비 (완전 연결 ÷ k×k 합성곱)",
        "pixels_seen_conv": "출력 한 픽셀이 의존하는 입력 픽셀 수 (k×k 합성곱)",
        "pixels_seen_1x1": "출력 한 픽셀이 의존하는 입력 픽셀 수 (1×1 합성곱)",
        "pixels_seen_dense": "출력 한 픽셀이 의존하는 입력 픽셀 수 (완전 연결층)",
        "counts_match_formulas": "모듈의 파라미터 수가 공식과 같은지 (같으면 1)",
        "r2_1x1_same_pixel": "1×1 합성곱의 시험 R² (같은 픽셀 채널 조합 목표)",
        "r2_1x1_neighbour": "1×1 합성곱의 시험 R² (오른쪽 이웃 픽셀 목표)",
        "r2_kxk_neighbour": "k×k 합성곱의 시험 R² (오른쪽 이웃 픽셀 목표)",
    },
    concepts=("parameter_count", "convolution", "pointwise_convolution", "pooling", "dense_layer", "weight_sharing",
              "channel", "feature_map", "kernel", "receptive_field"),
    questions=(
        QuestionRef("면접 #18-3", "filter 수·크기와 pooling layer"),
        QuestionRef("노드 03-3", "dense 유닛 수와 파라미터 수"),
    ),
    citations=(
        Citation(authors="Lin, Chen, Yan", year=2014, title="Network In Network", url="https://arxiv.org/abs/1312.4400"),
        Citation(authors="Goodfellow, Bengio, Courville", year=2016, title="Deep Learning, 9.2 Motivation (parameter sharing)",
                 url="https://www.deeplearningbook.org/contents/convnets.html"),
    ),
    version="1",
)
