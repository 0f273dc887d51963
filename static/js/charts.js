// Partner Portal: draws the charts (<div data-chart="{figure json}" data-plotly-src="...">).
// app.js fetches this file with the first chart on a page, so pages without charts never
// download it, nor plotly.js, which is loaded here on first use.
(function () {
  "use strict";
  var plotlyLoading = null;
  function loadPlotly(src) {
    if (window.Plotly) return Promise.resolve(window.Plotly);
    if (!plotlyLoading) {
      plotlyLoading = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = src;
        script.onload = function () { resolve(window.Plotly); };
        script.onerror = reject;
        document.head.appendChild(script);
      });
    }
    return plotlyLoading;
  }

  // Charts already drawn (or being drawn): a chart that htmx swaps in while this file loads is
  // found both by the first pass over the document and by its own load event. Kept by element,
  // not by attribute, so a chart restored from htmx's history snapshot (a new element carrying
  // the old drawing as static markup) is drawn afresh.
  var drawn = new WeakSet();
  function drawCharts(root) {
    var charts = root.querySelectorAll ? root.querySelectorAll("[data-chart]") : [];
    if (root.matches && root.matches("[data-chart]")) charts = [root];
    Array.prototype.forEach.call(charts, function (element) {
      if (drawn.has(element)) return;
      drawn.add(element);
      loadPlotly(element.getAttribute("data-plotly-src")).then(function (Plotly) {
        var figure = JSON.parse(element.getAttribute("data-chart"));
        var xaxis = figure.layout.xaxis || {};
        if (element.clientWidth < 560 && xaxis.ticktext && xaxis.ticktext.length > 6) {
          // Narrow: every other month label, so they stay level and whole.
          xaxis.tickvals = xaxis.tickvals.filter(function (_, index) { return index % 2 === 0; });
          xaxis.ticktext = xaxis.ticktext.filter(function (_, index) { return index % 2 === 0; });
        }
        element.textContent = "";
        Plotly.newPlot(element, figure.data, figure.layout, figure.config || { displaylogo: false, responsive: true, displayModeBar: false });
        // The data table stays open without JavaScript; with the chart drawn it folds away.
        var table = element.parentNode.querySelector("details.chart-data");
        if (table) table.open = false;
      });
    });
  }

  // Every chart on the page now (including any swapped in while this file was loading), then
  // each one that htmx swaps in later (a panel, the drawer, a recomputed forecast).
  drawCharts(document);
  if (window.htmx) window.htmx.onLoad(drawCharts);
})();
