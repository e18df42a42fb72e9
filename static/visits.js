// "Since your last visit" on the document page (templates/documents/_digest.html).
// Progressive enhancement: without this file the digest lists the changed paragraphs and its
// "Mark as read" button works as a plain form.
//
// 1. Badges each paragraph the digest lists ("Changed", "New", "Status"), again after a live
//    update swapped a section (static/live.js sends "live:updated").
// 2. Marks the document as read once the page has been read: after it has been visible for
//    data-read-after seconds in all (default 20; time in a background tab does not count), it
//    POSTs the digest's own form (CSRF token and the moment the page was rendered) and says so.
//    Never on load, never by a GET.
(function () {
  "use strict";

  var LABELS = {inserted: "New", amended: "Changed", deleted: "Deleted",
                status_changed: "Status changed"};

  function digest() { return document.getElementById("visit-digest"); }

  function badge() {
    var box = digest();
    if (!box) return;
    var items = box.querySelectorAll("[data-clause-id]");
    for (var i = 0; i < items.length; i++) {
      var change = items[i].getAttribute("data-change");
      var clause = document.getElementById("clause-" + items[i].getAttribute("data-clause-id"));
      if (!clause || clause.querySelector(".change-badge")) continue;
      var number = clause.querySelector(".clause-number");
      if (!number) continue;
      var mark = document.createElement("span");
      mark.className = "change-badge change-" + change;
      mark.textContent = LABELS[change] || "Changed";
      mark.title = "Since your last visit";
      number.appendChild(mark);
      clause.classList.add("changed-since");
    }
  }

  badge();
  document.addEventListener("live:updated", badge);

  if (!window.fetch || !window.FormData) return;
  var form = document.querySelector("[data-visit-form]");
  if (!form) return;
  var seconds = parseInt(form.getAttribute("data-read-after") || "20", 10);
  var visibleFor = 0;
  var shownAt = document.visibilityState === "visible" ? Date.now() : null;
  var timer = null;
  var sent = false;

  function send() {
    var current = document.querySelector("[data-visit-form]") || form;
    if (sent) return;
    sent = true;
    fetch(current.action, {method: "POST", body: new FormData(current), credentials: "same-origin",
                           headers: {"X-Visit-Beacon": "1"}})
      .then(function (response) {
        var status = document.querySelector("[data-visit-status]");
        if (response.ok && status) status.textContent = "Marked as read.";
        if (!response.ok) sent = false;
      })
      .catch(function () { sent = false; });
  }

  function arm() {
    if (timer || sent) return;
    timer = window.setTimeout(function () { timer = null; send(); },
                              Math.max(0, seconds * 1000 - visibleFor));
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") {
      shownAt = Date.now();
      arm();
    } else {
      if (shownAt !== null) visibleFor += Date.now() - shownAt;
      shownAt = null;
      if (timer) { window.clearTimeout(timer); timer = null; }
    }
  });
  if (shownAt !== null) arm();
}());
