/** Helpers every advice rule uses to build its suggestions the same way. */
import { roundUsd } from "../money";
import type { AdviceContext, ResourceRef, Suggestion } from "./types";

const DAY_MS = 86_400_000;

/**
 * The suggestion's id: rule and resource only, so a suggestion keeps its id from run to run
 * while the resource exists, and a dismissal can refer to it.
 */
export function suggestionId(rule: string, resource: ResourceRef): string {
  return `${rule}:${resource.kind}:${resource.id}`;
}

export function suggestion(rule: string, resource: ResourceRef, fields: Omit<Suggestion, "id" | "rule" | "resource">): Suggestion {
  const monthlySavingsUsd = fields.monthlySavingsUsd === null ? null : roundUsd(Math.max(0, fields.monthlySavingsUsd));
  return { id: suggestionId(rule, resource), rule, resource, ...fields, monthlySavingsUsd };
}

/** Whole days from `since` to now; undefined when `since` is absent or unreadable. */
export function daysSince(since: string | undefined, now: Date): number | undefined {
  if (since === undefined) return undefined;
  const at = Date.parse(since);
  return Number.isNaN(at) ? undefined : Math.floor((now.getTime() - at) / DAY_MS);
}

/** True when the samples cover enough of the lookback window to judge utilisation. */
export function coversWindow(coveredHours: number, context: AdviceContext): boolean {
  return coveredHours >= context.settings.lookbackDays * 24 * context.settings.minCoverage;
}

/** "$12.00" for reasons; "unknown price" when the catalog has none. */
export function usd(value: number | null | undefined): string {
  return value === null || value === undefined ? "an unknown price" : `$${value.toFixed(2)}`;
}
