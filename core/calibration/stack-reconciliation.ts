/**
 * Per-stack reconciliation (issue 11 item 4): a stack's resources carry `stack:<project>-<stack>`
 * (suggested by the `do-resource-stack-tag` policy), so the invoice items of those resources can
 * be set against the plan's per-resource estimates: estimated vs billed per resource and in
 * total, with the difference split into components where the invoice says what a line is
 * (bandwidth overage, backups, snapshots, storage). Pure: the tracker's adapter reads the API.
 */
import { fromCents, roundUsd, toCents } from "../money";

/** The tag key that attributes a resource to a stack. */
export const STACK_TAG_KEY = "stack";

// DigitalOcean tags: letters, digits, `_`, `-`, `:`, at most 255 characters (core/tags DO_TAG_PATTERN).
const TAG_UNSAFE = /[^a-zA-Z0-9_\-:]+/g;

/** `stack:<project>-<stack>`, with characters DigitalOcean rejects in tags replaced by `-`. */
export function stackTag(project: string, stack: string): string {
  if (!project.trim() || !stack.trim()) throw new Error(`stackTag: project and stack must be non-empty (got ${JSON.stringify(project)}, ${JSON.stringify(stack)})`);
  return `${STACK_TAG_KEY}:${project}-${stack}`.replace(TAG_UNSAFE, "-").slice(0, 255);
}

/** Project and stack named by a Pulumi URN (`urn:pulumi:<stack>::<project>::<type>::<name>`), or undefined. */
export function projectAndStackOfUrn(urn: string): { project: string; stack: string } | undefined {
  const match = /^urn:pulumi:([^:]+)::([^:]+)::/.exec(urn);
  return match ? { stack: match[1]!, project: match[2]! } : undefined;
}

/** What a cost line is about, so estimate and bill can be compared part by part. */
export type CostPart = "base" | "backups" | "snapshots" | "bandwidth" | "storage";

export const COST_PARTS: readonly CostPart[] = ["base", "backups", "snapshots", "bandwidth", "storage"];

/** Classifies an estimate component name or an invoice line (product + description). */
export function costPartOf(text: string): CostPart {
  if (/backup/i.test(text)) return "backups";
  if (/snapshot/i.test(text)) return "snapshots";
  if (/bandwidth|transfer|overage/i.test(text)) return "bandwidth";
  if (/storage|volume/i.test(text)) return "storage";
  return "base";
}

/** A planned resource as `npm run plan -- --json` writes it (the fields used). */
export interface PlannedCost {
  urn: string;
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  monthlyUsd: number | null;
  components: { name: string; monthlyUsd: number | null }[];
}

/** A listed resource of the account: its kind as a Pulumi type, name, tags and the keys invoices name it by. */
export interface TaggedResource {
  type: string;
  name: string;
  tags: readonly string[];
  keys: readonly string[];
}

/** An invoice line with its amount in USD. */
export interface BilledLine {
  resourceKey: string;
  product: string;
  description: string;
  amountUsd: number;
}

/** Estimated vs billed for one part of a resource. */
export interface PartComparison {
  part: CostPart;
  estimatedUsd: number;
  billedUsd: number;
  /** Set when the estimate left the part to usage (its monthlyUsd was null). */
  usageBased?: boolean;
}

/** One planned resource against the bill. */
export interface ResourceReconciliation {
  urn: string;
  name: string;
  type: string;
  /** `billed`: a listed resource carried the stack tag and matched; `not-found`: none did; `untaggable`: the type cannot carry the tag. */
  status: "billed" | "not-found" | "untaggable";
  /** The invoice keys (droplet id, uuid) of the matched resource. */
  resourceKeys: string[];
  estimatedUsd: number | null;
  billedUsd: number;
  /** billed − estimated; null when the estimate is unknown. */
  differenceUsd: number | null;
  parts: PartComparison[];
  /** One sentence per part that differs, e.g. "bandwidth: billed $3.20, estimated as usage". */
  explanations: string[];
}

/** A stack's month: per resource and in total. */
export interface StackReconciliation {
  stackTag: string;
  billingMonth: string;
  resources: ResourceReconciliation[];
  /** Sum of the estimates of the resources the bill could be matched for. */
  estimatedUsd: number;
  billedUsd: number;
  differenceUsd: number;
  /** Billed lines of tagged resources the plan does not declare (e.g. made by hand with the tag). */
  unplannedBilledUsd: number;
}

/** Pulumi auto-names a resource `<logical name>-<7 hex>` when its `name` input is not set. */
function nameMatches(planned: PlannedCost, listed: TaggedResource): boolean {
  const explicit = typeof planned.inputs.name === "string" ? planned.inputs.name : undefined;
  if (explicit !== undefined) return listed.name === explicit;
  return listed.name === planned.name || new RegExp(`^${planned.name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}-[0-9a-f]{7}$`).test(listed.name);
}

function explain(part: PartComparison): string | undefined {
  const diff = roundUsd(part.billedUsd - part.estimatedUsd);
  if (Math.abs(diff) < 0.01) return undefined;
  const label = part.part === "bandwidth" ? "bandwidth overage" : part.part;
  if (part.usageBased && part.estimatedUsd === 0) return `${label}: billed $${part.billedUsd.toFixed(2)}, estimated as usage (unknown before deploy)`;
  return `${label}: billed $${part.billedUsd.toFixed(2)}, estimated $${part.estimatedUsd.toFixed(2)} (${diff > 0 ? "+" : "−"}$${Math.abs(diff).toFixed(2)})`;
}

/**
 * Sets the plan's estimates against one month's invoice lines of the resources carrying
 * `tag`. A planned resource is matched to a listed one of the same type carrying the tag and
 * the same name (or Pulumi's auto-name of it); `isTaggable` says which types can carry tags.
 */
export function reconcileStack(args: {
  tag: string;
  billingMonth: string;
  planned: readonly PlannedCost[];
  listed: readonly TaggedResource[];
  lines: readonly BilledLine[];
  isTaggable: (type: string) => boolean;
}): StackReconciliation {
  const tagged = args.listed.filter((resource) => resource.tags.includes(args.tag));
  const linesByKey = new Map<string, BilledLine[]>();
  for (const line of args.lines) linesByKey.set(line.resourceKey, [...(linesByKey.get(line.resourceKey) ?? []), line]);
  const claimed = new Set<TaggedResource>();
  const resources: ResourceReconciliation[] = [];
  for (const planned of args.planned) {
    if (planned.monthlyUsd === 0 && planned.components.length === 0) continue; // free types: nothing to bill
    const match = tagged.find((resource) => !claimed.has(resource) && resource.type === planned.type && nameMatches(planned, resource));
    const estimated = new Map<CostPart, { usd: number; usage: boolean }>();
    for (const component of planned.components) {
      const part = costPartOf(component.name);
      const entry = estimated.get(part) ?? { usd: 0, usage: false };
      if (component.monthlyUsd === null) entry.usage = true;
      else entry.usd = fromCents(toCents(entry.usd) + toCents(component.monthlyUsd));
      estimated.set(part, entry);
    }
    const billed = new Map<CostPart, number>();
    if (match) {
      claimed.add(match);
      for (const key of match.keys) {
        for (const line of linesByKey.get(key) ?? []) {
          const part = costPartOf(`${line.product} ${line.description}`);
          billed.set(part, fromCents(toCents(billed.get(part) ?? 0) + toCents(line.amountUsd)));
        }
      }
    }
    const parts = COST_PARTS.filter((part) => estimated.has(part) || billed.has(part)).map((part): PartComparison => ({
      part,
      estimatedUsd: estimated.get(part)?.usd ?? 0,
      billedUsd: billed.get(part) ?? 0,
      ...(estimated.get(part)?.usage ? { usageBased: true } : {}),
    }));
    const billedUsd = fromCents([...billed.values()].reduce((sum, usd) => sum + toCents(usd), 0));
    const status = match ? "billed" : args.isTaggable(planned.type) ? "not-found" : "untaggable";
    resources.push({
      urn: planned.urn,
      name: planned.name,
      type: planned.type,
      status,
      resourceKeys: match ? [...match.keys] : [],
      estimatedUsd: planned.monthlyUsd,
      billedUsd,
      differenceUsd: planned.monthlyUsd === null ? null : roundUsd(billedUsd - planned.monthlyUsd),
      parts,
      explanations: match ? parts.map(explain).filter((line): line is string => line !== undefined) : [],
    });
  }
  const matched = resources.filter((resource) => resource.status === "billed");
  const estimatedUsd = fromCents(matched.reduce((sum, resource) => sum + toCents(resource.estimatedUsd ?? 0), 0));
  const billedUsd = fromCents(matched.reduce((sum, resource) => sum + toCents(resource.billedUsd), 0));
  const plannedKeys = new Set(matched.flatMap((resource) => resource.resourceKeys));
  const unplannedCents = tagged
    .filter((resource) => !claimed.has(resource))
    .flatMap((resource) => resource.keys.filter((key) => !plannedKeys.has(key)).flatMap((key) => linesByKey.get(key) ?? []))
    .reduce((sum, line) => sum + toCents(line.amountUsd), 0);
  return { stackTag: args.tag, billingMonth: args.billingMonth, resources, estimatedUsd, billedUsd, differenceUsd: roundUsd(billedUsd - estimatedUsd), unplannedBilledUsd: fromCents(unplannedCents) };
}
