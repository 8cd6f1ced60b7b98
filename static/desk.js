// The arrival board's small behaviours: drawer, badge reasons by tap, keyboard shortcuts,
// alert housekeeping. Everything works without it too (plain links and forms).
(function () {
  "use strict";
  if (window.htmx) {
    // Validation errors (422) carry the form back with its messages: show them.
    htmx.config.responseHandling = [
      { code: "204", swap: false },
      { code: "[23]..", swap: true },
      { code: "422", swap: true },
      { code: "[45]..", swap: false, error: true },
    ];
  }
  // The hotel picker submits itself (no inline handler: the CSP runs none).
  document.querySelectorAll("[data-submit-on-change]").forEach(function (field) {
    field.addEventListener("change", function () { field.form.submit(); });
  });
  const drawer = document.getElementById("drawer");
  const search = document.getElementById("q");
  let opener = null;

  function localTimes(root) {
    root.querySelectorAll("time.local-time").forEach(function (t) {
      const when = new Date(t.getAttribute("datetime"));
      if (!isNaN(when)) {
        t.textContent = when.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
      }
    });
  }

  function openDrawer() {
    if (!drawer) return;
    drawer.hidden = false;
    drawer.focus();
  }
  function closeDrawer() {
    if (!drawer || drawer.hidden) return;
    drawer.hidden = true;
    if (opener) opener.focus();
  }

  document.addEventListener("click", function (ev) {
    const target = ev.target;
    if (target.closest(".guest-name")) opener = target.closest(".guest-name");
    const badge = target.closest(".badge");
    if (badge) {
      const open = badge.getAttribute("aria-expanded") === "true";
      document.querySelectorAll('.badge[aria-expanded="true"]').forEach(function (b) {
        b.setAttribute("aria-expanded", "false");
      });
      badge.setAttribute("aria-expanded", open ? "false" : "true");
    }
    if (target.closest('[data-action="close-drawer"]')) closeDrawer();
    if (target.closest('[data-action="print"]')) window.print();
    if (target.closest(".alert .dismiss")) target.closest(".alert").remove();
  });

  document.body.addEventListener("htmx:afterSwap", function (ev) {
    if (ev.detail.target && ev.detail.target.id === "drawer-body") openDrawer();
  });
  document.body.addEventListener("htmx:load", function (ev) { localTimes(ev.detail.elt); });
  function markIn(status) {
    const row = status && status.closest ? status.closest(".arrival") : null;
    if (!row || row.classList.contains("is-in")) return;
    row.classList.add("is-in");
    const waiting = document.getElementById("waiting-count");
    if (waiting) waiting.textContent = Math.max(0, parseInt(waiting.textContent, 10) - 1);
  }
  // A check-in here (direct swap) or on another screen (out-of-band from the poll): sweep for
  // rows whose status now says checked in, rather than trust which element the swap reports.
  function sweep() {
    document.querySelectorAll(".arrival:not(.is-in) .status .checked").forEach(function (c) {
      markIn(c);
    });
    // A check-in undone (here or on another screen): the row is waiting again.
    document.querySelectorAll(".arrival.is-in").forEach(function (row) {
      if (row.querySelector(".status .checked")) return;
      row.classList.remove("is-in");
      const waiting = document.getElementById("waiting-count");
      if (waiting) waiting.textContent = parseInt(waiting.textContent, 10) + 1;
    });
    localTimes(document);
  }
  // New and changed bookings of this board's day, carried by the poll: each row replaces its
  // old self, or joins the list at the top.
  function placeIncoming() {
    const incoming = document.getElementById("incoming-rows");
    if (!incoming) return;
    const list = document.getElementById("arrivals");
    Array.from(incoming.content.querySelectorAll("article.arrival")).forEach(function (row) {
      const old = document.getElementById(row.id);
      if (old) {
        old.replaceWith(row);
      } else if (list) {
        const empty = list.querySelector(".empty");
        if (empty) empty.remove();
        list.prepend(row);
        const waiting = document.getElementById("waiting-count");
        if (waiting && !row.querySelector(".status .checked")) {
          waiting.textContent = parseInt(waiting.textContent, 10) + 1;
        }
      }
      if (window.htmx) htmx.process(row);
    });
    incoming.remove();
    localTimes(document);
  }
  document.body.addEventListener("htmx:afterSettle", placeIncoming);
  document.body.addEventListener("htmx:afterSettle", sweep);
  document.body.addEventListener("htmx:oobAfterSwap", sweep);

  // The drawer is a modal dialog: Tab and Shift-Tab stay inside it while it is open.
  document.addEventListener("keydown", function (ev) {
    if (ev.key !== "Tab" || !drawer || drawer.hidden) return;
    const focusable = Array.from(drawer.querySelectorAll(
      'a[href], button:not([disabled]), input:not([type="hidden"]), select, textarea, summary, [tabindex]:not([tabindex="-1"])'
    )).filter(function (el) {
      // Shown, and not inside a closed <details> (whose contents take no focus).
      return el.getClientRects().length && !el.closest("details:not([open]) > :not(summary)");
    });
    if (!focusable.length) { ev.preventDefault(); drawer.focus(); return; }
    const first = focusable[0], last = focusable[focusable.length - 1];
    if (ev.shiftKey && (document.activeElement === first || document.activeElement === drawer)) {
      ev.preventDefault(); last.focus();
    } else if (!ev.shiftKey && document.activeElement === last) {
      ev.preventDefault(); first.focus();
    } else if (!drawer.contains(document.activeElement)) {
      ev.preventDefault(); first.focus();
    }
  });

  document.addEventListener("keydown", function (ev) {
    const typing = /^(INPUT|TEXTAREA|SELECT)$/.test(ev.target.tagName);
    if (ev.key === "Escape") {
      closeDrawer();
      document.querySelectorAll('.badge[aria-expanded="true"]').forEach(function (b) {
        b.setAttribute("aria-expanded", "false");
      });
      return;
    }
    if (typing) return;
    if (ev.key === "/" && search) { ev.preventDefault(); search.focus(); return; }
    const rows = Array.from(document.querySelectorAll(".arrival"));
    const at = rows.indexOf(document.activeElement.closest ? document.activeElement.closest(".arrival") : null);
    if (ev.key === "j" || ev.key === "ArrowDown") {
      if (rows.length) { ev.preventDefault(); rows[Math.min(at + 1, rows.length - 1)].focus(); }
    } else if (ev.key === "k" || ev.key === "ArrowUp") {
      if (rows.length) { ev.preventDefault(); rows[Math.max(at - 1, 0)].focus(); }
    } else if (ev.key === "Enter" && document.activeElement.classList.contains("arrival")) {
      const name = document.activeElement.querySelector(".guest-name");
      if (name && name.tagName === "BUTTON") { ev.preventDefault(); name.click(); }
    }
  });

  localTimes(document);
})();
