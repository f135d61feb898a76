// Sortable tables: a header's button sorts by its column's data-sort values, numbers as numbers;
// cells without a value stay last in either direction.
document.querySelectorAll("table.sortable").forEach(function (table) {
  table.querySelectorAll("thead th[data-col]").forEach(function (th) {
    th.querySelector("button").addEventListener("click", function () {
      var col = Number(th.dataset.col);
      var ascending = th.getAttribute("aria-sort") !== "ascending";
      table.querySelectorAll("thead th").forEach(function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = a.cells[col].dataset.sort, y = b.cells[col].dataset.sort;
        if (x === "" || y === "") { return (x === "") - (y === ""); }
        var nx = Number(x), ny = Number(y);
        var order = (isNaN(nx) || isNaN(ny)) ? x.localeCompare(y) : nx - ny;
        return ascending ? order : -order;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
});
