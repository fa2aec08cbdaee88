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

// A box whose table is wider than the text column scrolls sideways: it becomes a named region the keyboard can
// reach (tab to it, then the arrow keys scroll it), with its first column kept in view.
(function () {
  // text reads from the left and wraps at a readable width; a long unbroken token (an address) may break
  // anywhere; numbers stay right-aligned and never break
  document.querySelectorAll("td").forEach(function (cell) {
    const text = cell.textContent.trim();
    if (!text || /^[-+−–$€£%.,\d\s]+$/.test(text)) return;
    cell.classList.add("text");
    if (text.length > 24) cell.classList.add("long-text");
    if (text.split(/\s+/).some(function (word) { return word.length > 18; })) cell.classList.add("breakable");
  });
  // a wide table outside an output box (a table written in a chapter's text) gets a box of its own first
  document.querySelectorAll("main table").forEach(function (table) {
    if (table.closest(".jp-OutputArea-output, .table-wrap")) return;
    const wrap = document.createElement("div");
    wrap.className = "table-wrap";
    table.parentNode.insertBefore(wrap, table);
    wrap.appendChild(table);
  });
  const boxes = document.querySelectorAll(".jp-OutputArea-output, .table-wrap");
  boxes.forEach(function (box) {
    // a table in a closed "show all rows" block counts too: it is wide once the reader opens the block
    const wide = [...box.querySelectorAll("table")].some(function (table) {
      return table.getBoundingClientRect().width > box.clientWidth + 1;
    });
    if (box.scrollWidth <= box.clientWidth + 1 && !wide) return;
    const caption = box.querySelector("caption");
    box.classList.add("scrolls");
    box.setAttribute("tabindex", "0");
    box.setAttribute("role", "region");
    box.setAttribute("aria-label", (caption ? caption.textContent.trim() + " " : "") + "(table, scrolls sideways)");
  });
})();
