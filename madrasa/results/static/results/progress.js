// Exam session page: while the results are being computed, reload the page every few seconds
// to show the progress. No inline script: CSP forbids it.
(function () {
  "use strict";
  var state = document.querySelector("[data-reload-while-busy]");
  if (!state) {
    return;
  }
  var delay = parseInt(state.getAttribute("data-reload-while-busy"), 10) || 3000;
  window.setTimeout(function () {
    window.location.reload();
  }, delay);
})();
