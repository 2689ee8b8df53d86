// Flowline web UI: a little script on server-rendered pages. Every rule is checked by the server;
// this only moves fields around, sends the CSRF token with its requests and swaps in answers.
"use strict";

(function () {
  const csrf = () => document.querySelector('meta[name="csrf-token"]').content;
  const own = (step, selector) =>
    [...step.querySelectorAll(selector)].filter((el) => el.closest("[data-step]") === step);
  const fid = (name) => "f-" + name.replace(/\./g, "-");
  const TAG = /^[A-Za-z_][A-Za-z0-9_]*$/;

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch", "X-CSRF-Token": csrf() },
    });
  }

  function formBody(fields) {
    const body = new FormData();
    for (const [name, value] of Object.entries(fields)) body.append(name, value);
    return body;
  }

  function debounce(fn, ms) {
    let timer = null;
    return (...args) => {
      clearTimeout(timer);
      timer = setTimeout(() => fn(...args), ms);
    };
  }

  // Fields shown only for some choices: data-show-if="name=a,b" (select) or "name" (checkbox);
  // data-show-if-field="filter.enabled" looks inside the same step.
  function controlValue(control) {
    if (!control) return null;
    if (control.type === "checkbox") return control.checked ? "on" : "";
    return control.value;
  }

  function shows(rule, control) {
    const [, wanted] = rule.split("=");
    const value = controlValue(control);
    return wanted === undefined ? value === "on" : wanted.split(",").includes(value);
  }

  function applyToggles(scope) {
    scope.querySelectorAll("[data-show-if]").forEach((el) => {
      const rule = el.dataset.showIf;
      const control = scope.querySelector(`[name="${rule.split("=")[0]}"]`);
      el.hidden = !shows(rule, control);
    });
    scope.querySelectorAll("[data-show-if-field]").forEach((el) => {
      const step = el.closest("[data-step]");
      const control = step && own(step, `[data-field="${el.dataset.showIfField}"]`)[0];
      el.hidden = !shows(el.dataset.showIfField, control);
    });
  }

  // ---- The workflow form: steps that can be added, moved, removed and nested. ----

  function stepLabel(path) {
    // A split path's own list name (`steps.0.paths.1.steps.0`) is left out, as the server does.
    const parts = path.split(".").slice(1).filter((p) => p !== "steps");
    return "Step " + parts.map((p) => (/^\d+$/.test(p) ? String(Number(p) + 1) : p)).join(".");
  }

  function rename(el, name) {
    el.name = name;
    const id = fid(name);
    el.id = id;
    const wrap = el.closest(".field");
    if (!wrap) return;
    const label = wrap.querySelector("label[for]");
    if (label) label.htmlFor = id;
    const described = [];
    const hint = wrap.querySelector(":scope > .hint");
    if (hint) {
      hint.id = id + "-hint";
      described.push(hint.id);
    }
    const error = wrap.querySelector(":scope > .error");
    if (error) {
      error.id = id + "-err";
      described.push(error.id);
    }
    if (described.length) el.setAttribute("aria-describedby", described.join(" "));
  }

  function renumberList(list, prefix, depth) {
    const steps = [...list.children].filter((el) => el.matches("[data-step]"));
    steps.forEach((step, index) => {
      const path = `${prefix}.${index}`;
      step.dataset.path = path;
      step.dataset.depth = String(depth);
      step.querySelector(":scope > legend").textContent = stepLabel(path);
      own(step, "[data-field]").forEach((el) => rename(el, `${path}.${el.dataset.field}`));
      own(step, "[data-merge-tag-rows]").forEach((el) => (el.id = fid(`${path}.merge_tags`)));
      own(step, "[data-merge-tag]").forEach(
        (el) => (el.id = fid(`${path}.merge_tags.${el.dataset.mergeTag}`)),
      );
      own(step, "[data-property-rows]").forEach((el) => (el.id = fid(`${path}.properties`)));
      // A kind that holds steps (a branch) is offered down to the depth its option names.
      const action = own(step, "[data-action-select]")[0];
      const nesting = action ? [...action.querySelectorAll("option[data-max-depth]")] : [];
      nesting.forEach((option) => {
        option.disabled = depth >= Number(option.dataset.maxDepth) && action.value !== option.value;
      });
      own(step, "[data-list]").forEach((arm) => {
        const title = arm.dataset.listTitle;
        arm.querySelectorAll(":scope > legend [data-list-label]").forEach(
          (el) => (el.textContent = ` of ${stepLabel(path)}`),
        );
        arm.querySelectorAll(":scope > button [data-list-label]").forEach(
          (el) => (el.textContent = ` to ${title} of ${stepLabel(path)}`),
        );
        renumberList(arm.querySelector(":scope > [data-steps]"), `${path}.${arm.dataset.list}`, depth + 1);
      });
    });
  }

  function renumber(form) {
    renumberList(form.querySelector("[data-steps][data-root]"), "steps", 0);
  }

  function cloneTemplate(id) {
    const template = document.getElementById(id);
    return template ? template.content.cloneNode(true) : null;
  }

  function addStep(form, button) {
    const list = button.parentElement.querySelector(":scope > [data-steps]");
    const fragment = cloneTemplate("tpl-step");
    const step = fragment.querySelector("[data-step]");
    list.appendChild(fragment);
    renumber(form);
    applyToggles(form);
    own(step, "[data-action-select]")[0].focus();
  }

  function changeAction(form, select) {
    const step = select.closest("[data-step]");
    const holder = step.querySelector(":scope > [data-step-fields]");
    const fragment = cloneTemplate(`tpl-fields-${select.value}`);
    if (!fragment) return;
    holder.replaceChildren(fragment);
    renumber(form);
    applyToggles(form);
  }

  function moveStep(form, step, direction) {
    const sibling = direction < 0 ? step.previousElementSibling : step.nextElementSibling;
    if (!sibling || !sibling.matches("[data-step]")) return;
    if (direction < 0) sibling.before(step);
    else sibling.after(step);
    renumber(form);
  }

  function removeStep(form, step) {
    const list = step.parentElement;
    const next = step.nextElementSibling || step.previousElementSibling;
    step.remove();
    renumber(form);
    const target = next && next.matches("[data-step]")
      ? own(next, "[data-action-select]")[0]
      : list.parentElement.querySelector(":scope > [data-action='add-step']");
    if (target) target.focus();
  }

  function mergeTagRows(form, select) {
    const step = select.closest("[data-step]");
    const holder = own(step, "[data-merge-tag-rows]")[0];
    const option = select.selectedOptions[0];
    const tags = ((option && option.dataset.mergeTags) || "").split(" ").filter((t) => TAG.test(t));
    const kept = new Map([...holder.querySelectorAll("[data-merge-tag]")].map((r) => [r.dataset.mergeTag, r]));
    const rows = tags.map((tag) => {
      if (kept.has(tag)) return kept.get(tag);
      const template = document.getElementById("tpl-merge-tag");
      const html = template.innerHTML.replaceAll("__TAG__", tag);
      const box = document.createElement("div");
      box.innerHTML = html; // the template is the server's; `tag` is an identifier
      return box.firstElementChild;
    });
    holder.replaceChildren(...rows);
    renumber(form);
  }

  function reindexRows(form, holder) {
    [...holder.querySelectorAll("[data-property-row]")].forEach((row, index) => {
      row.querySelectorAll("input[data-row-label]").forEach((input) => {
        const part = input.dataset.rowLabel === "Property" ? "name" : "value";
        input.dataset.field = `properties.${index}.${part}`;
        const label = input.closest(".field").querySelector("label");
        label.textContent = `${input.dataset.rowLabel} ${index + 1}`;
      });
      row.querySelectorAll("span[data-row-label]").forEach(
        (span) => (span.textContent = ` property ${index + 1}`),
      );
    });
    renumber(form);
  }

  function addProperty(form, button) {
    const step = button.closest("[data-step]");
    const holder = own(step, "[data-property-rows]")[0];
    holder.appendChild(cloneTemplate("tpl-property-row"));
    reindexRows(form, holder);
    const inputs = holder.querySelectorAll("[data-property-row]:last-child input");
    if (inputs.length) inputs[0].focus();
  }

  function removeProperty(form, button) {
    const holder = button.closest("[data-property-rows]");
    button.closest("[data-property-row]").remove();
    reindexRows(form, holder);
  }

  async function saveWorkflow(form, event) {
    event.preventDefault();
    const status = form.querySelector("[data-save-status]");
    const button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    status.classList.remove("failed");
    status.textContent = "Saving…";
    try {
      const response = await post(form.action, new FormData(form));
      if (response.ok) {
        const answer = await response.json();
        status.textContent = "Saved.";
        window.location.assign(answer.location);
        return;
      }
      if (response.status === 422) {
        form.innerHTML = await response.text();
        applyToggles(form);
        const summary = form.querySelector("[data-error-summary]");
        const count = summary ? summary.querySelectorAll("li").length : 0;
        const saved = form.querySelector("[data-save-status]");
        saved.classList.add("failed");
        saved.textContent = `Not saved: ${count} problem${count === 1 ? "" : "s"} to fix.`;
        if (summary) summary.focus();
        return;
      }
      status.classList.add("failed");
      status.textContent = `Not saved (${response.status}). Reload the page and try again.`;
    } catch (error) {
      status.classList.add("failed");
      status.textContent = "Not saved: the server did not answer.";
    }
    button.disabled = false;
  }

  function workflowForm(form) {
    form.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-action]");
      if (!button) return;
      const step = button.closest("[data-step]");
      const action = button.dataset.action;
      if (action === "add-step") addStep(form, button);
      else if (action === "move-up") moveStep(form, step, -1);
      else if (action === "move-down") moveStep(form, step, 1);
      else if (action === "remove-step") removeStep(form, step);
      else if (action === "add-property") addProperty(form, button);
      else if (action === "remove-property") removeProperty(form, button);
      else return;
      event.preventDefault();
    });
    form.addEventListener("change", (event) => {
      const target = event.target;
      if (target.matches("[data-action-select]")) changeAction(form, target);
      else if (target.matches("[data-campaign-select]")) mergeTagRows(form, target);
      applyToggles(form);
    });
    form.addEventListener("submit", (event) => saveWorkflow(form, event));
    renumber(form);
    applyToggles(form);
  }

  // ---- The workflows table: the enabled switch works in place. ----

  function enabledSwitch(input) {
    const status = document.querySelector("[data-switch-status]");
    input.addEventListener("change", async () => {
      const wanted = input.checked;
      input.disabled = true;
      try {
        const response = await post(input.dataset.url, formBody({ enabled: wanted ? "on" : "" }));
        const answer = await response.json();
        if (!response.ok) throw new Error(answer.detail || `error ${response.status}`);
        input.checked = answer.enabled;
        status.classList.remove("failed");
        status.textContent = answer.message;
      } catch (error) {
        input.checked = !wanted;
        status.classList.add("failed");
        status.textContent = `${input.dataset.name} was not switched: ${error.message}`;
      } finally {
        input.disabled = false;
        input.focus();
      }
    });
  }

  // ---- Campaigns: merge tags detected by the server as you type. ----

  function campaignForm(form) {
    const list = form.querySelector("[data-merge-tag-list]");
    const problems = form.querySelector("[data-template-errors]");
    const detect = debounce(async () => {
      const fields = {};
      for (const name of ["subject", "html", "text"]) fields[name] = form.elements[name].value;
      const response = await post("/campaigns/merge-tags", formBody(fields));
      if (!response.ok) return;
      const answer = await response.json();
      list.replaceChildren(
        ...(answer.merge_tags.length
          ? answer.merge_tags.flatMap((tag) => {
              const code = document.createElement("code");
              code.textContent = tag;
              return [code, document.createTextNode(" ")];
            })
          : [document.createTextNode("none")]),
      );
      const messages = Object.entries(answer.errors).map(([field, message]) => `${field}: ${message}`);
      problems.textContent = messages.join("; ");
      problems.hidden = messages.length === 0;
    }, 300);
    ["subject", "html", "text"].forEach((name) => form.elements[name].addEventListener("input", detect));
  }

  // ---- Segments: the member count kept live (the rule itself: rule_builder.js). ----

  function poll(fn, seconds) {
    let running = true;
    const tick = async () => {
      if (!running) return;
      if (!document.hidden) {
        try {
          running = await fn();
        } catch (error) {
          // the server restarts now and then: try again next time
        }
      }
      if (running) setTimeout(tick, seconds * 1000);
    };
    setTimeout(tick, seconds * 1000);
  }

  function memberCount(el) {
    poll(async () => {
      const response = await fetch(el.dataset.url, { headers: { "X-Requested-With": "fetch" } });
      if (!response.ok) return response.status >= 500;
      el.textContent = String((await response.json()).members);
      return true;
    }, 5);
  }

  function refreshing(el) {
    poll(async () => {
      const response = await fetch(el.dataset.refresh, { headers: { "X-Requested-With": "fetch" } });
      if (!response.ok) return response.status >= 500;
      el.innerHTML = await response.text(); // the server's own rendering of the same part
      return true;
    }, Number(el.dataset.refreshSeconds || 5));
  }

  document.addEventListener("change", (event) => {
    const form = event.target.closest("form:not([data-workflow-form])");
    if (form) applyToggles(form);
  });

  document.addEventListener("submit", (event) => {
    const form = event.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.dataset.confirm)) event.preventDefault();
  });

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-workflow-form]").forEach(workflowForm);
    document.querySelectorAll("[data-enabled-switch]").forEach(enabledSwitch);
    document.querySelectorAll("[data-campaign-form]").forEach(campaignForm);
    document.querySelectorAll("[data-member-count]").forEach(memberCount);
    document.querySelectorAll("[data-refresh]").forEach(refreshing);
    document.querySelectorAll("form:not([data-workflow-form])").forEach(applyToggles);
  });
})();
