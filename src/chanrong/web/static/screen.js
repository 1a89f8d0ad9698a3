// The park's live screen: every data-refresh seconds, fetch the figures the page was rendered
// with and redraw the numbers and the charts in place (no reload, no inline script).
(function () {
  var body = document.body;
  var every = Number(body.dataset.refresh || 15) * 1000;
  function draw(data) {
    Object.keys(data.kpis).forEach(function (key) {
      document.querySelectorAll('[data-kpi="' + key + '"]').forEach(function (el) {
        el.textContent = data.kpis[key];
      });
    });
    Object.keys(data.charts).forEach(function (id) {
      var el = document.getElementById(id);
      if (!el) return;
      var fig = JSON.parse(data.charts[id]);
      Plotly.react(el, fig.data, fig.layout, {displaylogo: false, responsive: true});
    });
    body.dataset.updated = String(Date.now());
  }
  function tick() {
    fetch(body.dataset.source, {credentials: "same-origin", headers: {accept: "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) draw(data); })
      .catch(function () {})
      .then(function () { setTimeout(tick, every); });
  }
  setTimeout(tick, every);
})();
