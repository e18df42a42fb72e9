// Accept with modifications: live redline preview. Progressive enhancement only: without this
// file the Preview button renders the same redline on the server.
(function () {
  "use strict";

  function setup(form) {
    var url = form.getAttribute("data-live-preview-url");
    var text = form.querySelector('textarea[name="text"]');
    var previewed = form.querySelector('input[name="previewed_text"]');
    var region = document.getElementById("modification-preview");
    var status = form.querySelector("[data-preview-status]");
    var timer = null;
    var sequence = 0;
    if (!url || !text || !previewed || !region) return;

    function say(message) { if (status) status.textContent = message; }

    function refresh() {
      var mine = ++sequence;
      var body = new FormData(form);
      body.delete("step");
      fetch(url, {method: "POST", credentials: "same-origin", body: body})
        .then(function (response) {
          if (!response.ok) throw new Error("preview refused: " + response.status);
          return response.text();
        })
        .then(function (html) {
          if (mine !== sequence) return;  // an older answer; a newer one is on its way
          region.innerHTML = html;
          // Apply carries the wording this redline was made from, as the server rendered it.
          var shown = region.querySelector("[data-previewed-text]");
          if (shown) previewed.value = shown.getAttribute("data-previewed-text");
          say("Preview up to date.");
        })
        .catch(function () {
          if (mine === sequence) say("The live preview is unavailable: press Preview.");
        });
    }

    function changed() {
      clearTimeout(timer);
      say("Updating the preview…");
      timer = setTimeout(refresh, 300);
    }

    text.addEventListener("input", changed);
    // Typed before this script ran (a quick hand, a slow page) or restored by the browser:
    // the redline shown is not of this wording yet.
    if (text.value !== previewed.value) changed();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-live-preview-url]").forEach(setup);
  });
})();
