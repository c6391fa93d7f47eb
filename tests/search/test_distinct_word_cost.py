"""The analysis of a long post of distinct words stays linear, counted in dictionary lookups (issue 12's
check). Repeated prose cannot show it: the analyser finds each distinct word's forms once, and an
over-long run is skipped, so those cost the same (or nothing) at any length."""

from __future__ import annotations

from tests.search.test_write_cost import lookups_for

SYLLABLES = 11172  # the precomposed Hangul syllables from U+AC00


def distinct_words(length: int) -> str:
    """`length` characters of different three-syllable words, each with a particle, as a post has."""
    words, size, index = [], 0, 0
    while True:
        word = "".join(chr(0xAC00 + (index * 7919 + part * 104729) % SYLLABLES) for part in range(3)) + "를"
        if size + len(word) + 1 > length:
            return " ".join(words)
        words.append(word)
        size += len(word) + 1
        index += 1


def test_a_ten_times_longer_post_of_distinct_words_costs_about_ten_times_the_lookups():
    short, long = lookups_for(distinct_words(2_000)), lookups_for(distinct_words(20_000))
    assert short > 1000  # every word is looked up: the count measures the analysis
    assert long <= 12 * short
