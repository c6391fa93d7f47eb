"""Small Korean Q&A content written for the search tests: one question per behaviour to check.

Keys name what a question is for; tests look questions up by key, never by id.
"""

from __future__ import annotations

import unicodedata

# key: (collection, title, body, [answers])
QUESTIONS: dict[str, tuple[str, str, str, list[str]]] = {
    "dropout_test_time": (
        "study", "드롭아웃은 테스트 단계에서 어떻게 동작하나요?",
        "학습할 때는 뉴런을 무작위로 끄는데 추론할 때도 끄나요?",
        ["테스트 시에는 모든 노드를 그대로 쓰고 출력에 유지 확률을 곱합니다."],
    ),
    "dropout_effect": (
        "interview", "Dropout의 효과는?", "",
        ["dropout은 overfitting을 막는 regularization 방법이다. 매번 다른 sub-network를 학습한다."],
    ),
    "bn_overfitting": (
        "interview", "Batch Normalization이 overfitting을 방지하는 원리",
        "정규화가 왜 규제 효과를 내는지 궁금합니다.",
        ["미니배치마다 평균과 분산이 조금씩 달라서 일종의 노이즈로 작용합니다."],
    ),
    "bn_inference": (
        "interview", "BN은 추론할 때 어떤 통계를 쓰나요?", "",
        ["학습 중에 모아 둔 이동 평균과 분산을 씁니다."],
    ),
    "relu_vs_sigmoid": (
        "interview", "ReLU가 sigmoid보다 좋은 이유", "",
        ["양수 구간에서 기울기 소실이 적고 계산이 간단합니다."],
    ),
    "sigmoid_output": (
        "study", "시그모이드를 출력층에 쓰는 이유", "이진 분류 문제에서요.",
        ["0과 1 사이 값이 나와서 확률로 읽을 수 있습니다."],
    ),
    "saddle": (
        "study", "안장점 근처에서 학습이 느려지는 이유", "",
        ["saddle point에서는 gradient가 0에 가까워 업데이트가 거의 없습니다."],
    ),
    "local_minima": (
        "study", "local minima에 빠지면 어떻게 하나요?", "",
        ["모멘텀을 쓰면 얕은 골짜기에서 빠져나올 수 있습니다."],
    ),
    "learning_rate": (
        "study", "learning rate를 너무 크게 잡으면 생기는 일", "",
        ["손실이 줄지 않고 발산할 수 있습니다."],
    ),
    "overfitting_unanswered": (
        "study", "과대적합을 줄이는 방법이 궁금해요", "데이터가 적을 때요.", [],
    ),
    "snapshot": (
        "weeks", "snapshot이 뭐지?", "",
        ["학습 중간의 모델을 저장해 두었다가 좋은 것을 골라 씁니다."],
    ),
    "weight_init": (
        "interview", "Xavier와 He 가중치 초기화의 차이", "",
        ["weight initialization은 층의 입력 수에 맞춰 분산을 정합니다."],
    ),
    "transfer": (
        "weeks", "transfer learning에서 학습률을 낮추는 이유", "",
        ["이미 잘 학습된 가중치를 조금만 바꾸기 위해서입니다."],
    ),
    "momentum": (
        "interview", "Momentum의 수식을 적어 본다면?", "", ["v = rho * v + grad, x = x - lr * v"],
    ),
    "bias": (
        "interview", "편향(bias)은 왜 필요한가요?", "", ["활성화 함수를 좌우로 옮길 수 있게 해 줍니다."],
    ),
    "nodes": (
        "study", "은닉층의 노드 수를 늘리면 어떻게 되나요?", "",
        ["유닛이 많으면 파라미터 수가 늘고 더 복잡한 함수를 표현합니다."],
    ),
    "gd_loss": (
        "interview", "GD 중에 loss가 증가하는 이유는?", "", [],
    ),
    "l1_sparse": (
        "study", "L1 정규화를 쓰면 왜 가중치가 희소해지나요?", "",
        ["마름모 모양 제약 때문에 꼭짓점에서 해가 생겨 0이 많아집니다."],
    ),
    "bn_position": (
        "study", "배치정규화 위치는 활성화 함수 앞인가요 뒤인가요?", "", ["보통 활성화 함수 앞에 둡니다."],
    ),
    "fullwidth_relu": (
        "study", "ＲｅＬＵ의 단점은?", "음수 입력에서 뉴런이 죽는다고 들었어요.", ["dying ReLU 문제입니다."],
    ),
    "nfd_dropout_rate": (
        "study", unicodedata.normalize("NFD", "드롭아웃 비율은 어떻게 정하나요?"), "", ["보통 0.5부터 시작합니다."],
    ),
    "cnn_stride": (
        "weeks", "CNN에서 stride와 padding의 관계", "", ["출력 크기 공식을 보세요."],
    ),
    "escaping": (
        "study", "<b>태그</b>가 들어간 드롭아웃 질문", "본문에 <script>alert(1)</script> 드롭아웃 & 기호", [],
    ),
    "twin_answered": (
        "twins", "쌍둥이 질문 스냅샷 비교", "같은 본문입니다.", ["답변이 있습니다."],
    ),
    "twin_unanswered": (
        "twins", "쌍둥이 질문 스냅샷 비교", "같은 본문입니다.", [],
    ),
    "title_match": (
        "twins", "체크포인트 저장 주기", "본문은 다른 이야기입니다.", [],
    ),
    "body_match": (
        "twins", "학습 도중 무엇을 남길까", "체크포인트 이야기가 본문에만 있습니다.", [],
    ),
    "regularization_itself": (
        "interview", "Regularization이란 무엇인가?", "", ["모델이 학습 데이터에 지나치게 맞추지 않도록 제약을 줍니다."],
    ),
    "two_regularizers": (
        "study", "드롭아웃과 L2 규제를 함께 써도 되나요?", "", ["함께 써도 됩니다."],
    ),
    "batch_grow": (
        "study", "배치 크기를 키우면 어떻게 되나요?", "", ["기울기 추정이 안정됩니다."],
    ),
    "batch_shrink": (
        "study", "배치 크기를 줄이면 어떻게 되나요?", "", ["기울기 추정에 노이즈가 커집니다."],
    ),
    "deleted": (
        "study", "삭제된 드롭아웃 질문", "이 질문은 지워졌습니다.", ["답"],
    ),
}

DELETED = {"deleted"}
# Questions that share a demo (DemoLink.demo_slug), in different collections.
DEMO_LINKS = {"dropout-sandbox": ["dropout_effect", "cnn_stride"]}
