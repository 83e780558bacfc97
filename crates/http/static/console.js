// Tessera console: small enhancements only; every page works without this file.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  // The Share dialog opens as a modal: focus stays inside, Escape goes back.
  var dialog = document.getElementById("share-dialog");
  if (dialog && typeof dialog.showModal === "function") {
    dialog.close();
    dialog.showModal();
    dialog.addEventListener("cancel", function (event) {
      event.preventDefault();
      window.location.href = dialog.dataset.back;
    });
  }
});
