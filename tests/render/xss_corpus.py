"""Hostile Markdown and raw HTML, and a checker for what a renderer made of it.

Kept apart from the tests so a browser test can feed the same payloads to Chromium.
Each payload is (name, markdown). `unsafe_parts(html)` parses the output as HTML and lists what
could run script: script-like elements, on* attributes, javascript:/vbscript:/data: URLs.
"""

from __future__ import annotations

import html as html_lib
import re
from html.parser import HTMLParser

PAYLOADS: list[tuple[str, str]] = [
    ("script tag", "<script>alert(1)</script>"),
    ("script tag inline", "hello <script>alert(1)</script> world"),
    ("script uppercase", "<SCRIPT SRC=//evil.example/x.js></SCRIPT>"),
    ("script split by markdown", "<scr<script>ipt>alert(1)</script>"),
    ("img onerror", '<img src=x onerror="alert(1)">'),
    ("img onerror no quotes", "<img src=x onerror=alert(1)//>"),
    ("body onload", "<body onload=alert(1)>"),
    ("div onmouseover", '<div onmouseover="alert(1)">hover</div>'),
    ("a onclick", '<a href="#" onclick="alert(1)">x</a>'),
    ("details ontoggle", "<details open ontoggle=alert(1)><summary>x</summary></details>"),
    ("input autofocus onfocus", "<input autofocus onfocus=alert(1)>"),
    ("html javascript link", '<a href="javascript:alert(1)">x</a>'),
    ("html vbscript link", '<a href="vbscript:msgbox(1)">x</a>'),
    ("markdown javascript link", "[x](javascript:alert(1))"),
    ("markdown mixed-case javascript", "[x](JaVaScRiPt:alert(1))"),
    ("markdown javascript with spaces", "[x]( javascript:alert(1) )"),
    ("entity-encoded javascript html", '<a href="&#106;avascript:alert(1)">x</a>'),
    ("hex entity javascript html", '<a href="&#x6A;&#x61;vascript&#x3A;alert(1)">x</a>'),
    ("tab inside javascript", '<a href="java&#09;script:alert(1)">x</a>'),
    ("newline inside javascript", '<a href="java\nscript:alert(1)">x</a>'),
    ("entity-encoded javascript markdown", "[x](&#106;avascript:alert(1))"),
    ("reference link javascript", "[x][r]\n\n[r]: javascript:alert(1)"),
    ("autolink javascript", "<javascript:alert(1)>"),
    ("markdown image javascript", "![x](javascript:alert(1))"),
    ("markdown image onerror trick", '![x" onerror="alert(1)](https://example.com/a.png)'),
    ("markdown link title trick", '[x](https://example.com "t\\" onmouseover=\\"alert(1)")'),
    ("data html link", '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>'),
    ("data html markdown link", "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)"),
    ("data svg image", '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">'),
    ("svg onload", "<svg onload=alert(1)><circle r=10 /></svg>"),
    ("svg script", "<svg><script>alert(1)</script></svg>"),
    ("svg animate href", '<svg><a><animate attributeName=href values=javascript:alert(1) /><text y=20>x</text></a></svg>'),
    ("iframe", '<iframe src="https://evil.example"></iframe>'),
    ("iframe srcdoc", '<iframe srcdoc="<script>alert(1)</script>"></iframe>'),
    ("object", '<object data="javascript:alert(1)"></object>'),
    ("embed", '<embed src="javascript:alert(1)">'),
    ("style tag", "<style>body{background:url(javascript:alert(1))}</style>"),
    ("style attribute", '<p style="background:url(javascript:alert(1))">x</p>'),
    ("form action", '<form action="javascript:alert(1)"><button formaction="javascript:alert(1)">x</button></form>'),
    ("meta refresh", '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">'),
    ("base href", '<base href="javascript:alert(1)//">'),
    ("link import", '<link rel="import" href="https://evil.example/x.html">'),
    ("math inline script", "$<script>alert(1)</script>$"),
    ("math display script", "$$\n<script>alert(1)</script>\n$$"),
    ("math href", r"$\href{javascript:alert(1)}{x}$"),
    ("math display href", "$$\\href{javascript:alert(1)}{click}$$"),
    ("math style", r"$\style{background:url(javascript:alert(1))}{x}$"),
    ("comment math img", "<!-- $<img src=x onerror=alert(1)>$ -->"),
    ("comment math href", r"<!-- $\href{javascript:alert(1)}{x}$ -->"),
    ("comment breakout", "<!-- $x$ --><img src=x onerror=alert(1)>"),
    ("raw mathml href", '<math><mi href="javascript:alert(1)">x</mi></math>'),
    ("raw mathml namespace confusion", "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>"),
    ("annotation-xml html", '<math><annotation-xml encoding="text/html"><img src=x onerror=alert(1)></annotation-xml></math>'),
    ("noscript confusion", '<noscript><p title="</noscript><img src=x onerror=alert(1)>">'),
    ("code fence with html", "```html\n<script>alert(1)</script>\n```"),
    ("fence language injection", '```"><script>alert(1)</script>\nx\n```'),
    ("html block then markdown", "<div>\n\n[x](javascript:alert(1))\n\n</div>"),
    ("footnote label injection", '[^"><script>alert(1)</script>]\n\n[^"><script>alert(1)</script>]: x'),
    ("task list injection", "- [ ] <img src=x onerror=alert(1)>"),
    ("table cell injection", "| a |\n|---|\n| <img src=x onerror=alert(1)> |"),
    ("linkify javascript", "see javascript:alert(1) now"),
    ("local image alt injection", '![<img src=x onerror=alert(1)>](/images/missing.png)'),
    ("raw local image alt injection", "<img src='../images/none.png' alt='\"><script>alert(1)</script>'>"),
    ("image title injection", '![a](https://example.com/a.png "\\"><script>alert(1)</script>")'),
    ("formula image alt injection", '<img alt="<script>" src="https://render.githubusercontent.com/render/math?math=%3Cscript%3E">'),
]

_SCRIPTY_ELEMENTS = {"script", "iframe", "object", "embed", "frame", "frameset", "applet", "base", "meta", "link",
                     "style", "form", "svg", "foreignobject", "annotation-xml", "noscript", "template"}
_URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "srcset", "poster", "background",
                   "dynsrc", "lowsrc", "codebase", "cite"}
_CONTROL = re.compile(r"[\x00-\x20\x7f]+")


def _bad_url(value: str) -> bool:
    url = _CONTROL.sub("", html_lib.unescape(value)).lower()
    return url.startswith(("javascript:", "vbscript:", "data:text", "data:application", "data:image/svg"))


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SCRIPTY_ELEMENTS:
            self.problems.append(f"<{tag}> element")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"{name} attribute on <{tag}>")
            elif name == "style":
                self.problems.append(f"style attribute on <{tag}>")
            elif name in _URL_ATTRIBUTES and value and _bad_url(value):
                self.problems.append(f"{name}={value!r} on <{tag}>")

    handle_startendtag = handle_starttag


def unsafe_parts(html: str) -> list[str]:
    """What in `html` could run script or load a script URL; [] when it is clean."""
    collector = _Collector()
    collector.feed(html)
    collector.close()
    return collector.problems
