// Show or hide every chapter's code at once; each cell's own "code" switch still works on its own.
(function () {
  const button = document.getElementById("toggle-code");
  if (!button) return;
  const cells = document.querySelectorAll("details.cell-code");
  button.hidden = cells.length === 0;
  button.addEventListener("click", function () {
    const show = button.getAttribute("aria-pressed") !== "true";
    cells.forEach(function (cell) { cell.open = show; });
    button.setAttribute("aria-pressed", String(show));
    button.textContent = show ? "Hide code" : "Show code";
  });
})();
