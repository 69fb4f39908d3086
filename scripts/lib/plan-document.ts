/**
 * The plan as data: resources with their estimated monthly cost, the policy pack's verdict,
 * and — against an earlier plan — what changed. `--json` writes it, `--markdown` renders it
 * for a pull request, `--compare-to` diffs two of them (as Infracost does for Terraform).
 * Pure: no I/O here.
 */
import type { CostComponent } from "../../core/pricing";
import { estimateStack, isUnconfirmed } from "../../core/pricing";
import { formatSignedUsd, formatUsd, sumUsd } from "../../core/money";
import type { PolicyViolation } from "./policy-pack-host";
import type { RecordedResource } from "./program-runner";
import { shortType } from "./resource-summary";

export interface PlannedResource {
  urn: string;
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  /** Estimated USD per month; null when it cannot be priced (see `unknowns`). */
  monthlyUsd: number | null;
  /** Upper bound when autoscaling could raise the cost. */
  maxMonthlyUsd?: number;
  components: CostComponent[];
  unknowns: string[];
}

export interface PlanViolation {
  policy: string;
  enforcementLevel: string;
  /** Absent for stack-wide violations. */
  urn?: string;
  message: string;
}

export interface PlanDiff {
  added: { urn: string; monthlyUsd: number | null }[];
  removed: { urn: string; monthlyUsd: number | null }[];
  changed: { urn: string; beforeMonthlyUsd: number | null; afterMonthlyUsd: number | null }[];
  /** Change of the priced total, USD per month. */
  monthlyDeltaUsd: number;
}

/** The JSON written by `--json`. Version 1: fields are only ever added. */
export interface PlanDocument {
  version: 1;
  program: string;
  stack: string;
  resources: PlannedResource[];
  outputs: Record<string, unknown>;
  /** Sum of the priced resources, USD per month. */
  totalMonthlyUsd: number;
  /** From the pack's `do-stack-monthly-budget` config; null when policies were not run or it is disabled. */
  budgetMonthlyUsd: number | null;
  violations: PlanViolation[];
  /** True when a mandatory violation would stop `pulumi up`. */
  blocked: boolean;
  /** Present with `--compare-to`. */
  diff?: PlanDiff;
}

export interface PlanInputs {
  program: string;
  stack: string;
  resources: readonly RecordedResource[];
  outputs: Record<string, unknown>;
  violations: readonly PolicyViolation[];
  budgetMonthlyUsd: number | null;
}

/** Prices every resource the program declares (components cost nothing and are left out). */
export function buildPlanDocument(inputs: PlanInputs): PlanDocument {
  const custom = inputs.resources.filter((r) => r.custom);
  const estimate = estimateStack(custom.map((r) => ({ urn: r.urn, type: r.type, inputs: r.inputs })));
  const resources = custom.map((r, i) => {
    const cost = estimate.resources[i];
    return {
      urn: r.urn,
      type: r.type,
      name: r.name,
      inputs: r.inputs,
      monthlyUsd: cost.monthlyUsd,
      ...(cost.maxMonthlyUsd !== undefined ? { maxMonthlyUsd: cost.maxMonthlyUsd } : {}),
      components: cost.components,
      unknowns: cost.unknowns,
    };
  });
  const violations = inputs.violations.map((v) => ({ policy: v.policy, enforcementLevel: v.enforcementLevel, ...(v.urn ? { urn: v.urn } : {}), message: v.message }));
  return {
    version: 1,
    program: inputs.program,
    stack: inputs.stack,
    resources,
    outputs: inputs.outputs,
    totalMonthlyUsd: estimate.totalMonthlyUsd,
    budgetMonthlyUsd: inputs.budgetMonthlyUsd,
    violations,
    blocked: violations.some((v) => v.enforcementLevel === "mandatory"),
  };
}

/** What changed since `before`, matched by URN; a resource changed if its inputs or cost did. */
export function diffPlans(before: Pick<PlanDocument, "resources" | "totalMonthlyUsd">, after: Pick<PlanDocument, "resources" | "totalMonthlyUsd">): PlanDiff {
  const old = new Map(before.resources.map((r) => [r.urn, r]));
  const now = new Map(after.resources.map((r) => [r.urn, r]));
  const added = after.resources.filter((r) => !old.has(r.urn)).map((r) => ({ urn: r.urn, monthlyUsd: r.monthlyUsd }));
  const removed = before.resources.filter((r) => !now.has(r.urn)).map((r) => ({ urn: r.urn, monthlyUsd: r.monthlyUsd }));
  const changed = after.resources
    .filter((r) => {
      const previous = old.get(r.urn);
      return previous !== undefined && (previous.monthlyUsd !== r.monthlyUsd || JSON.stringify(previous.inputs) !== JSON.stringify(r.inputs));
    })
    .map((r) => ({ urn: r.urn, beforeMonthlyUsd: old.get(r.urn)?.monthlyUsd ?? null, afterMonthlyUsd: r.monthlyUsd }));
  return { added, removed, changed, monthlyDeltaUsd: sumUsd([after.totalMonthlyUsd, -before.totalMonthlyUsd]) };
}

/** Checks that a file given to `--compare-to` is a plan this tool wrote; names what is wrong. */
export function parsePlanDocument(text: string, source: string): PlanDocument {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new Error(`${source} is not JSON: ${(err as Error).message}`);
  }
  const doc = parsed as Partial<PlanDocument>;
  if (doc?.version !== 1) throw new Error(`${source} is not a do-cost-guard plan (version must be 1, got ${JSON.stringify(doc?.version)})`);
  if (!Array.isArray(doc.resources)) throw new Error(`${source}: resources must be a list`);
  if (typeof doc.totalMonthlyUsd !== "number") throw new Error(`${source}: totalMonthlyUsd must be a number (was the plan written before costs were added?)`);
  return doc as PlanDocument;
}

/** `$24.00`, `$48.00 (≤ $96.00)`; "unconfirmed" when a priced component rests on a secondary source (core/pricing `isUnconfirmed`). */
export function formatMonthly(resource: Pick<PlannedResource, "monthlyUsd" | "maxMonthlyUsd"> & { components?: PlannedResource["components"] }): string {
  if (resource.monthlyUsd === null) return "unknown";
  const base = formatUsd(resource.monthlyUsd);
  const priced = resource.maxMonthlyUsd !== undefined && resource.maxMonthlyUsd !== resource.monthlyUsd ? `${base} (≤ ${formatUsd(resource.maxMonthlyUsd)})` : base;
  return resource.components && isUnconfirmed({ components: resource.components }) ? `${priced} unconfirmed` : priced;
}

/** The violations a person needs to read: everything except the per-resource cost reports the table already shows. */
export function violationsToShow(plan: Pick<PlanDocument, "violations">): PlanViolation[] {
  return plan.violations.filter((v) => !(v.policy === "do-resource-estimated-cost" && v.urn));
}

function nameOf(urn: string): string {
  return urn.slice(urn.lastIndexOf("::") + 2);
}

/** A pull-request comment: verdict, cost vs budget, what changed, the priced resources, the violations. */
export function renderMarkdown(plan: PlanDocument): string {
  const lines: string[] = [];
  const verdict = plan.blocked ? "❌ **Blocked** by mandatory policies" : "✅ Passes the cost guard";
  lines.push(`### do-cost-guard plan: \`${plan.program}\` (stack \`${plan.stack}\`)`, "", verdict, "");
  // The pack's stack budget (do-stack-monthly-budget maxMonthlyUsd), not the account budget the tracker watches.
  const budget = plan.budgetMonthlyUsd === null ? "" : ` of a ${formatUsd(plan.budgetMonthlyUsd)} stack budget`;
  lines.push(`**Estimated monthly cost: ${formatUsd(plan.totalMonthlyUsd)}**${budget}`);
  const unpriced = plan.resources.filter((r) => r.monthlyUsd === null);
  if (unpriced.length > 0) lines.push("", `${unpriced.length} resource${unpriced.length === 1 ? "" : "s"} could not be priced: ${unpriced.map((r) => `\`${r.name}\` (${r.unknowns.join("; ")})`).join(", ")}`);
  if (plan.diff) {
    const d = plan.diff;
    lines.push("", `**Change: ${formatSignedUsd(d.monthlyDeltaUsd)}/month** — ${d.added.length} added, ${d.removed.length} removed, ${d.changed.length} changed`, "");
    if (d.added.length + d.removed.length + d.changed.length > 0) {
      lines.push("| | resource | before | after |", "| --- | --- | ---: | ---: |");
      for (const r of d.added) lines.push(`| + | \`${nameOf(r.urn)}\` | | ${formatMonthly(r)} |`);
      for (const r of d.removed) lines.push(`| − | \`${nameOf(r.urn)}\` | ${formatMonthly(r)} | |`);
      for (const r of d.changed) lines.push(`| ~ | \`${nameOf(r.urn)}\` | ${formatMonthly({ monthlyUsd: r.beforeMonthlyUsd })} | ${formatMonthly({ monthlyUsd: r.afterMonthlyUsd })} |`);
    }
  }
  lines.push("", "<details><summary>Resources</summary>", "", "| type | name | monthly |", "| --- | --- | ---: |");
  for (const r of plan.resources) lines.push(`| ${shortType(r.type)} | \`${r.name}\` | ${formatMonthly(r)} |`);
  lines.push("", "</details>");
  const shown = violationsToShow(plan);
  if (shown.length > 0) {
    lines.push("", "| level | policy | resource | message |", "| --- | --- | --- | --- |");
    for (const v of shown) lines.push(`| ${v.enforcementLevel} | ${v.policy} | ${v.urn ? `\`${nameOf(v.urn)}\`` : "(stack)"} | ${v.message.replace(/\|/g, "\\|").replace(/\n/g, "<br>")} |`);
  }
  return lines.join("\n") + "\n";
}
