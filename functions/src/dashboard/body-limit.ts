/**
 * The dashboard's request-body cap, measured without copying: a raw body by its UTF-8 length,
 * an already-parsed body (a non-raw web action's merged fields) by the length its JSON text
 * would have. Both stop looking as soon as the cap is passed, so a 10 MiB string or 200,000
 * keys cost no more than the first 64 KiB of them, and no JSON text is ever built.
 */

/**
 * Largest request body the dashboard accepts, in bytes. A threshold at its fullest — 50 email
 * addresses of 254 characters and 50 Slack targets (core/validators MAX_RECIPIENTS_PER_LIST) —
 * is under 30 KiB of JSON, so 64 KiB refuses only bodies no honest client sends.
 */
export const MAX_REQUEST_BODY_BYTES = 64 * 1024;

/** Whether `text` is longer than `limit` bytes in UTF-8; never scans past `limit` characters. */
function textExceeds(text: string, limit: number): boolean {
  // A string's UTF-16 length never exceeds its UTF-8 length, so a long one is refused unread.
  return text.length > limit || Buffer.byteLength(text, "utf8") > limit;
}

// What JSON.stringify writes longer than the UTF-8 of the character: `"` and `\` get a backslash,
// other control characters and lone surrogates become \u escapes (\n, \t and three more are short).
const ESCAPED = /["\\\u0000-\u001f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const SHORT_ESCAPES = new Set(['"', "\\", "\b", "\f", "\n", "\r", "\t"]);

/** `left` less a string's share of the JSON text (quotes and escapes included), or -1 once past zero. */
function stringBytesLeft(text: string, left: number): number {
  if (textExceeds(text, left - 2)) return -1;
  let bytes = Buffer.byteLength(text, "utf8") + 2;
  for (const [escaped] of text.matchAll(ESCAPED)) {
    // A short escape is 2 bytes for 1; \u00XX is 6 for 1; a lone surrogate is 6 for the 3 of U+FFFD.
    bytes += SHORT_ESCAPES.has(escaped) ? 1 : escaped.charCodeAt(0) < 0x20 ? 5 : 3;
  }
  return left - bytes;
}

/** `left` less an object key's share of the JSON text (`"key":`), or a negative number once past zero. */
function keyBytesLeft(key: string, left: number): number {
  return stringBytesLeft(key, left - 1);
}

/**
 * `left` less one object entry (`"key":value`), charged exactly as {@link jsonBytesLeft} charges
 * the entries of an object: for measuring an object while building it. Start from
 * `jsonBytesLeft({}, limit)` (the braces) and take one more byte before each entry but the
 * first (the comma); a negative result means the object's JSON is longer than `limit`.
 */
export function entryBytesLeft(key: string, value: unknown, left: number): number {
  const afterKey = keyBytesLeft(key, left);
  return afterKey < 0 ? afterKey : jsonBytesLeft(value, afterKey);
}

/**
 * `budget` less the byte length of `value`'s JSON text, or a negative number as soon as that
 * passes below zero (the rest is not looked at). Walks the value with an explicit stack (no
 * recursion, so deep nesting cannot overflow it) and charges each array before pushing its
 * items, so the stack never holds more entries than the budget has bytes.
 */
export function jsonBytesLeft(value: unknown, budget: number): number {
  let left = budget;
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (typeof next === "string") {
      left = stringBytesLeft(next, left);
    } else if (Array.isArray(next)) {
      // Brackets and the commas between items; holes count as `null` once pushed.
      left -= 2 + Math.max(0, next.length - 1);
      if (left < 0) return left;
      for (let i = 0; i < next.length; i++) pending.push(next[i] ?? null);
    } else if (typeof next === "object" && next !== null) {
      left -= 2;
      let comma = 0;
      for (const key in next) {
        if (!Object.prototype.hasOwnProperty.call(next, key)) continue;
        left = keyBytesLeft(key, left - comma);
        comma = 1;
        if (left < 0) return left;
        pending.push((next as Record<string, unknown>)[key]);
      }
    } else {
      left -= next === null || next === undefined ? 4 : String(next).length;
    }
    if (left < 0) return left;
  }
  return left;
}

/** Whether a request body, raw text or parsed JSON, is larger than `limit` bytes. */
export function bodyExceeds(body: string | Readonly<Record<string, unknown>>, limit: number = MAX_REQUEST_BODY_BYTES): boolean {
  return typeof body === "string" ? textExceeds(body, limit) : jsonBytesLeft(body, limit) < 0;
}
