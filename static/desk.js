// The merge desk (templates/desk/index.html). Progressive enhancement: without this file the
// desk works with its buttons and forms alone, and the server refuses a stale decision (409).
//
// 1. A live update never re-arms a decision. Each card carries the versions it was drawn
//    from (data-text-version: the wording the proposal would produce; data-clause-version).
//    The versions the operator last looked at are remembered per proposal; when static/live.js
//    swaps in a card drawn from other versions, the card goes into the "changed" state: a
//    banner, its new redline highlighted, its decision buttons disabled until "I have
//    reviewed it" is pressed. The form still sends expected_text_version: the server stays
//    the last guard.
// 2. Keyboard: j / k next / previous proposal, a accept, r the reason field (to reject),
//    s show on screen, ? help. Never while typing in a field, never with Ctrl, Alt or Meta.
//    They press the same buttons a click would, so confirmations and disabled states apply.
(function () {
  "use strict";

  var layout = document.querySelector(".desk-layout");
  if (!layout) return;

  // proposal id → {text: "3", clause: "7"}: what the operator has looked at in this tab. Kept
  // in the tab's sessionStorage, so that a reload (the live notice's "Reload to see the
  // changes", a decision's redirect) does not count a change as seen either.
  var scope = document.querySelector("[data-live-document]");
  var storeKey = "desk-seen-" + (scope ? scope.getAttribute("data-live-document") : "");
  var seen = load();
  var currentId = null;  // the card the keyboard acts on

  var announcer = document.createElement("div");
  announcer.className = "visually-hidden";
  announcer.setAttribute("role", "status");
  announcer.setAttribute("aria-live", "polite");
  document.body.appendChild(announcer);

  function capitalised(phrase) {
    return phrase.charAt(0).toUpperCase() + phrase.slice(1);
  }

  function announce(text) {
    announcer.textContent = "";
    window.setTimeout(function () { announcer.textContent = text; }, 50);
  }

  function load() {
    try {
      var stored = JSON.parse(window.sessionStorage.getItem(storeKey) || "{}");
      return stored && typeof stored === "object" ? stored : {};
    } catch (ignored) { return {}; }
  }

  function save() {
    try { window.sessionStorage.setItem(storeKey, JSON.stringify(seen)); } catch (ignored) {
      /* private mode or full: the live comparison still works for this page */
    }
  }

  function differs(before, now) {
    return !before || before.text !== now.text || before.clause !== now.clause;
  }

  function versionsOf(card) {
    return {text: card.getAttribute("data-text-version"),
            clause: card.getAttribute("data-clause-version")};
  }

  function cards() {
    return Array.prototype.slice.call(document.querySelectorAll(".desk-groups .proposal-card"));
  }

  function cardById(id) { return document.getElementById("proposal-" + id); }

  // --- the "changed" state ----------------------------------------------------------------------

  function controls(card) {
    return card.querySelectorAll("[data-decision]");
  }

  function setChanged(card, before) {
    var now = versionsOf(card);
    card.setAttribute("data-changed", "live");
    var banner = card.querySelector(".changed-banner");
    if (banner) {
      var detail = banner.querySelector("[data-changed-detail]");
      var parts = [];
      if (before.text !== now.text) {
        parts.push("its wording moved from version " + before.text + " to " + now.text);
      }
      if (before.clause !== now.clause) {
        parts.push("the clause moved from version " + before.clause + " to " + now.clause);
      }
      if (detail) {
        detail.textContent = "While you had it open, " + parts.join(" and ") +
          ". The redline below is the proposal as it is now.";
      }
      banner.hidden = false;
    }
    var redline = card.querySelector(".redline");
    if (redline) redline.classList.add("redline-changed");
    Array.prototype.forEach.call(controls(card), function (control) {
      if (control.tagName === "A") control.hidden = true;
      else control.disabled = true;
    });
  }

  function acknowledge(card) {
    seen[card.getAttribute("data-proposal-id")] = versionsOf(card);
    save();
    card.removeAttribute("data-changed");
    var banner = card.querySelector(".changed-banner");
    if (banner) banner.hidden = true;
    var redline = card.querySelector(".redline");
    if (redline) redline.classList.remove("redline-changed");
    Array.prototype.forEach.call(controls(card), function (control) {
      if (control.tagName === "A") control.hidden = false;
      // A proposal in conflict stays undecidable: the server drew it disabled for that.
      else if (!control.hasAttribute("data-conflict")) control.disabled = false;
    });
    var next = card.querySelector('button[data-decision="accept"]:not([disabled])') ||
      card.querySelector('input[name="note"]');
    if (next) next.focus();
    announce(capitalised(card.getAttribute("data-proposal-name")) +
             ": reviewed. Its decision buttons are enabled again.");
  }

  // Cards drawn by the server: a card this tab saw with other versions is changed; any other
  // is remembered as shown. A card the server drew as changed (a refused decision) is already
  // disabled, and stays unseen until "I have reviewed it".
  function remember(root) {
    var changed = [];
    Array.prototype.forEach.call(root.querySelectorAll(".proposal-card"), function (card) {
      var id = card.getAttribute("data-proposal-id");
      if (card.hasAttribute("data-changed")) return;
      if (seen[id] && differs(seen[id], versionsOf(card))) {
        setChanged(card, seen[id]);
        changed.push(card.getAttribute("data-proposal-name"));
      } else {
        seen[id] = versionsOf(card);
      }
    });
    save();
    if (changed.length) {
      announce("Changed since you opened it: " + changed.join(", ") +
               ". Review the new redline before deciding.");
    }
  }

  function checkSwapped(root) {
    var list = root.matches && root.matches(".proposal-card") ? [root]
      : Array.prototype.slice.call(root.querySelectorAll(".proposal-card"));
    var changed = [];
    list.forEach(function (card) {
      var id = card.getAttribute("data-proposal-id");
      var before = seen[id];
      if (!before) { seen[id] = versionsOf(card); return; }  // a new card: nothing was missed
      if (differs(before, versionsOf(card))) {
        setChanged(card, before);
        changed.push(card.getAttribute("data-proposal-name"));
      }
    });
    save();
    if (changed.length) {
      announce("Changed since you opened it: " + changed.join(", ") +
               ". Review the new redline before deciding.");
    }
    if (currentId && cardById(currentId)) cardById(currentId).classList.add("kb-current");
  }

  document.addEventListener("live:updated", function (event) {
    if (event.target instanceof Element) checkSwapped(event.target);
  });

  document.addEventListener("click", function (event) {
    var ack = event.target instanceof Element && event.target.closest("[data-desk-ack]");
    if (!ack) return;
    var card = ack.closest(".proposal-card");
    if (!card) return;
    // Without this file the link reloads the desk, which draws the card as it is now.
    event.preventDefault();
    acknowledge(card);
  });

  // --- keyboard ----------------------------------------------------------------------------------

  var help = document.getElementById("keyboard-help");

  function isTyping(element) {
    if (!element || !(element instanceof Element)) return false;
    if (element.isContentEditable) return true;
    return /^(INPUT|TEXTAREA|SELECT)$/.test(element.tagName);
  }

  // The card holding the focus, else the one last chosen with j / k.
  function current() {
    var active = document.activeElement;
    var focused = active && active.closest ? active.closest(".desk-groups .proposal-card") : null;
    return focused || (currentId && cardById(currentId)) || null;
  }

  function select(card) {
    cards().forEach(function (other) { other.classList.remove("kb-current"); });
    card.classList.add("kb-current");
    currentId = card.getAttribute("data-proposal-id");
    card.focus({preventScroll: true});
    card.scrollIntoView({block: "nearest"});
  }

  function move(step) {
    var list = cards();
    if (!list.length) { announce("No proposal on the desk."); return; }
    var index = list.indexOf(current());
    if (index === -1) index = step > 0 ? 0 : list.length - 1;
    else index = Math.min(list.length - 1, Math.max(0, index + step));
    select(list[index]);
  }

  function onCurrent(action) {
    var card = current();
    if (!card) { announce("Press j to choose a proposal first."); return; }
    action(card);
  }

  function accept(card) {
    var button = card.querySelector('button[data-decision="accept"]');
    if (!button || button.disabled) {
      announce(card.hasAttribute("data-changed")
        ? "This proposal changed since you opened it: review it first."
        : "This proposal cannot be accepted as it stands.");
      return;
    }
    button.click();  // the same submit as a click: a confirmation, if any, still asks
  }

  function reason(card) {
    var field = card.querySelector('input[name="note"]');
    if (field) field.focus();
  }

  function showOnScreen(card) {
    var group = card.closest(".desk-group");
    var button = group && group.querySelector("button[data-show-on-screen]");
    if (button && !button.disabled) button.click();
    else announce("This paragraph is already on screen.");
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.altKey || event.metaKey) return;
    if (event.isComposing || isTyping(event.target) || isTyping(document.activeElement)) return;
    if (document.querySelector("dialog[open]")) return;  // a confirmation (or the help) asks
    var key = event.key;
    if (key === "?") {
      event.preventDefault();
      if (help) help.showModal();
      return;
    }
    if (event.shiftKey) return;
    var actions = {
      j: function () { move(1); },
      k: function () { move(-1); },
      a: function () { onCurrent(accept); },
      r: function () { onCurrent(reason); },
      s: function () { onCurrent(showOnScreen); }
    };
    if (!Object.prototype.hasOwnProperty.call(actions, key)) return;
    event.preventDefault();  // "r" must not type itself into the field it focuses
    actions[key]();
  });

  // Working in a card (a click, Tab) makes it the current one too.
  document.addEventListener("focusin", function (event) {
    var card = event.target instanceof Element &&
      event.target.closest(".desk-groups .proposal-card");
    if (!card || card.getAttribute("data-proposal-id") === currentId) return;
    cards().forEach(function (other) { other.classList.remove("kb-current"); });
    card.classList.add("kb-current");
    currentId = card.getAttribute("data-proposal-id");
  });

  var helpButton = document.querySelector("[data-keyboard-help]");
  if (helpButton && help) {
    helpButton.addEventListener("click", function () { help.showModal(); });
    helpButton.closest(".keyboard-help-line").hidden = false;
  }
  layout.classList.add("kb-on");
  remember(document);
  // The card a refused decision brought the page back to is the current one.
  var fragment = window.location.hash.match(/^#proposal-(\d+)$/);
  if (fragment && cardById(fragment[1])) {
    cardById(fragment[1]).classList.add("kb-current");
    currentId = fragment[1];
  }
}());
