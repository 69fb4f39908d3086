/**
 * Cost allocation of an invoice: by product, by DigitalOcean project and by tag key.
 * Invoice items carry no tags (DO-API-NOTES.md), so tags are joined through `resource_uuid`
 * from the resource APIs; items that cannot be joined land in explicit "untagged" /
 * "unassigned" buckets rather than disappearing. All arithmetic is in integer cents, so the
 * parts of every breakdown add up exactly to the total.
 */
import { fromCents, toCents } from "./money";

/** One invoice line, as the tracker maps it from `invoice_items`. */
export interface InvoiceItem {
  product: string;
  resourceUuid?: string;
  projectName?: string;
  amountUsd: number;
  groupDescription?: string;
}

/** Bucket for items without a project. */
export const UNASSIGNED_PROJECT = "(unassigned)";
/** Bucket, per tag key, for items whose resource lacks that key (or has no tags / no resource). */
export const UNTAGGED = "(untagged)";

/** The allocation of one invoice; every record's values add up to `totalUsd` exactly. */
export interface CostAllocation {
  totalUsd: number;
  /** product → USD, largest first. */
  byProduct: Record<string, number>;
  /** project name → USD, largest first, with `UNASSIGNED_PROJECT` for items without one. */
  byProject: Record<string, number>;
  /** tag key → (tag value → USD), each with an `UNTAGGED` bucket when some cost lacks the key. */
  byTagKey: Record<string, Record<string, number>>;
  /** Cost of items whose resource carries no `key:value` tag at all (or that have no resource). */
  untaggedUsd: number;
  /** untaggedUsd ÷ totalUsd; 0 for an empty or zero invoice. */
  untaggedShare: number;
}

/** Options of `allocateCosts`. */
export interface AllocationOptions {
  /** Tag keys to break down by; default: every key found on the items' resources. */
  tagKeys?: readonly string[];
}

/** "team:payments" → ["team", "payments"]; a bare tag without ":" is not a key:value tag. */
function splitTag(tag: string): [string, string] | undefined {
  const colon = tag.indexOf(":");
  return colon > 0 ? [tag.slice(0, colon), tag.slice(colon + 1)] : undefined;
}

/** Splits `cents` into `parts` integer shares differing by at most one cent, earlier shares first to get the extra. */
function splitCents(cents: number, parts: number): number[] {
  const base = Math.trunc(cents / parts);
  const remainder = cents - base * parts;
  return Array.from({ length: parts }, (_, i) => base + (i < Math.abs(remainder) ? Math.sign(remainder) : 0));
}

const NO_TAGS: ReadonlyMap<string, readonly string[]> = new Map();

/** A resource's `key:value` tags as key → its distinct values, sorted; memoised in `seen` per call. */
function tagValuesOf(
  resourceUuid: string | undefined,
  tagsByResource: ReadonlyMap<string, readonly string[]>,
  seen: Map<string, ReadonlyMap<string, readonly string[]>>,
): ReadonlyMap<string, readonly string[]> {
  const tags = resourceUuid ? tagsByResource.get(resourceUuid) : undefined;
  if (!tags || tags.length === 0) return NO_TAGS;
  let values = seen.get(resourceUuid!);
  if (values === undefined) {
    const byKey = new Map<string, string[]>();
    for (const tag of tags) {
      const pair = splitTag(tag);
      if (!pair) continue;
      const list = byKey.get(pair[0]);
      if (list === undefined) byKey.set(pair[0], [pair[1]]);
      else if (!list.includes(pair[1])) list.push(pair[1]);
    }
    for (const list of byKey.values()) list.sort();
    seen.set(resourceUuid!, (values = byKey));
  }
  return values;
}

function addTo(bucket: Map<string, number>, key: string, cents: number): void {
  bucket.set(key, (bucket.get(key) ?? 0) + cents);
}

function toRecord(bucket: Map<string, number>): Record<string, number> {
  const entries = [...bucket].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return Object.fromEntries(entries.map(([key, cents]) => [key, fromCents(cents)]));
}

/**
 * Allocates invoice items by product, project and tag key. `tagsByResource` maps a resource
 * uuid to its tags (`key:value` strings). An item whose resource has several values for one
 * key (team:a and team:b) is split evenly between them, to the cent.
 */
export function allocateCosts(
  items: readonly InvoiceItem[],
  tagsByResource: ReadonlyMap<string, readonly string[]>,
  options: AllocationOptions = {},
): CostAllocation {
  // Resources recur (a history day has a row per resource × product): their tags are split once.
  const seen = new Map<string, ReadonlyMap<string, readonly string[]>>();
  const tagged = items.map((item, index) => {
    if (typeof item.product !== "string" || item.product === "") {
      throw new RangeError(`items[${index}].product must be a non-empty string (got ${JSON.stringify(item.product)})`);
    }
    if (!Number.isFinite(item.amountUsd)) throw new RangeError(`items[${index}].amountUsd must be a finite number (got ${item.amountUsd})`);
    return { item, cents: toCents(item.amountUsd), valuesByKey: tagValuesOf(item.resourceUuid, tagsByResource, seen) };
  });
  const tagKeys = options.tagKeys ?? [...new Set(tagged.flatMap((t) => [...t.valuesByKey.keys()]))].sort();

  let totalCents = 0;
  let untaggedCents = 0;
  const byProduct = new Map<string, number>();
  const byProject = new Map<string, number>();
  const byTagKey = new Map<string, Map<string, number>>(tagKeys.map((key) => [key, new Map<string, number>()]));
  for (const { item, cents, valuesByKey } of tagged) {
    totalCents += cents;
    addTo(byProduct, item.product, cents);
    addTo(byProject, item.projectName || UNASSIGNED_PROJECT, cents);
    if (valuesByKey.size === 0) untaggedCents += cents;
    for (const [key, bucket] of byTagKey) {
      const values = valuesByKey.get(key);
      if (values === undefined) addTo(bucket, UNTAGGED, cents);
      else if (values.length === 1) addTo(bucket, values[0]!, cents);
      else splitCents(cents, values.length).forEach((share, i) => addTo(bucket, values[i]!, share));
    }
  }
  return {
    totalUsd: fromCents(totalCents),
    byProduct: toRecord(byProduct),
    byProject: toRecord(byProject),
    byTagKey: Object.fromEntries([...byTagKey].map(([key, bucket]) => [key, toRecord(bucket)])),
    untaggedUsd: fromCents(untaggedCents),
    untaggedShare: totalCents === 0 ? 0 : untaggedCents / totalCents,
  };
}

/** A summed breakdown's row: one key (service, project, `key:value` tag) and its dollars. */
export interface AllocationRow {
  key: string;
  usd: number;
}

/** Adds breakdowns (one per day, say) key by key in exact integer cents. */
export function sumBreakdownCents(breakdowns: Iterable<Readonly<Record<string, number>>>): Map<string, number> {
  const cents = new Map<string, number>();
  for (const breakdown of breakdowns) for (const [key, usd] of Object.entries(breakdown)) addTo(cents, key, toCents(usd));
  return cents;
}

/** A summed breakdown as rows, largest first (ties by key), in dollars. */
export function allocationRows(cents: ReadonlyMap<string, number>): AllocationRow[] {
  return [...cents]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([key, total]) => ({ key, usd: fromCents(total) }));
}

/** One tag key's allocation: each value's dollars, the {@link UNTAGGED} value holding what lacks the key. */
export interface TagKeyAllocation {
  tagKey: string;
  rows: { value: string; usd: number }[];
}

/**
 * Splits a summed by-tag breakdown in the stored shape (`"env:prod"` → USD, per tag key an
 * `"env:(untagged)"` bucket, and a bare {@link UNTAGGED} for cost carrying no tag at all) into
 * one allocation per tag key, tag keys by name. A key first seen partway through the summed
 * days has no bucket for the days before: that cost goes to its untagged value, so every key's
 * rows add up to `totalCents` exactly, as they do on any single day.
 */
export function allocationByTagKey(byTagCents: ReadonlyMap<string, number>, totalCents: number): TagKeyAllocation[] {
  const perKey = new Map<string, Map<string, number>>();
  for (const [tag, cents] of byTagCents) {
    const pair = splitTag(tag);
    if (!pair) continue;
    const values = perKey.get(pair[0]) ?? new Map<string, number>();
    addTo(values, pair[1], cents);
    perKey.set(pair[0], values);
  }
  return [...perKey.keys()].sort().map((tagKey) => {
    const values = perKey.get(tagKey)!;
    const missing = totalCents - [...values.values()].reduce((sum, cents) => sum + cents, 0);
    if (missing !== 0) addTo(values, UNTAGGED, missing);
    return { tagKey, rows: allocationRows(values).filter((row) => row.usd !== 0).map((row) => ({ value: row.key, usd: row.usd })) };
  });
}
