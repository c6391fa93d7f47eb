"""`make install` takes torch's CPU build from a wheel folder where there is one, and from PyTorch's CPU
index elsewhere: PyPI carries no +cpu build, so on a newcomer's machine the pin in constraints.txt would
otherwise find nothing to install. A missing Debian package for the tests is installed through sudo by a
user who is not root. `make -n -B` prints the commands without running any."""

from __future__ import annotations

import os
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


@pytest.mark.skipif(shutil.which("make") is None, reason="make missing")
def test_a_missing_debian_package_is_installed_through_sudo_unless_root():
    printed = subprocess.run(["make", "-n", "-B", "chromium", "postgresql", "redis"], cwd=ROOT, capture_output=True,
                             text=True, check=True).stdout
    installs = [line for line in printed.splitlines() if "apt-get install" in line]
    assert len(installs) == 3
    for line in installs:
        assert ("sudo env DEBIAN_FRONTEND=noninteractive apt-get install" in line) == (os.getuid() != 0), line
