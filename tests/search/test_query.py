"""Query analysis without Kiwi, and the MATCH expression it builds."""

from __future__ import annotations

import re

import pytest

from app.search.query import WEIGHT_BROADER, WEIGHT_PLAIN, WEIGHT_TOPIC, corrected_query, parse_query

VOCABULARY = {"정규화", "테스트", "구조", "학습", "시간", "블로그", "부근", "필요성", "놓치다", "쉽다", "낮추다",
              "뭉치다"}


def known(tokens):
    return {t for t in tokens if t in VOCABULARY}


def tokens(dictionary, text, **kwargs):
    """The tokens of what was typed (not the broader concepts added to them)."""
    return [t for term in parse_query(text, dictionary, known, **kwargs).terms for t in term.tokens]


def test_terms_are_weighted_by_kind_and_carry_their_broader_concepts():
    from app.search.terms import default_dictionary

    parsed = parse_query("배치 정규화 구조 차이", default_dictionary(), known)
    terms = {term.tokens[0]: term for term in parsed.terms}
    assert {token: term.weight for token, term in terms.items()} == {
        "batch_normalization": WEIGHT_TOPIC, "difference": WEIGHT_PLAIN,  # an everyday concept
        "구조": WEIGHT_PLAIN,
    }
    assert terms["batch_normalization"].broader == ("normalization",)
    expression = parsed.match_expression()
    assert expression.count('"batch_normalization"') == WEIGHT_TOPIC
    assert expression.count('"normalization"') == WEIGHT_BROADER


def test_stems_are_kept_only_if_the_index_knows_them(dictionary):
    parsed = parse_query("블로그에는 없는 낱말들", dictionary, known)
    assert [t.tokens for t in parsed.terms] == [("블로그",)]
    assert "없는" in parsed.unknown


@pytest.mark.parametrize(
    "text, expected",
    [
        ("관계를 놓칠까", ["놓치다"]), ("쉬워요", ["쉽다"]), ("lr을 낮춰야", ["learning_rate", "낮추다"]),
        ("뭉쳐서", ["뭉치다"]), ("느려지는", ["speed"]), ("뭐가 달라", ["difference"]), ("늘어났어", ["increase"]),
        ("막았을 때", ["prevention"]),
    ],
)
def test_conjugated_predicates_find_their_dictionary_form(dictionary, text, expected):
    assert tokens(dictionary, text) == expected


def test_a_noun_is_not_read_as_a_predicate(dictionary):
    assert tokens(dictionary, "막대그래프") == []  # not 막다 (prevention): 대 is no ending


def test_compound_typed_without_space_is_split_into_known_nouns(dictionary):
    assert tokens(dictionary, "모델구조는") == ["model", "구조"]


def test_short_terms(dictionary):
    assert tokens(dictionary, "편향") == ["bias"]
    assert tokens(dictionary, "노드") == ["node"]
    assert tokens(dictionary, "BN") == ["batch_normalization"]
    assert tokens(dictionary, "GD") == ["gradient_descent"]
    assert tokens(dictionary, "L1") == ["l1_regularization"]


HOSTILE = [
    "", "   ", '"', '""', "'", "*", "-", "^", ":", "(", ")", "()", "NEAR", "NEAR(a b)", "AND", "OR", "NOT",
    "a AND", "OR b", '"dropout" AND (NEAR -*', "title:relu", "{title body}: x", "드롭아웃*", "-드롭아웃",
    "x" * 1000, "드롭아웃 " * 200, "\x00\x01", "😀", "%_", "\\", "'; DROP TABLE question; --",
    "\ud800", "드롭\udfff아웃", "\x1b[31m드롭아웃", "\u200b\ufeff", "NEAR(\"드롭아웃\" \"배치\", 2)",
    "드롭아웃 -배치 +BN ^relu",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_match_expression_is_only_quoted_tokens(dictionary, text):
    expression = parse_query(text, dictionary, known).match_expression()
    if expression is None:
        return
    # "tok" [*] (OR "tok" [*])* and nothing else; inner quotes doubled
    assert re.fullmatch(r'"(?:[^"]|"")+"\*?(?: OR "(?:[^"]|"")+"\*?)*', expression), expression


def test_invisible_and_control_characters_do_not_split_words(dictionary):
    assert tokens(dictionary, "드롭\u200b아웃") == tokens(dictionary, "드롭\udfff아웃") == ["dropout"]
    assert tokens(dictionary, "\x00드롭아웃\x1f배치정규화") == ["dropout", "batch_normalization"]


def test_long_queries_are_cut(dictionary):
    parsed = parse_query("드롭아웃 배치 정규화 " * 300, dictionary, known)
    assert 0 < len(parsed.terms) <= 16


def test_last_word_is_a_prefix_while_typing(dictionary):
    parsed = parse_query("배치 정규", dictionary, known, prefix_last=True)
    assert '"정규"*' in parsed.match_expression()
    assert "normalization" in parsed.match_expression()  # dictionary terms starting with 정규
    parsed = parse_query("드롭아", dictionary, known, prefix_last=True)
    assert '"dropout"' in parsed.match_expression()


def test_did_you_mean_respells_unknown_words(dictionary):
    assert corrected_query(parse_query("드롭아욷", dictionary, known), dictionary) == "드롭아웃"
    assert corrected_query(parse_query("드롭아욷은 효과", dictionary, known), dictionary) == "드롭아웃은 효과"
    assert corrected_query(parse_query("드롭아웃", dictionary, known), dictionary) is None
