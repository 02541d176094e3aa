// Sorts a table marked data-sortierbar by the column whose heading is clicked.
// Each cell carries its raw value in data-wert; numbers sort as numbers, text as German text.
"use strict";
for (const table of document.querySelectorAll("table[data-sortierbar]")) {
  const headings = [...table.tHead.rows[0].cells];
  headings.forEach((heading, column) => {
    heading.querySelector("button").addEventListener("click", () => {
      const ascending = heading.getAttribute("aria-sort") !== "ascending";
      headings.forEach((other) => other.removeAttribute("aria-sort"));
      heading.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      const body = table.tBodies[0];
      const value = (row) => row.cells[column].dataset.wert;
      const rows = [...body.rows].sort((a, b) => {
        const x = value(a), y = value(b);
        const order = x !== "" && y !== "" && !isNaN(x) && !isNaN(y)
          ? Number(x) - Number(y)
          : x.localeCompare(y, "de");
        return ascending ? order : -order;
      });
      body.append(...rows);
    });
  });
}
