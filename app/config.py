"""Settings: one object built from the environment, passed explicitly (no module globals)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from email.utils import parseaddr
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import Field, PositiveFloat, PositiveInt, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# How the SMTP connection is protected: STARTTLS after connecting (port 587), TLS from the start
# (port 465), or none (a relay on the same machine or a test sink).
SMTP_SECURITY = ("starttls", "tls", "none")
SMTP_DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 25}


class SettingsError(ValueError):
    """A KB_* variable that cannot be used; its message is one Korean line for the operator."""


class Environment(BaseSettings):
    """The KB_* variables as typed, validated values; field `demo_workers` reads KB_DEMO_WORKERS.

    Unset or empty variables are None here and take the defaults of Settings (ENV_FIELDS names its field).
    """

    model_config = SettingsConfigDict(env_prefix="KB_", env_ignore_empty=True, extra="ignore", frozen=True)

    database_url: str | None = None
    content_dir: Path | None = None
    secret_key: str | None = Field(default=None, min_length=16)
    base_url: str | None = None
    demo_workers: PositiveInt | None = None
    demo_queue_size: PositiveInt | None = None
    demo_time_limit_s: PositiveFloat | None = None
    demo_threads: PositiveInt | None = None
    demo_memory_mb: PositiveInt | None = None
    demo_precompute: bool | None = None
    demo_refuse_too_slow: bool | None = None
    rate_posts_per_min: PositiveInt | None = None
    rate_logins_per_min: PositiveInt | None = None
    rate_ip_posts_per_min: PositiveInt | None = None
    rate_demo_runs_per_min: PositiveInt | None = None
    rate_edits_per_min: PositiveInt | None = None
    rate_previews_per_min: PositiveInt | None = None
    idempotency_hours: PositiveInt | None = None
    purge_runs_days: PositiveInt | None = None
    purge_notifications_days: PositiveInt | None = None
    purge_interval_min: PositiveInt | None = None
    home_fresh_s: float | None = Field(default=None, ge=0)
    wal_checkpoint_s: float | None = Field(default=None, ge=0)
    dev: bool | None = None
    task_queue_url: str | None = None
    redis_url: str | None = None
    smtp_host: str | None = None
    smtp_port: PositiveInt | None = Field(default=None, le=65535)
    smtp_security: str | None = None
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_from: str | None = None

    @field_validator("smtp_host")
    @classmethod
    def _smtp_host(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not re.fullmatch(r"[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]+\]", value):
            raise ValueError("host name")
        return value

    @field_validator("smtp_security")
    @classmethod
    def _smtp_security(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if value not in SMTP_SECURITY:
            raise ValueError("smtp security")
        return value

    @field_validator("smtp_from")
    @classmethod
    def _smtp_from(cls, value: str | None) -> str | None:
        if value is None:
            return None
        address = parseaddr(value)[1]
        if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", address):
            raise ValueError("mail address")
        return value

    @field_validator("task_queue_url", "redis_url")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("redis", "rediss", "unix") or not (parts.hostname or parts.path):
            raise ValueError("redis URL")
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            url = make_url(value)
        except ArgumentError:
            raise ValueError("database URL") from None
        if url.get_backend_name() not in ("sqlite", "postgresql", "postgres"):
            raise ValueError("database URL")
        return value

    @field_validator("base_url")
    @classmethod
    def _base_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("http URL")
        return value.rstrip("/")


# Environment fields whose Settings field has another name; the rest share theirs.
ENV_FIELDS = {
    "demo_threads": "demo_threads_per_worker",
    "rate_posts_per_min": "rate_limit_posts_per_minute",
    "rate_logins_per_min": "rate_limit_logins_per_minute",
    "rate_ip_posts_per_min": "rate_limit_ip_posts_per_minute",
    "rate_demo_runs_per_min": "rate_limit_demo_runs_per_minute",
    "rate_edits_per_min": "rate_limit_edits_per_minute",
    "rate_previews_per_min": "rate_limit_previews_per_minute",
    "idempotency_hours": "idempotency_retention_h",
    "purge_runs_days": "run_retention_days",
    "purge_notifications_days": "notification_retention_days",
    "dev": "development",
}

_ERROR_MEANINGS = {
    "int": "1 이상의 정수여야 합니다",
    "float": "0보다 큰 수여야 합니다",
    "bool": "1(켜기) 또는 0(끄기)이어야 합니다",
    "database_url": "sqlite:///경로 또는 postgresql+psycopg://… 형식의 데이터베이스 주소여야 합니다",
    "base_url": "http:// 또는 https://로 시작하는 주소여야 합니다",
    "secret_key": "16자 이상이어야 합니다",
    "home_fresh_s": "0 이상의 초여야 합니다 (0이면 쓰기마다 새로 그림)",
    "wal_checkpoint_s": "0 이상의 초여야 합니다 (0이면 SQLite가 쓰기의 커밋 안에서 체크포인트)",
    "task_queue_url": "redis://호스트:포트/번호 형식의 Redis 주소여야 합니다",
    "redis_url": "redis://호스트:포트/번호 형식의 Redis 주소여야 합니다",
    "smtp_host": "메일 서버의 호스트 이름이어야 합니다 (예: smtp.example.com)",
    "smtp_port": "1~65535의 포트 번호여야 합니다",
    "smtp_security": "starttls, tls, none 중 하나여야 합니다",
    "smtp_from": "보내는 사람 주소여야 합니다 (예: 질문창고 <noreply@example.com>)",
}


def describe_errors(exc: ValidationError) -> str:
    """One line: each bad variable with what it should be, e.g. `KB_DEMO_WORKERS='abc' — 1 이상의 정수여야 합니다`."""
    parts = []
    for error in exc.errors():
        name = str(error["loc"][0]) if error["loc"] else ""
        field_info = Environment.model_fields.get(name)
        kind = name if name in _ERROR_MEANINGS else ""
        if not kind and field_info is not None:
            shown = str(field_info.annotation)
            kind = next((word for word in ("bool", "float", "int") if word in shown), "")
        meaning = _ERROR_MEANINGS.get(kind, error["msg"])
        value = "(숨김)" if name == "secret_key" else repr(error.get("input"))
        parts.append(f"KB_{name.upper()}={value} — {meaning}")
    return "설정 오류: " + "; ".join(parts)


@dataclass(frozen=True)
class Settings:
    database_url: str = f"sqlite:///{PROJECT_ROOT / 'var' / 'kb.sqlite3'}"
    content_dir: Path = PROJECT_ROOT / "content"
    templates_dir: Path = PROJECT_ROOT / "templates"
    static_dir: Path = PROJECT_ROOT / "static"
    secret_key: str = "dev-only-secret-change-me"
    base_url: str = "http://127.0.0.1:8000"
    # Demo runner: torch lives in these worker processes, never in the web process.
    demo_workers: int = 1
    demo_queue_size: int = 4
    demo_time_limit_s: float = 60.0
    demo_threads_per_worker: int = 1
    # The private memory one CPU run may add to its worker (RLIMIT_DATA): past it the run fails with a
    # Korean message instead of the machine swapping. The largest settings that pass the time limit
    # peak near 1.5 GB.
    demo_memory_mb: int = 2048
    # The first view of a question starts its linked presets' runs (once per link and version).
    demo_precompute: bool = True
    # A run the cost model (app/demos/costs.py) expects past the time limit is refused with a 422.
    demo_refuse_too_slow: bool = True
    # Writes
    rate_limit_posts_per_minute: int = 20
    rate_limit_logins_per_minute: int = 10
    rate_limit_ip_posts_per_minute: int = 60  # all accounts behind one address together
    rate_limit_demo_runs_per_minute: int = 60  # per address; a cached repeat is cheap but still a stored run
    # Each edit stores a revision and re-renders the post; each preview renders up to a full body.
    rate_limit_edits_per_minute: int = 10  # per account; an address gets three times this
    rate_limit_previews_per_minute: int = 60  # per account (typing pauses); an address gets three times this
    # Purge jobs (kb purge, and a pass every purge_interval_min inside kb serve)
    idempotency_retention_h: int = 24  # a client retrying a write later than this makes a second one
    run_retention_days: int = 30  # cached repeats and failed runs; runs that computed their result stay
    # read notifications (counted from when they were read) and records of reset mail that failed
    notification_retention_days: int = 90
    purge_interval_min: int = 60
    # The home page shows every write anywhere: while writes come in a burst it is shown as it was for up
    # to this many seconds, so it is rendered once per window instead of once per commit (0: every commit).
    home_fresh_s: float = 3.0
    # SQLite: the web process copies its write-ahead log into the database on a thread of its own every
    # this many seconds after a commit (app.db.checkpoint), not in a post's commit (0: in the commit).
    wal_checkpoint_s: float = 1.0
    # With a task queue (redis://…) runs wait in Redis for `kb worker` processes on any machine; the web
    # process then starts no workers of its own. Shared state (rate limits) uses redis_url, else this one.
    task_queue_url: str | None = None
    redis_url: str | None = None
    # Notification e-mail (app.services.mail): none is sent, and nothing fails, without smtp_host.
    smtp_host: str | None = None
    smtp_port: int | None = None  # None: the security's usual port (SMTP_DEFAULT_PORTS)
    smtp_security: str = "starttls"
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_from: str | None = None  # None: 질문창고 <noreply@smtp_host>
    testing: bool = False
    development: bool = False  # templates reload when their files change
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_env(cls, *, serving: bool = False) -> Settings:
        """Settings from KB_* variables, validated; `serving` also demands KB_SECRET_KEY outside development.

        Raises SettingsError with one Korean line naming the variable, never a traceback's worth of detail.
        """
        try:
            env = Environment()
        except ValidationError as exc:
            raise SettingsError(describe_errors(exc)) from None
        if serving and env.secret_key is None and not env.dev:
            raise SettingsError(
                "설정 오류: KB_SECRET_KEY가 없습니다 — 운영 서버는 비밀 키가 필요합니다"
                " (예: python -c 'import secrets; print(secrets.token_urlsafe(32))'),"
                " 개발용이면 kb serve --dev")
        chosen = {ENV_FIELDS.get(name, name): value for name, value in env.model_dump().items() if value is not None}
        return cls(**chosen)

    @property
    def email_enabled(self) -> bool:
        return self.smtp_host is not None

    @property
    def shared_redis_url(self) -> str | None:
        return self.redis_url or self.task_queue_url

    def with_overrides(self, **changes: Any) -> Settings:
        return replace(self, **changes)


def content_dir_from_env() -> Path:
    """KB_CONTENT_DIR as Settings.from_env() reads it, for code with no Settings at hand (the term
    dictionary behind every post's rendering and analysis). Validating every KB_ variable costs
    milliseconds, twice per post, so the answer is kept per value of KB_CONTENT_DIR (one dictionary
    lookup; scanning the whole environment each time was a measurable part of a post too)."""
    return _content_dir(os.environ.get("KB_CONTENT_DIR"))


@lru_cache(maxsize=8)
def _content_dir(variable: str | None) -> Path:
    return Settings.from_env().content_dir
