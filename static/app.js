// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  function csrfToken(form) {
    var input = form.querySelector('input[name="csrf_token"]');
    return input ? input.value : "";
  }

  function selectedAction(form) {
    var checked = form.querySelector('input[name="action"]:checked');
    if (checked) return checked.value;
    var hidden = form.querySelector('input[name="action"]');
    return hidden ? hidden.value : "amend";
  }

  function showFieldsFor(form) {
    var action = selectedAction(form);
    form.querySelectorAll("[data-for]").forEach(function (el) {
      el.hidden = el.getAttribute("data-for").split(" ").indexOf(action) === -1;
    });
  }

  function setupProposalForm(form) {
    var url = form.getAttribute("data-preview-url");
    var preview = form.querySelector("#preview");
    var text = form.querySelector("#text");
    var clause = form.querySelector('[name="clause_id"]');
    var timer = null;
    var sequence = 0;

    function refresh() {
      var mine = ++sequence;
      var body = {
        action: selectedAction(form),
        clause_id: clause && clause.value ? parseInt(clause.value, 10) : null,
        text: text ? text.value : ""
      };
      fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: {"Content-Type": "application/json", "X-CSRFToken": csrfToken(form)},
        body: JSON.stringify(body)
      }).then(function (r) { return r.json(); }).then(function (data) {
        if (mine === sequence && data.html !== undefined) preview.innerHTML = data.html;
      }).catch(function () { /* the Preview button still works */ });
    }

    function schedule() {
      clearTimeout(timer);
      timer = setTimeout(refresh, 250);
    }

    form.querySelectorAll('input[name="action"]').forEach(function (radio) {
      radio.addEventListener("change", function () { showFieldsFor(form); schedule(); });
    });
    if (clause && clause.tagName === "SELECT") {
      clause.addEventListener("change", function () {
        var option = clause.options[clause.selectedIndex];
        var base = option ? option.getAttribute("data-text") : null;
        // Start an amendment from the clause's current wording, unless the delegate typed.
        if (text && base !== null && (!text.value || text.dataset.untouched === "1")) {
          text.value = base;
          text.dataset.untouched = "1";
        }
        var quote = form.querySelector("#base-text");
        if (quote && base !== null) quote.textContent = base;
        schedule();
      });
    }
    if (text) text.addEventListener("input", function () { text.dataset.untouched = "0"; schedule(); });
    showFieldsFor(form);
    if (preview && text && (text.value || selectedAction(form) === "delete")) schedule();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-preview-url]").forEach(setupProposalForm);
  });

  // Menus (a <details> whose summary is the button: templates/documents/_clause_menu.html, the
  // header's menu on a phone): Escape closes the open one and gives focus back to its button;
  // a click elsewhere or opening another closes it.
  function openMenus() { return document.querySelectorAll("details.clause-menu[open]"); }
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    openMenus().forEach(function (menu) {
      menu.open = false;
      var summary = menu.querySelector("summary");
      if (summary && menu.contains(document.activeElement)) summary.focus();
    });
  });
  document.addEventListener("click", function (event) {
    openMenus().forEach(function (menu) {
      if (!menu.contains(event.target)) menu.open = false;
    });
  });
  document.addEventListener("toggle", function (event) {
    var opened = event.target;
    if (!(opened instanceof HTMLDetailsElement) || !opened.open) return;
    if (!opened.classList.contains("clause-menu")) return;
    openMenus().forEach(function (menu) { if (menu !== opened) menu.open = false; });
  }, true);

  // A form that creates something goes once: a second click while the first is on its way is
  // dropped here (the server would refuse it anyway: web/form_idempotency.py). On window, so
  // that a submission another handler held back (a confirmation dialog) does not count.
  window.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || event.defaultPrevented) return;
    if (!form.querySelector('input[name="idempotency_key"]')) return;
    if (form.dataset.sending === "1") {
      event.preventDefault();
      return;
    }
    form.dataset.sending = "1";
    form.setAttribute("aria-busy", "true");
  });
  // Back to a page kept by the browser: its forms can be sent again (with their own keys).
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-sending]").forEach(function (form) {
      delete form.dataset.sending;
      form.removeAttribute("aria-busy");
    });
  });
})();
