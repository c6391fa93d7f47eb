"""Emphasis in Korean sentences as study notes write them, against what a Korean reader expects.

Each case is a sentence (from the shapes our seed answers use) and the HTML fragments it must
contain: the emphasis closes before the particle, code spans and math are untouched.
"""

from __future__ import annotations

import pytest

from app.render import render_markdown

SENTENCES = [
    ("**검증 손실(val loss)**이 다시 오르기 시작하면 멈춥니다.", ["<strong>검증 손실(val loss)</strong>이"]),
    ("**ReLU(렐루)**는 음수 입력에서 기울기가 0입니다.", ["<strong>ReLU(렐루)</strong>는"]),
    ("__BN__은 미니배치의 평균과 분산을 씁니다.", ["<strong>BN</strong>은"]),
    ("**배치 정규화(Batch Normalization)**를 쓰면 학습률을 키울 수 있습니다.", ["<strong>배치 정규화(Batch Normalization)</strong>를"]),
    ("*드롭아웃(dropout)*은 학습 때만 켜집니다.", ["<em>드롭아웃(dropout)</em>은"]),
    ("**Adam**과 **SGD**의 차이는 무엇인가요?", ["<strong>Adam</strong>과", "<strong>SGD</strong>의"]),
    ("기울기 소실은 **시그모이드(sigmoid)**에서 심합니다.", ["<strong>시그모이드(sigmoid)</strong>에서"]),
    ("**\"과적합\"**이라는 말은 일반화가 안 된다는 뜻입니다.", ["<strong>\"과적합\"</strong>이라는"]),
    ("**L2 정규화**와 **가중치 감쇠(weight decay)**는 SGD에서 같습니다.", ["<strong>L2 정규화</strong>와", "<strong>가중치 감쇠(weight decay)</strong>는"]),
    ("학습률이 **너무 크면(예: 1.0)** 발산합니다.", ["<strong>너무 크면(예: 1.0)</strong> 발산"]),
    ("**1x1 합성곱**으로 채널 수를 줄입니다.", ["<strong>1x1 합성곱</strong>으로"]),
    ("**LSTM의 망각 게이트(forget gate)**가 핵심입니다.", ["<strong>LSTM의 망각 게이트(forget gate)</strong>가"]),
    ("`model.eval()`을 부르지 않으면 **드롭아웃**이 계속 켜져 있습니다.", ["<code>model.eval()</code>을", "<strong>드롭아웃</strong>이"]),
    ("**`torch.no_grad()`**는 기울기 기록을 끕니다.", ["<strong><code>torch.no_grad()</code></strong>는"]),
    ("`**이것은 강조가 아님**`은 코드입니다.", ["<code>**이것은 강조가 아님**</code>은"]),
    ("__학습률 스케줄러__를 꼭 쓰세요.", ["<strong>학습률 스케줄러</strong>를"]),
    ("_에폭(epoch)_마다 검증합니다.", ["<em>에폭(epoch)</em>마다"]),
    ("***정말 중요한 것***은 데이터입니다.", ["<em><strong>정말 중요한 것</strong></em>은"]),
    ("**[참고 논문](https://arxiv.org/abs/1502.03167)**을 보세요.", ['<strong><a href="https://arxiv.org/abs/1502.03167"', "</a></strong>을"]),
    ("정답은 **(B)**입니다.", ["<strong>(B)</strong>입니다"]),
    ("**평균 제곱 오차(MSE)**보다 **교차 엔트로피(CE)**가 낫습니다.", ["<strong>평균 제곱 오차(MSE)</strong>보다", "<strong>교차 엔트로피(CE)</strong>가"]),
    ("출력은 **1−p**로 스케일됩니다.", ["<strong>1−p</strong>로"]),
    ("**He 초기화**는 ReLU에 맞춰졌습니다.", ["<strong>He 초기화</strong>는"]),
    ("모멘텀 계수는 보통 **0.9**이며, **0.99**도 씁니다.", ["<strong>0.9</strong>이며", "<strong>0.99</strong>도"]),
    ("**CNN**에서 **풀링(pooling)**은 파라미터가 없습니다.", ["<strong>CNN</strong>에서", "<strong>풀링(pooling)</strong>은"]),
    ("- **장점**: 빠르다\n- **단점(단, 메모리)**: 크다", ["<strong>장점</strong>:", "<strong>단점(단, 메모리)</strong>:"]),
    ("> **질문**은 짧게, **답변**은 자세히.", ["<strong>질문</strong>은", "<strong>답변</strong>은"]),
    ("이 식 $a*b*c$에서 **곱셈**이 먼저입니다.", ["<strong>곱셈</strong>이"]),
    ("~~**틀린 설명**~~은 지웠습니다.", ["<s><strong>틀린 설명</strong></s>은"]),
    ("**과적합?**이면 데이터를 늘리세요.", ["<strong>과적합?</strong>이면"]),
    ("**softmax(x)_i**의 합은 1입니다.", ["<strong>softmax(x)_i</strong>의"]),
    ("**'배치 크기'**가 작으면 잡음이 큽니다.", ["<strong>'배치 크기'</strong>가"]),
]


@pytest.mark.parametrize(("markdown", "fragments"), SENTENCES, ids=[s for s, _ in SENTENCES])
def test_korean_sentence_emphasis_reads_as_a_korean_reader_expects(markdown, fragments):
    html = render_markdown(markdown)
    for fragment in fragments:
        assert fragment in html
    # No emphasis marker is left over as text (outside code spans and math).
    stripped = html.replace("<code>**이것은 강조가 아님**</code>", "")
    assert "**" not in stripped and "__" not in stripped


def test_at_least_thirty_real_sentences():
    assert len(SENTENCES) >= 30
