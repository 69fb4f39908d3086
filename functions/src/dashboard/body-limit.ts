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

/**
 * Whether the JSON text of `value` would be longer than `limit` bytes. Walks the value with an
 * explicit stack (no recursion, so deep nesting cannot overflow it) and charges each array
 * before pushing its items, so the stack never holds more entries than the limit has bytes.
 */
function jsonExceeds(value: unknown, limit: number): boolean {
  let left = limit;
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (typeof next === "string") {
      if (textExceeds(next, left - 2)) return true;
      left -= Buffer.byteLength(next, "utf8") + 2;
    } else if (Array.isArray(next)) {
      // Brackets and commas; holes count as `null` once pushed.
      left -= 2 + next.length;
      if (left < 0) return true;
      for (let i = 0; i < next.length; i++) pending.push(next[i] ?? null);
    } else if (typeof next === "object" && next !== null) {
      left -= 2;
      for (const key in next) {
        if (!Object.prototype.hasOwnProperty.call(next, key)) continue;
        // `"key":` and a comma.
        if (textExceeds(key, left - 4)) return true;
        left -= Buffer.byteLength(key, "utf8") + 4;
        pending.push((next as Record<string, unknown>)[key]);
      }
    } else {
      left -= next === null || next === undefined ? 4 : String(next).length;
    }
    if (left < 0) return true;
  }
  return false;
}

/** Whether a request body, raw text or parsed JSON, is larger than `limit` bytes. */
export function bodyExceeds(body: string | Readonly<Record<string, unknown>>, limit: number = MAX_REQUEST_BODY_BYTES): boolean {
  return typeof body === "string" ? textExceeds(body, limit) : jsonExceeds(body, limit);
}
