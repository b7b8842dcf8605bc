/* Triage form: show only the part of the form the chosen decision needs (everything stays
 * visible without JavaScript), and mark the recommended decision. */
(function () {
  "use strict";

  function chosen() {
    var checked = document.querySelector("#decision-group input[type=radio]:checked");
    return checked ? checked.value : "";
  }

  function recommended() {
    var element = document.getElementById("recommended-decision");
    return element ? element.dataset.recommendation : "";
  }

  function update() {
    var decision = chosen();
    document.querySelectorAll("[data-for-decision]").forEach(function (section) {
      section.hidden = section.dataset.forDecision !== decision;
    });
    var override = document.getElementById("override-section");
    if (override) {
      var reason = override.querySelector("textarea");
      var differs = decision && recommended() && decision !== recommended();
      override.hidden = !differs && !(reason && reason.value);
    }
    document.querySelectorAll("#decision-group input[type=radio]").forEach(function (input) {
      var label = document.querySelector("label[for='" + input.id + "']");
      if (label) { label.classList.toggle("fw-bold", input.value === recommended()); }
    });
  }

  document.addEventListener("change", function (event) {
    if (event.target.closest && event.target.closest("#decision-group")) { update(); }
  });
  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target.id === "recommendation") { update(); }
  });
  document.addEventListener("DOMContentLoaded", update);
})();
