// Draw every chart on the page from its data-figure (no inline scripts: the CSP forbids them).
(function () {
  document.querySelectorAll(".chart[data-figure]").forEach(function (el) {
    if (el.dataset.drawn) return;
    var fig = JSON.parse(el.dataset.figure);
    Plotly.newPlot(el, fig.data, fig.layout, {displaylogo: false, responsive: true});
    el.dataset.drawn = "1";
  });
})();
