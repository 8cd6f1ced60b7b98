// Guest search from the keyboard: "/" back to the box, arrows through the results, Escape
// clears. Without it the page is a plain GET form with links.
(function () {
  "use strict";
  const box = document.getElementById("q");
  if (!box) return;
  function results() { return Array.from(document.querySelectorAll("#results a.hit")); }
  document.addEventListener("keydown", function (ev) {
    const active = document.activeElement;
    const typing = active && (active.tagName === "INPUT" || active.tagName === "TEXTAREA");
    if (ev.key === "/" && !typing) {
      ev.preventDefault();
      box.focus();
      box.select();
      return;
    }
    const links = results();
    const at = links.indexOf(active);
    if (ev.key === "ArrowDown" && (active === box || at >= 0) && links.length) {
      ev.preventDefault();
      links[Math.min(at + 1, links.length - 1)].focus();
    } else if (ev.key === "ArrowUp" && at >= 0) {
      ev.preventDefault();
      if (at === 0) box.focus(); else links[at - 1].focus();
    }
  });
})();
