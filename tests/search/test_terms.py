"""The term dictionary file and its matching rules."""

from __future__ import annotations

import os
import random
import unicodedata

import pytest

from app import clock
from app.search import terms
from app.search.terms import (
    TermDictionary,
    TermDictionaryError,
    _key_of,
    compact,
    default_dictionary,
    recheck_dictionary,
    terms_path,
)
from app.search.text import SEPARATORS, is_ascii_alnum, is_hangul, normalise


def found(dictionary, text: str) -> list[str]:
    return [m.term_id for m in dictionary.find(normalise(text))]


def test_shipped_dictionary_loads_and_covers_a_few_hundred_terms(dictionary):
    assert terms_path().name == "terms.tsv"
    assert len(dictionary.terms) >= 300
    TermDictionary.load(terms_path())  # parses cleanly: no duplicate variant, no unknown broader id


def test_the_dictionary_follows_kb_content_dir_while_the_process_runs(tmp_path, monkeypatch):
    """The folder is looked up once per value of the KB_ variables, not once per post, and a
    changed KB_CONTENT_DIR is still seen at the next call."""
    shipped = terms_path()
    (tmp_path / "search").mkdir()
    (tmp_path / "search" / "terms.tsv").write_text(shipped.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setenv("KB_CONTENT_DIR", str(tmp_path))
    assert terms_path() == tmp_path / "search" / "terms.tsv"
    monkeypatch.setenv("KB_CONTENT_DIR", str(tmp_path / "elsewhere"))  # no dictionary there: the shipped one
    assert terms_path() == shipped
    monkeypatch.delenv("KB_CONTENT_DIR")
    assert terms_path() == shipped


def test_the_dictionary_file_is_looked_at_once_a_recheck_interval_and_at_once_on_demand(tmp_path, monkeypatch):
    """A post renders and analyses with the dictionary several times; the file is looked at (stats)
    at most once per RECHECK_S, at once after recheck_dictionary() (an ingest starting) or when
    KB_CONTENT_DIR changes, and an edited file is loaded at the next look."""
    shipped = terms_path()
    (tmp_path / "search").mkdir()
    edited = tmp_path / "search" / "terms.tsv"
    edited.write_text(shipped.read_text(encoding="utf-8"), encoding="utf-8")
    now, looks = [0.0], []

    def counted_terms_path():
        looks.append(now[0])
        return terms_path()

    monkeypatch.setattr(clock, "monotonic", lambda: now[0])
    monkeypatch.setattr(terms, "terms_path", counted_terms_path)
    recheck_dictionary()
    try:
        first = default_dictionary()
        for _ in range(50):
            assert default_dictionary() is first
        assert len(looks) == 1

        monkeypatch.setenv("KB_CONTENT_DIR", str(tmp_path))  # another folder: looked at at once
        assert default_dictionary() is not first and len(looks) == 2
        assert found(default_dictionary(), "떨굼층") == []
        lines = [line + "\t떨굼층" if line.startswith("dropout\t") else line
                 for line in edited.read_text(encoding="utf-8").splitlines()]
        edited.write_text("\n".join(lines) + "\n", encoding="utf-8")
        os.utime(edited, ns=(edited.stat().st_atime_ns, edited.stat().st_mtime_ns + 1_000_000_000))
        now[0] += terms.RECHECK_S / 2
        assert found(default_dictionary(), "떨굼층") == [] and len(looks) == 2  # not yet
        now[0] += terms.RECHECK_S / 2
        assert found(default_dictionary(), "떨굼층") == ["dropout"] and len(looks) == 3

        edited.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")
        os.utime(edited, ns=(edited.stat().st_atime_ns, edited.stat().st_mtime_ns + 2_000_000_000))
        recheck_dictionary()  # as an ingest does first
        assert len(default_dictionary().terms) == len(first.terms) - 1 and len(looks) == 4
    finally:
        recheck_dictionary()


@pytest.mark.parametrize(
    "variants",
    [
        ("드롭아웃", "dropout", "Drop-out", "드랍아웃"),
        ("배치 정규화", "batch normalization", "BN", "batchnorm", "배치정규화"),
        ("렐루", "ReLU"),
        ("시그모이드", "sigmoid"),
        ("안장점", "saddle point"),
        ("로컬 미니마", "local minima", "지역 최솟값"),
        ("학습률", "learning rate", "LR"),
        ("과적합", "overfitting", "과대적합", "오버피팅"),
        ("스냅샷", "snapshot"),
        ("가중치 초기화", "weight initialization", "가중치초기화"),
        ("전이 학습", "transfer learning", "전이학습"),
        ("모멘텀", "momentum"),
    ],
)
def test_every_spelling_of_a_concept_is_one_term(dictionary, variants):
    ids = {tuple(found(dictionary, v)) for v in variants}
    assert len(ids) == 1 and len(next(iter(ids))) == 1, ids


def test_english_variants_match_whole_words_only(dictionary):
    assert found(dictionary, "SGD와 GD") == ["sgd", "gradient_descent"]
    assert found(dictionary, "dropouts") == []
    assert found(dictionary, "in it") == []  # not "init"


def test_two_syllable_korean_variants_start_a_word(dictionary):
    assert found(dictionary, "블로그에 올림") == []  # 로그 (log) is not inside 블로그
    assert found(dictionary, "로그를 씌운다") == ["logarithm"]
    assert found(dictionary, "비편향 추정") == ["unbiased_estimation"]  # not 편향 (bias)


def test_particles_after_a_term_do_not_matter(dictionary):
    assert found(dictionary, "과적합을") == found(dictionary, "과적합은") == ["overfitting"]
    assert found(dictionary, "BN을 적용") == ["batch_normalization"]


def test_spacing_width_and_unicode_forms_do_not_matter(dictionary):
    expected = ["batch_normalization"]
    assert found(dictionary, "배 치 정 규 화") == expected
    assert found(dictionary, "ＢＮ") == expected
    assert found(dictionary, unicodedata.normalize("NFD", "배치 정규화")) == expected


def test_longest_variant_wins(dictionary):
    assert found(dictionary, "확률적 경사 하강법") == ["sgd"]
    assert found(dictionary, "leaky relu") == ["leaky_relu"]


def test_a_shorter_variant_wins_where_the_longest_breaks_a_word():
    dictionary = TermDictionary.parse("batch_norm\tbatch norm\nbatch\tbatch\nnormal\tnormal\n")
    matches = dictionary.find(normalise("batch normal"))  # "batch norm" would cut "normal"
    assert [(m.start, m.end, m.term_id) for m in matches] == [(0, 5, "batch"), (6, 12, "normal")]
    assert [m.term_id for m in dictionary.find(normalise("batch-norm, batch norm."))] == ["batch_norm"] * 2


def test_broader_concepts_are_expanded(dictionary):
    assert dictionary.expand("batch_normalization") == ("batch_normalization", "normalization")
    assert "gradient_descent" in dictionary.expand("sgd")


def test_nearest_term_fixes_small_typos(dictionary):
    assert dictionary.nearest("드롭아욷").id == "dropout"
    assert dictionary.nearest("dropuot").id == "dropout"
    assert dictionary.nearest("전혀다른말") is None


def test_one_syllable_variant_only_matches_a_whole_token(dictionary):
    assert dictionary.lookup("뜻") == "meaning"
    assert found(dictionary, "뜻밖에") == []


def test_bad_files_are_reported_with_their_line():
    with pytest.raises(TermDictionaryError, match=":3:"):
        TermDictionary.parse("# comment\nrelu\t렐루\nsigmoid\t렐루\n")
    with pytest.raises(TermDictionaryError, match="상위 개념"):
        TermDictionary.parse("relu\t렐루\t>activation\n")
    with pytest.raises(TermDictionaryError):
        TermDictionary.parse("Bad Id\t표기\n")


def test_everyday_vocabulary_is_flagged_general():
    parsed = TermDictionary.parse("difference\t차이\tvs\t@general\nrelu\t렐루\tReLU\n")
    assert parsed.is_general("difference") and not parsed.is_general("relu")
    assert parsed.lookup("vs") == "difference" and parsed.lookup("@general") is None
    with pytest.raises(TermDictionaryError, match="@general"):
        TermDictionary.parse("relu\t렐루\t@topic\n")


def test_shipped_dictionary_marks_only_everyday_words_general(dictionary):
    general = {term_id for term_id in dictionary.terms if dictionary.is_general(term_id)}
    assert {"difference", "meaning", "advantage"} <= general
    assert not {"dropout", "batch_normalization", "gpu"} & general


def _reference_find(surface: dict[str, tuple[str, frozenset[int], bool]], text: str) -> list[tuple[int, int, str]]:
    """The rules of find() as a plain scan (how it matched before Aho-Corasick): at each position
    of the text without separators, the longest variant whose word boundaries hold wins."""
    longest = max(map(len, surface))
    pos = [index for index, ch in enumerate(text) if ch not in SEPARATORS]
    squeezed = "".join(text[index] for index in pos)
    matches, i = [], 0
    while i < len(squeezed):
        for length in range(min(longest, len(squeezed) - i), 0, -1):
            key = squeezed[i:i + length]
            if key not in surface:
                continue
            term_id, gaps, word_start = surface[key]
            start, end = pos[i], pos[i + length - 1] + 1
            before, after = text[start - 1:start], text[end:end + 1]
            if (before and ((is_ascii_alnum(key[0]) and is_ascii_alnum(before)) or (word_start and is_hangul(before)))
                    or after and is_ascii_alnum(key[-1]) and is_ascii_alnum(after)
                    or any(pos[i + j] != pos[i + j - 1] + 1 and j not in gaps
                           and is_ascii_alnum(key[j - 1]) and is_ascii_alnum(key[j]) for j in range(1, length))):
                continue
            matches.append((start, end, term_id))
            i += length
            break
        else:
            i += 1
    return matches


def _surface_keys(dictionary) -> dict[str, tuple[str, frozenset[int], bool]]:
    """variant without separators -> (term id, where a variant had separators, must start a word)."""
    surface: dict[str, tuple[str, frozenset[int], bool]] = {}
    for term in dictionary.terms.values():
        for variant in (term.label, *term.variants):
            key, gaps = _key_of(variant)
            if len(key) > 1 or (key and not is_hangul(key)):
                previous = surface.get(key, (None, frozenset(), False))[1]
                surface[key] = (term.id, gaps | previous, len(key) <= 2 and all(is_hangul(ch) for ch in key))
    return surface


def test_find_agrees_with_a_plain_scan_on_random_text(dictionary):
    rng = random.Random(7)
    variants = [variant for term in dictionary.terms.values() for variant in (term.label, *term.variants)]
    fillers = ["", " ", "-", ".", "_", "/", "+", "·", "가", "는", "의", "블", "a", "b1", "9", "😀", "Ｘ", "데이터"]
    texts = [normalise(variant + rng.choice(fillers)) for variant in variants]
    for _ in range(3_000):
        pieces = [rng.choice(variants) if rng.random() < 0.6 else rng.choice(fillers) for _ in range(rng.randint(1, 6))]
        texts.append(normalise("".join(piece + rng.choice(fillers) for piece in pieces)))
    surface = _surface_keys(dictionary)
    for text in texts:
        assert [(m.start, m.end, m.term_id) for m in dictionary.find(text)] == _reference_find(surface, text), text


def _scanned_concepts_starting_with(dictionary, keys: list[str], word: str, limit: int = 5) -> list[str]:
    """The prefix lookup as a scan of every variant (`keys`, sorted): what the sorted lookup must agree with."""
    key = compact(normalise(word))
    if len(key) < 2:
        return []
    found: list[str] = []
    for candidate in (k for k in keys if k.startswith(key)):
        term_id = dictionary.lookup(candidate)
        if term_id not in found:
            found.append(term_id)
    return found[:limit]


def _exact_keys(dictionary) -> set[str]:
    return {_key_of(variant)[0] for term in dictionary.terms.values()
            for variant in (term.label, *term.variants)} - {""}


def test_concepts_starting_with_agrees_with_a_scan_of_every_variant(dictionary):
    keys = sorted(_exact_keys(dictionary))
    words = {key[:n] for key in keys for n in range(0, 5)} | set(keys)
    words |= {"드롭", "Drop", "drop out", "정규", "역전", "과적", "없는말", "zz", "가", "ab cd"}
    for word in sorted(words):
        scanned = _scanned_concepts_starting_with(dictionary, keys, word, limit=5)
        assert dictionary.concepts_starting_with(word) == scanned, word
        assert dictionary.concepts_starting_with(word, limit=1) == scanned[:1], word


class _CountedScans(dict):
    scans = 0

    def __iter__(self):
        type(self).scans += 1
        return super().__iter__()

    def keys(self):
        type(self).scans += 1
        return super().keys()

    def items(self):
        type(self).scans += 1
        return super().items()


def test_a_prefix_lookup_does_not_scan_the_whole_dictionary():
    """A search word's begun concepts are found by position in the sorted variants, built once per
    dictionary: a query of several words used to walk all ~2,000 variants once per word."""
    dictionary = TermDictionary.load(terms_path())
    dictionary._exact = _CountedScans(dictionary._exact)
    for word in ("드롭", "정규", "역전", "과적", "batch", "없는말"):
        dictionary.concepts_starting_with(word)
    assert _CountedScans.scans == 0
