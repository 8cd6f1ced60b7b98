// Review keyboard: s same, d different, j next, k previous; never while typing a reason.
document.addEventListener("keydown", (event) => {
  const target = event.target;
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA")) return;
  const actions = {
    s: () => document.getElementById("same-form")?.requestSubmit(),
    d: () => document.getElementById("different-form")?.requestSubmit(),
    j: () => document.getElementById("next-task")?.click(),
    k: () => document.getElementById("prev-task")?.click(),
  };
  const action = actions[event.key];
  if (action) {
    event.preventDefault();
    action();
  }
});
