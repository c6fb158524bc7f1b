// The enrolments page: a header checkbox ticks or clears every commune in the table.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll(".js-check-all").forEach(function (all) {
    var table = all.closest("table");
    all.addEventListener("change", function () {
      table.querySelectorAll(".js-check-row").forEach(function (box) { box.checked = all.checked; });
    });
  });
});
