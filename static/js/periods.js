// "Add a period" on the record form: copies the formset's empty row (the <template> element)
// with the next index and counts it in the management form. Without script, the button stays
// hidden and the form still offers one new row per save.
(function () {
  "use strict";
  var button = document.getElementById("add-period");
  var template = document.getElementById("period-template");
  var total = document.getElementById("id_periods-TOTAL_FORMS");
  var maximum = document.getElementById("id_periods-MAX_NUM_FORMS");
  var body = document.querySelector("#periods tbody");
  if (!button || !template || !total || !body) {
    return;
  }

  function addRow() {
    var index = parseInt(total.value, 10);
    if (maximum && index >= parseInt(maximum.value, 10)) {
      return;
    }
    var html = template.innerHTML.replace(/__prefix__/g, String(index));
    var holder = document.createElement("tbody");
    holder.innerHTML = html;
    var row = holder.querySelector("tr");
    body.appendChild(row);
    total.value = String(index + 1);
    var first = row.querySelector("select, input:not([type=hidden])");
    if (first) {
      first.focus();
    }
  }

  button.hidden = false;
  var hint = document.getElementById("add-period-without-script");
  if (hint) {
    hint.hidden = true;
  }
  button.addEventListener("click", addRow);
})();
