/* The birthplace comboboxes (ARIA 1.2 combobox with list autocomplete). htmx fills each
   listbox as the administrator types (candidates:birthplace_suggest); this script
   - shows the listbox when it has options and says so (aria-expanded),
   - moves through the options with the arrow keys (aria-activedescendant), takes one
     with Enter or a click, closes with Escape,
   - fills the name typed and the INSEE code (and, for a country, the country field).
   Without it the inputs are plain text fields, checked when the form is saved. */
(function () {
  "use strict";

  function parts(box) {
    var input = box.querySelector("[role=combobox]");
    return { input: input, listbox: document.getElementById(input.getAttribute("aria-controls")) };
  }

  function options(listbox) {
    return Array.prototype.slice.call(listbox.querySelectorAll("[role=option]"));
  }

  function close(box) {
    var p = parts(box);
    p.listbox.hidden = true;
    p.input.setAttribute("aria-expanded", "false");
    p.input.removeAttribute("aria-activedescendant");
  }

  function open(box) {
    var p = parts(box);
    var found = options(p.listbox).length > 0;
    p.listbox.hidden = !found;
    p.input.setAttribute("aria-expanded", found ? "true" : "false");
    p.input.removeAttribute("aria-activedescendant");
  }

  function activate(box, index) {
    var p = parts(box);
    var all = options(p.listbox);
    if (!all.length) { return; }
    if (p.listbox.hidden) { open(box); }
    index = (index + all.length) % all.length;
    all.forEach(function (option, i) { option.setAttribute("aria-selected", i === index ? "true" : "false"); });
    p.input.setAttribute("aria-activedescendant", all[index].id);
    all[index].scrollIntoView({ block: "nearest" });
  }

  function current(box) {
    var p = parts(box);
    var id = p.input.getAttribute("aria-activedescendant");
    return id ? document.getElementById(id) : null;
  }

  function take(box, option) {
    var p = parts(box);
    var code = document.getElementById(box.getAttribute("data-code-input"));
    p.input.value = option.getAttribute("data-name");
    if (code) { code.value = option.getAttribute("data-code"); }
    close(box);
    p.input.focus();
    var status = document.getElementById(p.listbox.id + "-status");
    if (status) { status.textContent = option.textContent.replace(/\s+/g, " ").trim(); }
  }

  document.addEventListener("htmx:afterSwap", function (event) {
    var box = event.detail.target.closest && event.detail.target.closest(".birthplace-combobox");
    if (box && event.detail.target.getAttribute("role") === "listbox") { open(box); }
  });

  document.addEventListener("keydown", function (event) {
    var box = event.target.closest && event.target.closest(".birthplace-combobox");
    if (!box || event.target.getAttribute("role") !== "combobox") { return; }
    var active = current(box);
    var all = options(parts(box).listbox);
    var index = active ? all.indexOf(active) : -1;
    if (event.key === "ArrowDown") {
      event.preventDefault();
      activate(box, index + 1);
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      activate(box, index < 0 ? all.length - 1 : index - 1);
    } else if (event.key === "Enter" && active && !parts(box).listbox.hidden) {
      event.preventDefault();
      take(box, active);
    } else if (event.key === "Escape" && !parts(box).listbox.hidden) {
      event.preventDefault();
      close(box);
    }
  });

  document.addEventListener("focusout", function (event) {
    var box = event.target.closest && event.target.closest(".birthplace-combobox");
    if (box && !(event.relatedTarget && box.contains(event.relatedTarget))) {
      // A click on an option arrives after the focus left: let it be taken first.
      window.setTimeout(function () {
        if (!box.contains(document.activeElement)) { close(box); }
      }, 150);
    }
  });

  document.addEventListener("click", function (event) {
    var option = event.target.closest && event.target.closest(".birthplace-combobox [role=option]");
    if (option) {
      take(option.closest(".birthplace-combobox"), option);
      return;
    }
    document.querySelectorAll(".birthplace-combobox").forEach(function (box) {
      if (!box.contains(event.target)) { close(box); }
    });
  });
}());
