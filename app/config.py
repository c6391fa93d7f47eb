"""Settings: one object built from the environment, passed explicitly (no module globals)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw not in (None, "") else default


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
    # The first view of a question starts its linked presets' runs (once per link and version).
    demo_precompute: bool = True
    # Writes
    rate_limit_posts_per_minute: int = 20
    rate_limit_logins_per_minute: int = 10
    rate_limit_ip_posts_per_minute: int = 60  # all accounts behind one address together
    rate_limit_demo_runs_per_minute: int = 60  # per address; a cached repeat is cheap but still a stored run
    # Each edit stores a revision and re-renders the post; each preview renders up to a full body.
    rate_limit_edits_per_minute: int = 10  # per account; an address gets three times this
    rate_limit_previews_per_minute: int = 60  # per account (typing pauses); an address gets three times this
    testing: bool = False
    development: bool = False  # templates reload when their files change
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_env(cls) -> Settings:
        defaults = cls()
        return cls(
            database_url=os.environ.get("KB_DATABASE_URL", defaults.database_url),
            content_dir=Path(os.environ.get("KB_CONTENT_DIR", defaults.content_dir)),
            secret_key=os.environ.get("KB_SECRET_KEY", defaults.secret_key),
            base_url=os.environ.get("KB_BASE_URL", defaults.base_url),
            demo_workers=_env_int("KB_DEMO_WORKERS", defaults.demo_workers),
            demo_queue_size=_env_int("KB_DEMO_QUEUE_SIZE", defaults.demo_queue_size),
            demo_time_limit_s=float(os.environ.get("KB_DEMO_TIME_LIMIT_S", defaults.demo_time_limit_s)),
            demo_threads_per_worker=_env_int("KB_DEMO_THREADS", defaults.demo_threads_per_worker),
            demo_precompute=os.environ.get("KB_DEMO_PRECOMPUTE", "1") not in ("", "0"),
            rate_limit_posts_per_minute=_env_int("KB_RATE_POSTS_PER_MIN", defaults.rate_limit_posts_per_minute),
            rate_limit_logins_per_minute=_env_int("KB_RATE_LOGINS_PER_MIN", defaults.rate_limit_logins_per_minute),
            rate_limit_ip_posts_per_minute=_env_int("KB_RATE_IP_POSTS_PER_MIN",
                                                    defaults.rate_limit_ip_posts_per_minute),
            development=os.environ.get("KB_DEV", "") not in ("", "0"),
            rate_limit_demo_runs_per_minute=_env_int("KB_RATE_DEMO_RUNS_PER_MIN",
                                                     defaults.rate_limit_demo_runs_per_minute),
            rate_limit_edits_per_minute=_env_int("KB_RATE_EDITS_PER_MIN", defaults.rate_limit_edits_per_minute),
            rate_limit_previews_per_minute=_env_int("KB_RATE_PREVIEWS_PER_MIN",
                                                    defaults.rate_limit_previews_per_minute),
        )

    def with_overrides(self, **changes: Any) -> Settings:
        return replace(self, **changes)
