/**
 * Shapes shared by the price catalog, the estimator, the policy pack and the plan.
 * Price ≠ cost (the infracost model): a resource maps to cost components, each a
 * quantity times a unit price; usage-based components whose usage is unknown have
 * `monthlyUsd: null` ("depends on usage"), never 0.
 */

/**
 * How far a price can be trusted: `official` when read from DigitalOcean's own pages or API,
 * `secondary` when it rests on a third party's table or copy. The plan marks estimates resting
 * on a secondary price "unconfirmed" until an invoice (or a refresh from the API) confirms it.
 */
export type SourceKind = "official" | "secondary";

/** Every `SourceKind`, for validation. */
export const SOURCE_KINDS: readonly SourceKind[] = ["official", "secondary"];

/** One line of a resource's estimated monthly cost. */
export interface CostComponent {
  /** What is charged, e.g. "Droplet s-2vcpu-4gb", "Backups (20%)", "Outbound transfer". */
  name: string;
  /** Billing unit of `quantity`, e.g. "months", "GiB-months", "nodes", "GiB". */
  unit: string;
  /** How many units; for usage-based lines with unknown usage, the quantity is null. */
  quantity: number | null;
  /** Price of one unit in USD, from the catalog. */
  unitPriceUsd: number;
  /** quantity × unitPriceUsd rounded to cents; null when the usage is unknown. */
  monthlyUsd: number | null;
  /** Human note, e.g. "depends on usage: $0.01/GiB beyond the free allowance". */
  note?: string;
  /** Kind of the catalog source `unitPriceUsd` was read from. */
  sourceKind: SourceKind;
}

/** The estimate for one resource. */
export interface CostEstimate {
  /** Pulumi type token, e.g. "digitalocean:index/droplet:Droplet". */
  resourceType: string;
  /**
   * Sum of the priced components, in USD per month; null when the resource cannot be
   * priced (unknown slug, purely usage-based, or not a cost-bearing type we know).
   */
  monthlyUsd: number | null;
  /** Upper bound when autoscaling could raise it (e.g. node pool at maxNodes); else absent. */
  maxMonthlyUsd?: number;
  components: CostComponent[];
  /** Why part of the cost is unknown, e.g. "unknown droplet size slug 's-99vcpu'". Empty when fully priced. */
  unknowns: string[];
  /** Size slugs the resource uses (for the size allow-list policy). */
  sizeSlugs: string[];
  /** True when DigitalOcean charges nothing for this type (projects, tags, VPCs, monitor alerts …). */
  free: boolean;
  /**
   * `secondary` when any priced component (one with a `monthlyUsd`) rests on a secondary source,
   * so the estimate is unconfirmed; otherwise `official`.
   */
  sourceKind: SourceKind;
}

/** True when a priced component of the estimate rests on a secondary source (the plan shows "unconfirmed"). */
export function isUnconfirmed(estimate: { components: readonly Pick<CostComponent, "monthlyUsd" | "sourceKind">[] }): boolean {
  return estimate.components.some((component) => component.monthlyUsd !== null && component.sourceKind === "secondary");
}
