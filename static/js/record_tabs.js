// The record's tabs in the address bar: switching tab writes ?tab=<name> (a new history entry on
// the record page, the same entry on the form), so reload opens the same tab and the back button
// goes back to the previous one. Links marked data-keep-tab (e.g. "Edit") follow the shown tab,
// and a form's data-current-tab input sends it (the record opens on it after saving).
(function () {
  "use strict";
  var nav = document.querySelector("[data-tab-parameter]");
  if (!nav || !window.bootstrap) {
    return;
  }
  var parameter = nav.getAttribute("data-tab-parameter");
  var push = nav.getAttribute("data-tab-history") === "push";
  var tabs = Array.prototype.slice.call(nav.querySelectorAll("[data-tab]"));

  function follow(name) {
    document.querySelectorAll("a[data-keep-tab]").forEach(function (link) {
      var url = new URL(link.getAttribute("href"), window.location.href);
      url.searchParams.set(parameter, name);
      link.setAttribute("href", url.pathname + url.search + url.hash);
    });
    document.querySelectorAll("input[data-current-tab]").forEach(function (input) {
      input.value = name;
    });
  }

  nav.addEventListener("shown.bs.tab", function (event) {
    var name = event.target.getAttribute("data-tab");
    follow(name);
    var url = new URL(window.location.href);
    if (url.searchParams.get(parameter) === name) {
      return;
    }
    url.searchParams.set(parameter, name);
    url.hash = "";
    if (push) {
      window.history.pushState({ tab: name }, "", url.toString());
    } else {
      window.history.replaceState({ tab: name }, "", url.toString());
    }
  });

  window.addEventListener("popstate", function () {
    var name = new URL(window.location.href).searchParams.get(parameter);
    // no ?tab= (or an unknown one): the server shows the first tab
    var tab = tabs.filter(function (item) { return item.getAttribute("data-tab") === name; })[0] || tabs[0];
    window.bootstrap.Tab.getOrCreateInstance(tab).show();
  });
})();
