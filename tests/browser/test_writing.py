"""Writing in Chromium against a real uvicorn: sign up, ask (the htmx preview renders math on the
server), answer, reply (nested), edit (the revision and its diff), +1, upvote, accept, soft delete,
log out; logged out, the same controls lead to the login page and back. Screenshots at 1280 and
375 px; no page scrolls sideways and no page logs an error."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.support import no_horizontal_scroll, screenshot
from tests.browser.test_reading import offline_world

QUESTION_TITLE = "배치 정규화는 왜 학습을 빠르게 하나요?"
QUESTION_BODY = "**내부 공변량 변화**를 줄인다고 들었습니다.\n\n$$\\hat{x} = \\frac{x - \\mu}{\\sqrt{\\sigma^2 + \\epsilon}}$$\n\n- 배치 크기와 관계가 있나요?"


def shot(page, name: str) -> None:
    screenshot(page, name)
    assert no_horizontal_scroll(page), f"{name}: wider than the screen"


def sign_up(page, base: str, username: str, name: str, next_path: str = "/") -> None:
    page.goto(f"{base}/signup?next={next_path}")
    page.fill("#username", username)
    page.fill("#display_name", name)
    page.fill("#password", "correct horse battery")
    page.click("form.account-form button[type=submit]")
    page.wait_for_load_state("load")
    assert page.locator(".nav-user").inner_text() == name


def answer_id_in(url: str) -> int:
    return int(re.search(r"#answer-(\d+)$", url).group(1))


def ask(page, base: str, width: str) -> str:
    page.click("nav >> text=질문하기")
    page.wait_for_load_state("load")
    assert page.url == f"{base}/ask"
    page.select_option("#collection", "general")
    page.fill("#ask-title", QUESTION_TITLE)
    page.fill("#body", QUESTION_BODY)  # typing fires htmx's input trigger: the server renders a preview
    preview = page.locator("#body-preview")
    preview.locator("strong").wait_for()
    assert preview.locator("strong").inner_text() == "내부 공변량 변화"
    assert preview.locator("math").count() >= 1  # MathML from the server, no client-side math script
    page.fill("#body", QUESTION_BODY + "\n\n추가 문단")
    page.click(".editor__preview-button")  # and the button asks again
    page.locator("#body-preview >> text=추가 문단").wait_for()
    shot(page, f"writing-{width}-1-ask-preview")
    page.click("form.write-form button.primary")
    page.wait_for_load_state("load")
    assert re.search(r"/questions/\d+$", page.url)
    assert page.locator("h1").inner_text() == QUESTION_TITLE
    return page.url


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_writing_flow(live_server, new_page, width):
    base = live_server.url
    phone = width == "phone"
    asker, answerer, reader = new_page(phone=phone), new_page(phone=phone), new_page(phone=phone)
    for page in (asker, answerer, reader):
        offline_world(page, base)
    dialogs: list[str] = []
    asker.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))

    sign_up(asker, base, f"asker{width}", "민지")
    question_url = ask(asker, base, width)
    question_id = int(question_url.rsplit("/", 1)[1])

    # an anonymous reader opens the page first (the response cache keeps it for this data version)
    reader.goto(question_url)
    assert reader.locator("#answers-title").inner_text() == "아직 답변이 없습니다"
    home = reader.goto(base + "/")
    assert home.status == 200 and reader.locator("#recent-open + .qlist", has_text=QUESTION_TITLE).count() == 1

    sign_up(answerer, base, f"answerer{width}", "준호", next_path=f"/questions/{question_id}")
    assert answerer.url == question_url
    answerer.fill("#answer-body", "배치마다 **평균과 분산**을 맞춰서 기울기가 안정됩니다.")
    answerer.click("#answer-form button.primary")
    answerer.wait_for_load_state("load")
    answer_id = answer_id_in(answerer.url)
    answerer.click("button.plus-one")
    answerer.wait_for_load_state("load")
    assert answerer.locator(".plus-one__count").inner_text() == "1"

    # the just-posted answer is on the reader's next view of the page (a commit moves the cache's version)
    reader.goto(question_url)
    assert reader.locator(f"#answer-{answer_id} .answer__body").inner_text().startswith("배치마다 평균과 분산을")

    # reply, nested under the answer
    asker.goto(question_url)
    actions = asker.locator(f"#answer-{answer_id} > .write-actions")
    actions.locator("details.reply-form summary").click()
    actions.locator(f"#reply-{answer_id}").fill("고마워요! 추론 때는 **어떻게** 되나요?")
    actions.locator("details.reply-form .editor__preview-button").click()  # a reply has the answer's preview
    expect(actions.locator(f"#reply-{answer_id}-preview strong")).to_have_text("어떻게")
    actions.locator("details.reply-form button[type=submit]").click()
    asker.wait_for_load_state("load")
    reply_id = answer_id_in(asker.url)
    nested = asker.locator(f"#answer-{answer_id} .thread--replies #answer-{reply_id}")
    assert "추론 때는" in nested.inner_text()
    assert asker.locator(f"#answer-{reply_id} .badge--newest").count() == 1  # the newest activity is marked

    # upvote and accept (the asker)
    asker.click(f"#answer-{answer_id} > .write-actions button.upvote")
    asker.wait_for_load_state("load")
    assert "추천 1" in asker.locator(f"#answer-{answer_id} > .write-actions button.upvote").inner_text()
    asker.click(f"#answer-{answer_id} > .write-actions button.accept")
    asker.wait_for_load_state("load")
    assert asker.locator(f"#answer-{answer_id} > .answer__meta .badge--accepted").count() == 1
    assert answerer.locator("button.accept").count() == 0  # only the asker may accept

    # edit the question: the revision and its diff
    asker.click(".write-actions--question >> text=고치기")
    asker.wait_for_load_state("load")
    asker.fill("#edit-title", "배치 정규화는 왜 학습을 더 빠르게 하나요?")
    asker.fill("#body", (QUESTION_BODY + "\n\n추가 문단").replace("들었습니다", "책에서 읽었습니다"))
    asker.click("form.write-form button.primary")
    asker.wait_for_load_state("load")
    assert asker.locator("h1").inner_text() == "배치 정규화는 왜 학습을 더 빠르게 하나요?"
    asker.click(".write-actions--question >> text=수정 이력")
    asker.wait_for_load_state("load")
    latest = asker.locator("#revision-2")
    assert "민지" in latest.locator(".revision__head").inner_text()
    assert latest.locator("ins", has_text="더").count() == 1 and latest.locator("del", has_text="들었습니다").count() == 1
    assert latest.locator(".diff__line--add").count() == 2 and latest.locator(".diff__line--del").count() == 2
    shot(asker, f"writing-{width}-3-revisions")

    # soft delete the reply (a confirm dialog first)
    asker.goto(question_url)
    shot(asker, f"writing-{width}-2-question-thread")
    asker.click(f"#answer-{reply_id} button.danger")
    asker.wait_for_load_state("load")
    assert dialogs == ["이 답변을 지울까요?"]
    assert asker.locator(f"#answer-{reply_id}").count() == 0
    assert asker.locator(f"#answer-{answer_id}").count() == 1

    # log out: every control leads to the login page, and back to the question after it
    asker.click("nav button.linklike")
    asker.wait_for_load_state("load")
    assert asker.locator("nav >> text=로그인").count() == 1 and asker.locator(".nav-user").count() == 0
    asker.goto(question_url)
    assert asker.locator("textarea").count() == 0 and asker.locator("button.upvote, button.accept").count() == 0
    assert asker.locator(".write-actions--question >> text=고치기").count() == 0
    plus_one = asker.locator("a.plus-one")
    assert plus_one.get_attribute("href") == f"/login?next=/questions/{question_id}%23question-actions"
    asker.locator("#answer-form a", has_text="로그인").click()
    asker.wait_for_load_state("load")
    assert asker.url.startswith(f"{base}/login")
    shot(asker, f"writing-{width}-4-login")
    asker.fill("#username", f"asker{width}")
    asker.fill("#password", "correct horse battery")
    asker.click("form.account-form button[type=submit]")
    asker.wait_for_load_state("load")
    assert asker.url == question_url + "#answer-form" and asker.locator("#answer-body").count() == 1
    asker.click("nav button.linklike")
    asker.wait_for_load_state("load")
    asker.goto(base + "/ask")
    assert asker.url == f"{base}/login?next=%2Fask"

    for page in (asker, answerer, reader):
        assert page.errors == [], page.errors


def test_account_pages_fit_a_phone(live_server, new_page):
    base = live_server.url
    page = new_page(phone=True)
    offline_world(page, base)
    page.goto(base + "/signup")
    shot(page, "writing-phone-5-signup")
    page.fill("#username", "phoneuser")
    page.fill("#display_name", "딥러닝 스터디원")  # a name the content shapes cannot carry
    page.fill("#password", "correct horse battery")
    page.click("form.account-form button[type=submit]")
    page.wait_for_load_state("load")
    assert page.locator(".form-error").is_visible() and "표시 이름" in page.locator(".form-error").inner_text()
    assert page.input_value("#username") == "phoneuser"  # what was typed stays
    page.fill("#display_name", "수아")
    page.fill("#password", "correct horse battery")
    page.click("form.account-form button[type=submit]")
    page.wait_for_load_state("load")
    page.click("nav .nav-user")
    page.wait_for_load_state("load")
    page.click("a[href='/settings/tokens']")  # the name in the header opens the settings, tokens are one link on
    page.wait_for_load_state("load")
    page.fill("#token-name", "노트북 스크립트")
    page.click("form.write-form button[type=submit]")
    page.wait_for_load_state("load")
    assert page.locator("#new-token").inner_text().startswith("kbt_")
    shot(page, "writing-phone-6-tokens")
    # Chromium logs the refused form's own status (422, the form shown again); nothing else went wrong
    assert page.errors == ["console.error: Failed to load resource: the server responded with a status of 422"
                           " (Unprocessable Entity)"]
