// Run page: draws the charts with uPlot and, while the run is queued or running, follows
// /api/v1/runs/{id}/events (server-sent events) so the charts grow as the worker reports.
// Without JavaScript the page refreshes itself instead (a <noscript> meta refresh).
(function () {
  "use strict";
  var root = document.getElementById("demo-run");
  var dataNode = document.getElementById("run-data");
  if (!root || !dataNode || typeof uPlot === "undefined") return;
  var run = JSON.parse(dataNode.textContent);
  var STATUS_NAMES = { queued: "대기 중", running: "실행 중", succeeded: "완료", failed: "실패", timed_out: "시간 초과" };
  var PALETTE = ["#d1495b", "#2e86ab", "#3a7d44", "#edae49", "#6a4c93", "#00798c", "#8d6a9f", "#444444"];
  var HEIGHT = 280;
  var chartsBox = document.getElementById("run-charts");
  var plots = {};

  function byId(id) { return document.getElementById(id); }

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
        out.push({ name: s.name + " (구간 아래)", x: s.x, y: s.lower, colour: colour, edge: "lower" });
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

  // Whole exponents between the scale's ends, at most about eight of them.
  function decadeSplits(u, axisIdx, min, max) {
    var low = Math.ceil(min), high = Math.floor(max);
    var step = Math.max(1, Math.ceil((high - low) / 8));
    var splits = [];
    for (var k = low; k <= high; k += step) splits.push(k);
    return splits.length ? splits : [min];
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
      options.values = function (u, splits) {
        return splits.map(function (k) { return Number.isInteger(k) ? powerOfTen(k) : ""; });
      };
    } else {
      options.values = function (u, splits) { return splits.map(formatNumber); };
    }
    return Object.assign(options, extra || {});
  }

  function shown(log) {
    return function (u, v) { return v === null || v === undefined ? "" : formatNumber(log ? Math.pow(10, v) : v); };
  }

  function options(chart, width) {
    var points = chart.series.every(function (s) { return s.x.length <= 40; });
    var lines = drawn(chart);
    var bands = [];
    lines.forEach(function (s, i) {
      if (s.edge === "upper") bands.push({ series: [i + 1, i + 2], fill: s.colour + "33" });
    });
    return {
      width: width, height: HEIGHT,
      scales: { x: { time: false } },
      axes: [axis(chart.x_label, chart.log_x), axis(chart.y_label, chart.log_y, { size: 64 })],
      series: [{ label: chart.x_label, value: shown(chart.log_x) }].concat(
        lines.map(function (s) {
          if (s.edge) {
            return { label: s.name, stroke: s.colour + "66", width: 1, spanGaps: false, points: { show: false },
                     value: shown(chart.log_y) };
          }
          return { label: s.name, stroke: s.colour, width: 2, spanGaps: false,
                   points: { show: points }, value: shown(chart.log_y) };
        })),
      bands: bands,
      legend: { live: false },
    };
  }

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
      chartsBox.appendChild(figure);
      var width = Math.max(240, holder.clientWidth || chartsBox.clientWidth);
      entry = { plot: new uPlot(options(chart, width), data, holder), figure: figure, holder: holder,
                signature: signature };
      plots[chart.key] = entry;
    } else {
      entry.plot.setData(data);
    }
  }

  function drawAll(charts) { (charts || []).forEach(draw); }

  function setStatus(status) {
    var badge = byId("run-status");
    badge.textContent = STATUS_NAMES[status] || status;
    badge.className = "demo-status demo-status--" + status;
    root.dataset.status = status;
  }

  function setProgress(report) {
    var box = byId("run-progress");
    box.hidden = false;
    box.querySelector("progress").value = report.fraction;
    byId("run-progress-message").textContent = Math.round(report.fraction * 100) + "% " + (report.message || "");
    drawAll(report.charts);
  }

  function fillTable(table) {
    var node = byId("run-table");
    node.textContent = "";
    var head = node.createTHead().insertRow();
    table.columns.forEach(function (column) {
      var th = document.createElement("th");
      th.scope = "col";
      th.textContent = column;
      head.appendChild(th);
    });
    var body = node.createTBody();
    table.rows.forEach(function (row) {
      var tr = body.insertRow();
      row.forEach(function (cell) { tr.insertCell().textContent = formatNumber(cell); });
    });
    byId("run-table-box").hidden = false;
    hintWideTables();
  }

  // Say so when a table is wider than its frame (a phone): its last columns are off-screen.
  function hintWideTables() {
    document.querySelectorAll(".demo-table__scroll").forEach(function (frame) {
      var hint = frame.parentElement.querySelector(".demo-table__hint");
      var wide = frame.scrollWidth > frame.clientWidth + 1;
      if (wide && !hint) {
        hint = document.createElement("p");
        hint.className = "demo-table__hint";
        hint.textContent = "표가 화면보다 넓습니다. 옆으로 밀면 나머지 열이 보입니다 →";
        frame.parentElement.insertBefore(hint, frame.nextSibling);
      } else if (!wide && hint) {
        hint.remove();
      }
    });
  }
  window.addEventListener("resize", hintWideTables);
  hintWideTables();  // a finished run's table is in the page already

  // The verdict box as templates/demos/_verdict.html renders it.
  function showVerdict(result) {
    var box = byId("run-verdict");
    if (!box || !result.verdict) return;
    box.className = "demo-verdict demo-verdict--" + result.verdict;
    byId("run-verdict-word").textContent = result.verdict_word;
    var list = byId("run-verdict-claims");
    list.textContent = "";
    result.claims.forEach(function (claim) {
      var item = document.createElement("li");
      item.className = "demo-verdict__claim demo-verdict__claim--" + claim.verdict;
      var word = document.createElement("span");
      word.className = "demo-verdict__word";
      word.textContent = claim.verdict_word;
      item.appendChild(word);
      item.appendChild(document.createTextNode(" " + claim.statement));
      var numbers = document.createElement("span");
      numbers.className = "demo-verdict__numbers";
      var code = document.createElement("code");
      code.textContent = claim.metric;
      numbers.appendChild(code);
      var text = claim.mean === null ? " — 발산 (유한한 값을 낸 시드 없음)" : " 평균 " + formatNumber(claim.mean) +
        (claim.ci95 ? ", 95% 구간 [" + formatNumber(claim.ci95[0]) + ", " + formatNumber(claim.ci95[1]) + "]" : "");
      text += " (기준: " + formatNumber(claim.margin) + "보다 " + (claim.direction === "greater" ? "커야" : "작아야") +
        " 성립, 시드 " + result.seeds.length + "개)";
      numbers.appendChild(document.createTextNode(text));
      item.appendChild(numbers);
      list.appendChild(item);
    });
    box.hidden = false;
  }

  // A boundary run's verdict per point, as templates/demos/_boundary.html renders it.
  function showBoundary(result) {
    var box = byId("run-boundary");
    if (!box || !result.boundary) return;
    byId("run-boundary-label").textContent = result.boundary.label;
    var list = byId("run-boundary-points");
    list.textContent = "";
    result.boundary.points.forEach(function (point) {
      var item = document.createElement("li");
      item.className = "demo-verdict__claim demo-verdict__claim--" + point.verdict;
      var code = document.createElement("code");
      code.textContent = result.boundary.param + "=" + formatNumber(point.value);
      var word = document.createElement("span");
      word.className = "demo-verdict__word";
      word.textContent = point.verdict_word;
      var numbers = document.createElement("span");
      numbers.className = "demo-verdict__numbers";
      numbers.textContent = result.boundary.metric + (point.mean === null ? " — 발산 (유한한 값을 낸 시드 없음)" : " 평균 " +
        formatNumber(point.mean) + (point.ci95 ? ", 95% 구간 [" + formatNumber(point.ci95[0]) + ", " +
        formatNumber(point.ci95[1]) + "]" : ""));
      item.appendChild(code);
      item.appendChild(document.createTextNode(" "));
      item.appendChild(word);
      item.appendChild(numbers);
      list.appendChild(item);
    });
    box.hidden = false;
  }

  function showResult(final) {
    setStatus(final.status);
    byId("run-progress").hidden = true;
    if (final.result) {
      showVerdict(final.result);
      showBoundary(final.result);
      drawAll(final.result.charts);
      byId("run-conclusion").textContent = final.result.conclusion;
      byId("run-conclusion-box").hidden = false;
      fillTable(final.result.table);
    } else if (final.progress) {
      drawAll(final.progress.charts);  // what a stopped run had measured so far
    }
    if (final.error) {
      byId("run-error").textContent = final.error;
      byId("run-error-box").hidden = false;
    }
    byId("run-device").textContent = (final.device || final.device_requested) +
      (final.device_name ? " (" + final.device_name + ")" : "");
    byId("run-torch").textContent = final.torch_version || "—";
    byId("run-wall").textContent = final.wall_ms === null ? "—" : Math.round(final.wall_ms) + " ms";
  }

  window.addEventListener("resize", function () {
    Object.keys(plots).forEach(function (key) {
      var entry = plots[key];
      entry.plot.setSize({ width: Math.max(240, entry.holder.clientWidth), height: HEIGHT });
    });
  });

  if (run.status === "queued" || run.status === "running") {
    if (run.progress) setProgress(run.progress);
    var source = new EventSource(run.events_url);
    source.addEventListener("status", function (e) { setStatus(JSON.parse(e.data).status); });
    source.addEventListener("progress", function (e) { setProgress(JSON.parse(e.data)); });
    source.addEventListener("result", function (e) {
      source.close();  // the stream ends here; without close() EventSource would reconnect
      showResult(JSON.parse(e.data));
    });
  } else if (run.result) {
    drawAll(run.result.charts);
  } else if (run.progress) {
    drawAll(run.progress.charts);
  }
})();
