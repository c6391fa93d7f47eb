"""Editors' TOML files under content/ (demos.toml, collections.toml): arrays of tables, read with
the line of each key so every problem can be reported where an editor will fix it.

    [[link]]                      # the table name each file uses
    demo = "dropout-ensemble"     # key lines are remembered: {"": 1, "demo": 2}
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session

from app.db.queries import demos as demo_queries
from app.demos.base import DemoSpec
from app.demos.params import ParamsInvalid, validate_params
from app.korean import particle

_TOML_LINE = re.compile(r"at line (\d+)")


@dataclass(frozen=True)
class TableProblem:
    line: int | None
    message: str


def _key_lines(lines: list[str], table: str) -> list[dict[str, int]]:
    """For each [[table]] header, in order: {"": header line, key: line of that key} (1-based)."""
    header = re.compile(r"^\s*\[\[\s*" + re.escape(table) + r"\s*\]\]\s*(#.*)?$")
    tables: list[dict[str, int]] = []
    current: dict[str, int] | None = None
    for number, text in enumerate(lines, start=1):
        stripped = text.strip()
        if header.match(text):
            current = {"": number}
            tables.append(current)
        elif stripped.startswith("["):
            sub_table = re.match(r"\[\s*" + re.escape(table) + r"\.([A-Za-z0-9_-]+)", stripped)
            if current is not None and sub_table:
                current.setdefault(sub_table.group(1), number)
            else:
                current = None  # another table ends this one's keys
        elif current is not None and "=" in stripped and not stripped.startswith("#"):
            current.setdefault(stripped.split("=", 1)[0].strip().strip("\"'"), number)
    return tables


def read_tables(path: Path, table: str) -> tuple[list[tuple[object, dict[str, int]]], list[TableProblem]]:
    """The [[table]] entries of a TOML file with their key lines, or why the file could not be read."""
    name = path.name
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return [], [TableProblem(None, f"{name}는 UTF-8이어야 합니다.")]
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = _TOML_LINE.search(str(exc))
        return [], [TableProblem(int(found.group(1)) if found else None, f"TOML 문법 오류: {exc}")]
    problems = [TableProblem(None, f"알 수 없는 최상위 키 '{key}': [[{table}]] 표만 씁니다.")
                for key in data if key != table]
    entries = data.get(table, [])
    if not isinstance(entries, list):
        return [], problems + [TableProblem(None, f"{table}는 [[{table}]] 표의 배열이어야 합니다.")]
    lines = _key_lines(text.splitlines(), table)
    if len(lines) != len(entries):  # written as `table = [...]`: no per-table lines to point at
        lines = [{} for _ in entries]
    return list(zip(entries, lines, strict=True)), problems


Report = Callable[[str, str], None]


def checked_entries(entries: list[tuple[object, dict[str, int]]], problems: list[TableProblem], *, table: str,
                    keys: tuple[str, ...], required: tuple[str, ...]) -> Iterator[tuple[dict, int | None, Report]]:
    """Each entry that is a table with every required key a non-empty string, with its header line
    and a report(key, message) that records a problem at that key's line (else the header's).
    Entries that are not tables or miss a key are reported here; unknown keys are reported and kept."""
    for entry, lines in entries:
        header = lines.get("")

        def report(key: str, message: str, lines: dict[str, int] = lines, header: int | None = header) -> None:
            problems.append(TableProblem(lines.get(key, header), message))

        if not isinstance(entry, dict):
            report("", f"[[{table}]] 항목이 표가 아닙니다.")
            continue
        for key in sorted(set(entry) - set(keys)):
            report(key, f"알 수 없는 키 '{key}' (쓸 수 있는 키: {', '.join(keys)})")
        missing = [key for key in required if not isinstance(entry.get(key), str) or not entry[key]]
        if missing:
            report("", "필수 키가 없거나 문자열이 아닙니다: " + ", ".join(missing))
            continue
        yield entry, header, report


class QuestionFinder:
    """An entry's question by its `file` and `question` label (visible questions only), each file's
    labels read once per sync; a file or label that is not there is reported at its key."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.labels_by_file: dict[str, dict[str, int] | None] = {}

    def find(self, file: str, label: str, report: Report) -> int | None:
        if file not in self.labels_by_file:
            self.labels_by_file[file] = demo_queries.visible_question_labels(self.session, file)
        labels = self.labels_by_file[file]
        if labels is None:
            report("file", f"불러온 파일 중에 '{file}'{particle(file, '이')} 없습니다 (content/ 기준 경로)")
            return None
        question_id = labels.get(label)
        if question_id is None:
            report("question", f"'{file}'에 '{label}' 질문이 없습니다")
        return question_id


def preset_ok(spec: DemoSpec, preset: object, report: Report) -> bool:
    """An entry's `params` is a table the experiment accepts; otherwise it is reported at that key."""
    if not isinstance(preset, dict):
        report("params", "params는 표여야 합니다 (예: params = { epochs = 60 })")
        return False
    try:
        validate_params(spec.params, preset)
    except ParamsInvalid as exc:
        report("params", f"'{spec.slug}'의 params가 올바르지 않습니다: " + "; ".join(d["message"] for d in exc.details))
        return False
    return True
