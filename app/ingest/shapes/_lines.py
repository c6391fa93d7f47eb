"""Low-level text helpers shared by the three parsers: numbered lines, headings, authors, reactions,
"does this sentence ask?", boilerplate, labels.

Everything here is pure and linear in the size of its input; the parsers call these per line.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Container
from dataclasses import dataclass

from app.ingest.document import UnplacedLine
from app.schemas.names import DELETED_NAME

TAB_WIDTH = 4

# Characters that look like a space (or nothing) but are not ASCII space. Seen in files exported from
# word processors and chat tools; they break indentation and end-of-line matching.
_SPACE_LIKE = re.compile("[\u00a0\u2002\u2003\u2007\u2009\u202f\u3000]")
_INVISIBLE = re.compile("[\u200b\u2060\ufeff]")
_NEWLINE = re.compile(r"\r\n|\r|\n")


@dataclass(slots=True)
class Line:
    number: int  # 1-based, as an editor shows it
    text: str  # NFC, space-like characters folded, trailing whitespace removed
    indent: int  # leading width, tabs counted as TAB_WIDTH
    in_fence: bool = False  # inside a ``` / ~~~ code block, or the fence line itself

    @property
    def blank(self) -> bool:
        return not self.text.strip()

    @property
    def stripped(self) -> str:
        return self.text.strip()


def normalise(text: str) -> str:
    """NFC (NFD Hangul from macOS breaks every regex below) and space-like characters folded."""
    text = unicodedata.normalize("NFC", text)
    if _SPACE_LIKE.search(text):
        text = _SPACE_LIKE.sub(" ", text)
    if _INVISIBLE.search(text):
        text = _INVISIBLE.sub("", text)
    return text


def split_lines(text: str) -> list[Line]:
    """The text as numbered lines. CRLF, CR and LF all end a line (other Unicode breaks do not,
    so numbers match what an editor and the loader's byte count show)."""
    lines: list[Line] = []
    fence: str | None = None
    for number, raw in enumerate(_NEWLINE.split(normalise(text)), start=1):
        body = raw.rstrip()
        expanded = body.expandtabs(TAB_WIDTH)
        indent = len(expanded) - len(expanded.lstrip(" "))
        lead = body.lstrip()
        fence_mark = lead[:3] if lead.startswith(("```", "~~~")) else None
        if fence is None and fence_mark:
            fence = fence_mark
            lines.append(Line(number, body, indent, True))
        elif fence is not None:
            if fence_mark == fence:
                fence = None
            lines.append(Line(number, body, indent, True))
        else:
            lines.append(Line(number, body, indent))
    return lines


_HEADING = re.compile(r" {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")


def heading(line: Line) -> tuple[int, str] | None:
    """(level, text) for an ATX heading line, else None."""
    if line.in_fence or "#" not in line.text[:10]:
        return None
    match = _HEADING.match(line.text)
    if match is None:
        return None
    return len(match.group(1)), (match.group(2) or "").strip()


def join_lines(lines: list[Line]) -> str:
    """Markdown for a run of lines: common indentation removed, outer blank lines trimmed, runs of
    blank lines collapsed to one."""
    while lines and lines[0].blank:
        lines = lines[1:]
    while lines and lines[-1].blank:
        lines = lines[:-1]
    if not lines:
        return ""
    common = min((ln.indent for ln in lines if not ln.blank), default=0)
    out: list[str] = []
    previous_blank = False
    for ln in lines:
        if ln.blank:
            if not previous_blank:
                out.append("")
            previous_blank = True
            continue
        previous_blank = False
        out.append(ln.text.expandtabs(TAB_WIDTH)[common:] if common else ln.text)
    return "\n".join(out)


def first_line(line_or_text: str) -> str:
    return line_or_text.strip().split("\n", 1)[0].strip()


_BACKSLASH_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")  # CommonMark: any ASCII punctuation
_NUMERIC_REFERENCE = re.compile(r"&#(?:[0-9]{1,7}|[xX][0-9a-fA-F]{1,6});")


def plain_title(line: str) -> str:
    """A title line as its reader sees it rendered: backslash escapes and numeric character
    references resolved. Titles are shown as plain text, and a writer escapes a line's start
    ("\\(민수) …", "&#51200;도 궁금해요") exactly so it does not read as a signature or a mark."""
    if "\\" not in line and "&#" not in line:
        return line
    line = _BACKSLASH_ESCAPE.sub(r"\1", line)
    return _NUMERIC_REFERENCE.sub(lambda ref: html.unescape(ref.group()), line)


# --- horizontal rules and boilerplate -----------------------------------------------------------

_RULE = re.compile(r" {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")


def is_rule(line: Line) -> bool:
    return not line.in_fence and bool(_RULE.match(line.text))


def strip_trailing_rules(lines: list[Line]) -> list[Line]:
    """A `---` that closes a block separates it from the next one; it is not part of its text."""
    end = len(lines)
    while end and (lines[end - 1].blank or is_rule(lines[end - 1])):
        end -= 1
    return lines[:end]


_COMMENT_ONLY = re.compile(r"\s*<!--(.*?)-->\s*$", re.S)
_TAG = re.compile(r"<[^>]*>")


def boilerplate_reason(line: Line, *, preamble: bool) -> str | None:
    """Why a line is export boilerplate (and shown nowhere), or None.

    A line that is only an HTML comment renders as nothing (editors such as Eraser leave one at the end).
    In the preamble, a line of tags with no visible text is a badge or banner ("Edit in …").
    Math written in a comment (``<!-- $x$ -->``) is content, not boilerplate.
    """
    if line.in_fence:
        return None
    text = line.stripped
    match = _COMMENT_ONLY.match(text)
    if match and "$" not in match.group(1):
        return "화면에 보이지 않는 HTML 주석, 내보내기 도구가 남긴 줄 (boilerplate)"
    if preamble and text.startswith("<") and ("<a " in text or "<img" in text) and not _TAG.sub("", text).strip():
        return "보이는 글자가 없는 배너/배지 HTML, 편집기 링크 (boilerplate)"
    return None


def drop_boilerplate(lines: list[Line], unplaced: list[UnplacedLine], *, preamble: bool = False) -> list[Line]:
    """The lines that are content; boilerplate lines are reported in ``unplaced`` instead."""
    kept = []
    for line in lines:
        reason = boilerplate_reason(line, preamble=preamble)
        if reason:
            unplaced.append(UnplacedLine(line.number, line.stripped, reason))
        else:
            kept.append(line)
    return kept


# --- authors, reactions ------------------------------------------------------------------------

# A name as people write it in these notes: a Hangul name or nickname (1-5 syllables), a family name of
# one syllable spaced from the given name ("김 철수"), or a short Latin handle of at most two words
# ("MK", "Jane Doe"). Phrases in parentheses have longer words, commas or sentence endings and never
# match. A deleted account's posts are exported signed DELETED_NAME, which must read back too.
_NAME = re.compile(r"[가-힣]{1,5}|[가-힣] [가-힣]{1,3}|" + re.escape(DELETED_NAME) +
                   r"|[A-Za-z][A-Za-z0-9_.'-]{0,14}(?: [A-Za-z][A-Za-z0-9_.'-]{0,14})?")
ARROW = r"(?:-{1,2}>|→|⇒|=>|➡️?|➜|↳)"
_TRAILING_PAREN_NAME = re.compile(r"[(（]\s*`?([^()（）`]{1,32}?)`?\s*[)）]\s*$")
_TRAILING_ARROW_NAME = re.compile(r"(?:^|\s)" + ARROW + r"\s*`?([^\s`()]{1,32}(?: [^\s`()]{1,16})?)`?\s*$")
_AUTHOR_LINE = re.compile(r"\s*[(（]\s*`?([^()（）`]{1,32}?)`?\s*[)）]\s*$")
_PLUS_ONE_TAIL = re.compile(r"\s*" + ARROW + r"\s*(?:2{3,}|\+1)\s*(?:\(\s*([^()]{1,32}?)\s*\))?\s*$")
# "Me too" written out: a line that says only "저도 궁금해요" (and who) adds a +1 like "2222" does.
ME_TOO = (r"(?:저도|저두|나도|me\s*too)\s*(?:요|궁금(?:해요|합니다|하네요|했어요|함|해)?"
          r"|같은\s*질문(?:이에요|입니다|이요)?|"
          r"그래요|그랬어요|마찬가지(?:예요|에요|입니다)?)?|같은\s*질문(?:이에요|입니다|이요)?|동감(?:입니다|이에요)?")
_PLUS_ONE_LINE = re.compile(
    r"\s*(?:[-*+]\s+)?(?:" + ARROW + r"\s*)?(?:2{3,}|\+1|(?i:" + ME_TOO + r"))[\s!.~ㅠㅜ^]*"
    r"(?:[(（]\s*([^()（）]{1,32}?)\s*[)）])?\s*$")


# Words people put in parentheses or before a colon to tag a line, not to sign it: "(추가) …",
# "(참고) …", "질문: …". They look like a short Hangul name, so they are ruled out by list.
TAG_WORDS = frozenset({
    "q", "a", "질문", "답", "답변", "참고", "참조", "예", "예시", "결론", "요약", "정리", "주의", "추가", "note",
    "todo", "링크", "출처", "코드", "식", "수식", "정답", "문제", "힌트", "tip", "팁", "ps", "p.s", "eg", "e.g", "ex",
    "url", "link", "source", "ref", "warning", "info", "summary", "수정", "해결", "미해결", "중요", "선택", "심화",
    "기초", "복습", "공통", "보충", "궁금", "완료", "재질문", "후속", "관련", "이론", "실습", "과제", "퀴즈", "edit",
})


def clean_name(raw: str | None) -> str | None:
    """"( MK )" -> "MK", "`혜지`" -> "혜지"; None when the text is not a plausible name."""
    if raw is None:
        return None
    name = raw.strip().strip("`").strip()
    return name if _NAME.fullmatch(name) else None


def author_line(text: str) -> str | None:
    """The name on a line that holds only "(name)" / "( name )", else None."""
    match = _AUTHOR_LINE.match(text)
    return clean_name(match.group(1)) if match else None


def split_author(text: str) -> tuple[str, str | None]:
    """Text and its author when written at its end as "(name)" or "-> name"."""
    match = _TRAILING_PAREN_NAME.search(text)
    if match:
        name = clean_name(match.group(1))
        if name and text[: match.start()].strip():
            return text[: match.start()].rstrip(), name
    match = _TRAILING_ARROW_NAME.search(text)
    if match:
        name = clean_name(match.group(1))
        if name and text[: match.start()].strip():
            return text[: match.start()].rstrip(), name
    return text, None


# "(민수) 질문 …" / "[민수] 답 …": the author written before the text, as chat exports and some
# writers do. Only a Hangul name counts on its own; a Latin word there is usually a topic tag
# ("(PyTorch) DataLoader …") unless the same name signs something elsewhere in the file.
# "[블로그](url) …" is a link, not a name in brackets: a "]" followed by "(" or "[" never closes a name.
_LEADING_NAME = re.compile(r"(?:[(（]\s*`?([^()（）`]{1,32}?)`?\s*[)）]"
                           r"|[\[［]\s*([^\[\]［］`]{1,32}?)\s*[\]］](?![(\[]))\s*(?=\S)")
_HANGUL_NAME = re.compile(r"[가-힣]{1,5}")


def split_leading_author(text: str, known: Container[str] = frozenset()) -> tuple[str, str | None]:
    """Text and its author when written at its start as "(name) …" or "[name] …"."""
    match = _LEADING_NAME.match(text)
    if not match:
        return text, None
    name = clean_name(match.group(1) or match.group(2))
    if name is None or name.lower() in TAG_WORDS:
        return text, None
    if not _HANGUL_NAME.fullmatch(name) and name not in known:
        return text, None
    return text[match.end():], name


def split_plus_ones(text: str) -> tuple[str, list[str | None]]:
    """Peel "-> 2222(name)" / "-> +1" marks ("same question here") off the end of a line."""
    authors: list[str | None] = []
    while True:
        match = _PLUS_ONE_TAIL.search(text)
        if not match or not text[: match.start()].strip():
            return text, authors[::-1]
        raw = match.group(1)
        name = clean_name(raw)
        if raw is not None and name is None:
            return text, authors[::-1]
        authors.append(name)
        text = text[: match.start()].rstrip()


def plus_one_line(text: str) -> tuple[bool, str | None]:
    """(True, author) for a line that is only a "2222(name)" / "+1" mark."""
    match = _PLUS_ONE_LINE.match(text)
    if not match:
        return False, None
    raw = match.group(1)
    name = clean_name(raw)
    if raw is not None and name is None:
        return False, None
    return True, name


def emoji_only(text: str) -> str | None:
    """The emoji when the text is nothing but emoji (a reaction such as 👍), else None."""
    text = text.strip()
    if not text:
        return None
    has_symbol = False
    for char in text:
        category = unicodedata.category(char)
        if category == "So":
            has_symbol = True
        elif char in " \u200d\ufe0f\ufe0e" or category in ("Sk", "Mn", "Me") or "\U0001f3fb" <= char <= "\U0001f3ff":
            continue
        else:
            return None
    return text if has_symbol else None


# --- does it ask? ----------------------------------------------------------------------------

# Korean interrogative endings that ask on their own, and weak endings that ask only with a question
# word ("왜 같나" asks, "하나" does not).
_STRONG_ENDING = re.compile(
    r"(?:까요|나요|가요|는지요?|은지요?|인지요?|던지|는가|은가|인가|[을를할될일갈볼쓸줄]까|습니까|입니까|는걸까|건가|건지|"
    r"궁금\w*|알려\s?주세요|설명해\s?주세요|알고\s?싶습니다|알고\s?싶어요|맞나|맞는지|맞을까|아닌가|아닌지|아닐까|좋을까|"
    r"해야\s?하나|되나|하나요|있나|없나|뭐지|뭘까|뭔가|무엇일까|어떨까|어떤지|어떻게\s?되나)$"
)
_WEAK_ENDING = re.compile(r"(?:나|냐|니|지|가|까|음|짐|함)$")
_QUESTION_WORD = re.compile(r"(?:^|\s)(?:왜|뭐|뭘|무엇|무슨|어떻게|어떤|어디|언제|누가|누구|어느|얼마|몇)"
                            r"|(?i:\b(?:why|how|what|which|when|where|who)\b)")
_SENTENCE_SPLIT = re.compile(r"[.!。\n]+|(?<=[가-힣])\s{2,}")
_TRAILING_NOISE = re.compile(r"[\s~…^;:,)\]*_`'\"ㅠㅜㅋㅎ]+$")


def asks(text: str) -> bool:
    """Whether a piece of Korean/English prose asks something (question mark or interrogative ending)."""
    if "?" in text or "？" in text:
        return True
    for sentence in _SENTENCE_SPLIT.split(text):
        sentence = _TRAILING_NOISE.sub("", sentence).strip()
        if not sentence:
            continue
        if _STRONG_ENDING.search(sentence):
            return True
        if _WEAK_ENDING.search(sentence) and _QUESTION_WORD.search(sentence):
            return True
    return False


# --- a title written as the first line --------------------------------------------------------

# What a first line that is not a title starts with: a list item, a quote, a table, an image or link,
# HTML, a reply arrow.
_NOT_A_TITLE = re.compile(r"\s*(?:[-*+•>|!\[<]|\d{1,4}[.)]\s|->)")
TITLE_LINE_MAX = 80
# A sentence, not a name: it ends in punctuation or in a Korean sentence ending ("…모아요", "…합니다").
_SENTENCE_END = re.compile(r"(?:[.!~…:;,]|[요다죠]\W*)$")


def standalone_title(lines: list[Line], before: int) -> int | None:
    """The index of a file's title written as its first line instead of a heading ("CV 스터디 노드 정리"):
    the first line before `before` that says something, if it is short, stands alone (a blank line or
    the end of the preamble follows it), and is no sentence, question, list item, quote, table, image or
    signed remark. Otherwise None: the preamble is the file's introduction."""
    for index, line in enumerate(lines[:before]):
        if line.blank or is_rule(line) or boilerplate_reason(line, preamble=True):
            continue
        text = line.stripped
        alone = index + 1 >= before or lines[index + 1].blank
        if (alone and not line.in_fence and len(text) <= TITLE_LINE_MAX and not asks(text)
                and not _NOT_A_TITLE.match(text) and not _SENTENCE_END.search(text)
                and split_author(text)[1] is None):
            return index
        return None
    return None


# --- labels -------------------------------------------------------------------------------------

_NUMBER = re.compile(r"\d+(?:[-.]\d+)*")


def number_in(title: str | None) -> str | None:
    """The first number written in a section title ("노드 01" -> "01", "Lecture 7" -> "7")."""
    if not title:
        return None
    match = _NUMBER.search(title)
    return match.group(0) if match else None


class LabelBook:
    """Hands out labels that are unique within a file; a repeat gets a suffix instead of colliding."""

    def __init__(self) -> None:
        self._used: set[str] = set()
        self._repeats: dict[str, int] = {}  # label -> suffix tried last, so repeats cost O(1) each

    def take(self, label: str) -> str:
        candidate, n = label, self._repeats.get(label, 1)
        while candidate in self._used:
            n += 1
            candidate = f"{label}~{n}"
        self._repeats[label] = n
        self._used.add(candidate)
        return candidate

    def __contains__(self, label: str) -> bool:
        return label in self._used
