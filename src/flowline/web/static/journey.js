// Editing a live workflow: Save first confirms what happens to the people in it.
// Listens while the submit event goes down (capture), before the form's own handler saves it.
(() => {
  "use strict";

  document.addEventListener(
    "submit",
    (event) => {
      const form = event.target.closest("form[data-confirm-save]");
      if (!form || window.confirm(form.dataset.confirmSave)) return;
      event.preventDefault();
      event.stopPropagation();
    },
    true,
  );
})();
