// Tables that read well (tables.css has the matching rules):
// - number columns align on the decimal point: each number cell is split into its integer
//   part and the rest (".5", ".2e-7", ".0075 to 0.019", "%", " *"), and every part of a column is
//   given the width of the widest, so that the points line up;
// - a table wider than its column scrolls inside mdBook's div.table-wrapper, and the edge
//   where it is clipped fades out (classes clipped-right / clipped-left) as a cue to scroll;
// - short headers and formulas in headers stay on one line.
// Plain JavaScript, run once at load; tests/browser/checks/tables.mjs checks both.
(function () {
  "use strict";
  // A cell that starts with a number: its sign and integer digits, then the rest (".5",
  // ".2e-7", ".0075 to 0.019", "%", ", 3.800", " *"), which may be anything.
  var NUMBER = /^([-\u2212+]?\d+)([\s\S]*)$/;
  // Headers up to this many characters are kept on one line.
  var SHORT_HEADER = 16;
  // Cells that stand for "no number" in a number column.
  var BLANK = /^(?:|—|–|-|NaN|inf|-inf|n\/a)$/;

  function plainText(cell) {
    for (var i = 0; i < cell.childNodes.length; i++) {
      if (cell.childNodes[i].nodeType !== Node.TEXT_NODE) return null;
    }
    return cell.textContent.trim();
  }

  function alignColumns(table) {
    var rows = table.tBodies.length ? table.tBodies[0].rows : [];
    if (!rows.length) return;
    var columns = rows[0].cells.length;
    for (var c = 0; c < columns; c++) {
      var cells = [], numbers = 0, numeric = true;
      for (var r = 0; r < rows.length && numeric; r++) {
        var cell = rows[r].cells[c];
        var text = cell ? plainText(cell) : null;
        if (text === null) { numeric = false; break; }
        var m = NUMBER.exec(text);
        if (m) { numbers++; cells.push([cell, m[1], m[2]]); }
        else if (!BLANK.test(text)) numeric = false;
      }
      if (!numeric || numbers < 2) continue;
      var parts = [];
      cells.forEach(function (x) {
        var whole = document.createElement("span"), rest = document.createElement("span");
        whole.className = "num-int";
        rest.className = "num-frac";
        whole.textContent = x[1];
        rest.textContent = x[2];
        x[0].textContent = "";
        x[0].appendChild(whole);
        x[0].appendChild(rest);
        x[0].classList.add("num");
        parts.push([whole, rest]);
      });
      columnsParts.push(parts);
    }
  }

  // The number cells of each aligned column, as [integer span, rest span] pairs.
  var columnsParts = [];

  // The widest integer part and the widest rest of a column set the widths of all of them
  // (measured again once the web fonts have loaded, as they change the widths).
  function sizeColumns() {
    columnsParts.forEach(function (parts) {
      var widest = [0, 0];
      parts.forEach(function (p) {
        p[0].style.minWidth = p[1].style.minWidth = "";
        widest[0] = Math.max(widest[0], p[0].getBoundingClientRect().width);
        widest[1] = Math.max(widest[1], p[1].getBoundingClientRect().width);
      });
      parts.forEach(function (p) {
        p[0].style.minWidth = Math.ceil(widest[0]) + "px";
        p[1].style.minWidth = Math.ceil(widest[1]) + "px";
      });
    });
  }

  // Marks the edges where a scrolling table is clipped, so that tables.css fades them.
  function markClipped(wrapper) {
    var left = wrapper.scrollLeft;
    var hidden = wrapper.scrollWidth - wrapper.clientWidth;
    wrapper.classList.toggle("clipped-left", left > 1);
    wrapper.classList.toggle("clipped-right", hidden - left > 1);
  }

  function init() {
    var main = document.querySelector("main") || document.body;
    main.querySelectorAll("table").forEach(alignColumns);
    // A short header (a symbol, a formula such as "1 − ηa", a name with its unit) is not
    // broken over lines, which would squeeze its column narrower than the formula.
    main.querySelectorAll("th").forEach(function (th) {
      if (th.textContent.trim().length <= SHORT_HEADER) th.classList.add("short-header");
    });
    sizeColumns();
    var wrappers = main.querySelectorAll(".table-wrapper");
    wrappers.forEach(function (w) {
      markClipped(w);
      w.addEventListener("scroll", function () { markClipped(w); }, { passive: true });
    });
    var refresh = function () { wrappers.forEach(markClipped); };
    window.addEventListener("resize", refresh);
    if (document.fonts && document.fonts.ready) {
      document.fonts.ready.then(function () { sizeColumns(); refresh(); });
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
