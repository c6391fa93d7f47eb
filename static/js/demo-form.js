// Demo form: a slider next to each bounded number input, kept in step with it. The number input
// is the form field (it works without JavaScript); the slider only appears when this script runs.
// A slider marked data-log-scale moves over log10 of the value (learning rates 0.001..5), and the
// number it writes keeps three significant digits.
(function () {
  "use strict";
  document.querySelectorAll("input[data-range-for]").forEach(function (slider) {
    var input = document.getElementById(slider.dataset.rangeFor);
    if (!input) return;
    var log = slider.hasAttribute("data-log-scale");
    var toSlider = function (value) { return log ? Math.log10(value) : value; };
    var fromSlider = function (position) {
      return log ? String(Number(Math.pow(10, Number(position)).toPrecision(3))) : position;
    };
    slider.hidden = false;
    if (input.value !== "" && Number(input.value) > 0 || !log) slider.value = toSlider(input.value);
    slider.addEventListener("input", function () { input.value = fromSlider(slider.value); });
    input.addEventListener("input", function () {
      if (!log || Number(input.value) > 0) slider.value = toSlider(input.value);
    });
  });

  // The time estimate under the button follows the form (GET /api/v1/demos/{slug}/estimate), so a
  // setting the server would refuse as too slow says so, and which parameter to lower, before a click.
  var estimate = document.getElementById("run-estimate");
  var form = estimate && estimate.closest("form");
  if (!form) return;
  var pending = null;
  function seconds(value) { return value < 10 ? value.toFixed(1) : String(Math.round(value)); }
  function show(found) {
    if (found.seconds === null) { estimate.textContent = ""; return; }
    var text = "예상 시간 약 " + seconds(found.seconds) + "초 (이 서버의 CPU 기준, 제한 " + Math.round(found.limit_s) + "초)";
    if (found.over_limit) {
      text += ": 제한을 넘어 실행하지 않습니다." + (found.driver ? " '" + found.driver_label + "' 값을 줄여 주세요." : "");
    }
    estimate.textContent = text;
    estimate.classList.toggle("demo-estimate--over", found.over_limit);
  }
  function refresh() {
    var query = new URLSearchParams();
    new FormData(form).forEach(function (value, name) {
      if (name !== "csrf_token" && name !== "seed" && name.charAt(0) !== "_") query.append(name, value);
    });
    fetch(estimate.dataset.estimateUrl + "?" + query.toString(), { headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (found) { if (found) show(found); else estimate.textContent = ""; })
      .catch(function () { /* the estimate is a hint; the run itself still answers */ });
  }
  form.addEventListener("input", function () {
    clearTimeout(pending);
    pending = setTimeout(refresh, 300);
  });
})();
