/*
 * A search box over a long list of checkboxes (the places an update concerns:
 * templates/engagement/staff/_place_choices.html). Typing hides the choices whose label
 * does not contain the text; ticked choices always stay visible, so a filter never hides
 * what will be saved. Without JavaScript the box stays hidden and the whole list shows.
 */
(function () {
  "use strict";

  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  document.querySelectorAll("input[data-filter-choices]").forEach(function (box) {
    var list = document.getElementById(box.getAttribute("data-filter-choices"));
    var count = document.getElementById(box.id.replace(/_search$/, "_count"));
    if (!list) {
      return;
    }
    box.parentElement.hidden = false;
    var template = count ? count.getAttribute("data-template") : null;
    box.addEventListener("input", function () {
      var wanted = fold(box.value.trim());
      var shown = 0;
      list.querySelectorAll(".field__choice").forEach(function (choice) {
        var input = choice.querySelector("input");
        var label = choice.querySelector("label");
        var match = !wanted || fold(label.textContent).indexOf(wanted) !== -1;
        var visible = match || (input && input.checked);
        choice.hidden = !visible;
        if (visible) {
          shown += 1;
        }
      });
      if (count && template) {
        count.textContent = wanted ? template.replace("%s", shown) : "";
      }
    });
  });
})();
