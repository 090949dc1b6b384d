// Bulletin computation progress: polls the run's JSON progress and moves the <progress> bar;
// reloads the page (to show the results) once the run is finished. No inline script (CSP).
(function () {
  "use strict";
  var bar = document.querySelector("progress[data-progress-url]");
  if (!bar || !window.fetch) {
    return;
  }
  var url = bar.getAttribute("data-progress-url");
  var label = document.getElementById("bulletins-progress-label");
  var delay = 1000;

  function show(state) {
    if (state.total > 0) {
      bar.max = state.total;
      bar.value = state.done;
    }
    if (label) {
      label.textContent = state.label + (state.total > 0 ? " " + state.done + " / " + state.total : "");
    }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(function (state) {
        show(state);
        if (state.finished) {
          window.location.reload();
        } else {
          delay = 1000;
          window.setTimeout(poll, delay);
        }
      })
      .catch(function () {
        delay = Math.min(delay * 2, 30000);
        window.setTimeout(poll, delay);
      });
  }

  window.setTimeout(poll, 500);
})();
