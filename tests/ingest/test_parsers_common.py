"""What holds for every parser: the registry, lossless output, and robustness against odd input."""

from __future__ import annotations

import unicodedata

import pytest

from app.ingest.shapes import KIND_NAMES, SHAPES, parse_document
from tests.conftest import CONTENT_DIR, SAMPLES_DIR
from tests.ingest.lossless import missing_lines
from tests.ingest.parsing import raw_text, shape

SEEDS = sorted(p for kind in SHAPES for p in (CONTENT_DIR / kind).glob("*.md"))
SAMPLES = sorted(SAMPLES_DIR.glob("*.md"))
ALL_FILES = [(p.parent.name, p) for p in SEEDS] + [(p.name.split("_", 1)[0], p) for p in SAMPLES]


def test_registry_maps_each_content_folder_to_a_shape_with_the_same_names():
    assert set(SHAPES) == {"nodes", "weeks", "interview"}
    for kind, module in SHAPES.items():
        assert kind == module.KIND and module.NAME and KIND_NAMES[kind] == module.NAME
        assert callable(module.parse) and callable(module.write) and callable(module.line_kind)
        assert parse_document(kind, "", f"{kind}/empty.md").kind == kind
        assert module.line_kind("보통 문장입니다.") is None


def test_unknown_kind_is_a_clear_error():
    with pytest.raises(ValueError, match="알 수 없는 콘텐츠 종류"):
        parse_document("slides", "# x", "slides/x.md")


def test_every_sample_prefix_names_a_parser():
    assert SAMPLES and {p.name.split("_", 1)[0] for p in SAMPLES} <= set(SHAPES)


@pytest.mark.parametrize(("kind", "path"), ALL_FILES, ids=[p.name for _, p in ALL_FILES])
def test_no_line_is_lost(kind, path):
    text = raw_text(path)
    document = parse_document(kind, text, path.name)
    assert missing_lines(text, document) == []
    lines = text.lstrip("\ufeff").replace("\r\n", "\n").split("\n")
    for item in document.unplaced:
        assert lines[item.line - 1].strip() and item.reason, item


def test_the_lossless_check_notices_a_dropped_reply():
    text = (CONTENT_DIR / "nodes" / "deep-hankkeut-nodes.md").read_text(encoding="utf-8")
    document = parse_document("nodes", text, "nodes/x.md")
    thread = next(q for q in document.questions() if q.label == "03-2")
    thread.answers.pop()  # "-> 0 부근 값 표현을 위해 부동소수점 …" (line 46)
    assert [line for line, _, _ in missing_lines(text, document)] == [46]


def _variants(text: str) -> dict[str, str]:
    text = text.lstrip("\ufeff").replace("\r\n", "\n")  # samples stored with CRLF or a BOM start from LF
    return {
        "lf": text,
        "crlf": text.replace("\n", "\r\n"),
        "cr": text.replace("\n", "\r"),
        "bom": "\ufeff" + text,
        "nfd": unicodedata.normalize("NFD", text),
        "nbsp": text.replace(" ", "\u00a0"),
    }


@pytest.mark.parametrize(("kind", "path"), ALL_FILES, ids=[p.name for _, p in ALL_FILES])
def test_line_endings_bom_nfd_and_non_breaking_spaces_change_nothing(kind, path):
    text = raw_text(path)
    expected = shape(parse_document(kind, text, path.name))
    for name, variant in _variants(text).items():
        assert shape(parse_document(kind, variant, path.name)) == expected, name


def test_tabs_indent_like_spaces():
    spaces = "## 노드 1\n질문인가요? (가람)\n\n-> 첫 답\n    -> 답의 답\n"
    tabs = spaces.replace("    ->", "\t->")
    assert shape(parse_document("nodes", tabs, "t.md")) == shape(parse_document("nodes", spaces, "s.md"))


@pytest.mark.parametrize("kind", sorted(SHAPES))
@pytest.mark.parametrize("text", ["", "\n\n  \n", "\ufeff",
                                  "# 제목만\n\n## 섹션\n\n### 작은 제목\n#### 더 작은 제목\n"])
def test_empty_and_heading_only_files_give_no_questions(kind, text):
    document = parse_document(kind, text, f"{kind}/x.md")
    assert document.questions() == [] and document.unplaced == []


@pytest.mark.parametrize("kind", sorted(SHAPES))
def test_odd_heading_levels_and_stray_markers_never_raise(kind):
    text = ("###### 깊은 제목\n-> 고아 답글\n   -> 고아 답글의 답\n2222(누군가)\n( 이름 )\n## #\n#### ✅\n- 1.\n"
            "```\n-> 코드 속 화살표\n")
    document = parse_document(kind, text, f"{kind}/x.md")
    assert missing_lines(text, document) == []
