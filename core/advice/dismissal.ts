/**
 * When a dismissed suggestion comes back (issue 14, point 12): only when its advice or its
 * evidence changes materially — a different action (another target size, "delete" instead of
 * "resize"), a different fact, or a measured figure moving by more than the tolerance — and not
 * every time a p95 rounds differently from one run to the next.
 */
import type { EvidenceValue, Suggestion } from "./types";

/** What a dismissal is judged by: the advice and the evidence it was given on. */
export type DismissedAdvice = Pick<Suggestion, "action" | "evidence">;

/** Evidence keys ending in `Pct` are measured percentages (p95 CPU, memory); every other value is a fact. */
export function isFigure(key: string): boolean {
  return key.endsWith("Pct");
}

/** Structural equality; object key order is ignored (jsonb stores keys in its own order). */
function sameValue(a: EvidenceValue | undefined, b: EvidenceValue | undefined): boolean {
  if (a === undefined || b === undefined || a === null || b === null || typeof a !== "object" || typeof b !== "object") return (a ?? null) === (b ?? null);
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, index) => sameValue(item, (b as readonly EvidenceValue[])[index]));
  }
  const left = a as Readonly<Record<string, EvidenceValue>>;
  const right = b as Readonly<Record<string, EvidenceValue>>;
  const keys = new Set([...Object.keys(left), ...Object.keys(right)]);
  return [...keys].every((key) => sameValue(left[key], right[key]));
}

/**
 * True while a dismissal given on `dismissed` still holds for `current`: the same action, every
 * fact equal, and every figure within `tolerancePct` percentage points of its value at dismissal
 * (measured from the dismissal, so a slow drift cannot creep past the tolerance unnoticed).
 */
export function dismissalHolds(dismissed: DismissedAdvice, current: DismissedAdvice, tolerancePct: number): boolean {
  if (dismissed.action !== current.action) return false;
  const keys = new Set([...Object.keys(dismissed.evidence), ...Object.keys(current.evidence)]);
  for (const key of keys) {
    const before = dismissed.evidence[key];
    const now = current.evidence[key];
    if (isFigure(key) && typeof before === "number" && typeof now === "number") {
      // A hair of slack so 12.4 → 22.4 is "10 points" despite binary floating point.
      if (Math.abs(now - before) > tolerancePct + 1e-9) return false;
    } else if (!sameValue(before, now)) {
      return false;
    }
  }
  return true;
}
