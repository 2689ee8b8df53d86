// Audience counts: who a rule matches now, as it is typed (beside a rule's `[data-rule-check]`
// answer), and how many profiles the segment chosen on the workflow form holds. The server
// counts (POST /segments/check, GET /segments/{id}/count); this only shows its answers.
"use strict";

(function () {
  const csrf = () => document.querySelector('meta[name="csrf-token"]').content;
  const profiles = (n) => `${n} ${n === 1 ? "profile" : "profiles"}`;

  function debounce(fn, ms) {
    let timer = null;
    return (...args) => {
      clearTimeout(timer);
      timer = setTimeout(() => fn(...args), ms);
    };
  }

  // ---- A rule as typed: "N profiles match now", and the first few of them. ----

  async function checkRule(text) {
    const body = new FormData();
    body.append("rule", text);
    const response = await fetch("/segments/check", {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch", "X-CSRF-Token": csrf() },
    });
    return response.ok ? response.json() : null;
  }

  function showMatches(shown, answer) {
    if (!answer || !answer.valid || typeof answer.count !== "number") {
      shown.replaceChildren();
      return;
    }
    const verb = answer.count === 1 ? "matches" : "match";
    const parts = [document.createTextNode(`${profiles(answer.count)} ${verb} now`)];
    answer.sample.forEach((id, index) => {
      parts.push(document.createTextNode(index === 0 ? ", such as " : ", "));
      const link = document.createElement("a");
      link.href = `/profiles?id=${encodeURIComponent(id)}`;
      link.textContent = id;
      parts.push(link);
    });
    shown.replaceChildren(...parts);
  }

  function matchLine() {
    const shown = document.createElement("p");
    shown.className = "hint audience-match";
    shown.setAttribute("role", "status");
    shown.dataset.audienceMatch = "";
    return shown;
  }

  // A rule field asks again after a pause in typing, and only its newest answer is shown.
  function asker(field, shown) {
    let asked = 0;
    return debounce(async () => {
      const mine = ++asked;
      let answer = null;
      try {
        answer = await checkRule(field.value);
      } catch (error) {
        return; // the server restarts now and then: the next change asks again
      }
      if (mine === asked) showMatches(shown, answer);
    }, 400);
  }

  function ruleField(scope) {
    return scope.querySelector("textarea[name='rule'], textarea[data-rule]");
  }

  function ruleAudience(check) {
    const scope = check.closest("[data-rule-scope], fieldset, form") || document;
    const field = ruleField(scope);
    // A rule builder that shows the count itself (`[data-rule-count]`) needs no second one.
    if (!field || scope.querySelector("[data-rule-count]")) return;
    const shown = matchLine();
    check.after(shown);
    const ask = asker(field, shown);
    field.addEventListener("input", ask);
    field.addEventListener("change", ask);
    ask();
  }

  // ---- Branch conditions (steps come and go): the same count under each condition. ----

  const askers = new WeakMap();

  function conditionAudience(field) {
    if (askers.has(field)) return askers.get(field);
    const box = field.closest(".field") || field.parentElement;
    if (box.querySelector("[data-rule-count]")) return null; // a builder shows its own
    const shown = matchLine();
    box.append(shown);
    const ask = asker(field, shown);
    askers.set(field, ask);
    if (field.value.trim()) ask();
    return ask;
  }

  function isCondition(el) {
    return el instanceof HTMLTextAreaElement && el.dataset.field === "condition";
  }

  // ---- Workflow form: the chosen segment's member count beside its select. ----

  function segmentAudience(hint) {
    const form = hint.closest("form") || document;
    const select = form.querySelector(`select[name="${hint.dataset.audienceFor}"]`);
    if (!select) return;
    let asked = 0;
    const show = async () => {
      const mine = ++asked;
      const id = select.value;
      if (!/^[0-9]+$/.test(id)) {
        hint.textContent = "";
        return;
      }
      try {
        const response = await fetch(`/segments/${id}/count`, {
          headers: { "X-Requested-With": "fetch" },
        });
        if (!response.ok || mine !== asked) return;
        const members = (await response.json()).members;
        hint.textContent = `${profiles(members)} in this segment now`;
      } catch (error) {
        // the count shown stays until the next change
      }
    };
    select.addEventListener("change", show);
    show();
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-rule-check]").forEach(ruleAudience);
    document.querySelectorAll("[data-audience-for]").forEach(segmentAudience);
    document.querySelectorAll('textarea[data-field="condition"]').forEach(conditionAudience);
  });
  document.addEventListener("input", (event) => {
    if (!isCondition(event.target)) return;
    const ask = conditionAudience(event.target);
    if (ask) ask();
  });
})();
