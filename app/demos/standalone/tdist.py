"""Student's t quantile in plain Python, for the exported script's 95% intervals (the app asks scipy).

``t_quantile(df)`` is scipy.stats.t.ppf(0.975, df): the two-sided tail P(|T| > t) = I_x(df/2, 1/2)
with x = df / (df + t²) (the regularised incomplete beta, by its continued fraction, Numerical
Recipes §6.4), solved for a tail of 0.05 by bisection. Neither the script nor the web process that
writes it then imports scipy (or numpy).
"""

from __future__ import annotations

import math


def _beta_fraction(a: float, b: float, x: float) -> float:
    tiny, qab, qap, qam = 1e-300, a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 500):
        m2 = 2 * m
        even = m * (b - m) * x / ((qam + m2) * (a + m2))
        odd = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        for numerator in (even, odd):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + numerator / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1.0) < 1e-16:
            break
    return h


def _incomplete_beta(a: float, b: float, x: float) -> float:
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x))
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _beta_fraction(a, b, x) / a
    return 1.0 - front * _beta_fraction(b, a, 1.0 - x) / b


def t_quantile(df: int, two_sided_tail: float = 0.05) -> float:
    """The t with P(|T| > t) = two_sided_tail for ``df`` degrees of freedom (0.05: the 97.5% quantile)."""
    low, high = 0.0, 1.0
    while _incomplete_beta(df / 2.0, 0.5, df / (df + high * high)) > two_sided_tail:
        high *= 2.0
    for _ in range(200):  # the tail falls as t grows; halve until the bracket is one float wide
        middle = (low + high) / 2.0
        if middle in (low, high):
            break
        if _incomplete_beta(df / 2.0, 0.5, df / (df + middle * middle)) > two_sided_tail:
            low = middle
        else:
            high = middle
    return (low + high) / 2.0
