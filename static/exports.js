// Exports page: a file that takes a while shows that it is being made, then how much of it
// has arrived. Progressive enhancement: without this script the links and buttons download
// as usual.
(function () {
  "use strict";

  var BUSY_AFTER_MS = 1000;
  var status = document.querySelector(".export-status");
  if (!status || !window.fetch || !window.URL || !URL.createObjectURL) return;

  function say(text) {
    status.hidden = !text;
    status.textContent = text || "";
  }

  function targetOf(control) {
    if (control.tagName === "A") {
      return { url: control.href, label: control.querySelector("strong").textContent };
    }
    var form = control.form;
    var params = new URLSearchParams(new FormData(form));
    params.set(control.name, control.value);
    var section = form.closest("section");
    var heading = section ? section.querySelector("h2") : null;
    var label = (heading ? heading.textContent + ", " : "") + control.textContent;
    return { url: form.action + "?" + params.toString(), label: label };
  }

  function filenameOf(response) {
    var header = response.headers.get("Content-Disposition") || "";
    var exact = /filename\*=UTF-8''([^;]+)/i.exec(header);
    if (exact) return decodeURIComponent(exact[1]);
    var plain = /filename="([^"]+)"/i.exec(header);
    return plain ? plain[1] : "export";
  }

  function errorOf(response) {
    return response.json().then(function (body) {
      return body && body.error ? body.error.message : "The file could not be made.";
    }, function () {
      return "The file could not be made (HTTP " + response.status + ").";
    });
  }

  function readWithProgress(response, label) {
    var total = parseInt(response.headers.get("Content-Length") || "0", 10);
    if (!response.body || !response.body.getReader) return response.blob();
    var reader = response.body.getReader();
    var chunks = [];
    var received = 0;
    function next() {
      return reader.read().then(function (step) {
        if (step.done) return new Blob(chunks, { type: response.headers.get("Content-Type") || "" });
        chunks.push(step.value);
        received += step.value.length;
        if (total) say(label + ": downloading, " + Math.floor(100 * received / total) + " %");
        return next();
      });
    }
    return next();
  }

  function save(blob, name) {
    var link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = name;
    document.body.appendChild(link);
    link.click();
    setTimeout(function () { URL.revokeObjectURL(link.href); link.remove(); }, 60000);
  }

  function download(control) {
    if (control.getAttribute("aria-busy") === "true") return;  // one file at a time each
    var target = targetOf(control);
    control.setAttribute("aria-busy", "true");
    var busy = setTimeout(function () {
      say(target.label + ": the file is being made…");
    }, BUSY_AFTER_MS);
    fetch(target.url, { credentials: "same-origin", headers: { Accept: "application/json;q=0.9, */*;q=0.8" } })
      .then(function (response) {
        if (!response.ok) return errorOf(response).then(function (message) { throw new Error(message); });
        var name = filenameOf(response);
        return readWithProgress(response, target.label).then(function (blob) {
          save(blob, name);
          say(target.label + ": downloaded (" + name + ").");
        });
      })
      .catch(function (error) {
        say(target.label + ": " + (error && error.message ? error.message : "the download failed."));
      })
      .then(function () {
        clearTimeout(busy);
        control.removeAttribute("aria-busy");
      });
  }

  document.addEventListener("click", function (event) {
    var control = event.target.closest("[data-export]");
    if (!control || control.disabled || event.defaultPrevented || event.button !== 0 ||
        event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    download(control);
  });
})();
