"""The deployment files say what the code does: every `kb` command line in them parses with the real
argument parser, the proxy the web servers trust is the proxy compose runs, health checks ask /readyz,
and the stop timeouts leave room for the graceful shutdown."""

from __future__ import annotations

import ipaddress
import re
import shlex

import pytest
import yaml

from app.cli import build_parser
from app.config import PROJECT_ROOT

DEPLOY = PROJECT_ROOT / "deploy"
COMPOSE = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
SERVICES = COMPOSE["services"]


def _subcommands() -> set[str]:
    parser = build_parser()
    [commands] = [a for a in parser._actions if a.dest == "command"]
    return set(commands.choices)


def _systemd_commands() -> list[tuple[str, list[str]]]:
    found = []
    for unit in sorted((DEPLOY / "systemd").glob("*.service")):
        for line in unit.read_text().splitlines():
            if line.startswith("ExecStart="):
                words = shlex.split(line.removeprefix("ExecStart=").replace("%i", "8001"))
                if words[0].endswith("/kb"):
                    found.append((unit.name, words))
    return found


def _compose_commands() -> list[tuple[str, list[str]]]:
    found = []
    for name, service in SERVICES.items():
        command = service.get("command")
        if not command or command[0] not in ("kb", "sh"):
            continue
        lines = [command] if command[0] == "kb" else [shlex.split(part) for part in command[2].split("&&")]
        found += [(name, words) for words in lines]
    return found


COMMANDS = _compose_commands() + _systemd_commands()


@pytest.mark.parametrize(("where", "words"), COMMANDS, ids=[f"{w}:{' '.join(c[:2])}" for w, c in COMMANDS])
def test_every_kb_command_parses(where, words):
    if words[1] == "worker" and "worker" not in _subcommands():
        pytest.skip("`kb worker` arrives with the task queue (issue 13.2)")
    build_parser().parse_args(words[1:])  # argparse exits (a test failure) on an unknown flag


def test_the_layout_is_two_web_servers_a_worker_and_the_engines():
    assert {"db", "redis", "migrate", "web1", "web2", "worker", "caddy"} <= set(SERVICES)
    assert SERVICES["web1"] == SERVICES["web2"]
    assert SERVICES["db"]["image"].startswith("postgres:") and SERVICES["redis"]["image"].startswith("redis:")
    for name in ("web1", "worker", "migrate"):
        assert SERVICES[name]["environment"]["KB_DATABASE_URL"].startswith("postgresql+psycopg://kb:")
        assert SERVICES[name]["environment"]["KB_TASK_QUEUE_URL"].startswith("redis://redis:")
    assert SERVICES["web1"]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}


def test_web_servers_trust_only_the_proxy_compose_runs():
    args = build_parser().parse_args(SERVICES["web1"]["command"][1:])
    proxy = SERVICES["caddy"]["networks"]["kb"]["ipv4_address"]
    assert args.forwarded_allow_ips == proxy
    subnet = ipaddress.ip_network(COMPOSE["networks"]["kb"]["ipam"]["config"][0]["subnet"])
    assert ipaddress.ip_address(proxy) in subnet


def test_stops_wait_longer_than_the_graceful_shutdown():
    args = build_parser().parse_args(SERVICES["web1"]["command"][1:])
    assert int(SERVICES["web1"]["stop_grace_period"].removesuffix("s")) > args.graceful_timeout
    web_unit = (DEPLOY / "systemd" / "kb-web@.service").read_text()
    [(_, words)] = [c for c in _systemd_commands() if c[0] == "kb-web@.service"]
    timeout = int(re.search(r"^TimeoutStopSec=(\d+)$", web_unit, re.M).group(1))
    assert timeout > build_parser().parse_args(words[1:]).graceful_timeout
    # The worker hands a run back to the queue at --shutdown-timeout: before Docker's or systemd's SIGKILL.
    worker = build_parser().parse_args(SERVICES["worker"]["command"][1:])
    assert int(SERVICES["worker"]["stop_grace_period"].removesuffix("s")) > worker.shutdown_timeout
    worker_unit = (DEPLOY / "systemd" / "kb-worker.service").read_text()
    [(_, words)] = [c for c in _systemd_commands() if c[0] == "kb-worker.service"]
    timeout = int(re.search(r"^TimeoutStopSec=(\d+)$", worker_unit, re.M).group(1))
    assert timeout > build_parser().parse_args(words[1:]).shutdown_timeout


def test_health_checks_ask_readyz_and_metrics_stay_inside():
    assert "/readyz" in " ".join(SERVICES["web1"]["healthcheck"]["test"])
    caddy = (DEPLOY / "Caddyfile").read_text()
    upstreams = re.search(r"reverse_proxy ([^{]+)\{", caddy).group(1).split()
    assert upstreams == ["web1:8000", "web2:8000"]
    assert "health_uri /readyz" in caddy
    assert re.search(r"@metrics path /metrics\s+respond @metrics 404", caddy)


def test_the_example_environment_names_the_required_secret():
    example = (DEPLOY / "kb.env.example").read_text()
    assert re.search(r"^KB_SECRET_KEY=$", example, re.M)  # empty on purpose: kb serve refuses to start so
    assert "deploy/.env" in (PROJECT_ROOT / ".gitignore").read_text().splitlines()
