"""Per-reader slots: a reading page rendered once for every signed-in reader, filled per request.

A reading page looks the same for every signed-in reader but for a few small parts: the CSRF token
in each form, a fresh one-time id in each posting form, the reader's name in the header, and on a
question page which posts are theirs and which they voted for. The response cache (app.web.caching)
renders such a page once per content version with those parts left as slots (a `SharedRender`), keeps
it as a `SlottedPage`, and for each request fills the slots from one lookup of the login session and
the reader's marks (app.services.readers): a hit runs no route, no template and no ORM.

Two kinds of slot:

* Text slots: a marker that stands for one value of the reader everywhere in the page, replaced by a
  `bytes.replace` per request. `csrf` (the login session's token), `display_name`, `username`, and
  `form`, a prefix: each posting form's one-time id is the request's random prefix plus the form's
  number in the page, so every form of every page view gets its own (they are Idempotency-Keys).
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

The markers carry a random per-process nonce that never leaves the process: posted text cannot
forge one, and a page in which one is left after the fill is refused (SlotLeak), not sent.
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


class Marks(Protocol):
    def variant(self, kind: str, item_id: int) -> str: ...


class Slots:
    """The markers of one app (one process): a random nonce no request ever sees."""

    def __init__(self) -> None:
        self.nonce = secrets.token_hex(8)
        self.prefix = f"[kb{self.nonce}"
        self._choice = re.compile(rf"\[kb{self.nonce}([<>])(\d+)\]".encode())

    def marker(self, name: str) -> Markup:
        return Markup(f"{self.prefix}:{name}]")

    def choice_edges(self, index: int) -> tuple[str, str]:
        return f"{self.prefix}<{index}]", f"{self.prefix}>{index}]"

    def parse(self, body: bytes, render: SharedRender) -> SlottedPage:
        """The rendered page with each choice's plain variant in place and where it stands."""
        pieces: list[bytes] = []
        choices: list[Choice] = []
        position = length = 0
        opened: int | None = None
        start = 0
        for found in self._choice.finditer(body):
            pieces.append(body[position:found.start()])
            length += found.start() - position
            position = found.end()
            index = int(found.group(2))
            if found.group(1) == b"<":
                if opened is not None:
                    raise ValueError("choice slots do not nest")
                opened, start = index, length
            else:
                if opened != index:
                    raise ValueError("a choice slot closes that was not open")
                kind, item_id, variants = render.choices[index]
                choices.append(Choice(start, length, kind, item_id, variants))
                opened = None
        pieces.append(body[position:])
        return SlottedPage(b"".join(pieces), choices, self)


@dataclass(frozen=True)
class Choice:
    start: int
    end: int
    kind: str
    item_id: int
    variants: dict[str, bytes]  # the variants other than the plain one


@dataclass
class SlottedPage:
    body: bytes
    choices: list[Choice]
    slots: Slots

    @property
    def size(self) -> int:
        return len(self.body) + sum(len(v) for c in self.choices for v in c.variants.values())

    def fill(self, *, csrf_token: str, reader: Any, marks: Marks) -> bytes:
        pieces: list[bytes] = []
        position = 0
        for choice in self.choices:
            variant = marks.variant(choice.kind, choice.item_id)
            if variant:
                pieces += (self.body[position:choice.start], choice.variants[variant])
                position = choice.end
        body = b"".join(pieces) + self.body[position:] if pieces else self.body
        marker = self.slots.marker
        body = body.replace(marker("csrf").encode(), escape(csrf_token).encode())
        body = body.replace(marker("form").encode(), secrets.token_urlsafe(12).encode() + b".")
        for name, value_of in TEXT_SLOTS.items():
            body = body.replace(marker(name).encode(), escape(value_of(reader)).encode())
        if self.slots.prefix.encode() in body:
            raise SlotLeak("a per-reader slot was left in the page")
        return body


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
