"""Snapshot ensembles: one training run, a cyclic learning rate, several models (4주차 p56).

A cosine learning rate that restarts every cycle (SGDR) sends the network to a new minimum each
cycle; the weights at the end of each cycle, where the rate is near zero, are saved as snapshots.
Averaging the snapshots' predicted probabilities on held-out digits is compared with the last
snapshot alone and with a network trained for the same number of steps under one long cosine decay.
"""

from __future__ import annotations

import copy

from pydantic import Field

from app.demos.base import Chart, Citation, DemoParams, DemoResult, DemoSpec, QuestionRef, Series, Table
from app.demos.datasets import DIGIT_CLASSES, digits, random_split

BATCH_SIZE = 64


class Params(DemoParams):
    cycles: int = Field(8, ge=2, le=12, description="코사인 재시작 주기 수 = 스냅샷 수")
    steps_per_cycle: int = Field(75, ge=30, le=1000, description="주기 하나의 스텝 수")
    max_learning_rate: float = Field(0.1, ge=0.01, le=1.0, description="주기 시작의 학습률 (SGD, 모멘텀 0.9)")
    hidden: int = Field(64, ge=16, le=512, description="은닉층 너비 (은닉층 2개)")
    n_train: int = Field(150, ge=100, le=1200, description="학습 데이터 수 (나머지는 평가용)")
    weight_decay: float = Field(5e-4, ge=0.0, le=0.01, description="가중치 감쇠 (손실이 0에 붙어 재시작이 헛돌지 않게)")


SMALLEST = Params(cycles=5)


def _network(torch, hidden: int):
    nn = torch.nn
    return nn.Sequential(nn.Linear(64, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                         nn.Linear(hidden, DIGIT_CLASSES))


def run(params: Params, device, progress) -> DemoResult:
    import torch

    from app.demos.training import fit_classifier

    inputs, labels = digits(device)
    train_i, test_i = random_split(len(labels), [params.n_train, len(labels) - params.n_train], device)
    train_x, train_y, test_x, test_y = inputs[train_i], labels[train_i], inputs[test_i], labels[test_i]
    total_steps = params.cycles * params.steps_per_cycle

    init_state = torch.get_rng_state()
    runs = {}
    for name in ("cyclic", "single"):
        torch.set_rng_state(init_state)  # same start, same minibatches
        model = _network(torch, params.hidden).to(device)
        optimizer = torch.optim.SGD(model.parameters(), lr=params.max_learning_rate, momentum=0.9,
                                    weight_decay=params.weight_decay)
        if name == "cyclic":
            scheduler = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(optimizer, T_0=params.steps_per_cycle)
        else:
            scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=total_steps)
        rates, snapshots = [], []

        # Both schedules train for total_steps and take about as long: each reports its share of the bar
        # (the long single schedule used to report nothing, and the page sat at 80 % for half the run).
        def after_step(step: int, loss: float, model=model, optimizer=optimizer, rates=rates, snapshots=snapshots,
                       name=name):
            rates.append(optimizer.param_groups[0]["lr"])
            if (step + 1) % params.steps_per_cycle:
                return
            done = step + 1 + (total_steps if name == "single" else 0)
            if name == "cyclic":
                snapshots.append(copy.deepcopy(model.state_dict()))
                progress(0.9 * done / (2 * total_steps), f"스냅샷 {len(snapshots)}/{params.cycles} 저장")
            else:
                progress(0.9 * done / (2 * total_steps), f"비교할 긴 코사인 학습 {step + 1}/{total_steps} 스텝")

        # The rate used at step t is the one set after step t-1: record it before stepping on.
        rates.append(optimizer.param_groups[0]["lr"])
        losses = fit_classifier(model, train_x, train_y, optimizer=optimizer, steps=total_steps,
                                batch_size=BATCH_SIZE, scheduler=scheduler, after_step=after_step)
        runs[name] = {"model": model, "losses": losses, "rates": rates[:total_steps], "snapshots": snapshots}

    # Probabilities of each snapshot on the held-out digits.
    evaluator = _network(torch, params.hidden).to(device).eval()
    snapshot_probabilities = []
    with torch.no_grad():
        for state in runs["cyclic"]["snapshots"]:
            evaluator.load_state_dict(state)
            snapshot_probabilities.append(torch.softmax(evaluator(test_x), dim=1))
        single_probabilities = torch.softmax(runs["single"]["model"].eval()(test_x), dim=1)

    def score(probabilities):
        nll = torch.nn.functional.nll_loss(probabilities.clamp_min(1e-12).log(), test_y).item()
        return (probabilities.argmax(1) == test_y).float().mean().item(), nll

    # Ensembles of the last m snapshots, m = 1 (the final model alone) .. all.
    ensemble_scores, individual_scores = [], [score(p) for p in snapshot_probabilities]
    for m in range(1, params.cycles + 1):
        ensemble_scores.append(score(torch.stack(snapshot_probabilities[-m:]).mean(0)))
    predictions = [p.argmax(1) for p in snapshot_probabilities]
    pairs = [(i, j) for i in range(len(predictions)) for j in range(i + 1, len(predictions))]
    disagreement = sum((predictions[i] != predictions[j]).float().mean().item() for i, j in pairs) / len(pairs)

    final_acc, final_nll = ensemble_scores[0]
    ensemble_acc, ensemble_nll = ensemble_scores[-1]
    single_acc, single_nll = score(single_probabilities)
    metrics = {
        "snapshots": float(params.cycles),
        "ensemble_accuracy": ensemble_acc, "ensemble_nll": ensemble_nll,
        "final_snapshot_accuracy": final_acc, "final_snapshot_nll": final_nll,
        "single_cosine_accuracy": single_acc, "single_cosine_nll": single_nll,
        "best_snapshot_accuracy": max(a for a, _ in individual_scores),
        "mean_pairwise_disagreement": disagreement,
        "total_steps": float(total_steps),
    }

    steps = [float(s + 1) for s in range(total_steps)]
    snapshot_steps = [float((c + 1) * params.steps_per_cycle) for c in range(params.cycles)]
    charts = [
        Chart(key="learning_rate", title="학습률 일정과 스냅샷 시점", x_label="스텝", y_label="학습률",
              series=[
                  Series(name="코사인 재시작 (스냅샷 앙상블)", x=steps, y=runs["cyclic"]["rates"]),
                  Series(name="한 번의 긴 코사인 감소", x=steps, y=runs["single"]["rates"]),
                  Series(name="스냅샷 저장", x=snapshot_steps,
                         y=[runs["cyclic"]["rates"][int(s) - 1] for s in snapshot_steps]),
              ]),
        Chart(key="ensemble", title="평가 세트 음의 로그 가능도: 마지막 m개 스냅샷의 앙상블",
              x_label="앙상블에 넣은 스냅샷 수 m", y_label="NLL (낮을수록 좋음)",
              series=[
                  Series(name="스냅샷 앙상블", x=[float(m) for m in range(1, params.cycles + 1)],
                         y=[nll for _, nll in ensemble_scores]),
                  Series(name="각 스냅샷 단독 (m번째 마지막)", x=[float(m) for m in range(1, params.cycles + 1)],
                         y=[nll for _, nll in reversed(individual_scores)]),
                  Series(name="긴 코사인 단일 모델", x=[float(m) for m in range(1, params.cycles + 1)],
                         y=[single_nll] * params.cycles),
              ]),
        Chart(key="loss", title="학습 손실 (미니배치)", x_label="스텝", y_label="교차 엔트로피", log_y=True,
              series=[Series(name="코사인 재시작", x=steps, y=runs["cyclic"]["losses"]),
                      Series(name="긴 코사인 감소", x=steps, y=runs["single"]["losses"])]),
    ]
    table = Table(
        columns=["모델", "평가 정확도", "평가 NLL"],
        rows=[[f"스냅샷 {i + 1}", round(a, 4), round(n, 4)] for i, (a, n) in enumerate(individual_scores)]
        + [[f"스냅샷 {params.cycles}개 앙상블", round(ensemble_acc, 4), round(ensemble_nll, 4)],
           ["같은 스텝의 긴 코사인 단일 모델", round(single_acc, 4), round(single_nll, 4)]],
    )
    progress(1.0, "완료", charts)
    return DemoResult(charts=charts, table=table, conclusion=_conclusion(params, metrics), metrics=metrics)


def _conclusion(params: Params, m: dict[str, float]) -> str:
    k = params.cycles
    head = (
        f"학습 한 번({int(m['total_steps'])}스텝)에서 학습률을 {k}번 재시작하며 저장한 스냅샷 {k}개를 평균 내면 "
        f"평가 NLL {m['ensemble_nll']:.3g}, 정확도 {m['ensemble_accuracy']:.1%}입니다. "
        f"마지막 스냅샷 하나는 NLL {m['final_snapshot_nll']:.3g}, 정확도 {m['final_snapshot_accuracy']:.1%}, "
        f"같은 스텝 동안 한 번의 긴 코사인으로 학습한 모델은 NLL {m['single_cosine_nll']:.3g}, "
        f"정확도 {m['single_cosine_accuracy']:.1%}입니다."
    )
    beats_final = m["ensemble_nll"] < m["final_snapshot_nll"]
    beats_single = m["ensemble_nll"] < m["single_cosine_nll"]
    spread = f"스냅샷끼리는 평가 예제의 {m['mean_pairwise_disagreement']:.1%}에서 예측이 갈렸습니다"
    if beats_final and beats_single:
        verdict = (f" 추가 학습 비용 없이 앙상블의 확률이 둘보다 잘 맞았습니다 (NLL 기준). {spread}: 재시작마다 "
                   f"조금씩 다른 해에 도착했고, 평균이 그 차이를 상쇄합니다.")
    elif beats_final:
        verdict = (f" 앙상블은 같은 학습의 마지막 스냅샷보다는 나았지만 긴 코사인 단일 모델보다는 낫지 않았습니다. "
                   f"{spread}.")
    else:
        verdict = (f" 이번 설정에서는 앙상블이 마지막 스냅샷보다도 낫지 않았습니다. {spread}: 스냅샷이 서로 "
                   f"비슷하면 평균으로 얻을 것이 적고, 덜 학습된 앞쪽 스냅샷은 평균을 끌어내립니다.")
    accuracy_gap = m["ensemble_accuracy"] - m["final_snapshot_accuracy"]
    if abs(accuracy_gap) < 0.01:
        verdict += f" 정확도 차이는 작습니다 ({accuracy_gap * 100:+.1f}%p)."
    return head + verdict


DEMO = DemoSpec(
    slug="snapshot-ensemble",
    title="스냅샷 앙상블: 코사인 재시작 학습률로 한 번에 여러 모델",
    summary=(
        "학습률을 주기마다 재시작하고 주기 끝마다 저장한 스냅샷들을 평균 내면, 추가 학습 비용 없이 "
        "마지막 모델 하나보다 처음 보는 데이터에서 확률이 더 잘 맞습니다 (음의 로그 가능도)."
    ),
    params=Params,
    smallest=SMALLEST,
    run=run,
    concepts=("snapshot", "ensemble", "learning_rate_schedule", "calibration"),
    questions=(QuestionRef("4주차 p56", "snapshot이 뭐지?"),),
    citations=(
        Citation(authors="Huang, Li, Pleiss, Liu, Hopcroft & Weinberger", year=2017,
                 title="Snapshot Ensembles: Train 1, Get M for Free", url="https://arxiv.org/abs/1704.00109"),
        Citation(authors="Loshchilov & Hutter", year=2017, title="SGDR: Stochastic Gradient Descent with Warm Restarts",
                 url="https://arxiv.org/abs/1608.03983"),
    ),
    version="1",
)
