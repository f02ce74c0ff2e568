// adrisk moderation page: the key, the tabs, and the review queue's keyboard shortcuts. No build step.
(function () {
  "use strict";
  var KEY = "adrisk.key";
  var statusLine = function (message, isError) {
    var el = document.getElementById("status");
    el.textContent = message || "";
    el.className = isError ? "error" : "";
  };

  // every htmx request carries the key the moderator typed (kept for this browser tab only)
  document.addEventListener("htmx:configRequest", function (event) {
    var key = sessionStorage.getItem(KEY);
    if (key) { event.detail.headers["X-API-Key"] = key; }
  });
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr, detail = xhr.responseText;
    try { detail = JSON.parse(xhr.responseText).detail; } catch (e) { /* not JSON */ }
    if (typeof detail !== "string") { detail = JSON.stringify(detail); }
    statusLine(xhr.status + ": " + detail + (xhr.status === 401 ? " (enter your key at the top)" : ""), true);
  });
  document.addEventListener("htmx:sendError", function () { statusLine("the server did not answer", true); });
  // whether each path's last request failed: htmx.ajax's promise resolves either way
  var failed = {};
  document.addEventListener("htmx:afterRequest", function (event) {
    var path = event.detail.pathInfo && event.detail.pathInfo.requestPath;
    if (path) { failed[path] = !event.detail.successful; }
    // a success clears an error, not the message of the action before it (a counts refresh follows each verdict)
    if (event.detail.successful && document.getElementById("status").className === "error") { statusLine(""); }
  });

  var activeTab = "check";
  function showTab(name) {
    activeTab = name;
    document.querySelectorAll("[data-tab]").forEach(function (b) {
      b.setAttribute("aria-selected", b.dataset.tab === name ? "true" : "false");
    });
    document.querySelectorAll("[data-panel]").forEach(function (p) { p.hidden = p.dataset.panel !== name; });
    if (name === "queue") { htmx.trigger(document.body, "load-queue"); }
    if (name === "model") { htmx.trigger(document.body, "load-card"); }
  }

  // the selection is kept by item id: htmx swaps a whole new <article> in after each verdict, and while it
  // settles it puts back the attributes the server sent, so the class is applied again once it has settled
  var selected = null, selectedId = null;
  function items() { return Array.prototype.slice.call(document.querySelectorAll("#queue article.item")); }
  function select(el) {
    if (selected) { selected.classList.remove("selected"); }
    selected = el || null;
    selectedId = selected ? selected.id : null;
    if (selected) {
      selected.classList.add("selected");
      selected.focus({ preventScroll: true });
      selected.scrollIntoView({ block: "nearest" });
    }
  }
  document.addEventListener("htmx:afterSettle", function () {
    var el = selectedId && document.getElementById(selectedId);
    if (el) {
      selected = el;
      el.classList.add("selected");
      if (document.activeElement === document.body) { el.focus({ preventScroll: true }); }
    }
  });
  function move(step) {
    var all = items();
    if (!all.length) { return; }
    var at = all.indexOf(selected);
    select(all[Math.max(0, Math.min(all.length - 1, at < 0 ? 0 : at + step))]);
  }
  function after(id, advance) {
    var fresh = document.getElementById("item-" + id);
    var all = items(), at = all.indexOf(fresh);
    select(advance && at >= 0 && at + 1 < all.length ? all[at + 1] : fresh);
  }
  function giveVerdict(verdict) {
    if (!selected) { return; }
    var id = selected.dataset.itemId, path = "ui/items/" + id + "/verdict";
    htmx.ajax("POST", path, { target: selected, swap: "outerHTML", values: { verdict: verdict } })
      .then(function () {
        if (failed[path]) { return; }  // the error is on the status line already, and the selection stays
        statusLine("#" + id + ": " + verdict.replace("_", " "));
        after(id, true);
      });
  }
  function retract() {
    if (!selected) { return; }
    var id = selected.dataset.itemId, path = "ui/items/" + id + "/verdict";
    htmx.ajax("DELETE", path, { target: selected, swap: "outerHTML" })
      .then(function () { if (!failed[path]) { after(id, false); } });
  }

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && target.id === "text") {
      event.preventDefault();
      document.getElementById("score-form").requestSubmit();
      return;
    }
    if (activeTab !== "queue" || event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (target.closest && target.closest("input, textarea, select")) { return; }
    var model = selected ? selected.dataset.modelSays : null;
    var handlers = {
      j: function () { move(1); }, ArrowDown: function () { move(1); },
      k: function () { move(-1); }, ArrowUp: function () { move(-1); },
      c: function () { if (model) { giveVerdict(model); } },
      o: function () { if (model) { giveVerdict(model === "bait" ? "not_bait" : "bait"); } },
      b: function () { giveVerdict("bait"); }, n: function () { giveVerdict("not_bait"); },
      u: function () { giveVerdict("unsure"); }, z: retract
    };
    if (handlers[event.key]) { event.preventDefault(); handlers[event.key](); }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "queue") { select(items()[0]); }
  });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-tab]").forEach(function (b) {
      b.addEventListener("click", function () { showTab(b.dataset.tab); });
    });
    document.addEventListener("click", function (event) {
      if (event.target.closest("[data-goto-queue]")) { event.preventDefault(); showTab("queue"); }
      var item = event.target.closest("#queue article.item");
      if (item) { select(item); }
    });
    var form = document.getElementById("key-form");
    if (form) {
      var input = document.getElementById("api-key");
      input.value = sessionStorage.getItem(KEY) || "";
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        sessionStorage.setItem(KEY, input.value);
        statusLine(input.value ? "key set for this tab" : "key cleared");
      });
    }
  });
}());
