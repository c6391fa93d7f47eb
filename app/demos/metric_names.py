"""The Korean name of a metric as a reader sees it on the run and compare pages: a claim's metric_label,
else the experiment's ``metric_labels`` (exact names first, then "{}" patterns). None where the
experiment names none; callers then show the code name."""

from __future__ import annotations

import re
from functools import cache

from app.demos import registry


@cache
def _patterns(slug: str) -> tuple[dict[str, str], tuple[tuple[re.Pattern[str], str], ...]]:
    spec = registry.get_demo(slug)
    if spec is None:
        return {}, ()
    exact = {name: label for name, label in spec.metric_labels.items() if "{}" not in name}
    exact.update({claim.metric: claim.metric_label for claim in spec.claims})
    patterns = tuple(
        (re.compile("^" + "(.+?)".join(re.escape(part) for part in name.split("{}")) + "$"), label)
        for name, label in spec.metric_labels.items() if "{}" in name)
    return exact, patterns


def metric_label(slug: str, name: str) -> str | None:
    exact, patterns = _patterns(slug)
    if name in exact:
        return exact[name]
    for pattern, label in patterns:
        match = pattern.match(name)
        if match:
            return label.format(*match.groups())
    return None
