// Audience counts on the workflow form: how many profiles the chosen trigger or goal segment
// holds now, kept right when the choice changes. The server counts (GET /segments/{id}/count);
// this only shows its answers. Who a rule matches as it is built is the rule builder's
// (rule_builder.js, from POST /segments/check).
"use strict";

(function () {
  const profiles = (n) => `${n} ${n === 1 ? "profile" : "profiles"}`;

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
    document.querySelectorAll("[data-audience-for]").forEach(segmentAudience);
  });
})();
