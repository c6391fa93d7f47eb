"""The lossless check: every non-blank source line ends up somewhere in a parsed document.

A line counts as placed when each of its words appears in the document's output (questions, answers,
replies, reactions, references, intros, notes), or begins a word there (Korean particles glue onto
words: "관계" in "관계인가"), or when the parser reported its number as unplaced.
Markup that carries structure rather than text is the only thing allowed to vanish: the "2222" of a
"+1" mark and the words of a line that is only a "me too" ("저도 궁금해요 (민수)", kept as a +1
reaction by its author), an "A:" / "**A.**" that marks a line as an answer, the "번" of a "2, 3번"
answer header (the numbers are the labels it points at), a circled number "②" (read as the label
"2"), the "Q" of a "Q2." numbering (the number is the label), and an interview's "References"
heading (its links are the references).
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterator

from app.ingest.document import ParsedAnswer, ParsedDocument
from app.ingest.shapes._lines import plus_one_line, split_lines
from app.ingest.shapes.interview import references_marker

_WORD = re.compile(r"[^\W_]+")
_EMPHASIS = re.compile(r"[*_`~]")
_PLUS_ONE_MARK = re.compile(r"2{3,}")
_COUNTER = re.compile(r"(?<=\d)번(?![가-힣])")  # "3번은 …" keeps its particle: there 번 is a word
_ANSWER_MARK = re.compile(r"^\s*(?:[-*+]\s+)?([*_]{0,2})(?:A|답|답변|정답)(?:\s*[:：.)]\1|\1\s*[:：.)])\s", re.I)
_CIRCLED = re.compile("[\u2460-\u2473\u2776-\u277f]")
_Q_NUMBER = re.compile(r"q(\d+)")


def words(text: str) -> list[str]:
    # Emphasis and code marks are markup; dropping them on both sides keeps "**굵게**가" one word.
    text = _CIRCLED.sub(lambda m: f" {unicodedata.normalize('NFKC', m.group())} ", text)
    return _WORD.findall(_EMPHASIS.sub("", text.lower()))


def _answer_texts(answers: list[ParsedAnswer]) -> Iterator[str]:
    for answer in answers:
        yield answer.body_md
        yield answer.author or ""
        for reaction in answer.reactions:
            yield f"{reaction.emoji} {reaction.author or ''}"
        yield from _answer_texts(answer.replies)


def output_texts(document: ParsedDocument) -> Iterator[str]:
    yield from (document.title, document.intro_md, document.notes_md)
    for section in document.sections:
        yield section.title or ""
        yield section.intro_md
        for question in section.questions:
            yield from (question.label, question.title, question.body_md, question.author or "",
                        question.page_ref or "")
            for reaction in question.reactions:
                yield f"{reaction.emoji} {reaction.author or ''}"
            for reference in question.references:
                yield f"{reference.title} {reference.url}"
            yield from _answer_texts(question.answers)
    for item in document.unplaced:
        yield item.text


def plus_one_lines(document: ParsedDocument) -> set[int]:
    lines: set[int] = set()

    def walk(answers: list[ParsedAnswer]) -> None:
        for answer in answers:
            lines.update(r.line for r in answer.reactions if r.kind == "plus_one")
            walk(answer.replies)

    for question in document.questions():
        lines.update(r.line for r in question.reactions if r.kind == "plus_one")
        walk(question.answers)
    return lines


def _starts_a_word(word: str, stems: list[str]) -> bool:
    """Whether some output word begins with `word`: a header that says "관계" points at "관계인가"."""
    at = bisect.bisect_left(stems, word)
    return at < len(stems) and stems[at].startswith(word)


def _numbered_as(word: str, known: set[str]) -> bool:
    """"q2" of a "Q2." numbering is placed when its number is: the label carries it."""
    match = _Q_NUMBER.fullmatch(word)
    return match is not None and match.group(1) in known


def missing_lines(text: str, document: ParsedDocument) -> list[tuple[int, str, list[str]]]:
    """(line number, line, words found nowhere in the output) for every line the parser lost."""
    known = set(words("\n".join(output_texts(document))))
    stems = sorted(known)
    unplaced = {item.line for item in document.unplaced}
    plus_ones = plus_one_lines(document)
    lost = []
    for line in split_lines(text):
        if line.blank or line.number in unplaced:
            continue
        if document.kind == "interview" and references_marker(line) is not None:
            continue
        line_words = words(_COUNTER.sub(" ", _ANSWER_MARK.sub("", line.text, count=1)))
        if line.number in plus_ones:
            is_mark, author = plus_one_line(line.text)
            line_words = words(author or "") if is_mark else [w for w in line_words if not _PLUS_ONE_MARK.fullmatch(w)]
        missing = [w for w in line_words
                   if w not in known and not _starts_a_word(w, stems) and not _numbered_as(w, known)]
        if missing:
            lost.append((line.number, line.text, missing))
    return lost
