/* The portal's totals (per measure, per municipality, overall; persons and VTE) follow what is typed.
 * Without this script the totals the server rendered stay (inventory/views/portal.py, _grid); this one sums
 * as the server does: a cell counts with a whole number of persons, its VTE only beside them, and a total
 * without any VTE shows none. Numbers are written with the page's separators (templatetags/numbers.py). */
(function () {
  "use strict";
  var table = document.querySelector("table[data-totals]");
  if (!table) {
    return;
  }
  var decimal = table.getAttribute("data-decimal-separator");
  var thousands = table.getAttribute("data-thousand-separator");
  var unit = table.getAttribute("data-fte-unit");
  var PERSONS = /^[0-9]+$/;
  var FTE = /^[0-9]+([.,][0-9]+)?$/;

  function grouped(number) {
    return String(number).replace(/\B(?=([0-9]{3})+(?![0-9]))/g, thousands);
  }

  // 950 hundredths -> "9,5"; 1200 -> "12"; 1205 -> "12,05": at most two decimals, as the fte filter.
  function fteText(cents) {
    var text = grouped(Math.floor(cents / 100));
    var rest = cents % 100;
    if (rest) {
      text += decimal + (rest % 10 ? String(rest).padStart(2, "0") : String(rest / 10));
    }
    return text;
  }

  // A cell's value: what is typed in its input, or (a cell this user may not fill in) what the server wrote.
  function typed(cell, selector, attribute) {
    var input = cell.querySelector(selector);
    var text = input ? input.value : cell.getAttribute(attribute) || "";
    return text.trim();
  }

  function persons(cell) {
    var text = typed(cell, 'input[name^="p-"], input[name^="n-"]', "data-persons");
    return PERSONS.test(text) ? parseInt(text, 10) : null;
  }

  function fte(cell) {
    var text = typed(cell, 'input[name^="v-"], input[name^="nv-"]', "data-fte");
    return FTE.test(text) ? Math.round(parseFloat(text.replace(",", ".")) * 100) : null;
  }

  function add(totals, key, count, cents) {
    var total = totals[key] || (totals[key] = { persons: 0, cents: null, cells: 0 });
    total.persons += count;
    total.cells += 1;
    if (cents !== null) {
      total.cents = (total.cents || 0) + cents;
    }
  }

  function show(cell, total) {
    // The column "Nieuwe gemeente" has no total until something is typed there, as on the server.
    var blank = !total.cells && cell.getAttribute("data-total") === "col-new";
    cell.querySelector("[data-persons-total]").textContent = blank ? "" : grouped(total.persons);
    var fteTotal = cell.querySelector("[data-fte-total]");
    fteTotal.hidden = total.cents === null;
    if (total.cents !== null) {
      fteTotal.querySelector("[data-fte-value]").textContent = fteText(total.cents) + " " + unit;
    }
  }

  function update() {
    var totals = {};
    var empty = { persons: 0, cents: null, cells: 0 };
    table.querySelectorAll("td[data-row]").forEach(function (cell) {
      var count = persons(cell);
      if (count === null) {
        return;
      }
      var cents = fte(cell);
      add(totals, "row-" + cell.getAttribute("data-row"), count, cents);
      add(totals, "col-" + cell.getAttribute("data-col"), count, cents);
      add(totals, "all", count, cents);
    });
    table.querySelectorAll("[data-total]").forEach(function (cell) {
      show(cell, totals[cell.getAttribute("data-total")] || empty);
    });
  }

  table.addEventListener("input", update);
  // A form sent back with errors shows what was typed: its totals too, not only the saved ones.
  update();
})();
