/**
 * dismissalHolds, the pure rule the store applies on every advise run: facts compare exactly
 * (whatever order jsonb stores object keys in), `…Pct` figures within the tolerance.
 */
import { dismissalHolds, type DismissedAdvice } from "../../../core/advice/dismissal";

const base: DismissedAdvice = {
  action: "tag it: env:<prod>",
  evidence: { missingKeys: ["owner"], disallowed: [{ key: "env", value: "staging", allowed: ["prod"] }], cpuP95Pct: 12.4 },
};

const CASES: [string, DismissedAdvice, boolean][] = [
  ["the same evidence with object keys in jsonb's order", { ...base, evidence: { cpuP95Pct: 12.4, disallowed: [{ allowed: ["prod"], value: "staging", key: "env" }], missingKeys: ["owner"] } }, true],
  ["  twin: a nested value changed", { ...base, evidence: { ...base.evidence, disallowed: [{ key: "env", value: "dev", allowed: ["prod"] }] } }, false],
  ["a figure within the tolerance", { ...base, evidence: { ...base.evidence, cpuP95Pct: 22.4 } }, true],
  ["  twin: a figure beyond it", { ...base, evidence: { ...base.evidence, cpuP95Pct: 22.5 } }, false],
  ["a number that is not a figure (not …Pct) moving by 1", { ...base, evidence: { ...base.evidence, sizeGiB: 41 } }, false],
  ["a fact that appeared", { ...base, evidence: { ...base.evidence, orphaned: true } }, false],
  ["another action", { ...base, action: "tag it: env:<prod>, owner:<owner>" }, false],
];

it.each(CASES)("%s", (_name, current, holds) => {
  const dismissed = { ...base, evidence: { ...base.evidence, ...(current.evidence.sizeGiB !== undefined ? { sizeGiB: 40 } : {}) } };
  expect(dismissalHolds(dismissed, current, 10)).toBe(holds);
});
