// After a failed submit the page comes back with an error box at the top
// (role="alert", tabindex="-1"): move the keyboard focus to it, so that
// screen readers read it first and Tab continues from it to the links to
// the inputs in error. Without JavaScript the box is still the first thing
// in the content.
(function () {
  "use strict";
  function focusErrors() {
    var box = document.querySelector('[role="alert"][tabindex="-1"]');
    if (box && typeof box.focus === "function") {
      box.focus();
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", focusErrors);
  } else {
    focusErrors();
  }
})();
