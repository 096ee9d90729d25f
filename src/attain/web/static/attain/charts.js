// Draw every Plotly figure a page carries as JSON in data-figure (also after htmx swaps).
(function () {
  function draw(root) {
    if (!window.Plotly) { return; }
    root.querySelectorAll(".chart[data-figure]").forEach(function (el) {
      if (el.dataset.drawn) { return; }
      var figure = JSON.parse(el.dataset.figure);
      var spark = el.classList.contains("spark");
      window.Plotly.newPlot(el, figure.data, figure.layout,
        { displayModeBar: !spark, staticPlot: spark, responsive: true });
      el.dataset.drawn = "1";
    });
  }
  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:afterSettle", function () { draw(document); });
})();
