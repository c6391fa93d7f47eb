// Runs inside the question. A run address pasted into a question or an answer (/runs/… on this site)
// gets the run's card below its paragraph; the experiment panel shows a refused in-place run's reason
// (the JSON error envelope's message) where the card would have gone.
(function () {
  "use strict";
  var RUN_PATH = /^\/runs\/([A-Za-z0-9_-]{1,64})\/?$/;

  function settle(slot) {
    if (window.htmx) window.htmx.process(slot);  // a card of a run still going refreshes itself
    if (window.DemoCharts) window.DemoCharts.drawBoards(slot);
  }

  document.querySelectorAll(".rendered-body a[href]").forEach(function (link) {
    var url;
    try { url = new URL(link.getAttribute("href"), window.location.href); } catch (e) { return; }
    var found = url.origin === window.location.origin && RUN_PATH.exec(url.pathname);
    if (!found || found[1] === "compare") return;
    var block = link.closest("p, li, td") || link;
    if (block.nextElementSibling && block.nextElementSibling.dataset.runCard === found[1]) return;  // same link twice
    var slot = document.createElement("div");
    slot.className = "run-card-slot";
    slot.dataset.runCard = found[1];
    block.insertAdjacentElement("afterend", slot);
    fetch("/runs/" + found[1] + "/card", { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html === null) { slot.remove(); return; }  // not a run (any more): the link stays a link
        slot.innerHTML = html;
        settle(slot);
      })
      .catch(function () { slot.remove(); });
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    var xhr = event.detail.xhr;
    if (!target || !target.classList.contains("demo-panel__result") || xhr.status < 400) return;
    var message = "실행하지 못했습니다 (" + xhr.status + ").";
    try { message = JSON.parse(xhr.responseText).error.message || message; } catch (e) { /* not the envelope */ }
    var note = document.createElement("p");
    note.className = "demo-panel__note demo-panel__note--error";
    note.setAttribute("role", "alert");
    note.textContent = message;
    target.replaceChildren(note);
    event.detail.shouldSwap = false;
  });
})();
