// Forms: after a refused submission the error summary takes the focus, so that a keyboard
// or screen-reader user starts from what needs fixing, and each of its links moves the
// focus to the field it names (a link to a fragment alone only scrolls). Without this
// script the summary and its links still work as a list of in-page links.
(function () {
  "use strict";
  var summary = document.getElementById("error-summary");
  if (!summary) {
    return;
  }
  summary.focus();
  summary.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    if (!link) {
      return;
    }
    var field = document.getElementById(link.getAttribute("href").slice(1));
    if (!field) {
      return;
    }
    event.preventDefault();
    field.focus();
    field.scrollIntoView({ block: "center" });
  });
})();
