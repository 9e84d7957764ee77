/*
 * The phone menu (templates/_primary_nav.html). Without this script the navigation is a
 * plain list of links; with it, narrow screens fold the list behind a real button whose
 * aria-expanded says whether it is open. Escape closes it and gives focus back to the
 * button. Wide screens never fold it (the CSS hides the button there).
 */
(function () {
  "use strict";

  var nav = document.querySelector(".site-nav");
  if (!nav) {
    return;
  }
  var button = nav.querySelector(".site-nav__toggle");
  if (!button) {
    return;
  }
  nav.classList.add("site-nav--js");
  button.hidden = false;

  function setOpen(open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
  }

  button.addEventListener("click", function () {
    setOpen(button.getAttribute("aria-expanded") !== "true");
  });
  nav.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
      setOpen(false);
      button.focus();
    }
  });
})();
