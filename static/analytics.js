// Charts of /revenue/analytics, drawn from the JSON the page carries (no inline script: CSP).
(function () {
  "use strict";
  var source = document.getElementById("chart-data");
  if (!source || typeof Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var colours = ["#1f5fbf", "#137333", "#8a5a00", "#b42318"];
  function percent(values) { return values.map(function (v) { return Math.round(v * 1000) / 10; }); }
  new Chart(document.getElementById("share-chart"), {
    type: "line",
    data: {
      labels: data.months,
      datasets: ["bookings", "nights", "revenue"].map(function (part, i) {
        return { label: "Direct share of " + (part === "nights" ? "room nights" : part) + " (%)",
                 data: percent(data.direct_share[part]), borderColor: colours[i],
                 backgroundColor: colours[i], tension: 0.2 };
      })
    },
    options: { responsive: true, animation: false,
               scales: { y: { min: 0, max: 100, ticks: { callback: function (v) { return v + " %"; } } } } }
  });
  new Chart(document.getElementById("perk-chart"), {
    type: "bar",
    data: {
      labels: data.months,
      datasets: ["issued", "redeemed", "expired", "reversed"].map(function (kind, i) {
        return { label: kind.charAt(0).toUpperCase() + kind.slice(1), data: data.perks[kind],
                 backgroundColor: colours[i] };
      })
    },
    options: { responsive: true, animation: false, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
  });
})();
