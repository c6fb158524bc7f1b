// The portal's small behaviours, kept out of the HTML so a strict Content-Security-Policy holds.
document.addEventListener("DOMContentLoaded", function () {
  // Submit the language form as soon as a language is picked (the button stays for no-JS users).
  var lang = document.getElementById("lang");
  if (lang && lang.form) {
    lang.addEventListener("change", function () { lang.form.submit(); });
  }
});

document.addEventListener("DOMContentLoaded", function () {
  // Period pickers: go to the chosen period at once.
  document.querySelectorAll(".js-period-select").forEach(function (select) {
    select.addEventListener("change", function () {
      var parts = select.value.split("-");
      var url = new URL(window.location.href);
      url.searchParams.delete("period");
      url.searchParams.set("year", parts[0]);
      url.searchParams.set("month", parts[1]);
      window.location.href = url.toString();
    });
  });
});

document.addEventListener("DOMContentLoaded", function () {
  // Selects marked js-autosubmit submit their form when changed (a button stays for no-JS users).
  document.querySelectorAll(".js-autosubmit").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
  // "Print" buttons.
  document.querySelectorAll(".js-print").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
});

document.addEventListener("DOMContentLoaded", function () {
  // "Use my position": fill the visit's coordinates from the phone's geolocation.
  document.querySelectorAll(".js-gps").forEach(function (button) {
    var form = button.form;
    var status = form.querySelector(".js-gps-status");
    button.addEventListener("click", function () {
      if (!navigator.geolocation) { status.textContent = "Thiết bị không hỗ trợ định vị."; return; }
      status.textContent = "Đang lấy vị trí…";
      navigator.geolocation.getCurrentPosition(function (pos) {
        form.querySelector(".js-gps-lat").value = pos.coords.latitude.toFixed(6);
        form.querySelector(".js-gps-lng").value = pos.coords.longitude.toFixed(6);
        status.textContent = "Đã lấy vị trí (±" + Math.round(pos.coords.accuracy) + " m).";
      }, function () { status.textContent = "Không lấy được vị trí; có thể bỏ trống."; },
      { enableHighAccuracy: true, timeout: 15000 });
    });
  });
});
