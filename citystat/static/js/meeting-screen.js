// The meeting screen's forms answer a refused submit with 422 and the form, its errors
// beside the fields. htmx leaves 4xx answers unswapped by default, which hid the errors:
// forms marked data-swap-errors take the 422 answer in place, then the summary is focused.
document.addEventListener("htmx:beforeSwap", function (event) {
  var form = event.detail.requestConfig && event.detail.requestConfig.elt;
  if (event.detail.xhr.status === 422 && form && form.closest("[data-swap-errors]")) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
document.addEventListener("htmx:afterSwap", function () {
  var summary = document.querySelector("[data-swap-errors] [role=alert]");
  if (summary) {
    summary.focus();
  }
});
