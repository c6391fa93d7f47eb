"""/media/{path}: images inside the content folder, nothing else; and the loader's resolver."""

from __future__ import annotations

import base64
import os

import pytest
from fastapi.testclient import TestClient

from app.render import render_markdown
from app.render.media import image_resolver
from tests.apps import new_app

# A 1x1 transparent PNG.
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=")


@pytest.fixture
def content_dir(tmp_path):
    content = tmp_path / "content"
    (content / "images" / "sally").mkdir(parents=True)
    (content / "interview").mkdir()
    (content / "images" / "sally" / "plot.png").write_bytes(PNG)
    (content / "images" / "한글 그림.png").write_bytes(PNG)
    (content / "images" / "diagram.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>')
    (content / "interview" / "notes.md").write_text("# 비밀 아님, 그래도 이미지 아님")
    (tmp_path / "outside.png").write_bytes(PNG)
    os.symlink(tmp_path / "outside.png", content / "images" / "link-out.png")
    return content


@pytest.fixture
def media_client(settings, content_dir):
    with TestClient(new_app(settings.with_overrides(content_dir=content_dir))) as client:
        yield client


def assert_not_found(response):
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert response.json()["error"]["message"]


def test_serves_an_image_inside_content(media_client):
    response = media_client.get("/media/images/sally/plot.png")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.content == PNG
    assert "set-cookie" not in response.headers


def test_serves_a_percent_encoded_korean_name(media_client):
    response = media_client.get("/media/images/%ED%95%9C%EA%B8%80%20%EA%B7%B8%EB%A6%BC.png")
    assert response.status_code == 200 and response.content == PNG


@pytest.mark.parametrize("path", [
    "/media/%2e%2e/outside.png",
    "/media/images/%2e%2e/%2e%2e/outside.png",
    "/media/images/..%2f..%2foutside.png",
    "/media/%2Fetc%2Fpasswd",
    "/media/images/link-out.png",  # a symlink that leaves the content folder
])
def test_refuses_paths_that_leave_content(media_client, path):
    assert_not_found(media_client.get(path))


@pytest.mark.parametrize("path", [
    "/media/interview/notes.md",
    "/media/images/diagram.svg",
    "/media/images/sally",
    "/media/images/sally/none.png",
    "/media/",
])
def test_refuses_non_images_and_missing_files(media_client, path):
    assert_not_found(media_client.get(path))


def test_resolver_links_existing_files_and_reports_missing_ones(content_dir):
    resolve = image_resolver(content_dir / "interview" / "deep.md", content_dir)
    assert resolve("/images/sally/plot.png") == "/media/images/sally/plot.png"
    assert resolve("../images/sally/plot.png") == "/media/images/sally/plot.png"
    assert resolve("../images/sally/plot.png?raw=true#x") == "/media/images/sally/plot.png"
    assert resolve("../images/%ED%95%9C%EA%B8%80%20%EA%B7%B8%EB%A6%BC.png") == \
        "/media/images/%ED%95%9C%EA%B8%80%20%EA%B7%B8%EB%A6%BC.png"
    assert resolve("/images/sally/none.png") is None
    assert resolve("../../outside.png") is None  # leaves the content folder
    assert resolve("/images/link-out.png") is None
    assert resolve("notes.md") is None  # not an image
    assert resolve("/images/diagram.svg") is None  # SVG is not served, so not linked either
    assert resolve("") is None


def test_rendered_local_image_is_fetchable_through_its_media_url(media_client, content_dir):
    resolve = image_resolver(content_dir / "interview" / "deep.md", content_dir)
    html = render_markdown("![그래프](../images/sally/plot.png)", resolve_image=resolve)
    assert 'src="/media/images/sally/plot.png"' in html
    assert media_client.get("/media/images/sally/plot.png").content == PNG
