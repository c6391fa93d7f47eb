"""Per-reader slots: a reading page rendered once for every signed-in reader, filled per request.

A reading page looks the same for every signed-in reader but for a few small parts: the CSRF token
in each form, a fresh one-time id in each posting form, the reader's name in the header, and on a
question page which posts are theirs and which they voted for. The response cache (app.web.caching)
renders such a page once per content version with those parts left as slots (a `SharedRender`), keeps
it as a `SlottedPage`, and for each request fills the slots from one lookup of the login session and
the reader's marks (app.services.readers): a hit runs no route, no template and no ORM.

Two kinds of slot:

* Text slots: a marker that stands for one value of the reader everywhere in the page: `csrf` (the
  login session's token), `display_name`, `username`, and `form`, a prefix: each posting form's
  one-time id is the request's random prefix plus the form's number in the page, so every form of
  every page view gets its own (they are Idempotency-Keys).
* Choice slots: a small part rendered in each of its variants ("" the plain one, "own", "voted",
  "asker"), kept beside the page; the plain one stands in the page and a reader whose marks pick
  another variant gets it spliced in. Templates write them as a call block, which a normal render
  (an uncached page, a test with no cache) runs once with the reader's own variant:

      {% call(variant) reader_choice("answer-vote", answer.id, marks) %}...{% endcall %}

  The kinds and their variants are ReaderMarks.VARIANTS (app.services.reading); which one a reader
  gets is ReaderMarks.variant, the same function in both renders.

Adding another per-reader part (an unread count in the header, say): read its value in the same
lookup into `Reader` (app.services.readers) and in the normal render's `request.state`, name it in
TEXT_SLOTS below with how a Reader spells it, and have `SharedReader` answer the attribute the
template reads with `marker(name)`. The fill then writes it; nothing else changes.

The page is cut at its markers once per version (Slots.parse), so a fill only joins the pieces with
the reader's values and variants. The markers carry a random per-process nonce that never leaves the
process: posted text cannot forge one, and a page in which one is left outside a slot is refused
(SlotLeak), not kept or sent.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from markupsafe import Markup, escape

from app.db.models import ROLE_MEMBER

# The scope state key of a render the response cache keeps (a SharedRender).
SHARED_RENDER = "shared_render"

# What a text slot becomes for one reader (the value is HTML-escaped by the fill).
def unread_label(count: int) -> str:
    """The header's unread count as shown: a badge has room for two digits."""
    return str(count) if count < 100 else "99+"


TEXT_SLOTS: dict[str, Callable[[Any], str]] = {
    "display_name": lambda reader: reader.display_name,
    "username": lambda reader: reader.username,
    "unread_count": lambda reader: str(reader.unread_count),
    "unread_label": lambda reader: unread_label(reader.unread_count),
}


class SlotLeak(RuntimeError):
    """A filled page still holds a marker: a template used a slot value in a way the fill cannot see
    (a filter that cut or rewrote it). Never sent to a reader."""


# A piece of a page kept for every signed-in reader: bytes as they are, or a text slot's name.
Part = bytes | str


class Marks(Protocol):
    def variant(self, kind: str, item_id: int) -> str: ...


class Slots:
    """The markers of one app (one process): a random nonce no request ever sees."""

    def __init__(self) -> None:
        self.nonce = secrets.token_hex(8)
        self.prefix = f"[kb{self.nonce}"
        self._choice = re.compile(rf"\[kb{self.nonce}([<>])(\d+)\]".encode())
        self._text = re.compile(rf"\[kb{self.nonce}:(\w+)\]".encode())

    def marker(self, name: str) -> Markup:
        return Markup(f"{self.prefix}:{name}]")

    def choice_edges(self, index: int) -> tuple[str, str]:
        return f"{self.prefix}<{index}]", f"{self.prefix}>{index}]"

    def parse(self, body: bytes, render: SharedRender) -> SlottedPage:
        """The rendered page cut once into what every reader gets and where their parts go, so that a
        fill only joins pieces: no pass over the page per slot."""
        parts: list[Part | Choice] = []
        position = 0
        opened: int | None = None
        start = 0
        for found in self._choice.finditer(body):
            index = int(found.group(2))
            if found.group(1) == b"<":
                if opened is not None:
                    raise ValueError("choice slots do not nest")
                parts += self._split(body[position:found.start()])
                opened, start = index, found.end()
            else:
                if opened != index:
                    raise ValueError("a choice slot closes that was not open")
                kind, item_id, variants = render.choices[index]
                parts.append(Choice(kind, item_id, self._split(body[start:found.start()]),
                                    {name: self._split(html) for name, html in variants.items()}))
                opened = None
            position = found.end()
        parts += self._split(body[position:])
        return SlottedPage(self._choice.sub(b"", body), parts)

    def _split(self, html: bytes) -> tuple[Part, ...]:
        """Literal bytes and the names of the text slots between them. A marker left in a literal (a
        template filter cut or rewrote it) would reach a reader: refused here, once per version."""
        parts: list[Part] = []
        position = 0
        for found in self._text.finditer(html):
            name = found.group(1).decode()
            if name not in TEXT_SLOTS and name not in ("csrf", "form"):
                raise SlotLeak(f"unknown per-reader slot {name!r}")
            parts += (html[position:found.start()], name)
            position = found.end()
        parts.append(html[position:])
        if any(self.prefix.encode() in part for part in parts if isinstance(part, bytes)):
            raise SlotLeak("a per-reader slot was left in the page")
        return tuple(part for part in parts if part != b"")


@dataclass(frozen=True)
class Choice:
    kind: str
    item_id: int
    plain: tuple[Part, ...]
    variants: dict[str, tuple[Part, ...]]  # the variants other than the plain one


@dataclass
class SlottedPage:
    body: bytes  # as rendered, the plain variant of each choice in place (its size is what is kept)
    parts: list[Part | Choice]

    @property
    def size(self) -> int:
        return len(self.body) + sum(len(part) for choice in self.parts if isinstance(choice, Choice)
                                    for variant in choice.variants.values() for part in variant)

    def values(self, *, csrf_token: str, reader: Any) -> dict[str, bytes]:
        """What each text slot becomes for this request (HTML-escaped), by name."""
        return {"csrf": escape(csrf_token).encode(), "form": secrets.token_urlsafe(12).encode() + b".",
                **{name: escape(value_of(reader)).encode() for name, value_of in TEXT_SLOTS.items()}}

    def layout(self, marks: Marks) -> tuple[tuple[str, ...], list[Part]]:
        """This reader's variant of each choice slot, and the page they make as literal bytes and the
        names of the text slots between them (app.http.compression gzips a layout once)."""
        variants: list[str] = []
        out: list[Part] = []
        for part in self.parts:
            if isinstance(part, Choice):
                variant = marks.variant(part.kind, part.item_id)
                variants.append(variant)
                out += part.variants[variant] if variant else part.plain
            else:
                out.append(part)
        return tuple(variants), out

    def fill(self, *, csrf_token: str, reader: Any, marks: Marks) -> bytes:
        values = self.values(csrf_token=csrf_token, reader=reader)
        return b"".join(part if isinstance(part, bytes) else values[part] for part in self.layout(marks)[1])


class SharedReader:
    """`request.state.user` while a page is rendered for every signed-in reader: signed in, with
    markers for the values the fill writes. Anything else a template or route asks of it raises,
    so a page that would show something of one reader to all is found by its first render."""

    def __init__(self, slots: Slots) -> None:
        self._slots = slots

    # A member in good standing: moderators' pages carry their tools and a suspended account's pages a
    # notice, so theirs are rendered for them alone (app.services.readers.Reader.shares_pages).
    role = ROLE_MEMBER
    suspended_until = None

    def __bool__(self) -> bool:
        return True

    def __getattr__(self, name: str) -> Markup:
        if name.startswith("__"):  # Python's own probing (__html__, copying): not a question about the reader
            raise AttributeError(name)
        if name in TEXT_SLOTS:
            return self._slots.marker(name)
        raise TypeError(f"a page shared by every signed-in reader cannot show the reader's {name!r}")


@dataclass
class SharedRender:
    """Scope state for a render the response cache keeps: for every anonymous reader (`slots` None:
    no user, no token) or for every signed-in reader (slots, choices recorded as they render)."""

    slots: Slots | None = None
    choices: list[tuple[str, int, dict[str, bytes]]] = field(default_factory=list)
    forms: int = 0
    refused: bool = False

    def refuse(self) -> None:
        """This page shows something of its reader that no slot covers (a hidden post to its author):
        it is rendered for each signed-in reader alone, at this version."""
        self.refused = True

    @property
    def user(self) -> SharedReader | None:
        return None if self.slots is None else SharedReader(self.slots)

    @property
    def csrf_token(self) -> Markup | None:
        return None if self.slots is None else self.slots.marker("csrf")

    def form_token(self) -> Markup:
        assert self.slots is not None
        self.forms += 1
        return Markup(f"{self.slots.marker('form')}{self.forms}")

    def choice(self, kind: str, item_id: int, variants: tuple[str, ...], render: Callable[[str], str]) -> Markup:
        """The plain variant between the edges of choice slot number n; the others kept by n."""
        assert self.slots is not None
        others = {variant: str(render(variant)).encode() for variant in variants if variant}
        self.choices.append((kind, item_id, others))
        opening, closing = self.slots.choice_edges(len(self.choices) - 1)
        return Markup(opening) + render("") + Markup(closing)


def shared_render_of(state: Any) -> SharedRender | None:
    """The SharedRender of a request's scope state (a dict, or Starlette's request.state), if any."""
    if isinstance(state, dict):
        return state.get(SHARED_RENDER)
    return getattr(state, SHARED_RENDER, None)
