"""Images: served local files, lazy external ones, a Korean placeholder for missing ones."""

from __future__ import annotations

import re

from app.render import render_markdown

RESOLVED = {"/images/ok.png": "/media/images/ok.png", "../images/ok.png": "/media/images/ok.png"}


def resolve(src: str) -> str | None:
    return RESOLVED.get(src)


def test_missing_markdown_image_is_a_placeholder_with_alt_text():
    html = render_markdown("![데이터 정규화](/images/sally/none.png)", resolve_image=resolve)
    assert '<span class="image-missing" role="img" aria-label="이미지 없음: 데이터 정규화">' in html
    assert '<span class="image-missing-label">이미지 없음</span>' in html
    assert '<span class="image-missing-alt">데이터 정규화</span>' in html
    assert "<img" not in html


def test_missing_raw_html_image_inside_center_div_is_a_placeholder():
    markdown = "<div align='center'>\n<img src='../images/penguin/activation-function.png' height='240px'/>\n</div>"
    html = render_markdown(markdown, resolve_image=resolve)
    assert '<div align="center">' in html
    assert 'class="image-missing"' in html and "<img" not in html


def test_without_a_resolver_every_local_image_is_missing():
    html = render_markdown("![그림](/images/ok.png) <img src='../images/ok.png' alt='다른 그림'>")
    assert html.count('class="image-missing"') == 2 and "<img" not in html


def test_existing_local_images_point_at_their_media_url():
    html = render_markdown("![있는 그림](/images/ok.png)\n\n<img src=\"../images/ok.png\" width=\"70%\">",
                           resolve_image=resolve)
    assert html.count('src="/media/images/ok.png"') == 2
    assert 'alt="있는 그림"' in html and 'width="70%"' in html
    assert "image-missing" not in html


def test_external_images_are_lazy_and_async():
    html = render_markdown("![sigmoid](https://github.com/a/b/raw/main/sigmoid.png \"시그모이드\")\n\n"
                           "<img src=\"https://example.com/x.png\" style=\"width:9999px\" onerror=\"x()\">")
    assert html.count('loading="lazy"') == 2 and html.count('decoding="async"') == 2
    assert 'title="시그모이드"' in html
    assert "style=" not in html and "onerror" not in html


def test_data_and_other_scheme_images_are_placeholders():
    html = render_markdown("![점](data:image/png;base64,iVBORw0KGgo=) <img src=\"file:///etc/passwd\" alt=\"f\">")
    assert html.count('class="image-missing"') == 2 and "<img" not in html


def test_image_without_alt_names_the_missing_file():
    html = render_markdown("![](/images/sally/2021-05-01.png) <img src='../images/%ED%95%9C.png'> ![](data:image/png;base64,AA)")
    assert 'aria-label="이미지 없음: 2021-05-01.png"' in html
    assert '<span class="image-missing-file">한.png</span>' in html
    assert 'aria-label="이미지 없음"' in html  # a data: URL has no file name to show
    assert "image-missing-alt" not in html


def test_resolver_receives_the_src_as_written():
    seen: list[str] = []
    render_markdown("![a](img/0.png) <img src='../images/b.png'>", resolve_image=lambda src: seen.append(src))
    assert sorted(seen) == ["../images/b.png", "img/0.png"]


def test_posted_markdown_cannot_point_at_server_files():
    from app.services.posting import render

    html = render("![내 그림](/images/sally/2021-05-01-02-44-22.png) ![외부](https://example.com/a.png)")
    assert 'aria-label="이미지 없음: 내 그림"' in html and "/media/" not in html
    assert 'src="https://example.com/a.png"' in html


def test_github_blob_links_are_pages_not_images():
    # Interview #5 links formula pictures as github.com/.../blob/... pages: a broken icon in a browser.
    blob = "https://github.com/boostcamp-ai-tech-4/ai-tech-interview/blob/main/images/heath/sigmoid.png"
    html = render_markdown(f"![sigmoid]({blob})", resolve_image=resolve)
    assert '<span class="image-missing-alt">sigmoid</span>' in html and "<img" not in html
    raw = render_markdown(f'<img src="{blob}" alt="시그모이드">', resolve_image=resolve)
    assert "image-missing" in raw and "<img" not in raw


def test_github_blob_link_to_a_vendored_file_shows_the_local_copy():
    html = render_markdown("![ok](https://github.com/o/r/blob/main/images/ok.png?raw=1)", resolve_image=resolve)
    assert 'src="/media/images/ok.png"' in html and "image-missing" not in html


def test_interview_five_shows_no_broken_blob_image():
    from app.config import PROJECT_ROOT
    from app.render.media import image_resolver

    path = PROJECT_ROOT / "content" / "interview" / "deep-learning-interview.md"
    html = render_markdown(path.read_text(encoding="utf-8"), resolve_image=image_resolver(path, path.parents[1]))
    assert not re.search(r'<img[^>]+src="[^"]*/blob/', html)  # links to blob pages stay links
    assert '<span class="image-missing-alt">sigmoid_formula</span>' in html
