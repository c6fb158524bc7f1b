// The portal's small behaviours, kept out of the HTML so a strict Content-Security-Policy holds.
document.addEventListener("DOMContentLoaded", function () {
  // Submit the language form as soon as a language is picked (the button stays for no-JS users).
  var lang = document.getElementById("lang");
  if (lang && lang.form) {
    lang.addEventListener("change", function () { lang.form.submit(); });
  }
});
