// Charts of experiment results, drawn with uPlot: the run page's (static/js/demo-run.js) and the
// small ones of run cards and comparisons, which are any element marked data-chart-board holding a
// <script type="application/json"> list of charts. Boards swapped in by htmx (a question's
// results, a card that refreshes itself while its run goes on) are drawn when they settle.
(function () {
  "use strict";
  var PALETTE = ["#d1495b", "#2e86ab", "#3a7d44", "#edae49", "#6a4c93", "#00798c", "#8d6a9f", "#444444"];

  function formatNumber(value) {
    if (value === null || value === undefined) return "";
    if (typeof value === "boolean") return value ? "예" : "아니오";
    if (typeof value !== "number") return String(value);
    if (Number.isInteger(value) && Math.abs(value) < 1e15) return String(value);
    var magnitude = Math.abs(value);
    if (magnitude !== 0 && (magnitude < 1e-3 || magnitude >= 1e5)) return value.toExponential(3);
    return String(Number(value.toPrecision(4)));
  }

  // Log axes are drawn as log10 of the values on a linear scale, labelled in powers of ten: uPlot's
  // own log scale loops without end once a range reaches far below 1e-16 (vanished gradients do).
  function toAxis(value, log) {
    if (value === null || value === undefined) return null;
    if (!log) return value;
    return value > 0 ? Math.log10(value) : null;
  }

  // Each chart series becomes one drawn line, plus an upper and a lower line when it carries the
  // seeds' spread (Series.lower/upper), filled between as a band of the line's colour.
  function drawn(chart) {
    var out = [];
    chart.series.forEach(function (s, i) {
      var colour = PALETTE[i % PALETTE.length];
      out.push({ name: s.name, x: s.x, y: s.y, colour: colour });
      if (s.lower && s.upper) {
        out.push({ name: s.name + " (구간 위)", x: s.x, y: s.upper, colour: colour, edge: "upper", main: out.length - 1 });
        out.push({ name: s.name + " (구간 아래)", x: s.x, y: s.lower, colour: colour, edge: "lower", main: out.length - 2 });
      }
    });
    return out;
  }

  // uPlot wants one shared x array per chart; series may sample different x values.
  function aligned(chart) {
    var tables = drawn(chart).map(function (s) {
      var pairs = s.x.map(function (x, i) { return [toAxis(x, chart.log_x), toAxis(s.y[i], chart.log_y)]; })
        .filter(function (p) { return p[0] !== null; })
        .sort(function (a, b) { return a[0] - b[0]; });
      return [pairs.map(function (p) { return p[0]; }), pairs.map(function (p) { return p[1]; })];
    });
    if (!tables.length) return [[]];
    return tables.length === 1 ? tables[0] : uPlot.join(tables);
  }

  function powerOfTen(exponent) {
    return exponent >= -2 && exponent <= 4 ? formatNumber(Math.pow(10, exponent)) : "1e" + exponent;
  }

  var LABEL_GAP = 22;  // px between a log y axis's labels

  // Leading digits to mark inside each decade, densest first (see decadeSplits).
  var DIGIT_SETS = [[1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 2, 3, 5, 7], [1, 2, 5]];

  // Whole exponents between the scale's ends, at most about eight of them, and no closer than the
  // increment uPlot found to keep its labels apart (in decades here): a run card's short chart once
  // stacked eight labels, 1e-9 to 1e19, into the height of three. Fewer than three whole decades in
  // view, the axis also marks values inside them (2×, 5×, or more where they fit): a loss between 0.6
  // and 2 was labelled "1" alone, one from 0.22 to 0.9 not at all.
  function decadeSplits(u, axisIdx, min, max, foundIncr, foundSpace) {
    var low = Math.ceil(min), high = Math.floor(max);
    var step = Math.max(1, Math.ceil((foundIncr || 1) - 1e-9), Math.ceil((high - low) / 8));
    var splits = [];
    for (var k = low; k <= high; k += step) splits.push(k);
    var pxPerDecade = foundIncr > 0 && foundSpace > 0 ? foundSpace / foundIncr : 0;
    for (var i = 0; splits.length < 3 && i < DIGIT_SETS.length; i++) {
      var digits = DIGIT_SETS[i], closest = Infinity;
      for (var j = 0; j < digits.length; j++) {
        closest = Math.min(closest, Math.log10((digits[j + 1] || 10) / digits[j]));
      }
      if (closest * pxPerDecade < (axisIdx === 0 ? 50 : LABEL_GAP)) continue;  // x labels sit side by side
      var inside = [];
      for (var d = Math.floor(min); d <= Math.ceil(max); d++) {
        digits.forEach(function (digit) {
          var at = d + Math.log10(digit);
          if (at >= min - 1e-9 && at <= max + 1e-9) inside.push(at);
        });
      }
      if (inside.length > splits.length) splits = inside;
      break;
    }
    return splits.length ? splits : [min];
  }

  // A split's label: 10^k for a whole k, else its leading digit and decade (2, 50, 0.2, 5e-7).
  function logLabel(k) {
    if (Number.isInteger(k)) return powerOfTen(k);
    var decade = Math.floor(k), digit = Math.round(Math.pow(10, k - decade));
    return decade >= -2 && decade <= 4 ? formatNumber(digit * Math.pow(10, decade)) : digit + "e" + decade;
  }

  // The page's colours, so the axes stay readable under static/css/dark.css too.
  function cssColour(name, fallback) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
  }

  function axis(label, log, extra) {
    var options = { label: label, stroke: cssColour("--chart-ink", "#555"),
                    grid: { stroke: cssColour("--chart-grid", "rgba(0, 0, 0, .07)"), width: 1 },
                    ticks: { stroke: cssColour("--chart-grid", "rgba(0, 0, 0, .07)"), width: 1 } };
    if (log) {
      options.splits = decadeSplits;
      options.values = function (u, splits) { return splits.map(logLabel); };
    } else {
      options.values = function (u, splits) { return splits.map(formatNumber); };
    }
    return Object.assign(options, extra || {});
  }

  function shown(log) {
    return function (u, v) { return v === null || v === undefined ? "" : formatNumber(log ? Math.pow(10, v) : v); };
  }

  function options(chart, width, height) {
    var points = chart.series.every(function (s) { return s.x.length <= 40; });
    var lines = drawn(chart);
    var bands = [];
    lines.forEach(function (s, i) {
      if (s.edge === "upper") bands.push({ series: [i + 1, i + 2], fill: s.colour + "33" });
    });
    return {
      width: width, height: height,
      scales: { x: { time: false } },
      // A log y axis's labels are one line of 12 px type each: LABEL_GAP apart, closer than uPlot's 30.
      axes: [axis(chart.x_label, chart.log_x), axis(chart.y_label, chart.log_y,
                                                     chart.log_y ? { size: 64, space: LABEL_GAP } : { size: 64 })],
      series: [{ label: chart.x_label, value: shown(chart.log_x) }].concat(
        lines.map(function (s) {
          if (s.edge) {
            // The band's edges stay out of the legend (a class static/css/demos.css hides): three entries per
            // line read as three measurements. They follow their line when the legend toggles it.
            return { label: s.name, stroke: s.colour + "66", width: 1, spanGaps: false, points: { show: false },
                     value: shown(chart.log_y), class: "u-series--band-edge" };
          }
          return { label: s.name, stroke: s.colour, width: 2, spanGaps: false,
                   points: { show: points }, value: shown(chart.log_y) };
        })),
      bands: bands,
      legend: { live: false },
      hooks: { setSeries: [function (u, index, change) {
        if (!index || !change || change.show === undefined || lines[index - 1].edge) return;
        lines.forEach(function (s, j) {
          if (s.edge && s.main === index - 1 && u.series[j + 1].show !== change.show) {
            u.setSeries(j + 1, { show: change.show });
          }
        });
      }] },
    };
  }

  // One box of charts: draw(chart) adds a chart or updates the one of the same key.
  function board(box, height) {
    var plots = {};

    function draw(chart) {
      var signature = drawn(chart).map(function (s) { return s.name; }).join("\u0000");
      var entry = plots[chart.key];
      if (entry && entry.signature !== signature) {
        entry.plot.destroy();
        entry.figure.remove();
        entry = null;
      }
      var data = aligned(chart);
      if (!entry) {
        var figure = document.createElement("figure");
        figure.className = "demo-chart";
        figure.dataset.chart = chart.key;
        var caption = document.createElement("figcaption");
        caption.textContent = chart.title;
        var holder = document.createElement("div");
        holder.className = "demo-chart__plot";
        figure.appendChild(caption);
        figure.appendChild(holder);
        box.appendChild(figure);
        var width = Math.max(240, holder.clientWidth || box.clientWidth);
        entry = { plot: new uPlot(options(chart, width, height), data, holder), figure: figure, holder: holder,
                  signature: signature };
        plots[chart.key] = entry;
      } else {
        entry.plot.setData(data);
      }
    }

    function drawAll(charts) { (charts || []).forEach(draw); }

    window.addEventListener("resize", function () {
      Object.keys(plots).forEach(function (key) {
        var entry = plots[key];
        if (entry.holder.isConnected) {
          entry.plot.setSize({ width: Math.max(240, entry.holder.clientWidth), height: height });
        }
      });
    });
    return { draw: draw, drawAll: drawAll };
  }

  function drawBoards(root) {
    if (typeof uPlot === "undefined") return;
    (root || document).querySelectorAll("[data-chart-board]:not([data-drawn])").forEach(function (box) {
      var data = box.querySelector('script[type="application/json"]');
      if (!data) return;
      box.dataset.drawn = "1";
      board(box, Number(box.dataset.height) || 180).drawAll(JSON.parse(data.textContent));
    });
  }

  window.DemoCharts = { board: board, drawBoards: drawBoards, formatNumber: formatNumber };
  drawBoards(document);
  document.addEventListener("htmx:afterSettle", function () { drawBoards(document); });
})();
