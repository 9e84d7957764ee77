/*
 * Copy buttons beside the API examples on a dataset page (templates/catalog/_explorer.html).
 *
 * Each button names, in data-copy, the element whose text it copies. The buttons are
 * rendered hidden and shown here, so a page without JavaScript offers only the text to
 * select. htmx replaces the explorer after each query, so clicks are handled on the
 * document rather than on buttons that may be swapped away.
 */
(function () {
  "use strict";

  function reveal() {
    var buttons = document.querySelectorAll(".copy-button[data-copy]");
    for (var i = 0; i < buttons.length; i++) {
      if (navigator.clipboard) {
        buttons[i].hidden = false;
      }
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest(".copy-button[data-copy]") : null;
    if (!button) {
      return;
    }
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (!source) {
      return;
    }
    var label = button.getAttribute("data-label") || button.textContent;
    button.setAttribute("data-label", label);
    navigator.clipboard.writeText(source.textContent).then(
      function () {
        button.textContent = button.getAttribute("data-copied") || label;
        button.classList.add("copy-button--done");
      },
      function () {
        button.classList.remove("copy-button--done");
      }
    );
  });

  document.addEventListener("DOMContentLoaded", reveal);
  document.addEventListener("htmx:afterSettle", reveal);
})();
