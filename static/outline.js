// The document page's outline (templates/documents/_outline.html). Progressive enhancement:
// without this file the outline is a disclosure and the filter a plain GET form.
(function () {
  "use strict";
  var WIDE = window.matchMedia("(min-width: 64rem)");

  function setup() {
    var box = document.querySelector("details[data-outline]");
    if (!box) return;
    // Beside the text on a wide window: always open; on a phone it stays a disclosure.
    function fit() { if (WIDE.matches) box.open = true; }
    fit();
    if (WIDE.addEventListener) WIDE.addEventListener("change", fit);

    // The filter applies as soon as a box is ticked.
    var form = box.querySelector("form.outline-filter");
    if (form) {
      form.addEventListener("change", function () {
        if (form.requestSubmit) form.requestSubmit(); else form.submit();
      });
    }

    // The paragraph being read is marked in the outline as the page scrolls.
    var links = {};
    function collectLinks() {
      links = {};
      box.querySelectorAll("a[data-outline-for]").forEach(function (a) {
        links[a.getAttribute("data-outline-for")] = a;
      });
    }
    collectLinks();
    if (!("IntersectionObserver" in window)) return;
    // live.js swaps the outline's list when counts or statuses change (a region of its own):
    // find the new links, mark the paragraph in view again and keep the list's scroll place.
    var listScroll = 0;
    box.addEventListener("scroll", function (event) {
      if (event.target.matches && event.target.matches("nav")) listScroll = event.target.scrollTop;
    }, true);
    document.addEventListener("live:updated", function (event) {
      if (!event.target.matches || !event.target.matches('[data-live-region="document-outline"]')) return;
      collectLinks();
      event.target.scrollTop = listScroll;
      current = null;
      mark();
    });
    var visible = new Set();
    var current = null;
    function mark() {
      var first = null;
      document.querySelectorAll("article.clause[id]").forEach(function (el) {
        if (!first && visible.has(el.id)) first = el.id;
      });
      if (!first || first === current) return;
      if (current && links[current]) links[current].removeAttribute("aria-current");
      current = first;
      var link = links[current];
      if (!link) return;
      link.setAttribute("aria-current", "location");
      // Keep the marked number in sight inside the outline's own scroll box, not the page's.
      var list = box.querySelector("nav");
      if (WIDE.matches && list && list.scrollHeight > list.clientHeight) {
        var top = link.offsetTop - list.offsetTop;
        if (top < list.scrollTop || top > list.scrollTop + list.clientHeight - 30) {
          list.scrollTop = Math.max(0, top - list.clientHeight / 3);
        }
      }
    }
    var observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (entry.isIntersecting) visible.add(entry.target.id);
        else visible.delete(entry.target.id);
      });
      mark();
    }, {rootMargin: "-10% 0px -55% 0px"});
    document.querySelectorAll("article.clause[id]").forEach(function (el) { observer.observe(el); });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
