"""Reading pages as a demanding Korean reader sees them: wording without developer jargon, labels that
say what a number is, the way to ask in plain sight."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from tests.reading.page_reader import Page

pytestmark = pytest.mark.read_only  # every test here only reads: one shared app

HTML = {"Accept": "text/html"}


def get(reader, path: str) -> tuple[Page, str]:
    response = reader.get(path, headers=HTML)
    assert response.status_code == 200, response.text
    return Page(response.text), response.text


def test_header_offers_asking_to_logged_out_readers(reader, sample):
    """A newcomer looked for "질문하기" and found only 로그인/가입하기; /ask sends them through login and back."""
    page, text = get(reader, "/")
    header = text.split("<header", 1)[1].split("</header>", 1)[0]
    assert 'href="/ask">질문하기</a>' in header
    redirect = reader.get("/ask", follow_redirects=False)
    assert redirect.status_code == 303 and redirect.headers["location"] == "/login?next=%2Fask"


def header_link_next(reader, path: str, label: str) -> str:
    """Where the header's 로그인/가입하기 link on `path` sends the reader back to once they are in."""
    page, _ = get(reader, path)
    href = next(href for href, text in page.anchors if text == label)
    return parse_qs(urlsplit(href).query)["next"][0]


def test_header_login_returns_to_the_same_search_and_filter(reader, sample):
    """Logging in from search results came back to an empty /search, from a filtered list to the whole list."""
    assert header_link_next(reader, "/search?q=ReLU", "로그인") == "/search?q=ReLU"
    korean = "/search?q=%EC%A0%95%EA%B7%9C%ED%99%94&status=answered"  # 정규화, as the browser sent it
    assert header_link_next(reader, korean, "가입하기") == korean
    assert header_link_next(reader, f"/questions/{sample.parent}", "로그인") == f"/questions/{sample.parent}"


def test_header_signup_on_the_login_page_keeps_where_the_login_was_going(reader, sample):
    """Sent to /login from a question, a newcomer who took the header's 가입하기 landed on the home page."""
    target = f"/questions/{sample.parent}#answer-{sample.answer}"
    assert header_link_next(reader, f"/login?next={quote(target)}", "가입하기") == target
    assert header_link_next(reader, f"/signup?next={quote(target)}", "로그인") == target
    assert header_link_next(reader, "/login", "가입하기") == "/"


def test_every_page_starts_with_a_skip_link_to_main(reader, sample):
    for path in ("/", f"/questions/{sample.parent}", "/search?q=ReLU", "/questions/999999"):
        text = reader.get(path, headers=HTML).text
        body = text.split("<body>", 1)[1].lstrip()
        assert body.startswith('<a class="skip-link" href="#main">본문으로 건너뛰기</a>'), path
        assert '<main class="page" id="main">' in text


def test_an_experiments_questions_are_titled_as_on_their_own_pages(seeded_client):
    """The experiment page listed week 2's question 9 as "9 Q1) 정규화 방법": the writer's own numbering, which
    the question's page and every list drop beside the label."""
    page = seeded_client.get("/demos/feature-scaling", headers=HTML).text
    listed = page.split('id="demo-questions-title"', 1)[1].split("</ul>", 1)[0]
    assert re.search(r'<span class="demo-chip">9</span> <a href="/questions/\d+">정규화 방법</a>', listed)
    assert "Q1)" not in listed


def test_question_plus_one_reads_as_a_sentence(reader, sample):
    _, text = get(reader, f"/questions/{sample.parent}")
    assert "김산 님도 궁금해요" in text and "같은 질문 (김산)" not in text


def test_answer_source_line_is_a_tooltip_not_meta_text(reader, sample):
    """"7번째 줄" beside every answer meant nothing to a reader; the question keeps its source line in the footer."""
    _, text = get(reader, f"/questions/{sample.parent}")
    answer = text.split(f'id="answer-{sample.answer}"', 1)[1]
    meta = answer.split('class="answer__meta">', 1)[1].split("</div>", 1)[0]
    assert "번째 줄</span>" not in meta
    assert 'title="원본 7번째 줄">#</a>' in meta
    assert "interview/<wbr>sample-interview.md</code>, 5번째 줄" in text


def test_references_come_before_sub_questions_and_the_answer_form(reader, sample):
    _, text = get(reader, f"/questions/{sample.parent}")
    assert text.index('id="answers-title"') < text.index('id="references-title"') < text.index('id="children-title"')
    assert text.index('id="references-title"') < text.index('id="answer-form"')


def test_weeks_page_ref_says_what_it_is(seeded_client):
    items = seeded_client.get("/api/v1/questions", params={"collection": "study-week-04-cs231n-lecture-7"}).json()
    first = next(q for q in items["items"] if q["label"] == "7-1")
    text = seeded_client.get(first["url"], headers=HTML).text
    assert '<span class="page-ref">강의 자료 p15</span>' in text


def test_demo_panel_labels_its_preset_in_korean(seeded_client):
    """The panel said "hidden=128": a parameter name. It now says what the number is."""
    items = seeded_client.get("/api/v1/questions", params={"collection": "deep-hankkeut-nodes"}).json()["items"]
    question = next(q for q in items if q["label"] == "05-2")
    text = seeded_client.get(question["url"], headers=HTML).text
    panel = text.split('<section class="demo-panel"', 1)[1].split("</section>", 1)[0]
    assert '<span class="demo-panel__param" title="hidden">은닉층 너비 <strong>128</strong></span>' in panel
    assert "hidden=128<" not in panel and "<code>" not in panel


def test_filtered_list_names_its_collection_by_title(reader, sample):
    page, text = get(reader, "/questions?collection=sample-interview")
    assert "/collections/sample-interview" in page.hrefs("샘플 면접 질문")
    assert ">sample-interview</a>" not in text


def sort_chips(text: str) -> list[str]:
    group = text.split('aria-label="정렬">', 1)[1].split("</span>\n</nav>", 1)[0]
    return re.findall(r'<a class="chip[^"]*" href="[^"]*"[^>]*>([^<]+)</a>', group)


def test_default_sort_says_what_order_it_is(reader, sample):
    """The first chip said "기본": in a collection that is the source order, elsewhere recent activity
    (which also had a chip of its own that did the same)."""
    page, text = get(reader, "/questions?collection=sample-interview")
    assert sort_chips(text)[0] == "원본 순서" and "최근 활동" in sort_chips(text)
    assert '<span class="filters__name" aria-hidden="true">정렬</span>' in text
    _, text = get(reader, "/unanswered")
    assert sort_chips(text) == ["최근 활동", "최근 질문", "답변 많은 순", "궁금해요 많은 순"]
    _, text = get(reader, "/questions?sort=activity")
    assert 'aria-current="page">최근 활동</a>' in text  # the old link still lights its chip


def test_search_badges_match_the_rest_of_the_site(seeded_client):
    text = seeded_client.get("/search", params={"q": "배치 정규화가 과적합을 막는 이유는"}, headers=HTML).text
    assert '<span class="badge badge--answered">답변됨</span>' in text  # green, as on every list, not grey
    fragment = seeded_client.get("/search/suggest", params={"q": "드롭아웃"}).text
    assert "badge--answered" in fragment


def test_search_without_results_offers_to_ask_it(seeded_client):
    page = Page(seeded_client.get("/search", params={"q": "블록체인 합의"}, headers=HTML).text)
    [asked] = page.hrefs("이 내용으로 질문해 보세요")
    address = urlsplit(asked)
    assert address.path == "/ask" and parse_qs(address.query) == {"title": ["블록체인 합의"]}


def test_the_search_page_links_its_json_twin_with_the_same_query(seeded_client):
    page = Page(seeded_client.get("/search", params={"q": "드롭아웃", "page": 2}, headers=HTML).text)
    [twin] = page.hrefs("JSON으로 보기")
    address = urlsplit(twin.replace("&amp;", "&"))
    assert address.path == "/api/v1/search"
    assert parse_qs(address.query) == {"q": ["드롭아웃"], "limit": ["20"], "offset": ["20"]}
    assert seeded_client.get(twin.replace("&amp;", "&")).status_code == 200


def test_list_rows_say_what_the_plus_one_count_is(seeded_client):
    """A row read "답변 5 +1 1": two numbers side by side, the second in the source's shorthand. It now says
    what the question page's button says, after a separator like every other part of the line."""
    text = seeded_client.get("/collections/deep-hankkeut-nodes", headers=HTML).text
    row = next(li for li in text.split('<li class="qrow') if "과적합을 방지하는데 왜 유용한지" in li)
    meta = re.sub(r"<[^>]+>", "", row.split('class="qrow__meta">', 1)[1].split("</span>\n</li>", 1)[0])
    assert re.search(r"답변 5 · 나도 궁금해요 1 · 민규", " ".join(meta.split())), meta
    assert "+1" not in meta


def test_demo_panel_link_to_the_breaking_preset_reads_as_a_way_not_a_verdict(seeded_client):
    """The link to the preset where a claim breaks said "여기서는 성립하지 않음", just above a card whose verdict
    was 성립: a reader took it for the result of this very question's setting."""
    query = {"collection": "deep-learning-interview", "per_page": 100}
    items = seeded_client.get("/api/v1/questions", params=query).json()["items"]
    question = next(q for q in items if q["label"] == "#16")
    panel = seeded_client.get(question["url"], headers=HTML).text.split('<section class="demo-panel"', 1)[1]
    link = panel.split('class="demo-panel__breaking"', 1)[1].split("</a>", 1)[0]
    assert link.endswith(">주장이 깨지는 설정 보기") and "여기서는" not in panel.split("</section>", 1)[0]


def form_note(text: str) -> str | None:
    found = re.search(r'<p class="form-note" role="status">(.*?)</p>', text, re.S)
    return re.sub(r"<[^>]+>", "", found.group(1)) if found else None


def test_login_says_why_when_a_page_that_needs_an_account_sent_the_reader(reader, sample):
    """A newcomer who clicked 질문하기 landed on a bare login form that never said why; now it says what the
    account is for and points to sign-up, which keeps the way back. A login from a reading page says nothing."""
    login = reader.get("/ask", headers=HTML)  # follows the 303 to /login?next=/ask
    assert login.status_code == 200 and str(login.url).endswith("/login?next=%2Fask")
    note = form_note(login.text)
    assert note and note.startswith("질문을 올리려면 로그인이 필요합니다.") and "가입" in note
    signup_href = re.search(r'<p class="form-note"[^>]*>.*?<a href="([^"]+)">가입</a>', login.text, re.S).group(1)
    assert signup_href == "/signup?next=/ask"
    assert form_note(reader.get(signup_href, headers=HTML).text).startswith("질문을 올리려면 계정이 필요합니다.")
    assert form_note(get(reader, "/login?next=%2Finbox%3Funread%3D1")[1]).startswith("알림을 보려면")
    assert form_note(get(reader, f"/login?next=/questions/{sample.parent}/edit")[1]).startswith("글을 고치려면")
    assert form_note(get(reader, "/login?next=/settings/tokens")[1]).startswith("설정을 바꾸려면")
    # A question page's own login links come back to their control, and the login page says which.
    question = get(reader, f"/questions/{sample.parent}")[1]
    for fragment, why in (("answer-form", "답변을 쓰려면"), ("question-actions", "'나도 궁금해요'를 누르려면"),
                          (f"answer-{sample.answer}", "답글을 쓰려면")):
        href = f"/login?next=/questions/{sample.parent}%23{fragment}"
        assert f'href="{href}"' in question, fragment
        assert form_note(get(reader, href)[1]).replace("&#39;", "'").startswith(why), fragment
    for quiet in (f"/login?next=/questions/{sample.parent}", "/login", "/login?next=/asked", "/signup?next=/search",
                  "/login?next=/ask&reset=1&username=a"):
        assert form_note(get(reader, quiet)[1]) is None, quiet


def test_search_results_offer_asking_and_page_only_when_there_is_a_second_page(seeded_client):
    """One page of results ended in a lone "1 / 1", and the way to ask was offered only when nothing was
    found, though results that miss the point are just as common."""
    one_page = seeded_client.get("/search", params={"q": "배치 정규화는"}, headers=HTML).text
    assert 'class="search-result"' in one_page and 'class="search-pages"' not in one_page
    assert ('<p class="search-ask">찾는 답이 없나요? <a href="/ask?title=%EB%B0%B0%EC%B9%98+'
            '%EC%A0%95%EA%B7%9C%ED%99%94%EB%8A%94">이 내용으로 질문하기</a></p>') in one_page
    two_pages = seeded_client.get("/search", params={"q": "학습"}, headers=HTML).text
    pager = two_pages.split('class="search-pages"', 1)[1].split("</nav>", 1)[0]
    assert "<span>1 / 2</span>" in pager and 'rel="next"' in pager


def test_a_linked_titles_underline_starts_at_the_title_not_at_the_space_after_its_label(seeded_client):
    """In search results and other underlined links, "#16 Batch…" was underlined from the space after the
    label: the space was the link's own text, the label an inline-block the underline skips. The space now
    sits inside the label (white-space: pre), and an experiment's question chip sits outside its link."""
    query = {"collection": "deep-learning-interview", "per_page": 100}
    items = seeded_client.get("/api/v1/questions", params=query).json()["items"]
    question = next(q for q in items if q["label"] == "#16")["url"]
    for path, params in (("/search", {"q": "배치 정규화는"}), ("/search/suggest", {"title": "배치 정규화"}),
                         (question, {}), ("/authors/민규", {}), ("/collections/deep-learning-interview", {})):
        text = seeded_client.get(path, params=params, headers=HTML).text
        labels = re.findall(r'<span class="qlabel">([^<]*)</span>(.?)', text)
        assert labels, path
        assert all(label.endswith(" ") and after != " " for label, after in labels), (path, labels[:3])
    css = seeded_client.get("/static/css/app.css").text
    assert re.search(r"\.qlabel \{[^}]*white-space: pre;", css)


def test_the_answer_count_under_a_question_links_down_to_the_answers(seeded_client):
    """On a phone a question's answers began some 2,000 px down, after the experiments' cards, and the
    count under the title was plain text; it now jumps there. A question with no answer has no link."""
    query = {"collection": "deep-learning-interview", "per_page": 100}
    items = seeded_client.get("/api/v1/questions", params=query).json()["items"]
    answered = next(q for q in items if q["label"] == "#16")
    text = seeded_client.get(answered["url"], headers=HTML).text
    link = '<a class="answer-count-link" href="#answers-title"><span class="answer-count">답변 1</span>'
    assert link in text and 'id="answers-title"' in text
    assert text.index('class="demo-panel"') < text.index('id="answers-title"')  # why the link is needed
    unanswered = next(q for q in items if not q["answered"])
    text = seeded_client.get(unanswered["url"], headers=HTML).text
    assert 'class="answer-count"' in text and "answer-count-link" not in text


def test_a_source_path_breaks_after_a_slash_not_mid_word(seeded_client):
    """At 360 px a collection's "원본 interview/deep-learning-interview.md" broke as "interv|iew/…" (word-break:
    break-all); the path now offers a break after each slash and breaks elsewhere only where it must."""
    text = seeded_client.get("/collections/deep-learning-interview", headers=HTML).text
    assert '원본 <code class="path">interview/<wbr>deep-learning-interview.md</code>' in text
    css = seeded_client.get("/static/css/app.css").text
    path_rule = re.search(r"\n\.path \{([^}]*)\}", css).group(1)
    assert "overflow-wrap: anywhere" in path_rule and "break-all" not in path_rule
