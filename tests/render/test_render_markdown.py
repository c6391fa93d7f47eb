"""Markdown features: CommonMark plus tables, strikethrough, footnotes, task lists, linkify, code."""

from __future__ import annotations

import re
import threading

from app.render import render_markdown


def test_empty_input_renders_to_nothing():
    assert render_markdown("") == ""
    assert render_markdown("  \n\t") == ""


def test_output_is_wrapped_in_the_rendered_container():
    html = render_markdown("안녕")
    assert html.startswith('<div class="rendered">') and html.rstrip().endswith("</div>")


def test_table_with_alignment():
    html = render_markdown("| 이름 | 값 |\n|:---|---:|\n| a | 1 |\n")
    assert "<table>" in html and "<th align=\"left\">이름</th>" in html
    assert '<td align="right">1</td>' in html
    assert "style=" not in html


def test_strikethrough():
    assert "<s>틀림</s>" in render_markdown("~~틀림~~ 맞음")


def test_footnotes_link_both_ways_with_ids_unique_per_text():
    first = render_markdown("본문[^1]\n\n[^1]: 각주 내용")
    second = render_markdown("다른 본문[^1]\n\n[^1]: 다른 각주")
    ref = re.search(r'<a href="#(fn-[0-9a-f]+-1)" id="(fnref-[0-9a-f]+-1)">\[1\]</a>', first)
    assert ref, first
    assert f'<li id="{ref.group(1)}" class="footnote-item">' in first
    assert f'href="#{ref.group(2)}" class="footnote-backref"' in first
    assert ref.group(1) not in second  # two bodies on one page do not share footnote ids


def test_task_list_checkboxes_are_disabled():
    html = render_markdown("- [x] 끝\n- [ ] 할 일\n")
    assert '<ul class="contains-task-list">' in html
    assert html.count('class="task-list-item-checkbox"') == 2
    assert html.count('disabled="disabled"') == 2
    assert html.count("checked=") == 1


def test_bare_urls_are_linkified_but_file_names_are_not():
    html = render_markdown("참고: https://pytorch.org/docs 와 main.py, torch.nn")
    assert '<a href="https://pytorch.org/docs" rel="noopener nofollow">https://pytorch.org/docs</a>' in html
    assert "main.py" in html and 'href="http://main.py"' not in html
    assert "torch.nn" in html and html.count("<a ") == 1


def test_code_block_uses_pygments_classes_only():
    html = render_markdown("```python\ndef f(x):\n    return x + 1\n```\n")
    assert '<div class="highlight"><pre>' in html
    assert '<span class="k">def</span>' in html and '<span class="nf">f</span>' in html
    assert "style=" not in html and "<script" not in html


def test_code_block_with_unknown_or_no_language_is_plain_escaped_text():
    html = render_markdown("```nolanguage\n<b>x</b>\n```\n\n```\n<i>y</i>\n```\n")
    assert html.count("<pre><code>") == 2
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "&lt;i&gt;y&lt;/i&gt;" in html


def test_inline_code_and_emphasis():
    html = render_markdown("**굵게** _기울임_ `torch.zeros(3)`")
    assert "<strong>굵게</strong>" in html and "<em>기울임</em>" in html
    assert "<code>torch.zeros(3)</code>" in html


def test_harmless_content_html_is_kept():
    html = render_markdown("<div align='center'>\n<small>작게</small><br/><u>밑줄</u> <strong>강조</strong>\n</div>\n\n"
                           "<details><summary>정답 보기</summary>\n\n내용\n\n</details>")
    assert '<div align="center">' in html and "<small>작게</small>" in html and "<br>" in html
    assert "<u>밑줄</u>" in html and "<strong>강조</strong>" in html
    assert "<details><summary>정답 보기</summary>" in html


def test_plain_html_comments_vanish():
    html = render_markdown("앞 <!-- 숨긴 메모 --> 뒤\n\n<!--- Eraser file: https://example.com --->\n")
    assert "숨긴" not in html and "Eraser" not in html and "<!--" not in html


def test_shared_parser_is_safe_across_threads():
    # One MarkdownIt instance serves every thread; per-call state must not leak between calls.
    results: dict[int, str] = {}

    def work(n: int) -> None:
        for _ in range(20):
            html = render_markdown(f"값 {n}[^a] ![그림{n}](/images/{n}.png)\n\n[^a]: 각주 {n}",
                                   resolve_image=(lambda src: "/media" + src) if n % 2 else None)
            results[n] = html

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for n, html in results.items():
        assert f"각주 {n}" in html
        assert (f'src="/media/images/{n}.png"' in html) == bool(n % 2)
        assert ("image-missing" in html) == (not n % 2)


def test_big_and_broken_markdown_does_not_fail():
    text = "[" * 5000 + "*" * 5000 + "\n" + "> " * 500 + "x\n" + "|a|\n|-|\n" * 200 + "$" * 1000
    html = render_markdown(text)
    assert html.startswith('<div class="rendered">')


PLAIN_LINES = [
    "배치 정규화는 왜 쓰나요?", "(세연) 드롭아웃은 \"테스트\" 때 꺼집니다.", "ReLU's 100% 효과!", "a.", "Q1 질문",
    "세 가지 (1) (2) (3)", "'인용'과 \"따옴표\"", "끝에 점...", "A) 보기", "x 2. y", "✅ 혜지 p71 질문", "“인용” → 결론…",
    "１. 전각 숫자", "www.example.com", "e\u0301 결합 문자", "ㄱㄱ 一",
]
NOT_PLAIN = ["1. 목록", "2) 목록", " 앞 공백", "뒤 공백 ", "- 글머리", "# 제목", "줄\n바꿈", "*강조*", "a_b", "http://x.y",
             "메일 a@b.c", "$x$", "~~취소~~", "[링크](u)", "<b>", "&amp;", "a | b", "`코드`", "a\\b", "탭\t문자",
             "\u00a0앞 공백", "뒤 공백\u3000", "폭 없는\u200b공백", "+ 목록", "> 인용", "=== ", "a;b"]


def test_plain_lines_render_as_the_parser_renders_them():
    from app.render.markdown import is_plain_line, parse_and_render
    from app.render.sanitize import sanitize_html
    from tests.conftest import CONTENT_DIR

    lines = PLAIN_LINES + [line.strip() for path in CONTENT_DIR.rglob("*.md")
                           for line in path.read_text(encoding="utf-8").splitlines()]
    plain = [line for line in lines if is_plain_line(line)]
    assert set(PLAIN_LINES) <= set(plain) and len(plain) > 80
    assert not [line for line in NOT_PLAIN if is_plain_line(line)]
    for line in plain:
        assert render_markdown(line) == f'<div class="rendered">\n{sanitize_html(parse_and_render(line))}</div>\n', line


# Pieces that mean something to Markdown, its extensions, HTML or Unicode, for random lines.
LINE_PIECES = [
    *"#$&*+-/:;<=>@[\\]^_`{|}~!\"'%(),.?", "&amp;", "&lt;", "&#65;", "&nbsp;", "http://a.b", "www.x.com", "a.com",
    "mailto", "😀", "👍🏽", "배치", "정규화", "ㄱ", "ㅤ", "日本", "\t", "\u00a0", "\u3000", "\u200b", "\u2028", "\ufeff",
    "\u00ad", "\u2009", "\x0b", "\x0c", "\x85", "\ue000", "\r", "\n", " ", "  ", "1.", "2)", "10.", "===", "---", "***",
    "```", "~~~", "a", "Z", "0", "é", "e\u0301", "ﬁ", "ＡＢ", "１．", "＃", "＊", "…", "“", "’", "(c)", "(tm)", "+-", "...",
    "!!!!", "????", ",,", "--", "$5", "$x$", "[^1]", "<b>", "٣", "İ", "ß",
]


def test_random_plain_lines_render_as_the_parser_renders_them():
    import random

    from app.render.markdown import is_plain_line, parse_and_render
    from app.render.sanitize import sanitize_html

    rng = random.Random(20261125)
    lines = ["".join(rng.choices(LINE_PIECES, k=rng.randint(1, 8))) for _ in range(20_000)]
    lines += ["".join(chr(rng.randint(0x20, 0x2FFF)) for _ in range(rng.randint(1, 6))) for _ in range(10_000)]
    plain = [line for line in lines if is_plain_line(line)]
    assert len(plain) > 5_000  # the generator does reach the fast path
    for line in plain:
        body = sanitize_html(parse_and_render(line))
        assert render_markdown(line) == f'<div class="rendered">\n{body}</div>\n', line


def test_emphasis_closes_before_a_korean_particle():
    # CommonMark leaves these as literal asterisks: the closing run follows punctuation or sits inside
    # a "word" because Korean attaches the particle directly.
    assert "<strong>검증 손실(val loss)</strong>이" in render_markdown("**검증 손실(val loss)**이 줄었다")
    assert "<strong>ReLU(렐루)</strong>는" in render_markdown("**ReLU(렐루)**는 빠르다")
    assert "<strong>BN</strong>은" in render_markdown("__BN__은 배치마다")
    assert "<em>강조</em>와" in render_markdown("변수 *강조*와 상수")
    assert "<strong>(중요)</strong>이다" in render_markdown("이것은**(중요)**이다")


def test_emphasis_outside_korean_text_follows_commonmark():
    assert "<strong>" not in render_markdown("snake__case__name")
    assert "*" in render_markdown("a ** b ** c")
    assert "<strong>b</strong>" in render_markdown("a **b** c")
    assert "<code>**x**은</code>" in render_markdown("`**x**은`")
