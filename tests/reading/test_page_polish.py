"""Reading pages as a demanding Korean reader sees them: wording without developer jargon, labels that
say what a number is, the way to ask in plain sight."""

from __future__ import annotations

from tests.reading.html import Page

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


def test_every_page_starts_with_a_skip_link_to_main(reader, sample):
    for path in ("/", f"/questions/{sample.parent}", "/search?q=ReLU", "/questions/999999"):
        text = reader.get(path, headers=HTML).text
        body = text.split("<body>", 1)[1].lstrip()
        assert body.startswith('<a class="skip-link" href="#main">본문으로 건너뛰기</a>'), path
        assert '<main class="page" id="main">' in text
