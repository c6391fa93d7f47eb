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
})();
