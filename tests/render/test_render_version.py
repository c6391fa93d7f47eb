"""A renderer change re-renders stored HTML: the loader's "unchanged" check includes the renderer."""

from __future__ import annotations

from app.config import PROJECT_ROOT
from app.render.version import renderer_fingerprint


def test_fingerprint_is_stable_within_a_process():
    assert renderer_fingerprint() == renderer_fingerprint() and len(renderer_fingerprint()) == 16


def test_fingerprint_follows_library_versions(monkeypatch):
    import app.render.version as version_module

    before = renderer_fingerprint()
    version_module.renderer_fingerprint.cache_clear()
    monkeypatch.setattr(version_module, "version", lambda name: "0.0.0-other")
    try:
        assert version_module.renderer_fingerprint() != before
    finally:
        version_module.renderer_fingerprint.cache_clear()


def test_unchanged_files_are_rendered_again_after_a_renderer_change(engine, monkeypatch):
    from app.ingest import loader

    content = PROJECT_ROOT / "content"
    first = loader.ingest_directory(engine, content, workers=1, sync_demo_links=False)
    assert first.count("ingested") == len(first.files) > 0
    again = loader.ingest_directory(engine, content, workers=1, sync_demo_links=False)
    assert again.count("unchanged") == len(again.files)
    monkeypatch.setattr(loader, "renderer_fingerprint", lambda: "a-newer-renderer")
    after_change = loader.ingest_directory(engine, content, workers=1, sync_demo_links=False)
    assert after_change.count("ingested") == len(after_change.files)
