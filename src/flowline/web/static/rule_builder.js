// The rule builder: segment rules and branch conditions built from fields instead of JSON.
//
// Progressive enhancement: the JSON textarea stays the form field that is submitted. Every
// `[data-rule-builder]` holder (around a textarea) gets a builder made from the textarea's JSON;
// every change in the builder writes the JSON back. "Edit as JSON" shows the textarea again, and
// switching back reads it into the builder, or says why it cannot. Holders added later (a step
// added, the form swapped after a failed save) are found by a MutationObserver.

import {
  CannotShow, FIELD_LABELS, KINDS, MATCHES, OPS, VALUE_TYPES,
  fieldOf, locate, newCondition, newGroup, nextId, problemsOf, readRule, rootJson, serverMessages,
} from "./rule_model.js";
import { NO_VALUE, periodJson } from "./rule_values.js";

const csrf = () => document.querySelector('meta[name="csrf-token"]').content;

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "text") node.textContent = value;
    else if (key === "className") node.className = value;
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

class Builder {
  constructor(holder, textarea) {
    this.holder = holder;
    this.textarea = textarea;
    this.uid = `rb${nextId()}`;
    const label = holder.querySelector(`label[for="${textarea.id}"]`);
    this.title = (label ? label.textContent : "Rule").trim();
    this.properties = holder.dataset.ruleProperties || "";
    this.events = holder.dataset.ruleEvents || "";
    this.fieldErrors = textarea.closest(".field") && textarea.closest(".field").querySelector(":scope > .error");
    this.box = el("div", { className: "rule-builder", role: "group", "aria-label": `${this.title} builder` });
    this.toggle = el("button", { type: "button", className: "rule-json-toggle", "aria-pressed": "false", text: "Edit as JSON" });
    this.notice = el("p", { className: "error rule-notice", role: "alert", hidden: true });
    this.words = holder.querySelector("[data-rule-check]") || el("p", { className: "hint", "data-rule-check": true, "aria-live": "polite" });
    this.count = el("p", { className: "rule-count", role: "status", "data-rule-count": true });
    const field = textarea.closest(".field") || textarea;
    field.after(this.box, el("div", { className: "rule-tools" }, this.toggle), this.notice);
    if (!this.words.isConnected) this.notice.after(this.words);
    this.words.after(this.count);
    this.seq = 0;
    this.timer = null;
    this.toggle.addEventListener("click", () => this.switchMode());
    this.box.addEventListener("input", (event) => this.edited(event, false));
    this.box.addEventListener("change", (event) => this.edited(event, true));
    this.box.addEventListener("click", (event) => this.clicked(event));
    // Leaving a field, even unchanged, is when a missing value is worth saying.
    this.box.addEventListener("focusout", (event) => this.left(event));
    textarea.addEventListener("input", (event) => {
      if (!event.ruleBuilder) this.scheduleCheck();
    });
    const form = textarea.form;
    if (form) form.addEventListener("submit", () => this.touchAll(), true);
    this.start();
  }

  start() {
    try {
      this.root = readRule(this.textarea.value);
    } catch (error) {
      if (!(error instanceof CannotShow)) throw error;
      this.root = null;
      this.showJson(`The builder cannot show this rule: ${error.message}. Fix it here, then choose “Edit as JSON” again to go back to the builder.`);
      this.check();
      return;
    }
    this.placeServerErrors();
    this.showBuilder();
    this.check();
  }

  placeServerErrors() {
    if (!this.fieldErrors || !this.fieldErrors.textContent.trim()) return;
    let placed = 0;
    const messages = serverMessages(this.fieldErrors.textContent);
    for (const { path, message } of messages) {
      if (!path) continue;
      const { item, field } = locate(this.root, path);
      item.server.push({ field, message: field && FIELD_LABELS[field] ? `${FIELD_LABELS[field]}: ${message}` : message });
      placed += 1;
    }
    // Every message now sits next to its condition: do not say it twice in the builder.
    this.fieldErrors.classList.toggle("rule-placed", placed === messages.length);
  }

  showJson(notice) {
    this.mode = "json";
    this.holder.classList.remove("rule-builder-on");
    this.box.hidden = true;
    this.toggle.setAttribute("aria-pressed", "true");
    this.notice.hidden = !notice;
    this.notice.textContent = notice || "";
  }

  showBuilder() {
    this.mode = "builder";
    this.holder.classList.add("rule-builder-on");
    this.box.hidden = false;
    this.toggle.setAttribute("aria-pressed", "false");
    this.notice.hidden = true;
    this.notice.textContent = "";
    this.render();
  }

  switchMode() {
    if (this.mode === "builder") {
      this.showJson(null);
      this.textarea.focus();
      return;
    }
    try {
      this.root = readRule(this.textarea.value);
    } catch (error) {
      if (!(error instanceof CannotShow)) throw error;
      this.showJson(`The builder cannot show this rule: ${error.message}. Fix it here, or keep editing it as JSON.`);
      this.textarea.focus();
      return;
    }
    this.showBuilder();
    const first = this.box.querySelector("select, input");
    if (first) first.focus();
  }

  // -- model changes --

  find(id, item = this.root) {
    if (item.id === id) return item;
    if (item.type !== "group") return null;
    for (const child of item.items) {
      const found = this.find(id, child);
      if (found) return found;
    }
    return null;
  }

  parentOf(id, group = this.root) {
    for (const child of group.items) {
      if (child.id === id) return group;
      if (child.type === "group") {
        const found = this.parentOf(id, child);
        if (found) return found;
      }
    }
    return null;
  }

  edited(event, committed) {
    const control = event.target;
    const key = control.dataset.rbField;
    const holder = control.closest("[data-rb-item]");
    if (!key || !holder) return;
    const item = this.find(Number(holder.dataset.rbItem));
    if (!item) return;
    const value = control.type === "checkbox" ? control.checked : control.value;
    const structural = this.apply(item, key, value);
    item.server = [];
    if (committed) item.touched.add(fieldOf(key));
    this.write();
    if (structural) this.render(control.dataset.rbFocus);
    else this.refreshProblems();
  }

  left(event) {
    const holder = event.target.dataset.rbField && event.target.closest("[data-rb-item]");
    const item = holder && this.find(Number(holder.dataset.rbItem));
    if (!item) return;
    item.touched.add(fieldOf(event.target.dataset.rbField));
    this.refreshProblems(item);
  }

  // Returns true when the change needs other fields drawn (the kind, operator or a switch).
  apply(item, key, value) {
    const where = key.startsWith("where.");
    const target = where ? item.where : item;
    const name = where ? key.slice(6) : key;
    switch (name) {
      case "match":
        item.match = value;
        return true; // the group's "not" reads "None of these" or "Not all of these"
      case "not":
        item.nots = value ? 1 : 0;
        return false;
      case "kind":
        item.kind = value;
        return true;
      case "property":
        target.property = value;
        return false;
      case "op": {
        target.op = value;
        if (NO_VALUE.has(value)) target.valueText = "";
        return true; // the value fields and their hint follow the operator
      }
      case "value":
        target.valueText = value;
        return false;
      case "type":
        target.valueType = value;
        return false;
      case "event":
        item.event = value;
        return false;
      case "min_count":
        item.minCount = value;
        return false;
      case "within":
        item.withinText = value;
        item.within = periodJson(value);
        return false;
      case "where_on":
        item.whereOn = value;
        return true;
      default:
        return false;
    }
  }

  clicked(event) {
    const button = event.target.closest("button[data-rb-act]");
    if (!button) return;
    event.preventDefault();
    const holder = button.closest("[data-rb-item]");
    const item = holder && this.find(Number(holder.dataset.rbItem));
    if (!item) return;
    const act = button.dataset.rbAct;
    let focus = null;
    if (act === "add-condition" || act === "add-group") {
      const added = act === "add-condition" ? newCondition() : newGroup("any");
      if (act === "add-group") added.items.push(newCondition());
      item.items.push(added);
      item.touched = new Set();
      item.server = [];
      focus = act === "add-condition" ? `${added.id}:kind` : `${added.id}:match`;
    } else if (act === "remove") {
      const parent = this.parentOf(item.id);
      if (!parent) return;
      const at = parent.items.indexOf(item);
      parent.items.splice(at, 1);
      const next = parent.items[at] || parent.items[at - 1];
      focus = next ? `${next.id}:${next.type === "group" ? "match" : "kind"}` : `${parent.id}:add-condition`;
    }
    this.write();
    this.render(focus);
  }

  write() {
    const json = rootJson(this.root);
    this.textarea.value = json === null ? "" : JSON.stringify(json, null, 2);
    const input = new Event("input", { bubbles: true });
    input.ruleBuilder = true;
    this.textarea.dispatchEvent(input);
    this.scheduleCheck();
  }

  touchAll(item = this.root) {
    if (!this.root || this.mode !== "builder") return;
    item.touched.add("*");
    if (item.type === "group") item.items.forEach((child) => this.touchAll(child));
    if (item === this.root) this.refreshProblems();
  }

  // -- drawing --

  render(focusKey) {
    const active = focusKey || (document.activeElement && document.activeElement.dataset.rbFocus);
    this.box.replaceChildren(this.groupNode(this.root, "", true));
    this.refreshProblems();
    if (active) {
      const target = this.box.querySelector(`[data-rb-focus="${active}"]`);
      if (target) target.focus();
    }
  }

  control(item, key, label, input, hint) {
    const id = `${this.uid}-${item.id}-${key.replace(".", "-")}`;
    input.id = id;
    input.dataset.rbField = key;
    input.dataset.rbFocus = `${item.id}:${key}`;
    const wrap = el("div", { className: "field", "data-rb-key": key }, el("label", { for: id, text: label }), input);
    if (hint) {
      const note = el("p", { className: "hint", id: `${id}-hint`, text: hint });
      input.setAttribute("aria-describedby", note.id);
      wrap.append(note);
    }
    return wrap;
  }

  select(options, value) {
    const node = el("select");
    for (const [code, words] of options) node.append(el("option", { value: code, text: words, selected: code === value }));
    return node;
  }

  text(value, attrs) {
    const node = el("input", Object.assign({ type: "text", autocomplete: "off", spellcheck: "false" }, attrs || {}));
    node.value = value;
    return node;
  }

  checkbox(item, key, label, checked) {
    const id = `${this.uid}-${item.id}-${key.replace(".", "-")}`;
    const box = el("input", { type: "checkbox", id, "data-rb-field": key, "data-rb-focus": `${item.id}:${key}` });
    box.checked = checked;
    return el("div", { className: "field check" }, box, el("label", { for: id, text: label }));
  }

  button(item, act, words, hidden, cls) {
    return el(
      "button",
      { type: "button", "data-rb-act": act, "data-rb-focus": `${item.id}:${act}`, className: cls || null },
      words,
      hidden ? el("span", { className: "vh", text: hidden }) : null,
    );
  }

  itemTitle(item, number) {
    return `${item.type === "group" ? "Group" : "Condition"} ${number}`;
  }

  groupNode(group, number, isRoot) {
    const title = isRoot ? null : this.itemTitle(group, number);
    const node = el(isRoot ? "div" : "fieldset", { className: isRoot ? "rule-group rule-root" : "rule-group", "data-rb-item": group.id });
    if (title) node.append(el("legend", { text: title }));
    const head = el("div", { className: "row rule-head" });
    head.append(this.control(group, "match", "Match", this.select(MATCHES, group.match)));
    const negation = group.match === "any" ? "None of these" : "Not all of these";
    head.append(this.checkbox(group, "not", negation, group.nots % 2 === 1));
    if (!isRoot) head.append(this.button(group, "remove", "Remove group", ` ${number}`, "danger"));
    node.append(head);
    const list = el("ol", { className: "rule-items" });
    group.items.forEach((child, index) => {
      const childNumber = number ? `${number}.${index + 1}` : String(index + 1);
      const shown = child.type === "group" ? this.groupNode(child, childNumber, false) : this.conditionNode(child, childNumber);
      list.append(el("li", {}, shown));
    });
    node.append(list);
    node.append(el("p", { className: "error rule-error", hidden: true, "data-rb-errors": true }));
    const suffix = isRoot ? null : ` to ${title}`;
    node.append(
      el(
        "div",
        { className: "rule-add" },
        this.button(group, "add-condition", "Add condition", suffix),
        this.button(group, "add-group", "Add group", suffix),
      ),
    );
    return node;
  }

  conditionNode(cond, number) {
    const node = el("fieldset", { className: "rule-condition", "data-rb-item": cond.id });
    node.append(el("legend", { text: this.itemTitle(cond, number) }));
    const row = el("div", { className: "row" });
    row.append(this.control(cond, "kind", "Kind", this.select(KINDS, cond.kind)));
    if (cond.kind === "property") {
      this.propertyFields(row, cond, cond, "", this.properties);
      node.append(row);
    } else {
      row.append(this.control(cond, "event", "Event", this.text(cond.event, { list: this.events || null })));
      row.append(this.control(cond, "min_count", "At least", this.text(cond.minCount, { inputmode: "numeric" }), "times (1 or more)"));
      row.append(this.control(cond, "within", "Within", this.text(cond.withinText, { placeholder: "30 days" }), "Empty: at any time"));
      node.append(row);
      node.append(this.checkbox(cond, "where_on", "Only events with a matching property", cond.whereOn));
      if (cond.whereOn) {
        const where = el("div", { className: "row rule-where" });
        this.propertyFields(where, cond, cond.where, "where.", null);
        node.append(where);
      }
    }
    node.append(
      el(
        "div",
        { className: "rule-item-tools" },
        this.checkbox(cond, "not", "Not", cond.nots % 2 === 1),
        this.button(cond, "remove", "Remove condition", ` ${number}`, "danger"),
      ),
    );
    node.append(el("p", { className: "error rule-error", hidden: true, "data-rb-errors": true }));
    return node;
  }

  propertyFields(row, item, target, prefix, list) {
    const names = prefix
      ? ["Event property", "Event operator", "Event value", "Event value type"]
      : ["Property", "Operator", "Value", "Value type"];
    row.append(this.control(item, `${prefix}property`, names[0], this.text(target.property, { list: list || null })));
    row.append(this.control(item, `${prefix}op`, names[1], this.select(OPS, target.op)));
    if (NO_VALUE.has(target.op)) return;
    const hint = target.op === "in" ? "Separate values with commas" : null;
    row.append(this.control(item, `${prefix}value`, names[2], this.text(target.valueText), hint));
    row.append(this.control(item, `${prefix}type`, names[3], this.select(VALUE_TYPES, target.valueType)));
  }

  refreshProblems(item = this.root) {
    const node = this.box.querySelector(`[data-rb-item="${item.id}"]`);
    if (node) {
      const own = (selector) => [...node.querySelectorAll(selector)].filter((x) => x.closest("[data-rb-item]") === node);
      const seen = item.touched;
      const problems = problemsOf(item, item === this.root).filter((p) =>
        seen.has("*") || (p.field ? seen.has(p.field) : seen.size > 0),
      );
      const all = problems.concat(item.server);
      const out = own("[data-rb-errors]")[0];
      out.id = `${this.uid}-${item.id}-errors`;
      out.textContent = all.map((p) => p.message).join(" ");
      out.hidden = all.length === 0;
      const bad = new Set(all.map((p) => p.field).filter(Boolean));
      own("[data-rb-field]").forEach((control) => {
        const field = fieldOf(control.dataset.rbField);
        const invalid = bad.has(field);
        control.toggleAttribute("aria-invalid", invalid);
        if (invalid) control.setAttribute("aria-invalid", "true");
        const hint = control.id + "-hint";
        const described = [document.getElementById(hint) ? hint : null, invalid ? out.id : null].filter(Boolean);
        if (described.length) control.setAttribute("aria-describedby", described.join(" "));
        else control.removeAttribute("aria-describedby");
      });
      node.classList.toggle("rule-invalid", all.length > 0);
    }
    if (item.type === "group") item.items.forEach((child) => this.refreshProblems(child));
  }

  // -- the rule in words and the live count --

  scheduleCheck() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.check(), 400);
  }

  async check() {
    const seq = ++this.seq;
    if (!this.textarea.value.trim()) {
      this.words.textContent = "";
      this.showCount({});
      return;
    }
    const body = new FormData();
    body.append("rule", this.textarea.value);
    let answer;
    try {
      const response = await fetch("/segments/check", {
        method: "POST",
        body,
        credentials: "same-origin",
        headers: { "X-Requested-With": "fetch", "X-CSRF-Token": csrf() },
      });
      if (!response.ok || seq !== this.seq) return;
      answer = await response.json();
    } catch (error) {
      return; // the server restarts now and then: the next change asks again
    }
    if (seq !== this.seq) return;
    this.words.classList.toggle("error", !answer.valid);
    this.words.textContent = answer.valid ? `Rule: ${answer.words}` : answer.errors.map((e) => this.placeName(e)).join("; ");
    this.showCount(answer);
  }

  // `all.2.value: …` reads `Condition 3, Value: …` while the builder shows the rule.
  placeName(message) {
    const [found] = serverMessages(message);
    if (this.mode !== "builder" || !found || !found.path) return message;
    const { item, field } = locate(this.root, found.path);
    const node = this.box.querySelector(`[data-rb-item="${item.id}"] > legend`);
    const place = [node ? node.textContent : null, field && FIELD_LABELS[field]].filter(Boolean);
    return place.length ? `${place.join(", ")}: ${found.message}` : found.message;
  }

  showCount(answer) {
    if (!answer.valid || typeof answer.count !== "number") {
      this.count.replaceChildren();
      return;
    }
    const n = answer.count;
    const parts = [`${n.toLocaleString("en")} profile${n === 1 ? " matches" : "s match"} now`];
    const sample = Array.isArray(answer.sample) ? answer.sample.slice(0, 10) : [];
    const nodes = [document.createTextNode(parts[0])];
    if (sample.length) {
      nodes.push(document.createTextNode(", such as "));
      sample.forEach((id, i) => {
        if (i) nodes.push(document.createTextNode(", "));
        nodes.push(el("a", { href: `/profiles?id=${encodeURIComponent(id)}`, text: String(id) }));
      });
    }
    this.count.replaceChildren(...nodes);
  }
}

function attach(root) {
  const holders = root.matches && root.matches("[data-rule-builder]") ? [root] : [];
  holders.push(...(root.querySelectorAll ? root.querySelectorAll("[data-rule-builder]") : []));
  for (const holder of holders) {
    if (holder.ruleBuilder) continue;
    const textarea = holder.querySelector("textarea");
    if (!textarea) continue;
    holder.ruleBuilder = new Builder(holder, textarea);
  }
}

// The error summary links to the textarea; while the builder shows, go to the builder.
document.addEventListener("click", (event) => {
  const link = event.target.closest('a[href^="#"]');
  const target = link && document.getElementById(decodeURIComponent(link.hash.slice(1)));
  const holder = target && target.closest("[data-rule-builder]");
  const builder = holder && holder.ruleBuilder;
  if (!builder || builder.mode !== "builder" || builder.textarea !== target) return;
  const control = builder.box.querySelector('[aria-invalid="true"]') || builder.box.querySelector("select, input, button");
  if (!control) return;
  event.preventDefault();
  control.focus();
});

document.addEventListener("DOMContentLoaded", () => {
  attach(document);
  new MutationObserver((records) => {
    for (const record of records) record.addedNodes.forEach((node) => node.nodeType === 1 && attach(node));
  }).observe(document.body, { childList: true, subtree: true });
});
