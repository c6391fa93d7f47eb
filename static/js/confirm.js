// Forms that ask before they submit (data-confirm="이 답변을 지울까요?"): one listener here instead of
// inline onsubmit handlers, which the Content-Security-Policy does not run. Listening on the document
// covers forms that htmx swaps in later.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var question = event.target.getAttribute && event.target.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  }, true);
})();
