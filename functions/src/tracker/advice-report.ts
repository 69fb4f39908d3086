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

const CLEANUP_MODE_NOTE: Record<CleanupReport["mode"], string> = {
  apply: "apply",
  preview: "preview: nothing is changed; notices sent now are previews and never count",
  "dry-run": "dry run: nothing is changed or sent; --apply with DIGITALOCEAN_CLEANUP_TOKEN sends notices and acts",
};

/**
 * What `cleanup` prints: one row per marked resource (where it stands, what this run did, the
 * reason with "notice sent <date>, acts on <date>"), the notices a dry run would have sent, and
 * how a run cut short by its deadline carries on.
 */
export function formatCleanup(report: CleanupReport): string[] {
  const rows = report.actions.map((a) => [`${a.resource.kind} ${a.resource.name}`, a.step ?? "-", a.state, a.run, a.reason]);
  const lines = [
    `clean-up (${CLEANUP_MODE_NOTE[report.mode]})`,
    ...(rows.length > 0 ? formatTextTable({ columns: ["RESOURCE", "STEP", "STATE", "THIS RUN", "REASON"], rows }) : ["No resource carries an expires: tag."]),
  ];
  if (report.wouldSend.length > 0) {
    lines.push("", `Would send ${report.wouldSend.length} notice(s), each to ${report.wouldSend[0]!.recipients} recipient(s), with --apply:`);
    for (const notice of report.wouldSend) lines.push(`- ${notice.title}`, `  ${notice.summary}`);
  }
  if (report.delivery && report.delivery.delivered + report.delivery.failed > 0) {
    lines.push(`notifications: ${report.delivery.delivered} delivered, ${report.delivery.failed} failed (retried by the next run or check), ${report.delivery.pending} pending`);
  }
  if (report.stoppedAtDeadline) lines.push(report.stoppedAtDeadline);
  return lines;
}
