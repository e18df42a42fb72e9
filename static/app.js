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

  // Long fields (a textarea with a maxlength: clause text, rationale, comment) count their
  // characters, warn before the limit, and say so when a paste was cut to fit — the browser
  // cuts it without a word. The server refuses anything longer anyway (domain/text_rules.py).
  var WARN_AT = 0.9;
  function number(n) { return n.toLocaleString("en"); }
  function setupCounter(field) {
    var max = parseInt(field.getAttribute("maxlength"), 10);
    if (!max || max < 500 || field.dataset.counted) return;
    field.dataset.counted = "1";
    var base = field.id || field.name;
    var counter = document.createElement("p");
    counter.className = "char-count";
    counter.id = base + "-count";
    var live = document.createElement("span");  // read out only when a warning starts or changes
    live.className = "visually-hidden";
    live.setAttribute("aria-live", "polite");
    var notice = document.createElement("p");
    notice.className = "paste-notice";
    notice.id = base + "-paste";
    notice.setAttribute("role", "alert");
    notice.hidden = true;
    field.insertAdjacentElement("afterend", counter);
    counter.insertAdjacentElement("afterend", live);
    live.insertAdjacentElement("afterend", notice);
    var described = (field.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    described.push(counter.id, notice.id);
    field.setAttribute("aria-describedby", described.join(" "));
    var warned = false;
    function update() {
      var used = field.value.length;
      var left = max - used;
      var near = used >= max * WARN_AT;
      counter.textContent = number(used) + " of " + number(max) + " characters" +
        (near ? " — " + (left > 0 ? number(left) + " left" : "limit reached") : "");
      counter.classList.toggle("near-limit", near);
      if (near && !warned) live.textContent = "Nearly at the limit: " + number(left) + " characters left.";
      if (!near) live.textContent = "";
      warned = near;
    }
    field.addEventListener("input", function () { if (!notice.dataset.fresh) notice.hidden = true; delete notice.dataset.fresh; update(); });
    field.addEventListener("paste", function (event) {
      var pasted = event.clipboardData ? event.clipboardData.getData("text") : "";
      var room = max - field.value.length + Math.abs(field.selectionEnd - field.selectionStart);
      if (pasted.length <= room) { notice.hidden = true; return; }
      notice.textContent = "Your paste was cut: only the first " + number(Math.max(room, 0)) +
        " of its " + number(pasted.length) + " characters fit, because this field holds at most " +
        number(max) + ". The rest was not added.";
      notice.hidden = false;
      notice.dataset.fresh = "1";
    });
    update();
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("textarea[maxlength]").forEach(setupCounter);
    // Back with an error: the first field in error has the focus, its message beside it.
    var invalid = document.querySelector("form [aria-invalid='true']");
    if (invalid && !document.activeElement.matches("[aria-invalid='true']")) invalid.focus();
  });

  // Disclosures that are open on a wide window and folded on a phone (the header's menu, the
  // document's pages, the desk's filters): CSS shows their content on a wide window where the
  // browser supports ::details-content; opening them here does the same everywhere else.
  function openWide() {
    // Where CSS shows them open already, the page is left exactly as served (static/live.js
    // compares live regions with the server's copy).
    if (window.CSS && CSS.supports && CSS.supports("selector(::details-content)")) return;
    document.querySelectorAll("details[data-open-wide]").forEach(function (details) {
      var query = window.matchMedia(details.getAttribute("data-open-wide"));
      if (query.matches) details.open = true;
    });
  }
  document.addEventListener("DOMContentLoaded", openWide);
  window.addEventListener("resize", openWide);

  // Data tables read as a list on a phone: each cell is labelled with its column's heading
  // (app.css, table.stacked). Tables with merged cells keep their grid.
  function labelColumns(table) {
    if (table.classList.contains("stacked") || table.querySelector("[colspan],[rowspan]")) return;
    var heads = table.querySelectorAll("thead th");
    if (!heads.length) return;
    table.querySelectorAll("tbody tr").forEach(function (row) {
      Array.prototype.forEach.call(row.children, function (cell, i) {
        if (cell.tagName === "TD" && heads[i] && !cell.hasAttribute("data-label")) {
          var label = heads[i].textContent.trim();
          if (label) cell.setAttribute("data-label", label);
        }
      });
    });
    table.classList.add("stacked");
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("table.data").forEach(labelColumns);
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
