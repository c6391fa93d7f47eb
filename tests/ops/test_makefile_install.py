"""`make install` takes torch's CPU build from a wheel folder where there is one, and from PyTorch's CPU
index elsewhere: PyPI carries no +cpu build, so on a newcomer's machine the pin in constraints.txt would
otherwise find nothing to install. `make -n -B` prints the commands without running any."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def install_command(*variables: str) -> str:
    printed = subprocess.run(["make", "-n", "-B", "install", *variables], cwd=ROOT, capture_output=True,
                             text=True, check=True).stdout
    return next(line for line in printed.splitlines() if "pip install" in line)


@pytest.mark.skipif(shutil.which("make") is None, reason="make missing")
def test_torch_comes_from_the_wheel_folder_or_pytorchs_cpu_index(tmp_path):
    with_folder = install_command(f"WHEELS={tmp_path}")
    assert f"--find-links {tmp_path}" in with_folder and "download.pytorch.org" not in with_folder
    without = install_command(f"WHEELS={tmp_path / 'absent'}")
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in without and "--find-links" not in without
    assert "-c constraints.txt" in without
    assert "torch==2.13.0+cpu" in (ROOT / "constraints.txt").read_text().splitlines()
