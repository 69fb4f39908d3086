/**
 * How `advise` and `cleanup` present what they found: a table for people and the versioned JSON
 * documents (`advise --json`, `cleanup --json`) for scripts and CI.
 */
import { describeTagProblems, untaggedEntry, type UntaggedEntry } from "../../../core/advice";
import { formatTextTable } from "../notify/message";
import type { StoredSuggestion } from "../store/advice-store";
import type { CleanupReport } from "./cleanup";

/** `advise --json`, version 1. Dismissed suggestions are left out; untagged resources are listed apart. */
export interface AdviceDocument {
  version: 1;
  generatedAt: string;
  suggestions: { id: string; rule: string; resource: { kind: string; id: string; name: string }; action: string; reason: string; monthlySavingsUsd: number | null }[];
  totalMonthlySavingsUsd: number;
  /** Each resource the tag requirement refuses: the keys it lacks and the values not allowed, with those that are. */
  untagged: UntaggedEntry[];
}

export function adviceDocument(suggestions: readonly StoredSuggestion[], generatedAt: Date): AdviceDocument {
  const shown = suggestions.filter((s) => !s.dismissed);
  const savings = shown.filter((s) => s.rule !== "untagged");
  return {
    version: 1,
    generatedAt: generatedAt.toISOString(),
    suggestions: savings.map(({ id, rule, resource, action, reason, monthlySavingsUsd }) => ({ id, rule, resource, action, reason, monthlySavingsUsd })),
    totalMonthlySavingsUsd: savings.reduce((cents, s) => cents + Math.round((s.monthlySavingsUsd ?? 0) * 100), 0) / 100,
    untagged: shown.filter((s) => s.rule === "untagged").map(untaggedEntry),
  };
}

const usd = (value: number | null) => (value === null ? "unknown" : `$${value.toFixed(2)}`);

/** The table `advise` prints: resource, rule, action, $/month saved, then the total. */
export function formatAdvice(document: AdviceDocument, dismissed: number): string[] {
  const rows = document.suggestions.map((s) => [`${s.resource.kind} ${s.resource.name}`, s.rule, s.action, usd(s.monthlySavingsUsd)]);
  return [
    ...(rows.length > 0 ? formatTextTable({ columns: ["RESOURCE", "RULE", "ACTION", "SAVES/MONTH"], rows }) : ["No savings found."]),
    "",
    `Potential savings: ${usd(document.totalMonthlySavingsUsd)}/month${dismissed > 0 ? ` (${dismissed} dismissed suggestion${dismissed === 1 ? "" : "s"} not shown)` : ""}`,
    ...(document.untagged.length > 0 ? [`Untagged: ${document.untagged.map((u) => `${u.kind} ${u.name} (${describeTagProblems(u)})`).join("; ")}`] : []),
  ];
}

/** The table `cleanup` prints: resource, action, state, reason. */
export function formatCleanup(report: CleanupReport): string[] {
  const rows = report.actions.map((a) => [`${a.resource.kind} ${a.resource.name}`, a.action, a.state, a.reason]);
  return [
    `clean-up (${report.mode}${report.mode === "dry-run" ? ": nothing is changed; --apply with DIGITALOCEAN_CLEANUP_TOKEN acts" : ""})`,
    ...(rows.length > 0 ? formatTextTable({ columns: ["RESOURCE", "ACTION", "STATE", "REASON"], rows }) : ["No resource carries a due expires: tag."]),
  ];
}
