"""Experiment charts (static/js/demo-charts.js) in Chromium, drawn from the shipped files on a blank page so
no run is needed: one legend entry per measured line, and log axes whose labels do not pile up."""

from __future__ import annotations

import itertools
from pathlib import Path

STATIC = Path(__file__).resolve().parents[2] / "static"
BAND = {"name": "β = 0", "x": [0, 1, 2, 3], "y": [1e-5, 1e3, 1e10, 1e19],
        "lower": [1e-6, 1e2, 1e9, 1e18], "upper": [1e-4, 1e4, 1e11, 1e19]}
PLAIN = {"name": "β = 0.9", "x": [0, 1, 2, 3], "y": [1e-4, 1e-2, 1, 1e2]}


def charts_page(page):
    """A blank page with uPlot and demo-charts.js, every uPlot it makes kept in window.made."""
    page.set_content('<div id="board" style="width: 360px"></div>')
    page.add_style_tag(path=str(STATIC / "vendor/uplot/uPlot.min.css"))
    page.add_style_tag(path=str(STATIC / "css/demos.css"))
    page.add_script_tag(path=str(STATIC / "vendor/uplot/uPlot.iife.min.js"))
    page.evaluate("""() => { const Real = window.uPlot; window.made = [];
        window.uPlot = Object.assign(function (opts, data, target) {
            const plot = new Real(opts, data, target); window.made.push(plot); return plot; }, Real); }""")
    page.add_script_tag(path=str(STATIC / "js/demo-charts.js"))
    return page


def draw(page, height: int, series=(BAND, PLAIN)) -> None:
    page.evaluate("""([series, height]) => DemoCharts.board(document.getElementById('board'), height).draw(
        {key: 'k', title: '손실', x_label: '스텝', y_label: '손실', log_x: false, log_y: true, series: series})""",
                  [list(series), height])


def test_a_band_is_one_legend_entry_and_hides_with_its_line(page):
    """A line with a seed band had three legend entries ("… (구간 위)", "… (구간 아래)"), read as three results."""
    draw(charts_page(page), 240)
    legend = page.locator(".u-legend tr.u-series:visible")
    assert legend.all_inner_texts() == ["β = 0", "β = 0.9"]
    assert "구간" not in page.locator(".u-legend").inner_text()

    legend.first.click()  # hides the line in the legend: its band goes with it
    assert page.evaluate("made[0].series.map(s => s.show)") == [True, False, False, False, True]
    legend.first.click()
    assert page.evaluate("made[0].series.map(s => s.show)") == [True, True, True, True, True]


def test_log_axis_labels_keep_their_distance_on_a_short_chart(page):
    """A run card's chart (170 px) stacked eight labels, 1e-9 up to 1e19, 9 px apart."""
    draw(charts_page(page), 170)
    splits, low, high, plot_height = page.evaluate(
        "[made[0].axes[1]._splits, made[0].scales.y.min, made[0].scales.y.max, made[0].bbox.height / devicePixelRatio]")
    px_per_decade = plot_height / (high - low)
    gaps = [(b - a) * px_per_decade for a, b in itertools.pairwise(splits)]
    assert len(splits) >= 2 and min(gaps) >= 20, (splits, gaps)  # a 12 px line of type and room around it


def labels_of(page, ys: list[float], height: int = 240) -> list[str]:
    draw(charts_page(page), height, [{"name": "검증 손실", "x": list(range(len(ys))), "y": ys}])
    return [v for v in page.evaluate("made[0].axes[1]._values") if v]


def test_a_log_axis_within_a_decade_or_two_is_labelled_in_between(page):
    """A validation loss from 0.25 to 0.8 on a log axis had no label at all, one from 0.6 to 2 only "1"."""
    assert labels_of(page, [0.8, 0.5, 0.3, 0.25]) == ["0.3", "0.5", "0.7"]
    assert labels_of(page, [2, 1, 0.7, 0.6]) == ["0.7", "1", "2"]
    assert labels_of(page, [1e-3, 1e-1, 1, 30]) == ["1e-3", "0.01", "0.1", "1", "10", "100"]  # whole decades
