// The review panel: text selected in the story fills the manual-redaction form, with the
// field it was selected in. Without this script the curator types the text instead.
(function () {
  "use strict";
  var form = document.getElementById("redaction-form");
  if (!form) {
    return;
  }
  var text = document.getElementById("redaction-text");
  var field = document.getElementById("redaction-field");

  function fieldOf(node) {
    var el = node && (node.nodeType === 1 ? node : node.parentElement);
    while (el && !el.hasAttribute("data-field")) {
      el = el.parentElement;
    }
    return el;
  }

  function choose(path) {
    var found = false;
    for (var i = 0; i < field.options.length; i++) {
      if (field.options[i].value === path) {
        found = true;
      }
    }
    if (!found) {
      var option = document.createElement("option");
      option.value = path;
      option.textContent = path;
      field.appendChild(option);
    }
    field.value = path;
  }

  document.addEventListener("mouseup", function () {
    var selection = window.getSelection();
    if (!selection || selection.isCollapsed) {
      return;
    }
    var start = fieldOf(selection.anchorNode);
    var end = fieldOf(selection.focusNode);
    if (!start || start !== end) {
      return;
    }
    var chosen = selection.toString().trim();
    if (chosen.length === 0 || chosen.length > 500) {
      return;
    }
    text.value = chosen;
    choose(start.getAttribute("data-field"));
    text.focus();
  });
})();
