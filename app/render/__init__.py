"""Markdown -> safe HTML (math as MathML, Pygments code, checked images), used at ingest and on post."""

from app.render.images import ImageResolver
from app.render.markdown import render_markdown
from app.render.text import extract_text

__all__ = ["ImageResolver", "extract_text", "render_markdown"]
