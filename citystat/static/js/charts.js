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
      nameDrawing(element.querySelector("svg"), spec.description);
    }).catch(function (error) {
      element.textContent = FAILED;
      element.classList.add("chart-fallback");
      if (window.console) {
        window.console.error(error);
      }
    });
  }

  // Vega describes every axis and mark to screen readers in English ("X-axis for a time
  // scale…"). The drawing is instead one image named by the chart's own, translated
  // description; the caption and the data table beside it say the rest in the page's
  // language, as the server's drawing does.
  function nameDrawing(drawing, description) {
    if (!drawing || !description) {
      return;
    }
    drawing.querySelectorAll("[role], [aria-label], [aria-roledescription]").forEach(
      function (node) {
        node.removeAttribute("role");
        node.removeAttribute("aria-label");
        node.removeAttribute("aria-roledescription");
      }
    );
    drawing.setAttribute("role", "img");
    drawing.setAttribute("aria-label", description);
    drawing.removeAttribute("aria-roledescription");
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
