// "Copy" buttons (data-copy: the id of the element whose text they copy). Shown only when this
// script runs; without it, the text is selected with one click (user-select-all) and copied by hand.
(function () {
  "use strict";
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var source = document.getElementById(button.dataset.copy);
    var status = document.getElementById("copy-status");
    if (!source) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      var text = source.textContent.trim();
      var say = function (words) {
        if (status) {
          status.textContent = words;
        }
      };
      var selectIt = function () {
        var range = document.createRange();
        range.selectNodeContents(source);
        window.getSelection().removeAllRanges();
        window.getSelection().addRange(range);
        say(button.dataset.copyFailed);
      };
      if (!navigator.clipboard) {
        selectIt();
        return;
      }
      navigator.clipboard.writeText(text).then(function () {
        say(button.dataset.copied);
      }, selectIt);
    });
  });
})();
