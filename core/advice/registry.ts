/**
 * Every advice rule, in the order reports list them; a name may appear once. Adding a rule is
 * one file in rules/ and one line here, as with the policy pack's registry.
 */
import { databaseOversized } from "./rules/database-oversized";
import { dropletIdleDownsize } from "./rules/droplet-idle-downsize";
import { dropletPoweredOff } from "./rules/droplet-powered-off";
import { loadBalancerIdle } from "./rules/load-balancer-idle";
import { reservedIpUnassigned } from "./rules/reserved-ip-unassigned";
import { snapshotOld } from "./rules/snapshot-old";
import { untagged } from "./rules/untagged";
import { volumeUnattached } from "./rules/volume-unattached";
import type { AdviceContext, AdviceRule, Suggestion } from "./types";

export function ruleRegistry(rules: readonly AdviceRule[]): readonly AdviceRule[] {
  const seen = new Set<string>();
  for (const rule of rules) {
    if (seen.has(rule.name)) throw new Error(`advice rule ${rule.name} is registered twice`);
    seen.add(rule.name);
  }
  return Object.freeze([...rules]);
}

export const ADVICE_RULES = ruleRegistry([
  dropletPoweredOff,
  dropletIdleDownsize,
  volumeUnattached,
  reservedIpUnassigned,
  snapshotOld,
  loadBalancerIdle,
  databaseOversized,
  untagged,
]);

/** What one advise run found: savings first (largest first, unknown savings last), then the untagged. */
export interface AdviceReport {
  suggestions: Suggestion[];
  /** Sum of the known savings; unknown ones are listed but not added. */
  totalMonthlySavingsUsd: number;
}

export function runAdvice(context: AdviceContext, rules: readonly AdviceRule[] = ADVICE_RULES): AdviceReport {
  const suggestions = rules.flatMap((rule) => rule.evaluate(context));
  suggestions.sort((a, b) => (b.monthlySavingsUsd ?? -1) - (a.monthlySavingsUsd ?? -1) || a.id.localeCompare(b.id));
  const cents = suggestions.reduce((sum, s) => sum + Math.round((s.monthlySavingsUsd ?? 0) * 100), 0);
  return { suggestions, totalMonthlySavingsUsd: cents / 100 };
}
