// A "select all" checkbox: <input type="checkbox" data-select-all="NAME"> checks or clears
// every checkbox named NAME in its form, and shows "mixed" when only some are checked.
// The boxes are native inputs, so Tab and Space reach and toggle each without this file.
(function () {
  "use strict";
  document.querySelectorAll("input[data-select-all]").forEach(function (all) {
    var boxes = Array.prototype.slice.call(
      all.form.querySelectorAll('input[type=checkbox][name="' + all.dataset.selectAll + '"]')
    );
    function reflect() {
      var checked = boxes.filter(function (box) { return box.checked; }).length;
      all.checked = checked > 0 && checked === boxes.length;
      all.indeterminate = checked > 0 && checked < boxes.length;
    }
    all.addEventListener("change", function () {
      boxes.forEach(function (box) { box.checked = all.checked; });
      reflect();
    });
    boxes.forEach(function (box) { box.addEventListener("change", reflect); });
    reflect();
  });
})();
