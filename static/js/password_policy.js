// Live checks of the eHealth keystore password policy while typing (same rules as the server:
// ehealth_certs/keystore/password_policy.py, worded by keystore_text.password_rules_for_browser(), hands them over in the "password-policy" JSON script element).
(function () {
  "use strict";
  var data = document.getElementById("password-policy");
  var list = document.getElementById("password-checks");
  var password = document.querySelector('input[data-password-policy="new"]');
  var confirmation = document.querySelector('input[data-password-policy="confirmation"]');
  if (!data || !list || !password) {
    return;
  }
  var policy = JSON.parse(data.textContent);

  function allIn(text, characters) {
    for (var i = 0; i < text.length; i += 1) {
      if (characters.indexOf(text.charAt(i)) === -1) {
        return false;
      }
    }
    return true;
  }

  function anyIn(text, characters) {
    for (var i = 0; i < text.length; i += 1) {
      if (characters.indexOf(text.charAt(i)) !== -1) {
        return true;
      }
    }
    return false;
  }

  function results() {
    var value = password.value;
    return {
      length: value.length >= policy.min_length,
      characters: value.length > 0 && allIn(value, policy.accepted),
      digit_or_symbol: anyIn(value, policy.digits_and_symbols),
      confirmation: confirmation ? confirmation.value.length > 0 && confirmation.value === value : true
    };
  }

  function update() {
    var passed = results();
    var touched = password.value.length > 0;
    list.querySelectorAll("[data-rule]").forEach(function (item) {
      var ok = passed[item.getAttribute("data-rule")];
      item.classList.toggle("text-success", touched && ok);
      item.classList.toggle("text-danger", touched && !ok);
      item.classList.toggle("text-body-secondary", !touched);
      item.setAttribute("data-passed", touched && ok ? "1" : "0");
      var mark = item.querySelector(".check-mark");
      if (mark) {
        mark.textContent = !touched ? "\u25CB" : ok ? "\u2713" : "\u2717";
      }
    });
  }

  password.addEventListener("input", update);
  if (confirmation) {
    confirmation.addEventListener("input", update);
  }
  update();
})();
