// The rule builder: segment rules and branch conditions built from fields instead of JSON.
//
// Progressive enhancement: the JSON textarea stays the form field that is submitted. Every
// `[data-rule-builder]` holder (around a textarea) gets a builder made from the textarea's JSON;
// every change in the builder writes the JSON back. "Edit as JSON" shows the textarea again, and
// switching back reads it into the builder, or says why it cannot. Holders added later (a step
// added, the form swapped after a failed save) are found by a MutationObserver.
"use strict";

(function () {
  const OPS = [
    ["eq", "is"],
    ["neq", "is not"],
    ["gt", "is greater than"],
    ["gte", "is at least"],
    ["lt", "is less than"],
    ["lte", "is at most"],
    ["contains", "contains"],
    ["in", "is one of"],
    ["exists", "is set"],
    ["not_exists", "is not set"],
  ];
  const OP_CODES = new Set(OPS.map(([code]) => code));
  const NO_VALUE = new Set(["exists", "not_exists"]);
  const KINDS = [
    ["property", "Profile property"],
    ["performed", "Has performed event"],
    ["not_performed", "Has not performed event"],
  ];
  const VALUE_TYPES = [
    ["text", "Text"],
    ["number", "Number"],
    ["boolean", "True or false"],
    ["json", "JSON"],
  ];
  const MATCHES = [
    ["all", "all of these"],
    ["any", "any of these"],
  ];
  const PROPERTY_KEYS = ["property", "op", "value"];
  const EVENT_KEYS = ["event", "performed", "min_count", "within", "where"];
  const RULE_PATH = /^(?:all|any|not|property|op|value|event|performed|min_count|within|where)(?:\.[A-Za-z0-9_]+)*$/;
  const UNITS = {
    s: 1, sec: 1, secs: 1, second: 1, seconds: 1,
    m: 60, min: 60, mins: 60, minute: 60, minutes: 60,
    h: 3600, hr: 3600, hrs: 3600, hour: 3600, hours: 3600,
    d: 86400, day: 86400, days: 86400,
    w: 604800, wk: 604800, week: 604800, weeks: 604800,
  };

  let counter = 0;
  const nextId = () => ++counter;
  const csrf = () => document.querySelector('meta[name="csrf-token"]').content;
  const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
  const onlyKeys = (obj, allowed) => Object.keys(obj).every((k) => allowed.includes(k));

  class CannotShow extends Error {}

  // ---- Periods: words ("30 days") in the field, ISO-8601 seconds in the JSON, as the server
  // stores them (`PT2592000S`), so what the builder writes is what is read back. ----

  function wordsToSeconds(text) {
    const value = text.trim().toLowerCase();
    if (!value || value.length > 200 || /^\d+(\.\d+)?$/.test(value)) return null;
    const compact = value.replace(/(?:\s|,|\band\b)+/g, " ").trim();
    const part = /(\d+(?:\.\d+)?)\s*([a-z]+)/g;
    let seconds = 0;
    let position = 0;
    let match;
    while ((match = part.exec(compact))) {
      if (compact.slice(position, match.index).trim()) return null;
      const unit = UNITS[match[2]];
      if (!unit) return null;
      seconds += Number(match[1]) * unit;
      position = part.lastIndex;
    }
    if (position === 0 || compact.slice(position).trim()) return null;
    return seconds;
  }

  function isoToSeconds(text) {
    const n = "(\\d+(?:\\.\\d+)?)";
    const iso = new RegExp(`^P(?:${n}W)?(?:${n}D)?(?:T(?:${n}H)?(?:${n}M)?(?:${n}S)?)?$`, "i");
    const m = iso.exec(String(text).trim());
    if (!m || !m.slice(1).some((x) => x !== undefined)) return null;
    const [w, d, h, min, s] = m.slice(1).map((x) => Number(x || 0));
    return w * 604800 + d * 86400 + h * 3600 + min * 60 + s;
  }

  function secondsToIso(seconds) {
    return "PT" + seconds.toFixed(6).replace(/0+$/, "").replace(/\.$/, "") + "S";
  }

  function humanize(seconds) {
    let rest = seconds;
    const parts = [];
    for (const [unit, size] of [["day", 86400], ["hour", 3600], ["minute", 60], ["second", 1]]) {
      const count = Math.floor(rest / size);
      rest -= count * size;
      if (count) parts.push(`${count} ${unit}${count === 1 ? "" : "s"}`);
    }
    return parts.join(" ");
  }

  function periodWords(within) {
    if (within === null || within === undefined) return "";
    const seconds = typeof within === "number" ? within : isoToSeconds(within);
    if (seconds !== null && seconds > 0 && Number.isInteger(seconds)) return humanize(seconds);
    return typeof within === "number" ? `${within} seconds` : String(within);
  }

  function periodJson(text) {
    const value = text.trim();
    if (!value) return null;
    const seconds = wordsToSeconds(value);
    if (seconds !== null) return secondsToIso(seconds);
    return value; // ISO written by hand, or a mistake the server names
  }

  // ---- Values: the field shows text; the value type says what JSON it stands for. ----

  function valueFields(value, op) {
    if (NO_VALUE.has(op) && (value === null || value === undefined)) return { text: "", type: "text" };
    if (op === "in" && Array.isArray(value) && value.length) {
      if (value.every((v) => typeof v === "string" && !v.includes(",") && v.trim() === v && v))
        return { text: value.join(", "), type: "text" };
      if (value.every((v) => typeof v === "number")) return { text: value.join(", "), type: "number" };
      if (value.every((v) => typeof v === "boolean")) return { text: value.join(", "), type: "boolean" };
    } else if (typeof value === "string") {
      return { text: value, type: "text" };
    } else if (typeof value === "number") {
      return { text: String(value), type: "number" };
    } else if (typeof value === "boolean") {
      return { text: String(value), type: "boolean" };
    }
    return { text: JSON.stringify(value === undefined ? null : value), type: "json" };
  }

  function oneValue(text, type) {
    const value = text.trim();
    if (type === "number") return value !== "" && Number.isFinite(Number(value)) ? Number(value) : text;
    if (type === "boolean") return value === "true" ? true : value === "false" ? false : text;
    return text;
  }

  function valueJson(cond) {
    if (NO_VALUE.has(cond.op)) return null;
    if (cond.valueType === "json") {
      try {
        return JSON.parse(cond.valueText);
      } catch (error) {
        return cond.valueText;
      }
    }
    if (cond.op === "in") {
      return cond.valueText
        .split(",")
        .map((v) => v.trim())
        .filter((v) => v !== "")
        .map((v) => oneValue(v, cond.valueType));
    }
    return cond.valueType === "text" ? cond.valueText : oneValue(cond.valueText, cond.valueType);
  }

  function valueProblem(cond) {
    if (NO_VALUE.has(cond.op)) return null;
    const text = cond.valueText.trim();
    if (!text) return cond.op === "in" ? "Enter one or more values, separated by commas." : "Enter a value.";
    if (cond.valueType === "json") {
      try {
        JSON.parse(cond.valueText);
      } catch (error) {
        return "Enter the value as JSON, such as [1, 2] or \"text\".";
      }
      return null;
    }
    const parts = cond.op === "in" ? text.split(",").map((v) => v.trim()).filter((v) => v) : [text];
    if (cond.valueType === "number" && parts.some((v) => !Number.isFinite(Number(v))))
      return cond.op === "in" ? "Enter numbers, separated by commas." : "Enter a number.";
    if (cond.valueType === "boolean" && parts.some((v) => v !== "true" && v !== "false"))
      return "Enter true or false.";
    return null;
  }

  // ---- The model: groups and conditions, read from JSON and written back. ----

  function newCondition() {
    return {
      id: nextId(), type: "condition", kind: "property", nots: 0,
      property: "", op: "eq", valueText: "", valueType: "text",
      event: "", minCount: "1", within: null, withinText: "",
      whereOn: false, where: { property: "", op: "eq", valueText: "", valueType: "text" },
      touched: new Set(), server: [],
    };
  }

  function newGroup(match) {
    return { id: nextId(), type: "group", match: match || "all", nots: 0, items: [], bare: false, touched: new Set(), server: [] };
  }

  function readProperty(json, into, where) {
    if (!onlyKeys(json, PROPERTY_KEYS)) throw new CannotShow(`${where} has keys the builder does not know`);
    if (typeof json.property !== "string") throw new CannotShow(`${where}: the property name must be text`);
    if (!OP_CODES.has(json.op)) {
      throw new CannotShow(`${where}: "${json.op}" is not an operator (use ${[...OP_CODES].join(", ")})`);
    }
    const value = valueFields(json.value, json.op);
    into.property = json.property;
    into.op = json.op;
    into.valueText = value.text;
    into.valueType = value.type;
  }

  function readItem(json, where) {
    let nots = 0;
    while (isObject(json) && Object.keys(json).length === 1 && "not" in json) {
      nots += 1;
      json = json.not;
    }
    if (!isObject(json)) throw new CannotShow(`${where} is not a condition written as {...}`);
    const keys = Object.keys(json);
    if (keys.length === 1 && (keys[0] === "all" || keys[0] === "any")) {
      const list = json[keys[0]];
      if (!Array.isArray(list)) throw new CannotShow(`${where}: "${keys[0]}" needs a list [...]`);
      const group = newGroup(keys[0]);
      group.nots = nots;
      group.items = list.map((child, i) => readItem(child, `${where} › ${i + 1}`));
      return group;
    }
    const cond = newCondition();
    cond.nots = nots;
    if ("property" in json) {
      readProperty(json, cond, where);
      return cond;
    }
    if ("event" in json) {
      if (!onlyKeys(json, EVENT_KEYS)) throw new CannotShow(`${where} has keys the builder does not know`);
      if (typeof json.event !== "string") throw new CannotShow(`${where}: the event name must be text`);
      const performed = json.performed === undefined ? true : json.performed;
      if (typeof performed !== "boolean") throw new CannotShow(`${where}: "performed" must be true or false`);
      const count = json.min_count === undefined ? 1 : json.min_count;
      if (!Number.isInteger(count)) throw new CannotShow(`${where}: "min_count" must be a whole number`);
      const within = json.within === undefined ? null : json.within;
      if (within !== null && typeof within !== "string" && typeof within !== "number")
        throw new CannotShow(`${where}: "within" must be a period such as "P30D"`);
      cond.kind = performed ? "performed" : "not_performed";
      cond.event = json.event;
      cond.minCount = String(count);
      cond.within = within;
      cond.withinText = periodWords(within);
      if (json.where !== undefined && json.where !== null) {
        if (!isObject(json.where)) throw new CannotShow(`${where}: "where" must be a property test {...}`);
        readProperty(json.where, cond.where, `${where} › where`);
        cond.whereOn = true;
      }
      return cond;
    }
    throw new CannotShow(`${where} is none of all, any, not, property or event`);
  }

  // The root is always a group on screen; a rule that is one condition stays one (`bare`).
  function readRule(text) {
    if (!text.trim()) {
      const root = newGroup("all");
      root.bare = true;
      return root;
    }
    let json;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new CannotShow(`it is not valid JSON (${error.message})`);
    }
    const item = readItem(json, "the rule");
    if (item.type === "group") return item;
    const root = newGroup("all");
    root.bare = true;
    root.items = [item];
    return root;
  }

  function negated(json, nots) {
    for (let i = 0; i < nots; i += 1) json = { not: json };
    return json;
  }

  function propertyJson(cond) {
    return { property: cond.property, op: cond.op, value: valueJson(cond) };
  }

  function itemJson(item) {
    if (item.type === "group") return negated({ [item.match]: item.items.map(itemJson) }, item.nots);
    if (item.kind === "property") return negated(propertyJson(item), item.nots);
    const count = /^\s*\d+\s*$/.test(item.minCount) ? Number(item.minCount) : item.minCount;
    return negated(
      {
        event: item.event,
        performed: item.kind === "performed",
        min_count: count,
        within: item.within,
        where: item.whereOn ? propertyJson(item.where) : null,
      },
      item.nots,
    );
  }

  function rootJson(root) {
    if (!root.items.length && !root.nots) return null;
    if (root.bare && root.items.length === 1 && !root.nots) return itemJson(root.items[0]);
    return itemJson(root);
  }

  // ---- What is wrong, in words, next to the condition it concerns. ----

  function problemsOf(item, isRoot) {
    const found = [];
    const add = (field, message) => found.push({ field, message });
    if (item.type === "group") {
      if (!item.items.length && !isRoot) add(null, "Add a condition to this group, or remove the group.");
      if (!item.items.length && isRoot) add(null, "Add a condition.");
      return found;
    }
    if (item.kind === "property") {
      if (!item.property.trim()) add("property", "Enter a property name.");
      const value = valueProblem(item);
      if (value) add("value", value);
      return found;
    }
    if (!item.event.trim()) add("event", "Enter an event name.");
    if (!/^\s*\d+\s*$/.test(item.minCount) || Number(item.minCount) < 1)
      add("min_count", "Enter how many times: a whole number of 1 or more.");
    if (item.withinText.trim() && wordsToSeconds(item.withinText) === null && isoToSeconds(item.withinText) === null)
      add("within", "Enter a period such as 30 days or 12 hours, or leave it empty for any time.");
    if (item.whereOn) {
      if (!item.where.property.trim()) add("where.property", "Enter the event property to filter on.");
      const value = valueProblem(item.where);
      if (value) add("where.value", value);
    }
    return found;
  }

  // Server messages such as `all.1.op: Choose an operator…` (segment form) or
  // `Fix the condition: all.1.op: …; any.0.event: …` (workflow form).
  function serverMessages(text) {
    const body = text.replace(/^\s*Fix the condition:\s*/, "");
    return body
      .split(/;\s+(?=[A-Za-z0-9_.]+:\s)/)
      .map((part) => {
        const m = /^([A-Za-z0-9_.]+):\s+([\s\S]*)$/.exec(part.trim());
        return m && RULE_PATH.test(m[1]) ? { path: m[1].split("."), message: m[2] } : { path: null, message: part.trim() };
      })
      .filter((m) => m.message);
  }

  function locate(root, path) {
    let item = root.bare && root.items.length === 1 && !root.nots ? root.items[0] : root;
    let nots = item.nots;
    let i = 0;
    while (i < path.length) {
      const part = path[i];
      if (part === "not" && nots > 0) {
        nots -= 1;
        i += 1;
      } else if (item.type === "group" && part === item.match && nots === 0 && /^\d+$/.test(path[i + 1] || "")) {
        const child = item.items[Number(path[i + 1])];
        if (!child) break;
        item = child;
        nots = item.nots;
        i += 2;
      } else break;
    }
    return { item, field: path.slice(i).join(".") || null };
  }

  // A field's problems are said once it was left; the value type belongs to the value.
  const fieldOf = (key) => key.replace(/^(where\.)?type$/, "$1value");

  // ---- The builder on the page. ----

  const FIELD_LABELS = {
    property: "Property", op: "Operator", value: "Value", event: "Event", min_count: "At least",
    within: "Within", "where.property": "Event property", "where.op": "Event operator", "where.value": "Event value",
  };

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
        nodes.push(document.createTextNode(", for example "));
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
})();
