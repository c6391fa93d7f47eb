"""Index-time analysis with Kiwi: the tokens a question is found by."""

from __future__ import annotations

import pickle
import unicodedata

from app.search.analyze import SearchDoc, WordAnalyser, analyse, build_search_doc, build_search_docs
from app.search.terms import default_dictionary
from app.search.text import normalise


def test_search_doc_is_a_picklable_value():
    doc = build_search_doc("드롭아웃의 효과", "본문", "답변")
    assert isinstance(doc, SearchDoc)
    assert pickle.loads(pickle.dumps(doc)) == doc


def test_particles_and_endings_are_stripped():
    tokens = analyse("배치 정규화가 과적합을 막는 이유")
    assert tokens.exact == ["batch_normalization", "overfitting", "prevention"]  # 막는 → 막다 → prevention
    assert analyse("드롭아웃은 테스트할 때 어떻게 동작해").exact == ["dropout", "test", "operation"]


def test_a_particle_set_apart_by_a_space_is_no_noun():
    """After inline math, code or English, writers often leave a space before the particle:
    analysed alone, its first syllable looked like a noun (으로 → 으, 라는 → 라)."""
    assert build_search_doc("$W$ 으로 나눈 값", "", "").title_terms.split() == ["w", "나누다", "값"]
    assert build_search_doc("x 라는 변수", "", "").title_terms.split() == ["x", "변수"]
    assert "르" not in build_search_doc("ReLU 를 쓰는 이유", "", "").title_terms.split()
    # Nouns that only start like a particle stay: 도로, 은닉, 과녁, 이론
    assert build_search_doc("도로 은닉 과녁 이론", "", "").title_terms.split() == ["도로", "은닉", "과녁", "이론"]


def test_broader_concepts_are_kept_apart_from_the_terms():
    tokens = analyse("배치 정규화와 드롭아웃")
    assert tokens.exact == ["batch_normalization", "dropout"]
    assert tokens.broader == ["normalization", "regularization"]


def test_verbs_and_adjectives_are_indexed_in_dictionary_form():
    assert "늘어나다" not in analyse("학습 시간이 늘어나는 이유").exact  # 늘어나다 is a variant of increase
    assert "increase" in analyse("학습 시간이 늘어나는 이유").exact
    assert "놓치다" in analyse("중요한 관계를 놓칠 수 있다").exact
    assert "낮추다" in analyse("학습률을 낮추는 이유").exact
    light = analyse("그것이 있는지 없는지 하고 싶다").exact  # light predicates say nothing about a topic
    assert not {"있다", "없다", "하다", "싶다"} & set(light)


def test_korean_and_english_spellings_index_the_same_tokens():
    assert analyse("드롭아웃") == analyse("dropout") == analyse("Drop-out")
    assert analyse("배치정규화") == analyse("Batch Normalization") == analyse("BN")


def test_nouns_outside_the_dictionary_come_from_kiwi():
    tokens = analyse("블로그에는 필요성이 있다고 합니다").exact
    assert "블로그" in tokens and "필요성" in tokens  # -성 glued back onto its noun


def test_unicode_forms_and_width_are_normalised():
    assert analyse(unicodedata.normalize("NFD", "드롭아웃 비율")) == analyse("드롭아웃 비율")
    assert analyse("ＲｅＬＵ") == analyse("relu")


def test_display_text_keeps_case_and_is_nfc():
    doc = build_search_doc(unicodedata.normalize("NFD", "ReLU의  단점"), "", "")
    assert doc.title_text == "ReLU의 단점"


def test_batch_analysis_matches_one_by_one():
    items = [("배치 정규화가 과적합을 막는 이유", "드롭아웃은 테스트할 때", "ReLU"), ("", "", "")]
    assert build_search_docs(items, workers=2) == [build_search_doc(*item) for item in items]


def test_a_word_gets_the_same_tokens_whatever_text_surrounds_it():
    # Kiwi analyses each eojeol on its own, so the cache may hand its tokens to any document.
    sentence = "메모리가 늘어나는 이유를 블로그에서 찾아봤습니다"  # no multi-word term
    word_by_word = [token for word in sentence.split() for token in analyse(word).exact]
    assert analyse(sentence).exact == word_by_word
    assert "increase" in word_by_word and "블로그" in word_by_word


def test_multi_word_terms_still_match_across_eojeols():
    # Dictionary matching runs on the whole text before the words are analysed one by one.
    assert analyse("배치 정규화가").exact == ["batch_normalization"]
    assert analyse("로컬 미니마에 빠지는 이유").exact[0] == "local_minimum"


def test_cached_and_fresh_analysis_give_the_same_tokens():
    dictionary = default_dictionary()
    text = "드롭아웃은 테스트할 때 비활성화되고 학습률을 낮추는 이유와 같다"
    warm = WordAnalyser(dictionary)
    first = warm.column(normalise(text), dictionary.find(normalise(text)))
    again = warm.column(normalise(text), dictionary.find(normalise(text)))
    fresh = WordAnalyser(dictionary).column(normalise(text), dictionary.find(normalise(text)))
    assert first == again == fresh == analyse(text)
    assert warm.hits == warm.misses == len(normalise(text).split(" "))


def test_the_word_cache_is_bounded_and_keeps_recent_words():
    dictionary = default_dictionary()
    analyser = WordAnalyser(dictionary, size=3)
    for word in ["가중치가", "편향을", "노드는", "가중치가", "레이어의"]:
        analyser.column(word, dictionary.find(word))
    assert analyser.misses == 4 and analyser.hits == 1
    analyser.column("가중치가", dictionary.find("가중치가"))  # used recently: still cached
    analyser.column("편향을", dictionary.find("편향을"))  # the least recently used: evicted
    assert analyser.hits == 2 and analyser.misses == 5


def test_a_columns_tokens_do_not_depend_on_what_was_analysed_before(seeded_engine):
    # A word's cached tokens are handed to every later text: on the seeds, analysing the columns
    # backwards through a cache that keeps evicting gives what a fresh, roomy cache gives forwards.
    with seeded_engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT title, body, answers FROM search_text ORDER BY question_id").all()
    dictionary = default_dictionary()
    columns = [normalise(text) for row in rows for text in row]

    def tokens(analyser, order):
        return {i: analyser.column(columns[i], dictionary.find(columns[i])) for i in order}

    forwards = tokens(WordAnalyser(dictionary), range(len(columns)))
    tiny = WordAnalyser(dictionary, size=5)
    assert tokens(tiny, reversed(range(len(columns)))) == forwards
    assert tiny.misses > 1_000 and tiny.hits
    assert build_search_docs(rows[::-1], workers=2)[::-1] == [build_search_doc(*row) for row in rows]
