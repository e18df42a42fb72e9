// Live updates (docs/live.md). Progressive enhancement: without this file every page still
// works, and a reload shows the same thing.
//
// A page opts in with data-live-document="<id>" and marks the parts that may be refreshed with
// data-live-region="<unique name>" (optionally data-live-kinds="proposal. revision." — only
// events whose kind starts with one of these refresh it). On an event the page fetches its own
// URL again and swaps each region that changed, except a region the user is working in (it
// holds the focus, or a form field whose value differs from its default): that one keeps what
// the user typed and gets a polite notice instead. Regions may nest: inside a busy region the
// idle inner regions are still refreshed. A page that shows nothing of some kinds of event
// says so on its data-live-document element (data-live-ignore="screen." — the chair's screen
// moving): those events do not make it re-fetch itself.
(function () {
  "use strict";

  var body = document.body;
  if (!body || !window.EventSource || !window.fetch || !window.DOMParser) return;
  var root = body.getAttribute("data-live-root");
  if (root === null) return; // not logged in
  var scope = document.querySelector("[data-live-document]");
  var documentId = scope ? scope.getAttribute("data-live-document") : null;
  var ignoredKinds = ((scope && scope.getAttribute("data-live-ignore")) || "")
    .split(/\s+/).filter(Boolean);

  // Bursts (a decision rebases several proposals; a revision touches every clause) become one
  // refresh; the random part spreads a large audience's requests over half a second.
  var DEBOUNCE_MS = 250;
  var JITTER_MS = 400;
  var pendingKinds = [];
  var timer = null;
  var fetching = false;
  var again = false;
  var source = null;

  var announcer = document.createElement("div");
  announcer.className = "visually-hidden";
  announcer.setAttribute("aria-live", "polite");
  announcer.setAttribute("role", "status");
  body.appendChild(announcer);

  function announce(text) {
    announcer.textContent = "";
    window.setTimeout(function () { announcer.textContent = text; }, 50);
  }

  // --- is the user working in this element? ---------------------------------------------------

  function isDirty(field) {
    var tag = field.tagName;
    if (tag === "TEXTAREA") return field.value !== field.defaultValue;
    if (tag === "SELECT") {
      if (!field.multiple && field.size <= 1) {
        // A single choice with no option marked `selected` shows its first option: that is
        // its default, not a choice the user made.
        var initial = 0;
        for (var d = 0; d < field.options.length; d++) {
          if (field.options[d].defaultSelected) { initial = d; break; }
        }
        return field.options.length > 0 && field.selectedIndex !== initial;
      }
      for (var i = 0; i < field.options.length; i++) {
        if (field.options[i].selected !== field.options[i].defaultSelected) return true;
      }
      return false;
    }
    if (tag === "INPUT") {
      var type = (field.type || "").toLowerCase();
      if (type === "checkbox" || type === "radio") return field.checked !== field.defaultChecked;
      if (type === "hidden" || type === "submit" || type === "button" || type === "file") {
        return false;
      }
      return field.value !== field.defaultValue;
    }
    return false;
  }

  function isBusy(element) {
    var active = document.activeElement;
    if (active && active !== body && active !== document.documentElement &&
        element.contains(active)) return true;
    var fields = element.querySelectorAll("input, textarea, select");
    for (var i = 0; i < fields.length; i++) {
      if (isDirty(fields[i])) return true;
    }
    var open = element.querySelectorAll("details[open]");
    for (var j = 0; j < open.length; j++) {
      if (open[j].querySelector("form")) return true; // an opened editing panel
    }
    return false;
  }

  // --- comparing and swapping regions ---------------------------------------------------------

  function regionName(element) { return element.getAttribute("data-live-region"); }

  function childRegions(region) {
    var out = [];
    var all = region.querySelectorAll("[data-live-region]");
    for (var i = 0; i < all.length; i++) {
      if (all[i].parentElement.closest("[data-live-region]") === region) out.push(all[i]);
    }
    return out;
  }

  // The markup that matters: CSRF tokens differ on every rendering, and inner regions are
  // compared on their own.
  function signature(element, withoutChildren) {
    var copy = element.cloneNode(true);
    // Also values marked data-live-volatile (the moment a page was rendered).
    var tokens = copy.querySelectorAll('input[name="csrf_token"], [data-live-volatile]');
    for (var i = 0; i < tokens.length; i++) tokens[i].removeAttribute("value");
    var notices = copy.querySelectorAll(".live-notice");
    for (var k = 0; k < notices.length; k++) notices[k].remove();
    if (withoutChildren) {
      var inner = childRegions(copy);
      for (var j = 0; j < inner.length; j++) inner[j].textContent = "";
    }
    return copy.outerHTML;
  }

  function wants(region, kinds) {
    var filter = region.getAttribute("data-live-kinds");
    if (!filter || kinds === null) return true;
    var prefixes = filter.split(/\s+/).filter(Boolean);
    return kinds.some(function (kind) {
      return prefixes.some(function (prefix) { return kind.indexOf(prefix) === 0; });
    });
  }

  function showNotice(region) {
    var name = regionName(region);
    var existing = region.previousElementSibling;
    if (existing && existing.getAttribute("data-live-notice-for") === name) return;
    var notice = document.createElement("p");
    notice.className = "live-notice";
    notice.setAttribute("role", "status");
    notice.setAttribute("aria-live", "polite");
    notice.setAttribute("data-live-notice-for", name);
    notice.appendChild(document.createTextNode("The text changed while you were working " +
                                               "here — your input is kept. "));
    var link = document.createElement("a");
    link.href = window.location.href;
    link.textContent = "Reload to see the changes";
    notice.appendChild(link);
    notice.appendChild(document.createTextNode(" (unsent input here will be lost)."));
    region.parentNode.insertBefore(notice, region);
  }

  function clearNotice(region) {
    var existing = region.previousElementSibling;
    if (existing && existing.getAttribute("data-live-notice-for") === regionName(region)) {
      existing.remove();
    }
  }

  // Items (data-live-item, e.g. a clause) that are new in `fresh` or whose data-live-version
  // moved are marked "live-arrived": briefly highlighted (CSS, without motion when the reader
  // asks for less) and labelled "Updated".
  function versions(element) {
    var out = {};
    var items = element.querySelectorAll("[data-live-item]");
    for (var i = 0; i < items.length; i++) {
      out[items[i].getAttribute("data-live-item")] = items[i].getAttribute("data-live-version");
    }
    return out;
  }

  function markArrivals(before, replacement) {
    var items = replacement.querySelectorAll("[data-live-item]");
    for (var i = 0; i < items.length; i++) {
      var name = items[i].getAttribute("data-live-item");
      if (before[name] === items[i].getAttribute("data-live-version")) continue;
      items[i].classList.add("live-arrived");
      var where = items[i].querySelector(".clause-number") || items[i];
      var label = document.createElement("span");
      label.className = "live-badge";
      label.textContent = name in before ? "Updated" : "New";
      where.appendChild(label);
    }
  }

  // Returns how many regions were swapped.
  function update(region, fresh) {
    if (signature(region, false) === signature(fresh, false)) return 0;
    if (!isBusy(region)) {
      var before = versions(region);
      var replacement = document.importNode(fresh, true);
      region.replaceWith(replacement);
      markArrivals(before, replacement);
      clearNotice(replacement);
      replacement.dispatchEvent(new CustomEvent("live:updated", {bubbles: true}));
      return 1;
    }
    var swapped = 0;
    var mine = childRegions(region);
    var theirs = {};
    childRegions(fresh).forEach(function (child) { theirs[regionName(child)] = child; });
    var sameShape = mine.length === Object.keys(theirs).length &&
      mine.every(function (child) { return theirs[regionName(child)] !== undefined; });
    mine.forEach(function (child) {
      if (theirs[regionName(child)]) swapped += update(child, theirs[regionName(child)]);
    });
    if (!sameShape || signature(region, true) !== signature(fresh, true)) showNotice(region);
    return swapped;
  }

  function topRegions(container) {
    var out = [];
    var all = container.querySelectorAll("[data-live-region]");
    for (var i = 0; i < all.length; i++) {
      var parent = all[i].parentElement && all[i].parentElement.closest("[data-live-region]");
      if (!parent) out.push(all[i]);
    }
    return out;
  }

  function refresh(kinds) {
    fetching = true;
    return fetch(window.location.href, {
      credentials: "same-origin",
      cache: "no-cache",
      headers: {"X-Live-Refresh": "1", "Accept": "text/html"}
    }).then(function (response) {
      if (!response.ok || response.redirected) throw new Error("status " + response.status);
      return response.text();
    }).then(function (html) {
      var fresh = new DOMParser().parseFromString(html, "text/html");
      var swapped = 0;
      topRegions(document).forEach(function (region) {
        if (!wants(region, kinds)) return;
        var match = fresh.querySelector('[data-live-region="' + regionName(region) + '"]');
        if (match) swapped += update(region, match);
      });
      if (swapped) announce("This page was updated.");
    }).catch(function () {
      /* the next event or a reload will catch up */
    }).then(function () {
      fetching = false;
      if (again) { again = false; startTimer(); }
    });
  }

  function startTimer() {
    if (timer) return;
    timer = window.setTimeout(function () {
      timer = null;
      var kinds = pendingKinds;
      pendingKinds = [];
      refresh(kinds);
    }, DEBOUNCE_MS + Math.floor(Math.random() * JITTER_MS));
  }

  function ignores(kind) {
    return ignoredKinds.some(function (prefix) { return kind.indexOf(prefix) === 0; });
  }

  // kind null: refresh every region, whatever its data-live-kinds.
  function schedule(kind) {
    if (kind === null) pendingKinds = null;
    else if (pendingKinds !== null) pendingKinds.push(kind);
    if (fetching) { again = true; return; }
    startTimer();
  }

  function onReload() {
    var regions = document.querySelectorAll("[data-live-region]");
    var busy = Array.prototype.some.call(regions, isBusy) ||
      isBusy(document.querySelector("main") || body);
    if (!busy) { window.location.reload(); return; }
    schedule(null); // refresh what is idle; busy parts get their notice
  }

  // --- the stream -------------------------------------------------------------------------------

  function connect() {
    var since = body.getAttribute("data-live-since");
    var url = documentId ? root + "documents/" + encodeURIComponent(documentId) + "/events"
                         : root + "notifications/events";
    if (since) url += "?last_event_id=" + encodeURIComponent(since);
    source = new EventSource(url);
    var listening = {};
    function listen(kind) {
      if (listening[kind]) return;
      listening[kind] = true;
      source.addEventListener(kind, function (event) {
        // Where to resume if the page comes back from the back/forward cache.
        if (event.lastEventId) body.setAttribute("data-live-since", event.lastEventId);
        if (kind === "ready") return;
        if (kind === "reload") { onReload(); return; }
        if (ignores(kind)) return;
        schedule(kind);
      });
    }
    ["ready", "reload", "notification"].forEach(listen);
    // Named events reach only listeners registered for their name: the server announces each
    // new kind in an unnamed message just before the first event of that kind.
    source.onmessage = function (event) {
      try {
        var data = JSON.parse(event.data);
        if (data && typeof data.listen === "string") listen(data.listen);
      } catch (ignored) { /* not an announcement */ }
    };
  }

  // The header's unread count is a region too: pages about no document follow the viewer's
  // notifications only.
  var bell = document.querySelector('[data-live-region="notification-count"]');
  if (documentId || bell) connect();
  window.addEventListener("pagehide", function () {
    if (source) { source.close(); source = null; }
  });
  window.addEventListener("pageshow", function (event) {
    if (event.persisted && !source && (documentId || bell)) connect();
  });
}());
