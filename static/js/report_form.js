// The report form: a ✓/✗ beside each sub-criterion as values are typed. The same rule as the server's
// (reports.scoring.derive_met): a value against the threshold of the commune's zone, else the commune's own
// assessment; the server stays the judge when the form is saved. Kept out of the HTML for the CSP.
(function () {
  "use strict";

  function parseNumber(text) {
    // As core.tabular.parse_decimal: spaces dropped, a decimal comma or dot; then kept to 4 decimals.
    var cleaned = (text || "").replace(/\s/g, "").replace(/,/g, ".");
    if (cleaned === "" || !/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(cleaned)) { return null; }
    var value = Number(cleaned);
    return isFinite(value) ? Math.round(value * 10000) / 10000 : null;
  }

  function judge(row) {
    var kind = row.dataset.kind;
    if (kind === "number_min" || kind === "percent_min" || kind === "number_max" || kind === "percent_max") {
      var input = row.querySelector("input[name^=value_]");
      var value = input ? parseNumber(input.value) : null;
      var threshold = row.dataset.threshold === "" || row.dataset.threshold === undefined ? null : Number(row.dataset.threshold);
      if (value === null || threshold === null || isNaN(threshold)) { return null; }
      if (kind.indexOf("percent") === 0 && (value < 0 || value > 100)) { return null; }
      return kind.slice(-4) === "_min" ? value >= threshold : value <= threshold;
    }
    var select = row.querySelector("select[name^=met_]");
    if (!select || select.value === "") { return null; }
    return select.value === "1";
  }

  function show(form, row) {
    var mark = row.querySelector(".js-row-met");
    if (!mark) { return; }
    var met = judge(row);
    var state = met === true ? "met" : met === false ? "unmet" : "unknown";
    mark.classList.remove("is-met", "is-unmet", "is-unknown");
    mark.classList.add("is-" + state);
    mark.textContent = form.dataset["label" + state.charAt(0).toUpperCase() + state.slice(1)];
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("report-form");
    if (!form) { return; }
    function update(event) {
      var row = event.target.closest("[data-kind]");
      if (row) { show(form, row); }
    }
    form.addEventListener("input", update);
    form.addEventListener("change", update);
  });
})();
