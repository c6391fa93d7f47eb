"""Typed dependencies shared by the API and the HTML routes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine
from sqlmodel import Session

from app.config import Settings
from app.demos.engine import DemoEngine
from app.services import indexing, notifications
from app.services.reading import DetailMemo


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_session(request: Request) -> Iterator[Session]:
    with Session(request.app.state.engine) as session:
        yield session
        hand_on(request, session)


def hand_on(request: Request, session: Session) -> None:
    """After a request's work on `session`, what it leaves for others to do."""
    # The request's writes made notifications: their e-mail goes to a background job, not this request.
    if (ids := notifications.new_notification_ids(session)) and request.app.state.mailer is not None:
        request.app.state.mailer.submit(ids)
    # Its search index work too: the indexer's thread, once the response has gone.
    if indexing.left_work(session):
        request.app.state.search_indexer.wake()


def get_engine(request: Request) -> Engine:
    return request.app.state.engine


def get_demo_engine(request: Request) -> DemoEngine:
    return request.app.state.demo_engine


def get_detail_memo(request: Request) -> DetailMemo:
    return request.app.state.detail_memo


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session)]
EngineDep = Annotated[Engine, Depends(get_engine)]  # for checks that must see a failed connection themselves
DemoEngineDep = Annotated[DemoEngine, Depends(get_demo_engine)]
DetailMemoDep = Annotated[DetailMemo, Depends(get_detail_memo)]
