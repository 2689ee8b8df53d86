// The rule builder's model: groups and conditions read from a rule's JSON and written back,
// what is wrong with them in words, and where a server message's path (`all.1.op`) points.

import { isoToSeconds, periodWords, valueFields, valueJson, valueProblem, wordsToSeconds } from "./rule_values.js";

export const OPS = [
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
export const KINDS = [
  ["property", "Profile property"],
  ["performed", "Has performed event"],
  ["not_performed", "Has not performed event"],
];
export const VALUE_TYPES = [
  ["text", "Text"],
  ["number", "Number"],
  ["boolean", "True or false"],
  ["json", "JSON"],
];
export const MATCHES = [
  ["all", "all of these"],
  ["any", "any of these"],
];
const PROPERTY_KEYS = ["property", "op", "value"];
const EVENT_KEYS = ["event", "performed", "min_count", "within", "where"];
const RULE_PATH = /^(?:all|any|not|property|op|value|event|performed|min_count|within|where)(?:\.[A-Za-z0-9_]+)*$/;

let counter = 0;
export const nextId = () => ++counter;
const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
const onlyKeys = (obj, allowed) => Object.keys(obj).every((k) => allowed.includes(k));

export class CannotShow extends Error {}

// ---- The model: groups and conditions, read from JSON and written back. ----

export function newCondition() {
  return {
    id: nextId(), type: "condition", kind: "property", nots: 0,
    property: "", op: "eq", valueText: "", valueType: "text",
    event: "", minCount: "1", within: null, withinText: "",
    whereOn: false, where: { property: "", op: "eq", valueText: "", valueType: "text" },
    touched: new Set(), server: [],
  };
}

export function newGroup(match) {
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
export function readRule(text) {
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

export function rootJson(root) {
  if (!root.items.length && !root.nots) return null;
  if (root.bare && root.items.length === 1 && !root.nots) return itemJson(root.items[0]);
  return itemJson(root);
}

// ---- What is wrong, in words, next to the condition it concerns. ----

export function problemsOf(item, isRoot) {
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
export function serverMessages(text) {
  const body = text.replace(/^\s*Fix the condition:\s*/, "");
  return body
    .split(/;\s+(?=[A-Za-z0-9_.]+:\s)/)
    .map((part) => {
      const m = /^([A-Za-z0-9_.]+):\s+([\s\S]*)$/.exec(part.trim());
      return m && RULE_PATH.test(m[1]) ? { path: m[1].split("."), message: m[2] } : { path: null, message: part.trim() };
    })
    .filter((m) => m.message);
}

export function locate(root, path) {
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
export const fieldOf = (key) => key.replace(/^(where\.)?type$/, "$1value");

export const FIELD_LABELS = {
  property: "Property", op: "Operator", value: "Value", event: "Event", min_count: "At least",
  within: "Within", "where.property": "Event property", "where.op": "Event operator", "where.value": "Event value",
};
