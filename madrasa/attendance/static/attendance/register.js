// The attendance register keeps a draft in this browser (localStorage) while it is being
// filled in, so a weak connection or a closed tab loses nothing. The draft is restored only if
// the register on the server has not changed since the draft was started, and is dropped once
// the server has saved the register.
(function () {
  "use strict";
  var form = document.querySelector("form.register[data-draft-key]");
  if (!form) { return; }
  var key = form.getAttribute("data-draft-key");
  var savedAt = form.getAttribute("data-saved-at") || "";
  var store;
  try { store = window.localStorage; } catch (e) { store = null; }
  if (!store) { return; }

  function fields() {
    return form.querySelectorAll("input[type=radio], input.minutes, input[name=reason]");
  }
  function collect() {
    var values = {};
    fields().forEach(function (input) {
      if (input.type === "radio") {
        if (input.checked) { values[input.name] = input.value; }
      } else {
        values[input.name] = input.value;
      }
    });
    return values;
  }
  function apply(values) {
    fields().forEach(function (input) {
      if (!(input.name in values)) { return; }
      if (input.type === "radio") {
        input.checked = values[input.name] === input.value;
      } else {
        input.value = values[input.name];
      }
    });
  }
  function save() {
    store.setItem(key, JSON.stringify({ base: savedAt, values: collect(), at: Date.now() }));
  }

  if (form.getAttribute("data-just-saved") === "1") {
    store.removeItem(key);
  } else {
    var raw = store.getItem(key);
    if (raw) {
      try {
        var draft = JSON.parse(raw);
        if (draft.base === savedAt) {
          apply(draft.values);
          var note = form.querySelector("[data-draft-note]");
          if (note) { note.hidden = false; }
        } else {
          store.removeItem(key);
        }
      } catch (e) {
        store.removeItem(key);
      }
    }
  }
  form.addEventListener("change", save);
  form.addEventListener("input", save);
  var allPresent = form.querySelector("[data-all-present]");
  if (allPresent) {
    allPresent.addEventListener("click", function () {
      form.querySelectorAll("input[type=radio][value=present]").forEach(function (r) { r.checked = true; });
      form.querySelectorAll("input.minutes").forEach(function (m) { m.value = ""; });
      save();
    });
  }
})();
