// Demo form: a slider next to each bounded number input, kept in step with it. The number input
// is the form field (it works without JavaScript); the slider only appears when this script runs.
(function () {
  "use strict";
  document.querySelectorAll("input[data-range-for]").forEach(function (slider) {
    var input = document.getElementById(slider.dataset.rangeFor);
    if (!input) return;
    slider.hidden = false;
    slider.value = input.value;
    slider.addEventListener("input", function () { input.value = slider.value; });
    input.addEventListener("input", function () { slider.value = input.value; });
  });
})();
