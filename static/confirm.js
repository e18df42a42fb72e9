// Progressive enhancement: a form carrying data-confirm asks in a native <dialog> before it
// is sent. The wording comes from the server (data attributes rendered by
// templates/confirm/_wording.html); without this file the same POST, sent without
// `confirmed`, answers with a confirmation page saying the same thing.
(function () {
  "use strict";

  // The element holding the wording for the form as filled in, or null when the choice made
  // needs no confirmation. A form whose consequence depends on a field (renumber or not,
  // which clause to freeze, which circulation setting) names it in data-confirm-switch and
  // holds one hidden element per value: data-confirm-variant="<value>" ("on"/"off" for a
  // checkbox).
  function wording(form) {
    var name = form.getAttribute("data-confirm-switch");
    if (!name) return form;
    var field = form.elements[name];
    var value = "";
    if (field && field.type === "checkbox") {
      value = field.checked ? "on" : "off";
    } else if (field && typeof field.value === "string") {
      value = field.value;  // a select, or the checked radio of a RadioNodeList
    }
    var variants = form.querySelectorAll("[data-confirm-variant]");
    for (var i = 0; i < variants.length; i++) {
      if (variants[i].getAttribute("data-confirm-variant") === value) return variants[i];
    }
    return null;
  }

  function buildDialog(source, onConfirm) {
    var dialog = document.createElement("dialog");
    dialog.className = "confirm-dialog";
    dialog.setAttribute("aria-labelledby", "confirm-dialog-title");
    var heading = document.createElement("h2");
    heading.id = "confirm-dialog-title";
    heading.textContent = source.getAttribute("data-confirm-title") || "Are you sure?";
    dialog.appendChild(heading);
    (source.getAttribute("data-confirm") || "").split("\n").forEach(function (line) {
      if (!line.trim()) return;
      var p = document.createElement("p");
      p.textContent = line.trim();
      dialog.appendChild(p);
    });
    var buttons = document.createElement("div");
    buttons.className = "confirm-buttons";
    var ok = document.createElement("button");
    ok.type = "button";
    ok.className = "confirm-ok";
    ok.textContent = source.getAttribute("data-confirm-button") || "Confirm";
    var cancel = document.createElement("button");
    cancel.type = "button";
    cancel.className = "secondary confirm-cancel";
    cancel.textContent = "Cancel";
    buttons.appendChild(ok);
    buttons.appendChild(cancel);
    dialog.appendChild(buttons);
    ok.addEventListener("click", function () { dialog.close("confirm"); });
    cancel.addEventListener("click", function () { dialog.close("cancel"); });
    dialog.addEventListener("close", function () {
      var confirmed = dialog.returnValue === "confirm";
      dialog.remove();
      if (confirmed) onConfirm();
    });
    return {dialog: dialog, cancel: cancel};
  }

  function ask(form, event) {
    if (typeof HTMLDialogElement === "undefined") return;  // the confirmation page asks
    if (form.querySelector('input[name="confirmed"]')) return;
    var source = wording(form);
    if (source === null) return;
    event.preventDefault();
    var built = buildDialog(source, function () {
      var marker = document.createElement("input");
      marker.type = "hidden";
      marker.name = "confirmed";
      marker.value = "1";
      form.appendChild(marker);
      form.submit();
    });
    document.body.appendChild(built.dialog);
    built.dialog.showModal();
    built.cancel.focus();  // the safe choice has the focus: Enter does not act by accident
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form instanceof HTMLFormElement && form.hasAttribute("data-confirm")) ask(form, event);
  });
})();
