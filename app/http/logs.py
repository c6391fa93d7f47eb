"""Log records as one JSON object a line (for a log collector) or as text (a developer's terminal),
for our loggers and uvicorn's alike; `kb serve` hands log_config() to uvicorn."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

# Attributes every LogRecord has; anything else on a record came in through `extra=` and is kept.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "color_message"}


# One encoder for every line: json.dumps with options builds a new one per call (half the cost of a line).
_ENCODER = json.JSONEncoder(ensure_ascii=False, default=str)


class JsonFormatter(logging.Formatter):
    """One JSON object a line. Every request writes one (bench/observe.py measures it), so the
    timestamp's seconds are formatted once per second and the encoder is built once."""

    _second: tuple[int, str] = (-1, "")  # one attribute, so threads never pair a second with another's text

    def _time(self, created: float) -> str:
        second = int(created)
        kept, text = self._second
        if second != kept:
            text = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S")
            self._second = (second, text)
        return f"{text}.{int((created - second) * 1000):03d}Z"

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": self._time(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        data.update({key: value for key, value in vars(record).items() if key not in _STANDARD})
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return _ENCODER.encode(data)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def log_config(fmt: str = "json", level: str = "info", access_log: bool = True) -> dict[str, Any]:
    """A logging.config.dictConfig for uvicorn and the app: one stderr handler, request ids on every line."""
    formatter = {"()": "app.http.logs.JsonFormatter"} if fmt == "json" else {"format": TEXT_FORMAT}
    handler = {"class": "logging.StreamHandler", "stream": "ext://sys.stderr", "formatter": "kb",
               "filters": ["request_id"]}
    level = level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "app.http.observe.RequestIdFilter"}},
        "formatters": {"kb": formatter},
        "handlers": {"kb": handler},
        "loggers": {
            "uvicorn": {"handlers": ["kb"], "level": level, "propagate": False},
            "uvicorn.error": {"level": level},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},  # kb.access replaces it
            "kb": {"handlers": ["kb"], "level": level, "propagate": False},
            "kb.access": {"level": level if access_log else "WARNING"},
        },
        "root": {"handlers": ["kb"], "level": "WARNING"},
    }
