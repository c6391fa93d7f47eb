"""The task-queue settings: a Redis URL or one Korean line, and `kb worker` needs the queue."""

from __future__ import annotations

import pytest

from app.cli import main
from app.config import Settings, SettingsError


@pytest.mark.parametrize("variable", ["KB_TASK_QUEUE_URL", "KB_REDIS_URL"])
def test_a_queue_url_that_is_not_redis_is_one_korean_line(monkeypatch, variable):
    monkeypatch.setenv(variable, "http://redis.example.org:6379")
    with pytest.raises(SettingsError, match=f"{variable}=.* — redis://"):
        Settings.from_env()


def test_queue_urls_are_read_and_shared_state_falls_back_to_the_queue(monkeypatch):
    monkeypatch.setenv("KB_TASK_QUEUE_URL", "redis://queue.internal:6379/0")
    monkeypatch.delenv("KB_REDIS_URL", raising=False)
    settings = Settings.from_env()
    assert settings.task_queue_url == "redis://queue.internal:6379/0"
    assert settings.shared_redis_url == "redis://queue.internal:6379/0"
    monkeypatch.setenv("KB_REDIS_URL", "redis://state.internal:6379/1")
    assert Settings.from_env().shared_redis_url == "redis://state.internal:6379/1"


def test_without_a_queue_the_default_is_the_local_pool_and_kb_worker_refuses(monkeypatch, capsys):
    monkeypatch.delenv("KB_TASK_QUEUE_URL", raising=False)
    assert Settings.from_env().task_queue_url is None
    assert main(["worker"]) == 2
    assert "KB_TASK_QUEUE_URL" in capsys.readouterr().err
