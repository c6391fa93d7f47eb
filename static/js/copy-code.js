// A "복사" button on every code block of a rendered post: readers copy snippets from answers into their
// notebooks, and selecting a long block by hand on a phone is slow and error-prone. Blocks that htmx
// swaps in later (a new answer, a preview) get one too.
(function () {
  "use strict";

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    // Plain http on another host: the Clipboard API is not there, the old selection copy is.
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    var copied = document.execCommand("copy");
    document.body.removeChild(area);
    return copied ? Promise.resolve() : Promise.reject(new Error("copy refused"));
  }

  function addButton(pre) {
    // The button sits in a frame around the scrolling block, so it stays put when the code scrolls sideways.
    var block = pre.closest(".highlight") || pre;
    if (block.parentElement.classList.contains("code-frame")) return;
    var frame = document.createElement("div");
    frame.className = "code-frame";
    block.parentElement.insertBefore(frame, block);
    frame.appendChild(block);
    var button = document.createElement("button");
    button.type = "button";
    button.className = "copy-code";
    button.textContent = "복사";
    button.setAttribute("aria-label", "코드 복사");
    copyOnClick(button, function () { return pre.innerText.replace(/\n$/, ""); });
    frame.appendChild(button);
  }

  function copyOnClick(button, text) {
    var label = button.textContent;
    button.addEventListener("click", function () {
      copyText(text()).then(function () {
        button.textContent = "복사됨";
      }, function () {
        button.textContent = "복사 실패";
      }).then(function () {
        setTimeout(function () { button.textContent = label; }, 2000);
      });
    });
  }

  // A button that copies another element's text, hidden until this script can do it: the API token shown
  // once (data-copy-from="new-token"), a 47-character string that is fiddly to select by hand on a phone.
  function wireCopyFrom(root) {
    root.querySelectorAll("button[data-copy-from]").forEach(function (button) {
      var source = document.getElementById(button.dataset.copyFrom);
      if (!source || !button.hidden) return;
      copyOnClick(button, function () { return source.textContent.trim(); });
      button.hidden = false;
    });
  }

  function addButtons(root) {
    root.querySelectorAll(".rendered pre").forEach(addButton);
  }

  document.addEventListener("DOMContentLoaded", function () { addButtons(document); wireCopyFrom(document); });
  document.addEventListener("htmx:load", function (event) { addButtons(event.target); });
})();
