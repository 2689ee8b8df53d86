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

  function ruleField(scope) {
    return scope.querySelector("textarea[name='rule'], textarea[data-rule]");
  }

  function ruleAudience(check) {
    const scope = check.closest("[data-rule-scope], fieldset, form") || document;
    const field = ruleField(scope);
    // A rule builder that shows the count itself (`[data-rule-count]`) needs no second one.
    if (!field || scope.querySelector("[data-rule-count]")) return;
    const shown = document.createElement("p");
    shown.className = "hint audience-match";
    shown.setAttribute("role", "status");
    shown.dataset.audienceMatch = "";
    check.after(shown);
    let asked = 0;
    const ask = debounce(async () => {
      const mine = ++asked;
      const body = new FormData();
      body.append("rule", field.value);
      let answer = null;
      try {
        const response = await fetch("/segments/check", {
          method: "POST",
          body: body,
          credentials: "same-origin",
          headers: { "X-Requested-With": "fetch", "X-CSRF-Token": csrf() },
        });
        if (response.ok) answer = await response.json();
      } catch (error) {
        return; // the server restarts now and then: the next change asks again
      }
      if (mine !== asked) return; // a newer rule was typed meanwhile
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
    }, 400);
    field.addEventListener("input", ask);
    field.addEventListener("change", ask);
    ask();
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
  });
})();
