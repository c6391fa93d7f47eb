"""A small HTML reader for page tests: titles, links, and which element sits inside which."""

from __future__ import annotations

from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Page(HTMLParser):
    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, dict]] = []
        self.ancestors: dict[str, list[str]] = {}  # element id -> ids of the elements around it, innermost first
        self.links: list[dict] = []  # <link> tags
        self.anchors: list[tuple[str, str]] = []  # (href, text)
        self.title = ""
        self.tags: list[str] = []
        self._text_target: list[str] | None = None
        self._anchor: list | None = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.append(tag)
        if tag == "link":
            self.links.append(attributes)
        if tag == "a":
            self._anchor = [attributes.get("href"), ""]
        if "id" in attributes:
            self.ancestors[attributes["id"]] = [a["id"] for _, a in reversed(self.stack) if "id" in a]
        if tag not in VOID:
            self.stack.append((tag, attributes))

    def handle_endtag(self, tag):
        if tag == "a" and self._anchor is not None:
            self.anchors.append((self._anchor[0], " ".join(self._anchor[1].split())))
            self._anchor = None
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                break

    def handle_data(self, data):
        if self.stack and self.stack[-1][0] == "title":
            self.title += data
        if self._anchor is not None:
            self._anchor[1] += data

    def link(self, rel: str) -> str | None:
        return next((link.get("href") for link in self.links if link.get("rel") == rel), None)

    def hrefs(self, text_part: str) -> list[str]:
        return [href for href, text in self.anchors if text_part in text]
