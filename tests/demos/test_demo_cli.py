"""`kb demo list` and `kb demo run` (in this process, no server, no database)."""

from __future__ import annotations

import json

import pytest

from app.cli import main


def test_list(capsys):
    assert main(["demo", "list"]) == 0
    out = capsys.readouterr().out
    assert "activation-gradients" in out and "활성화 함수와 층별 기울기 흐름" in out and "면접 #5" in out
    assert main(["demo", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert "activation-gradients" in [d["slug"] for d in listed]


@pytest.mark.slow  # torch
def test_run_json(capsys):
    code = main(["demo", "run", "activation-gradients", "--param", "depth=6", "--param", "width=32",
                 "--param", "batch_size=16", "--param", "trials=1", "--param", "activations=sigmoid,relu",
                 "--device", "cpu", "--seed", "3", "--threads", "1", "--json"])
    assert code == 0
    run = json.loads(capsys.readouterr().out)
    assert run["device"] == "cpu" and run["seed"] == 3 and run["params"]["activations"] == ["sigmoid", "relu"]
    assert run["result"]["metrics"]["sigmoid_to_relu_first_layer_ratio"]["mean"] < 1e-2
    assert run["torch_version"].startswith("2.")


@pytest.mark.slow  # torch
def test_run_text_prints_table_and_conclusion(capsys):
    assert main(["demo", "run", "activation-gradients", "--param", "depth=6", "--param", "width=32",
                 "--param", "trials=1", "--device", "cpu"]) == 0
    out = capsys.readouterr().out
    assert "Sigmoid" in out and "LeakyReLU" in out and "기울기가 사라집니다" in out


@pytest.mark.parametrize("argv, says", [
    (["demo", "run", "nope"], "없는 실험"),
    (["demo", "run", "activation-gradients", "--param", "depth=999"], "2 이상 60 이하"),
    (["demo", "run", "activation-gradients", "--param", "depth"], "이름=값"),
    (["demo", "run", "activation-gradients", "--seed", "-1"], "--seed"),
])
def test_refusals_exit_2_with_a_korean_reason(capsys, argv, says):
    assert main(argv) == 2
    assert says in capsys.readouterr().err


@pytest.mark.slow  # torch
def test_cuda_without_a_gpu_is_refused(capsys):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU: --device cuda runs (the API test checks that path)")
    assert main(["demo", "run", "activation-gradients", "--device", "cuda", "--param", "depth=6"]) == 2
    assert "CUDA GPU가 없습니다" in capsys.readouterr().err
