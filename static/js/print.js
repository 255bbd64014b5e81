// The print view's "Print" button (shown only when this script runs: without it, the browser's own
// print command prints the same page).
(function () {
  "use strict";
  document.querySelectorAll('[data-action="print"]').forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      window.print();
    });
  });
})();
