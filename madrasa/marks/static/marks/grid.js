// The grade-entry grid: keyboard moves (Enter / Tab down, Shift+Enter up, arrows), each value
// checked as typed, a draft kept in localStorage (per assessment) until the server has it, and
// the whole grid sent as JSON (PUT) shortly after typing stops, on the Save button, and again
// with backoff when the connection fails or comes back. Without JavaScript the form posts as
// usual. No inline script: CSP forbids it; every message comes from data-* attributes.
(function () {
  "use strict";
  var form = document.getElementById("marks-grid");
  if (!form || !window.fetch || !window.JSON) {
    return;
  }
  var inputs = Array.prototype.slice.call(form.querySelectorAll("input.mark-input"));
  var stateLine = document.getElementById("grid-state");
  var reasonBox = document.getElementById("reason");
  var csrfInput = form.querySelector("input[name=csrfmiddlewaretoken]");
  var apiUrl = form.getAttribute("data-api-url");
  var draftKey = "madrasa.marks.draft." + form.getAttribute("data-assessment");
  var comma = (document.documentElement.lang || "ar").slice(0, 2) !== "en";
  var SEPARATOR = /[.,\u066b]/;
  var NUMBER = /^[0-9]+([.,\u066b][0-9]+)?$/;
  var CODES = /^(ABJ|ABN|DIS)$/i;
  var AUTOSAVE_MS = 1200;
  var MAX_DELAY_MS = 30000;

  var retryDelay = 1000;
  var retryTimer = null;
  var autosaveTimer = null;
  var sending = false;
  var version = 0; // bumped by every keystroke that changes a value

  function msg(name) {
    return form.getAttribute("data-msg-" + name) || "";
  }

  function latinDigits(text) {
    return text.replace(/[\u0660-\u0669]/g, function (d) {
      return String(d.charCodeAt(0) - 0x0660);
    });
  }

  function cents(text) {
    // "12,5" -> 1250 (the text is known to be a number); null when more than two decimals.
    var parts = text.split(SEPARATOR);
    var decimals = (parts[1] || "").replace(/0+$/, "");
    if (decimals.length > 2) {
      return null;
    }
    return parseInt(parts[0], 10) * 100 + parseInt((decimals + "00").slice(0, 2), 10);
  }

  var maxCents = cents(form.getAttribute("data-scale-max") || "20");

  // The canonical form of a cell ("", "ABJ", or cents as a string); null when invalid.
  function canonical(raw) {
    var text = latinDigits(String(raw || "")).trim();
    if (!text) {
      return "";
    }
    if (CODES.test(text)) {
      return text.toUpperCase();
    }
    if (!NUMBER.test(text)) {
      return null;
    }
    var value = cents(text);
    return value === null || value > maxCents ? null : String(value);
  }

  function problem(raw) {
    var text = latinDigits(String(raw || "")).trim();
    if (!text || CODES.test(text)) {
      return "";
    }
    if (!NUMBER.test(text)) {
      return msg("not-number");
    }
    var value = cents(text);
    if (value === null) {
      return msg("decimals");
    }
    return value > maxCents ? msg("above") : "";
  }

  function errorSpan(input) {
    return document.getElementById("e-" + input.getAttribute("data-enrolment"));
  }

  function flag(input, message) {
    var row = input.closest("tr");
    var span = errorSpan(input);
    if (message) {
      input.setAttribute("aria-invalid", "true");
      if (row) {
        row.classList.add("has-error");
      }
    } else {
      input.removeAttribute("aria-invalid");
      if (row) {
        row.classList.remove("has-error");
      }
    }
    if (span) {
      span.textContent = message;
    }
  }

  function isDirty(input) {
    return canonical(input.value) !== canonical(input.getAttribute("data-saved"));
  }

  function dirtyInputs() {
    return inputs.filter(isDirty);
  }

  function invalidInputs() {
    return inputs.filter(function (input) {
      return input.getAttribute("aria-invalid") === "true";
    });
  }

  function setState(name, text) {
    if (!stateLine) {
      return;
    }
    stateLine.setAttribute("data-state", name);
    stateLine.textContent = text;
  }

  function markDirty(input) {
    input.classList.toggle("dirty", isDirty(input));
  }

  // The draft: the cells that differ from what the server has, and the reason.
  function storeDraft() {
    var values = {};
    var count = 0;
    dirtyInputs().forEach(function (input) {
      values[input.getAttribute("data-enrolment")] = input.value;
      count += 1;
    });
    try {
      if (count) {
        window.localStorage.setItem(
          draftKey,
          JSON.stringify({
            values: values,
            reason: reasonBox ? reasonBox.value : "",
            at: new Date().toISOString(),
          })
        );
      } else {
        window.localStorage.removeItem(draftKey);
      }
    } catch (e) {
      // private mode or a full storage: the grid still works, only without a draft
    }
    return count;
  }

  function restoreDraft() {
    var draft = null;
    try {
      draft = JSON.parse(window.localStorage.getItem(draftKey) || "null");
    } catch (e) {
      draft = null;
    }
    if (!draft || !draft.values) {
      return 0;
    }
    var restored = 0;
    inputs.forEach(function (input) {
      var value = draft.values[input.getAttribute("data-enrolment")];
      if (value !== undefined && canonical(value) !== canonical(input.value)) {
        input.value = value;
        flag(input, problem(value));
        markDirty(input);
        restored += 1;
      }
    });
    if (reasonBox && draft.reason && !reasonBox.value) {
      reasonBox.value = draft.reason;
    }
    if (!restored) {
      storeDraft();
    }
    return restored;
  }

  function shown(text) {
    return comma ? String(text).replace(".", ",") : String(text);
  }

  function scheduleRetry() {
    window.clearTimeout(retryTimer);
    retryTimer = window.setTimeout(send, retryDelay);
    retryDelay = Math.min(retryDelay * 2, MAX_DELAY_MS);
  }

  function showServerErrors(errors) {
    var byEnrolment = {};
    errors.forEach(function (error) {
      byEnrolment[error.enrolment] = error.message;
    });
    inputs.forEach(function (input) {
      var message = byEnrolment[input.getAttribute("data-enrolment")];
      if (message) {
        flag(input, message);
      }
    });
  }

  function applySaved(marks, sentValues) {
    var byEnrolment = {};
    (marks || []).forEach(function (mark) {
      byEnrolment[mark.enrolment_uuid] = mark.text;
    });
    inputs.forEach(function (input) {
      var id = input.getAttribute("data-enrolment");
      if (!(id in byEnrolment)) {
        return;
      }
      input.setAttribute("data-saved", byEnrolment[id]);
      // Rewrite a cell in its stored form (abj -> ABJ) unless it was typed into meanwhile.
      if (
        input.value === sentValues[id] &&
        canonical(input.value) === canonical(byEnrolment[id]) &&
        document.activeElement !== input
      ) {
        input.value = shown(byEnrolment[id]);
      }
      markDirty(input);
    });
  }

  function send() {
    window.clearTimeout(retryTimer);
    window.clearTimeout(autosaveTimer);
    if (sending) {
      return;
    }
    if (!dirtyInputs().length) {
      storeDraft();
      if (!invalidInputs().length) {
        setState("saved", msg("saved"));
      }
      return;
    }
    if (invalidInputs().length) {
      setState("error", msg("fix"));
      return;
    }
    if (form.getAttribute("data-closed") && reasonBox && !reasonBox.value.trim()) {
      setState("error", msg("reason"));
      return;
    }
    if (navigator.onLine === false) {
      setState("offline", msg("offline"));
      return; // the "online" event sends it
    }
    var sentVersion = version;
    var sentValues = {};
    var entries = inputs.map(function (input) {
      var id = input.getAttribute("data-enrolment");
      sentValues[id] = input.value;
      return { enrolment: id, value: latinDigits(input.value) };
    });
    sending = true;
    setState("saving", msg("saving"));
    fetch(apiUrl, {
      method: "PUT",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRFToken": csrfInput ? csrfInput.value : "",
      },
      body: JSON.stringify({ entries: entries, reason: reasonBox ? reasonBox.value : "" }),
    })
      .then(function (response) {
        return response
          .json()
          .catch(function () {
            return null;
          })
          .then(function (body) {
            return { status: response.status, body: body };
          });
      })
      .then(function (answer) {
        sending = false;
        var body = answer.body || {};
        if (answer.status === 200) {
          retryDelay = 1000;
          applySaved(body.marks, sentValues);
          var left = storeDraft();
          if (version !== sentVersion || left) {
            setState("kept", msg("kept"));
            if (!body.requested) {
              autosaveTimer = window.setTimeout(send, AUTOSAVE_MS);
            } else {
              setState("saved", msg("requested"));
            }
          } else {
            setState("saved", body.requested ? msg("requested") : msg("saved"));
          }
        } else if (answer.status === 422 && body.errors) {
          showServerErrors(body.errors);
          setState("error", msg("fix"));
        } else if (answer.status === 422 && body.code === "term_closed") {
          setState("error", msg("reason"));
          if (reasonBox) {
            reasonBox.focus();
          }
        } else if (answer.status === 401 || answer.status === 403) {
          setState("signin", msg("signin"));
        } else if (answer.status >= 400 && answer.status < 500) {
          setState("error", body.detail ? String(body.detail) : msg("kept"));
        } else {
          setState("kept", msg("kept"));
          scheduleRetry(); // 5xx: the server or the network in front of it; try again
        }
      })
      .catch(function () {
        sending = false;
        setState(navigator.onLine === false ? "offline" : "kept", navigator.onLine === false ? msg("offline") : msg("kept"));
        scheduleRetry();
      });
  }

  function move(from, step) {
    var index = inputs.indexOf(from) + step;
    if (index >= 0 && index < inputs.length) {
      inputs[index].focus();
      inputs[index].select();
    } else if (step > 0) {
      var button = document.getElementById("grid-save");
      if (reasonBox) {
        reasonBox.focus();
      } else if (button) {
        button.focus();
      }
    }
  }

  inputs.forEach(function (input) {
    input.addEventListener("input", function () {
      version += 1;
      flag(input, problem(input.value));
      markDirty(input);
      storeDraft();
      setState("kept", msg("kept"));
      window.clearTimeout(autosaveTimer);
      autosaveTimer = window.setTimeout(send, AUTOSAVE_MS);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
        move(input, event.shiftKey ? -1 : 1);
      } else if (event.key === "ArrowDown") {
        event.preventDefault();
        move(input, 1);
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        move(input, -1);
      }
    });
    input.addEventListener("focus", function () {
      input.select();
    });
  });

  if (reasonBox) {
    reasonBox.addEventListener("input", function () {
      storeDraft();
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    retryDelay = 1000;
    send();
  });

  window.addEventListener("online", function () {
    retryDelay = 1000;
    send();
  });
  window.addEventListener("offline", function () {
    if (dirtyInputs().length) {
      setState("offline", msg("offline"));
    }
  });

  inputs.forEach(function (input) {
    markDirty(input);
  });
  if (restoreDraft()) {
    setState("kept", msg("kept"));
    window.setTimeout(send, 300);
  }
})();
