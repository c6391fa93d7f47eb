"""The search index on PostgreSQL (migrations 0002, 0003, 0011): the same queries as the FTS5 ones in
app.db.queries.search, which hands over to these functions on a PostgreSQL connection.

app.search writes its queries in the small part of the FTS5 expression language it needs: quoted
phrases ("token", "prefix"*), AND, OR, NOT (binary: a NOT b), parentheses and a column filter
({title title_broader} : …). `parse` reads that into a tree; a tree becomes a tsquery (matched
against the tsvector through its GIN index, the column filter as the title columns' weight letters)
and tells bm25 which phrases to weigh in which columns.

Ranking is FTS5's bm25, computed the way fts5_aux.c does (k1 = 1.2, b = 0.75, idf clamped at 1e-6,
a phrase's frequency = each occurrence weighted by its column's weight, document length = tokens in
all columns; FTS5 re-reads the row's text for occurrences under detail=column), over the rows a ranking part selects (at
most app.search.ranking.WINDOW), so scores and order agree with SQLite.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy.engine import Connection

from app.db.sql import run

COLUMNS = ("title", "body", "answers", "title_broader", "text_broader")
_WEIGHT_LETTERS = {"title": "A", "title_broader": "B"}  # migration 0011; the filter names only these
K1, B = 1.2, 0.75


@dataclass(frozen=True)
class Phrase:
    token: str
    prefix: bool
    columns: tuple[str, ...] = COLUMNS


@dataclass(frozen=True)
class Node:
    op: str  # "phrase", "and", "or", "not"
    children: tuple[Node, ...] = ()
    phrase: Phrase | None = None


_TOKEN = re.compile(r'\s*(?:"((?:[^"]|"")*)"(\*)?|(\()|(\))|\{([^}]*)\}\s*:|(AND|OR|NOT)\b)')


class ExpressionError(ValueError):
    pass


def parse(expression: str) -> Node:
    """An FTS5 expression of the subset app.search writes → a tree. NOT binds tighter than AND, AND
    tighter than OR, as in FTS5."""
    tokens: list[tuple[str, str | None, bool]] = []
    position = 0
    text = expression.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise ExpressionError(f"unsupported search expression near {text[position:position + 20]!r}")
        position = match.end()
        phrase, star, opening, closing, columns, word = match.groups()
        if phrase is not None:
            tokens.append(("phrase", phrase.replace('""', '"'), bool(star)))
        elif opening:
            tokens.append(("(", None, False))
        elif closing:
            tokens.append((")", None, False))
        elif columns is not None:
            tokens.append(("columns", columns, False))
        else:
            tokens.append((word or "", None, False))
        while position < len(text) and text[position].isspace():
            position += 1
    parser = _Parser(tokens)
    node = parser.or_()
    if parser.at < len(tokens):
        raise ExpressionError("unbalanced search expression")
    return node


class _Parser:
    def __init__(self, tokens: list[tuple[str, str | None, bool]]) -> None:
        self.tokens, self.at = tokens, 0

    def _peek(self) -> str | None:
        return self.tokens[self.at][0] if self.at < len(self.tokens) else None

    def or_(self, columns: tuple[str, ...] = COLUMNS) -> Node:
        parts = [self.and_(columns)]
        while self._peek() == "OR":
            self.at += 1
            parts.append(self.and_(columns))
        return parts[0] if len(parts) == 1 else Node("or", tuple(parts))

    def and_(self, columns: tuple[str, ...]) -> Node:
        parts = [self.not_(columns)]
        while self._peek() in ("AND", "phrase", "(", "columns"):
            if self._peek() == "AND":
                self.at += 1
            parts.append(self.not_(columns))
        return parts[0] if len(parts) == 1 else Node("and", tuple(parts))

    def not_(self, columns: tuple[str, ...]) -> Node:
        node = self.primary(columns)
        while self._peek() == "NOT":
            self.at += 1
            node = Node("not", (node, self.primary(columns)))
        return node

    def primary(self, columns: tuple[str, ...]) -> Node:
        if self.at >= len(self.tokens):
            raise ExpressionError("search expression ends too early")
        kind, value, star = self.tokens[self.at]
        self.at += 1
        if kind == "phrase":
            return Node("phrase", phrase=Phrase(value or "", star, columns))
        if kind == "columns":
            chosen = tuple(name for name in (value or "").split() if name in COLUMNS)
            return self.primary(chosen)
        if kind == "(":
            node = self.or_(columns)
            if self._peek() != ")":
                raise ExpressionError("unbalanced search expression")
            self.at += 1
            return node
        raise ExpressionError(f"unexpected {kind!r} in search expression")


def _lexeme(phrase: Phrase) -> str:
    quoted = "'" + phrase.token.replace("\\", "\\\\").replace("'", "''") + "'"
    letters = ""
    if phrase.columns != COLUMNS:
        letters = "".join(sorted(_WEIGHT_LETTERS[c] for c in phrase.columns if c in _WEIGHT_LETTERS))
    if phrase.prefix or letters:
        return f"{quoted}:{'*' if phrase.prefix else ''}{letters}"
    return quoted


def tsquery(node: Node) -> str:
    if node.op == "phrase":
        assert node.phrase is not None
        return _lexeme(node.phrase)
    if node.op == "not":
        return f"({tsquery(node.children[0])}) & !({tsquery(node.children[1])})"
    joiner = " & " if node.op == "and" else " | "
    return "(" + joiner.join(tsquery(child) for child in node.children) + ")"


def phrases(node: Node) -> list[Phrase]:
    """Every phrase of the expression in order, repeats kept (bm25 sums over them)."""
    if node.op == "phrase":
        assert node.phrase is not None
        return [node.phrase]
    return [phrase for child in node.children for phrase in phrases(child)]


def to_tsquery(expression: str) -> str:
    return tsquery(parse(expression))


# --- the queries ---------------------------------------------------------------------------------


ROWID = "i.rowid"  # how the queries below name the index row (for the caller's filter clause)


def count_matches(conn: Connection, match: str, where: str, params: list, joined: bool, at_most: int | None) -> int:
    """`where`/`params`: the caller's filter clause on question `q` and ROWID; `joined`: it names `q`."""
    join = " JOIN question AS q ON q.id = i.rowid" if joined else ""
    limit = "" if at_most is None else f" LIMIT {int(at_most)}"
    return run(conn,
        f"SELECT count(*) FROM (SELECT 1 FROM search_index AS i{join}"
        f" WHERE i.document @@ CAST(? AS tsquery){where}{limit}) AS matched",
        (to_tsquery(match), *params),
    ).scalar_one()


def capped_frequencies(conn: Connection, phrase_expressions: Iterable[str], at_most: int) -> dict[str, int]:
    values = sorted(set(phrase_expressions))
    if not values:
        return {}
    one = ("SELECT CAST(? AS text), (SELECT count(*) FROM (SELECT 1 FROM search_index AS i"
           " WHERE i.document @@ CAST(? AS tsquery) LIMIT ?) AS matched)")
    params = [p for value in values for p in (value, to_tsquery(value), int(at_most))]
    return dict(run(conn, " UNION ALL ".join([one] * len(values)), tuple(params)).all())


def rowid_at(conn: Connection, match: str, where: str, params: list, joined: bool, position: int) -> int | None:
    join = " JOIN question AS q ON q.id = i.rowid" if joined else ""
    return run(conn,
        f"SELECT i.rowid FROM search_index AS i{join} WHERE i.document @@ CAST(? AS tsquery){where}"
        " ORDER BY i.rowid DESC LIMIT 1 OFFSET ?",
        (to_tsquery(match), *params, position),
    ).scalar()


def _occurrences(tokens: str, phrase: Phrase) -> int:
    if phrase.prefix:
        return sum(1 for token in tokens.split() if token.startswith(phrase.token))
    return tokens.split().count(phrase.token)


def scored(conn: Connection, match: str, where: str, params: list, weights: Sequence[float],
           answered_boost: float, limit: int, offset: int) -> list[tuple[int, float]]:
    """(question id, bm25 score as FTS5 gives it: negative, lower is better, answered boost applied), in
    FTS5's order (score, then id)."""
    node = parse(match)
    rows = run(conn,
        f"SELECT q.id, q.answered, i.token_count, {', '.join('i.' + c for c in COLUMNS)}"
        " FROM search_index AS i JOIN question AS q ON q.id = i.rowid"
        f" WHERE i.document @@ CAST(? AS tsquery) AND q.deleted_at IS NULL AND q.retired_at IS NULL{where}",
        (tsquery(node), *params),
    ).all()
    if not rows:
        return []
    documents, average = run(conn,
        "SELECT count(*), coalesce(avg(token_count), 0) FROM search_index").one()
    listed = phrases(node)
    hits = capped_frequencies(conn, {_phrase_expression(p) for p in listed}, 1 << 62)
    idf = [max(math.log((documents - hits[_phrase_expression(p)] + 0.5) / (hits[_phrase_expression(p)] + 0.5)), 1e-6)
           for p in listed]
    column_weight = dict(zip(COLUMNS, weights, strict=True))
    results = []
    for row in rows:
        question_id, is_answered, length = row[0], row[1], row[2] or 0
        texts = dict(zip(COLUMNS, (value or "" for value in row[3:]), strict=True))
        score = 0.0
        norm = K1 * (1 - B + B * length / float(average)) if average else K1
        for phrase, phrase_idf in zip(listed, idf, strict=True):
            frequency = sum(column_weight[c] * _occurrences(texts[c], phrase) for c in phrase.columns)
            score += phrase_idf * (frequency * (K1 + 1.0)) / (frequency + norm)
        score = -score * (answered_boost if is_answered else 1.0)
        results.append((question_id, score))
    results.sort(key=lambda item: (item[1], item[0]))
    return results[offset:offset + limit]


def _phrase_expression(phrase: Phrase) -> str:
    quoted = '"' + phrase.token.replace('"', '""') + '"' + ("*" if phrase.prefix else "")
    if phrase.columns != COLUMNS:
        return "{" + " ".join(phrase.columns) + "} : " + quoted
    return quoted
