"""Settings are validated when a command starts: a bad KB_* variable is one Korean line and exit 2."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import uvicorn

from app.cli import main
from app.config import PROJECT_ROOT, Settings, SettingsError

KB_VARIABLES = ("KB_SECRET_KEY", "KB_DEV", "KB_BASE_URL", "KB_DATABASE_URL")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in KB_VARIABLES:  # set first so that undo removes what `kb serve --dev` writes into os.environ
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)


@pytest.fixture
def served(monkeypatch):
    """Records what `kb serve` would hand to uvicorn instead of listening."""
    calls: list[dict] = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: calls.append(kwargs))
    return calls


@pytest.mark.parametrize(("variable", "value", "meaning"), [
    ("KB_DEMO_WORKERS", "abc", "1 이상의 정수"),
    ("KB_RATE_POSTS_PER_MIN", "0", "1 이상의 정수"),
    ("KB_RATE_LOGINS_PER_MIN", "-3", "1 이상의 정수"),
    ("KB_DEMO_TIME_LIMIT_S", "0", "0보다 큰 수"),
    ("KB_HOME_FRESH_S", "-1", "0 이상의 초"),
    ("KB_WAL_CHECKPOINT_S", "-0.5", "0 이상의 초"),
    ("KB_PURGE_NOTIFICATIONS_DAYS", "0", "1 이상의 정수"),
    ("KB_DEMO_PRECOMPUTE", "maybe", "1(켜기) 또는 0(끄기)"),
    ("KB_BASE_URL", "kb.example.org", "http:// 또는 https://"),
    ("KB_DATABASE_URL", "mysql://x/y", "데이터베이스 주소"),
    ("KB_DATABASE_URL", "not a url", "데이터베이스 주소"),
])
def test_a_bad_variable_is_one_korean_line(monkeypatch, capsys, variable, value, meaning):
    monkeypatch.setenv(variable, value)
    assert main(["db", "upgrade"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("설정 오류: ")
    assert f"{variable}={value!r}" in err and meaning in err
    assert "Traceback" not in err


def test_several_bad_variables_share_the_line(monkeypatch):
    monkeypatch.setenv("KB_DEMO_WORKERS", "abc")
    monkeypatch.setenv("KB_RATE_POSTS_PER_MIN", "0")
    with pytest.raises(SettingsError) as caught:
        Settings.from_env()
    assert "KB_DEMO_WORKERS='abc'" in str(caught.value) and "KB_RATE_POSTS_PER_MIN='0'" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_good_values_reach_the_settings(monkeypatch):
    monkeypatch.setenv("KB_DEMO_WORKERS", "3")
    monkeypatch.setenv("KB_RATE_POSTS_PER_MIN", "7")
    monkeypatch.setenv("KB_DEMO_PRECOMPUTE", "0")
    monkeypatch.setenv("KB_HOME_FRESH_S", "0")
    monkeypatch.setenv("KB_WAL_CHECKPOINT_S", "0")
    monkeypatch.setenv("KB_BASE_URL", "https://kb.example.org/")
    monkeypatch.setenv("KB_DATABASE_URL", "postgresql+psycopg://kb@db/kb")
    settings = Settings.from_env()
    assert (settings.demo_workers, settings.rate_limit_posts_per_minute, settings.demo_precompute) == (3, 7, False)
    assert settings.home_fresh_s == 0.0 and Settings().home_fresh_s > 0
    assert settings.wal_checkpoint_s == 0.0 and Settings().wal_checkpoint_s > 0
    assert settings.base_url == "https://kb.example.org"
    assert settings.database_url == "postgresql+psycopg://kb@db/kb"


def test_empty_variables_mean_the_default(monkeypatch):
    monkeypatch.setenv("KB_DEMO_WORKERS", "")
    assert Settings.from_env().demo_workers == Settings().demo_workers


def test_serving_without_a_secret_key_is_refused(capsys, served):
    assert main(["serve", "--host", "0.0.0.0"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("설정 오류: KB_SECRET_KEY가 없습니다") and err.count("\n") == 1
    assert served == []


def test_a_short_secret_key_is_refused_and_not_echoed(monkeypatch, capsys, served):
    monkeypatch.setenv("KB_SECRET_KEY", "hunter2")
    assert main(["serve"]) == 2
    err = capsys.readouterr().err
    assert "KB_SECRET_KEY=(숨김) — 16자 이상" in err and "hunter2" not in err
    assert served == []


def test_a_secret_key_lets_the_server_start(monkeypatch, served):
    monkeypatch.setenv("KB_SECRET_KEY", "s" * 32)
    assert main(["serve", "--host", "0.0.0.0", "--port", "8124"]) == 0
    assert served and served[0]["host"] == "0.0.0.0"


def test_dev_flag_serves_on_loopback_with_the_development_key(served):
    assert main(["serve", "--dev", "--port", "8124"]) == 0
    assert served
    settings = Settings.from_env()  # what uvicorn's worker builds from the environment kb serve left
    assert settings.development and settings.secret_key == Settings().secret_key


def test_dev_flag_does_not_publish_the_development_key(capsys, served):
    assert main(["serve", "--dev", "--host", "0.0.0.0"]) == 2
    assert "--host 127.0.0.1" in capsys.readouterr().err
    assert served == []


def test_other_commands_need_no_secret_key(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("KB_DATABASE_URL", f"sqlite:///{tmp_path / 'kb.sqlite3'}")
    assert main(["db", "upgrade"]) == 0


def test_the_console_script_prints_no_traceback(tmp_path):
    """The real process, as an operator runs it: stderr is the one line, the exit status 2."""
    env = {"PATH": "/usr/bin:/bin", "KB_DEMO_WORKERS": "abc", "HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "app.cli", "db", "upgrade"], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert done.stderr == "설정 오류: KB_DEMO_WORKERS='abc' — 1 이상의 정수여야 합니다\n"


def test_an_empty_environment_means_the_defaults(monkeypatch):
    for name in [n for n in os.environ if n.startswith("KB_")]:
        monkeypatch.delenv(name)
    assert Settings.from_env() == Settings()


def test_every_variable_reaches_a_setting(monkeypatch):
    """Each Environment field lands on a Settings field (ENV_FIELDS renames), none is dropped."""
    from dataclasses import fields

    from app.config import ENV_FIELDS, Environment

    names = {f.name for f in fields(Settings)}
    assert {ENV_FIELDS.get(name, name) for name in Environment.model_fields} <= names
    monkeypatch.setenv("KB_PURGE_RUNS_DAYS", "9")
    monkeypatch.setenv("KB_RATE_PREVIEWS_PER_MIN", "8")
    monkeypatch.setenv("KB_PURGE_NOTIFICATIONS_DAYS", "14")
    settings = Settings.from_env()
    assert (settings.run_retention_days, settings.rate_limit_previews_per_minute) == (9, 8)
    assert settings.notification_retention_days == 14 and Settings().notification_retention_days == 90
