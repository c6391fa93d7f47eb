// Run page: draws the charts with uPlot and, while the run is queued or running, follows
// /api/v1/runs/{id}/events (server-sent events) so the charts grow as the worker reports.
// Without JavaScript the page refreshes itself instead (a <noscript> meta refresh).
(function () {
  "use strict";
  var root = document.getElementById("demo-run");
  var dataNode = document.getElementById("run-data");
  if (!root || !dataNode || typeof uPlot === "undefined" || !window.DemoCharts) return;
  var run = JSON.parse(dataNode.textContent);
  var STATUS_NAMES = { queued: "대기 중", running: "실행 중", succeeded: "완료", failed: "실패", timed_out: "시간 초과" };
  var charts = window.DemoCharts.board(document.getElementById("run-charts"), 280);
  var formatNumber = window.DemoCharts.formatNumber;
  function drawAll(list) { charts.drawAll(list); }

  function byId(id) { return document.getElementById(id); }

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
      var metric = document.createElement("span");
      metric.className = "demo-verdict__metric";
      metric.title = claim.metric;
      metric.textContent = claim.metric_label;
      numbers.appendChild(metric);
      var text = claim.mean === null ? " — 발산 (유한한 값을 낸 시드 없음)" : ": 평균 " + formatNumber(claim.mean) +
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
      var metric = document.createElement("span");
      metric.className = "demo-verdict__metric";
      metric.title = result.boundary.metric;
      metric.textContent = result.boundary.metric_label || result.boundary.metric;
      numbers.appendChild(metric);
      numbers.appendChild(document.createTextNode(point.mean === null ? " — 발산 (유한한 값을 낸 시드 없음)" : ": 평균 " +
        formatNumber(point.mean) + (point.ci95 ? ", 95% 구간 [" + formatNumber(point.ci95[0]) + ", " +
        formatNumber(point.ci95[1]) + "]" : "")));
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
