"""mypy against a checked-in baseline that may only shrink.

`python .ci/mypy_baseline.py` runs mypy (configured in pyproject.toml) and fails on any error that is
not in .ci/mypy-baseline.txt. Errors are compared without line numbers, so editing a file does not
move its old errors out of the baseline; a second copy of a known error in the same file is new.
`--update` rewrites the baseline after errors were fixed, and refuses when that would add one
(except the very first time, when there is no baseline yet).
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / ".ci" / "mypy-baseline.txt"
ERROR = re.compile(r"^(?P<path>[^:\s]+\.py):(?P<line>\d+): error: (?P<message>.*)$")


def normalised(line: str) -> str | None:
    match = ERROR.match(line)
    if match is None:
        return None
    message = re.sub(r"\bline \d+\b", "line N", match["message"])
    return f"{match['path']}: {message}"


def run_mypy() -> tuple[Counter[str], dict[str, list[str]]]:
    result = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True)
    if result.returncode not in (0, 1):
        sys.exit(f"mypy did not run:\n{result.stdout}{result.stderr}")
    errors: Counter[str] = Counter()
    where: dict[str, list[str]] = {}
    for line in result.stdout.splitlines():
        key = normalised(line)
        if key is not None:
            errors[key] += 1
            where.setdefault(key, []).append(line)
    return errors, where


def main(argv: list[str]) -> int:
    current, where = run_mypy()
    baseline = Counter(line for line in BASELINE.read_text(encoding="utf-8").splitlines() if line) \
        if BASELINE.exists() else Counter()
    new = current - baseline
    if new and not ("--update" in argv and not BASELINE.exists()):  # the first baseline takes what there is
        print(f"mypy: {sum(new.values())} error(s) not in {BASELINE.relative_to(ROOT)}:")
        for key, count in sorted(new.items()):
            for line in where[key][-count:]:
                print("  " + line)
        return 1
    fixed = sum((baseline - current).values())
    if "--update" in argv:
        BASELINE.write_text("".join(f"{key}\n" for key in sorted(current.elements())), encoding="utf-8")
        print(f"mypy baseline: {sum(current.values())} error(s) ({fixed} fewer)")
    elif fixed:
        print(f"mypy: {fixed} baseline error(s) are gone; shrink the baseline: python .ci/mypy_baseline.py --update")
    else:
        print(f"mypy: no new errors ({sum(current.values())} in the baseline)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
