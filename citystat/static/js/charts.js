/*
 * Render every chart on the page with the vendored vega-embed, within the site's CSP.
 *
 * Markup (templates/_chart_scripts.html loads the libraries and this file):
 *   {{ spec|json_script:"chart-spec-potholes" }}
 *   <figure>
 *     <div class="chart" data-chart-spec="chart-spec-potholes"></div>
 *     <figcaption>…a sentence that says what the chart shows…</figcaption>
 *   </figure>
 * data-chart-spec names the id of a json_script element (inert JSON, allowed by the CSP).
 *
 * The options keep vega inside the CSP: `ast: true` evaluates expressions with vega's
 * interpreter instead of `new Function`, and no <style> element is injected (the tooltip
 * and chart styles live in static/css/citystat.css).
 */
(function () {
  "use strict";

  // What a reader sees if a chart cannot be drawn, in the page's language
  // (templates/_chart_scripts.html).
  var FAILED = (document.currentScript && document.currentScript.dataset.failed) ||
    "This chart could not be drawn.";

  var OPTIONS = {
    ast: true,
    actions: false,
    defaultStyle: false,
    renderer: "svg",
    tooltip: { disableDefaultStyle: true },
  };

  // Axis words in the page's language; citystat/lib/charts.py draws server-side SVG with
  // the same d3 locale (es-MX) so both drawings read alike.
  var LOCALES = {
    es: {
      formatLocale: { decimal: ".", thousands: ",", grouping: [3], currency: ["$", ""] },
      timeFormatLocale: {
        dateTime: "%x, %X",
        date: "%d/%m/%Y",
        time: "%-I:%M:%S %p",
        periods: ["AM", "PM"],
        days: ["domingo", "lunes", "martes", "miércoles", "jueves", "viernes", "sábado"],
        shortDays: ["dom", "lun", "mar", "mié", "jue", "vie", "sáb"],
        months: ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
          "septiembre", "octubre", "noviembre", "diciembre"],
        shortMonths: ["ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct",
          "nov", "dic"],
      },
    },
  };
  var pageLocale = LOCALES[(document.documentElement.lang || "en").split("-")[0]];
  if (pageLocale) {
    OPTIONS.formatLocale = pageLocale.formatLocale;
    OPTIONS.timeFormatLocale = pageLocale.timeFormatLocale;
  }

  function renderChart(element) {
    var source = document.getElementById(element.dataset.chartSpec);
    if (!source || element.dataset.chartRendered || typeof window.vegaEmbed !== "function") {
      return;
    }
    element.dataset.chartRendered = "true";
    var spec = JSON.parse(source.textContent);
    window.vegaEmbed(element, spec, OPTIONS).then(function () {
      nameDrawing(element, spec.description);
      keepNamed(element, spec.description);
      element.dataset.chartNamed = "true";
    }).catch(function (error) {
      element.textContent = FAILED;
      element.classList.add("chart-fallback");
      if (window.console) {
        window.console.error(error);
      }
    });
  }

  // Vega describes the drawing, every axis, legend and mark to screen readers in English
  // ("visualization", "X-axis for a time scale…", "line mark"), on the container as well
  // as inside the SVG. The drawing is instead one image named by the chart's own,
  // translated description (or its figure's caption); the caption and the data table
  // beside it say the rest in the page's language, as the server's drawing does
  // (citystat/lib/charts.py, inline_svg).
  var VEGA_ARIA = ["role", "aria-label", "aria-roledescription", "aria-description"];

  function nameDrawing(element, description) {
    var drawing = element.querySelector("svg");
    if (!drawing) {
      return;
    }
    var named = [element].concat(Array.prototype.slice.call(element.querySelectorAll(
      "[role], [aria-label], [aria-roledescription], [aria-description]"
    )));
    named.forEach(function (node) {
      VEGA_ARIA.forEach(function (name) {
        node.removeAttribute(name);
      });
    });
    var figure = element.closest("figure");
    var caption = figure && figure.querySelector("figcaption");
    var name = description || (caption && caption.textContent.trim());
    if (name) {
      drawing.setAttribute("role", "img");
      drawing.setAttribute("aria-label", name);
    } else {
      drawing.setAttribute("aria-hidden", "true");
    }
  }

  // A chart as wide as its container is drawn again when the page's layout changes, and
  // Vega writes its descriptions again: name the drawing again each time.
  function keepNamed(element, description) {
    if (typeof window.MutationObserver !== "function") {
      return;
    }
    var watching = { childList: true, subtree: true, attributes: true, attributeFilter: VEGA_ARIA };
    var observer = new window.MutationObserver(function () {
      observer.disconnect();
      nameDrawing(element, description);
      observer.observe(element, watching);
    });
    observer.observe(element, watching);
  }

  function renderAll(root) {
    root.querySelectorAll("[data-chart-spec]").forEach(renderChart);
  }

  document.addEventListener("DOMContentLoaded", function () {
    renderAll(document);
  });
  // Charts that htmx swaps in later are drawn too.
  document.addEventListener("htmx:load", function (event) {
    renderAll(event.target);
  });
})();
