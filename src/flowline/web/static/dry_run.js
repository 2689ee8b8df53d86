// Dry run: ask the server what a workflow would have done with the last days of history, and
// show its answer in the region named "Dry run". On the workflow form the button sends the
// form as it is now (unsaved); its problems come back as Save shows them. On the workflow page
// the small form runs the saved workflow (and works as a plain link without this script).
(() => {
  "use strict";

  const FETCH = { "X-Requested-With": "fetch" };
  const PART = "X-Flowline-Part";

  function csrf() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  function busy(region, days) {
    region.hidden = false;
    region.setAttribute("aria-busy", "true");
    const status = region.querySelector("[data-dry-run-status]");
    if (status) status.textContent = `Replaying the last ${days || 30} days…`;
  }

  function failed(region, text) {
    region.hidden = false;
    region.removeAttribute("aria-busy");
    const status = region.querySelector("[data-dry-run-status]");
    if (status) status.textContent = text;
  }

  // The server renders the whole region: it replaces the old one.
  async function swapIn(region, response) {
    const holder = document.createElement("div");
    holder.innerHTML = await response.text();
    const fresh = holder.querySelector("[data-dry-run-result]");
    if (!fresh) return failed(region, "The dry run did not answer. Reload the page and try again.");
    region.replaceWith(fresh);
    fresh.focus();
  }

  async function onPage(form) {
    const region = form.parentElement.querySelector("[data-dry-run-result]");
    const query = new URLSearchParams(new FormData(form));
    busy(region, query.get("dry_run_days"));
    try {
      const url = `${form.action}?${query}`;
      const response = await fetch(url, { headers: FETCH, credentials: "same-origin" });
      if (response.headers.get(PART) === "dry-run") return swapIn(region, response);
      failed(region, `The dry run failed (${response.status}). Reload the page and try again.`);
    } catch (error) {
      failed(region, "The dry run failed: the server did not answer.");
    }
  }

  async function onForm(button) {
    const form = button.form;
    const region = form.querySelector("[data-dry-run-result]");
    const body = new FormData(form);
    busy(region, body.get("dry_run_days"));
    button.disabled = true;
    try {
      const response = await fetch(button.dataset.dryRunUrl, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { ...FETCH, "X-CSRF-Token": csrf() },
      });
      if (response.headers.get(PART) === "dry-run") {
        await swapIn(region, response);
      } else if (response.status === 422) {
        // The form's problems, next to their fields, as Save shows them.
        form.innerHTML = await response.text();
        const summary = form.querySelector("[data-error-summary]");
        const count = summary ? summary.querySelectorAll("li").length : 0;
        failed(
          form.querySelector("[data-dry-run-result]"),
          `Dry run not started: ${count} problem${count === 1 ? "" : "s"} to fix.`,
        );
        if (summary) summary.focus();
      } else {
        failed(region, `The dry run failed (${response.status}). Reload the page and try again.`);
      }
    } catch (error) {
      failed(region, "The dry run failed: the server did not answer.");
    }
    const again = form.querySelector("button[data-dry-run-url]");
    if (again) again.disabled = false;
  }

  document.addEventListener("submit", (event) => {
    const form = event.target.closest("form[data-dry-run]");
    if (!form) return;
    event.preventDefault();
    onPage(form);
  });

  document.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-dry-run-url]");
    if (!button || !button.form) return;
    event.preventDefault();
    onForm(button);
  });
})();
