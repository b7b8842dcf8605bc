// Behaviour shared by all pages, kept out of the templates so the Content-Security-Policy can
// refuse inline scripts.
//   <select data-submit-on-change>   submits its form when the choice changes
//   <button data-confirm="Sure?">     asks before submitting
document.addEventListener("change", (event) => {
  const field = event.target.closest("[data-submit-on-change]");
  if (field && field.form) field.form.submit();
});
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-confirm]");
  if (button && !window.confirm(button.dataset.confirm)) event.preventDefault();
});
//   <input readonly data-select-on-focus>  selects its text (a link to copy) when focused
document.addEventListener("focusin", (event) => {
  if (event.target.matches("[data-select-on-focus]")) event.target.select();
});

// Accessibility shared by every page (WCAG 2.1 AA, checked in CI by tests/browser/test_accessibility.py).
(function () {
  "use strict";

  // A region that scrolls sideways (a wide table in .table-responsive, a row of tabs) must be
  // reachable by keyboard to be scrolled: it takes the focus and is named after its table's
  // caption, only while it really overflows.
  function focusableScrollRegions(root) {
    root.querySelectorAll(".table-responsive, [data-scroll-region], .overflow-auto").forEach(function (region) {
      var overflows = region.scrollWidth > region.clientWidth + 1 || region.scrollHeight > region.clientHeight + 1;
      if (overflows && !region.hasAttribute("tabindex")) {
        region.setAttribute("tabindex", "0");
        region.dataset.scrollFocusable = "";
        if (!region.hasAttribute("role")) { region.setAttribute("role", "region"); }
        var caption = region.querySelector("caption");
        if (!region.hasAttribute("aria-label") && !region.hasAttribute("aria-labelledby")) {
          var name = caption ? caption.textContent : region.getAttribute("data-scroll-region") || "";
          if (name.trim()) { region.setAttribute("aria-label", name.trim()); }
          else { region.removeAttribute("role"); }
        }
      } else if (!overflows && region.dataset.scrollFocusable !== undefined) {
        region.removeAttribute("tabindex");
        delete region.dataset.scrollFocusable;
      }
    });
  }

  // Form errors: each invalid field is described by its error message (aria-describedby) and
  // marked aria-invalid, whatever rendered it (crispy forms, Django, a hand-written template);
  // after a submission with errors the focus goes to the first error, so a screen reader
  // reads it and a keyboard user starts there.
  var ERROR = ".invalid-feedback, .errorlist, .error-message";
  var CONTROL = "input:not([type=hidden]), select, textarea";
  var counter = 0;

  function controlsOf(error) {
    var scope = error.parentElement;
    while (scope && scope.tagName !== "FORM" && scope !== document.body) {
      var controls = scope.querySelectorAll(CONTROL + ", .is-invalid");
      var invalid = Array.prototype.filter.call(controls, function (control) {
        return control.matches(CONTROL) && (control.classList.contains("is-invalid") || control.getAttribute("aria-invalid") === "true");
      });
      if (invalid.length) { return invalid; }
      if (controls.length) { return Array.prototype.filter.call(controls, function (c) { return c.matches(CONTROL); }); }
      scope = scope.parentElement;
    }
    return [];
  }

  function linkErrors(root) {
    var first = null;
    root.querySelectorAll("form").forEach(function (form) {
      form.querySelectorAll(ERROR).forEach(function (error) {
        if (!error.textContent.trim()) { return; }
        if (!error.id) { counter += 1; error.id = "form-error-" + counter; }
        var wholeForm = error.closest(".alert") || error.classList.contains("nonfield");
        var controls = wholeForm ? [] : controlsOf(error);
        if (wholeForm && !first) {
          var box = error.closest(".alert") || error;
          box.setAttribute("tabindex", "-1");
          first = box;
        }
        controls.forEach(function (control) {
          var described = (control.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
          if (described.indexOf(error.id) === -1) { described.push(error.id); }
          control.setAttribute("aria-describedby", described.join(" "));
          control.setAttribute("aria-invalid", "true");
        });
        if (!first) { first = controls[0] || null; }
      });
      if (!first) { first = form.querySelector(".is-invalid:is(input, select, textarea)"); }
    });
    return first;
  }

  function focusFirstError(root) {
    var first = linkErrors(root);
    if (first && !first.contains(document.activeElement)) {
      first.focus();
      if (first.scrollIntoView) { first.scrollIntoView({ block: "center" }); }
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    focusableScrollRegions(document);
    focusFirstError(document);
  });
  // A URL ending in #main (a form posted after the skip link was used) makes the browser move
  // to <main> once the page has loaded: the first error takes the focus back.
  window.addEventListener("load", function () {
    window.setTimeout(function () {
      var active = document.activeElement;
      if (!active || active === document.body || active.id === "main") { focusFirstError(document); }
    }, 0);
  });

  // The skip link moves the focus to the page's content without adding #main to the address
  // (which a form on the page would then post back to).
  document.addEventListener("click", function (event) {
    var link = event.target.closest(".skip-link");
    var target = link && document.querySelector(link.getAttribute("href"));
    if (!target) { return; }
    event.preventDefault();
    target.focus();
    target.scrollIntoView();
  });
  window.addEventListener("resize", function () { focusableScrollRegions(document); });
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    focusableScrollRegions(target.parentElement || target);
    // Only a submission the person made moves their focus; a poll (the console) never does.
    var verb = event.detail.requestConfig && event.detail.requestConfig.verb;
    if (verb && verb.toLowerCase() !== "get") { focusFirstError(target); } else { linkErrors(target); }
  });
})();
