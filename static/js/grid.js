/* The scoring grid. htmx swaps the answer to each save: the status region alone when it
   is saved, the whole cell when refused (409 stale, 422 invalid). This
   - keeps input typed or chosen while a refused save was on its way (the whole cell is
     then not replaced; its message is shown and the newer input saves next),
   - says so when a save fails (network down, server error), and clears that mark on the
     next success. */
(function () {
  "use strict";
  var failed = document.getElementById("grid-messages").getAttribute("data-failed");

  function formOf(event) {
    return event.detail.elt.closest("form.cell");
  }

  function values(form) {
    return new URLSearchParams(new FormData(form)).toString();
  }

  function showStatus(form, kind, message) {
    var status = form.querySelector(".cell__status");
    status.className = "cell__status cell__status--" + kind;
    status.querySelector(".cell__message").textContent = message;
  }

  document.body.addEventListener("htmx:beforeRequest", function (event) {
    var form = formOf(event);
    if (form) { form.setAttribute("data-sent", values(form)); }
  });

  document.body.addEventListener("htmx:beforeSwap", function (event) {
    var form = formOf(event);
    var status = event.detail.xhr.status;
    if (!form || (status !== 409 && status !== 422)) { return; }
    if (form.getAttribute("data-sent") === values(form)) { return; }
    event.detail.shouldSwap = false;
    var answer = new DOMParser().parseFromString(event.detail.xhr.responseText, "text/html");
    var message = answer.querySelector("#" + form.id + " .cell__message");
    showStatus(form, status === 409 ? "conflict" : "invalid", message ? message.textContent : "");
  });

  function showFailure(event) {
    var form = formOf(event);
    if (form) { showStatus(form, "failed", failed); }
  }

  document.body.addEventListener("htmx:responseError", showFailure);
  document.body.addEventListener("htmx:sendError", showFailure);
  document.body.addEventListener("htmx:afterSwap", function (event) {
    var form = formOf(event);
    if (form && event.detail.xhr.status === 200 && form.isConnected) {
      form.querySelector(".cell__status").className = "cell__status cell__status--saved";
    }
  });
})();
