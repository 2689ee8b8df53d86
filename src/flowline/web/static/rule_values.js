// Values of the rule builder's fields: periods in words and typed values, and their JSON.
//
// A period shows as words ("30 days") and is written as ISO-8601 seconds (`PT2592000S`), the
// form the server stores, so what the builder writes is what is read back. A value shows as
// text; its value type (text, number, true or false, JSON) says which JSON it stands for.

export const NO_VALUE = new Set(["exists", "not_exists"]);
const UNITS = {
  s: 1, sec: 1, secs: 1, second: 1, seconds: 1,
  m: 60, min: 60, mins: 60, minute: 60, minutes: 60,
  h: 3600, hr: 3600, hrs: 3600, hour: 3600, hours: 3600,
  d: 86400, day: 86400, days: 86400,
  w: 604800, wk: 604800, week: 604800, weeks: 604800,
};

// ---- Periods: words ("30 days") in the field, ISO-8601 seconds in the JSON, as the server
// stores them (`PT2592000S`), so what the builder writes is what is read back. ----

export function wordsToSeconds(text) {
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

export function isoToSeconds(text) {
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

export function periodWords(within) {
  if (within === null || within === undefined) return "";
  const seconds = typeof within === "number" ? within : isoToSeconds(within);
  if (seconds !== null && seconds > 0 && Number.isInteger(seconds)) return humanize(seconds);
  return typeof within === "number" ? `${within} seconds` : String(within);
}

export function periodJson(text) {
  const value = text.trim();
  if (!value) return null;
  const seconds = wordsToSeconds(value);
  if (seconds !== null) return secondsToIso(seconds);
  return value; // ISO written by hand, or a mistake the server names
}

// ---- Values: the field shows text; the value type says what JSON it stands for. ----

export function valueFields(value, op) {
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

export function valueJson(cond) {
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

export function valueProblem(cond) {
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
