/**
 * What the savings advisor reasons about: the account's resources as the tracker read them from
 * the DigitalOcean API, reduced to the facts the rules need, plus what the store remembers across
 * runs (since when a droplet has been off, a volume unattached …), and utilisation percentiles
 * over the lookback window. Pure data: the tracker's adapter maps API objects onto these shapes,
 * citing the spec schema each field comes from.
 */
import type { PriceCatalog } from "../pricing";
import type { AdviceSettings } from "./settings";

/** `droplet.yml` status values (specification/resources/droplets/models/droplet.yml). */
export type DropletStatus = "new" | "active" | "off" | "archive";

/** A Droplet (`droplet.yml`: id, name, status, size_slug, vcpus, memory, disk, region.slug, tags, created_at, volume_ids). */
export interface DropletFact {
  id: string;
  name: string;
  status: DropletStatus;
  sizeSlug: string;
  vcpus: number;
  /** MiB, as `droplet.memory`. */
  memoryMiB: number;
  /** GiB, as `droplet.disk`. */
  diskGiB: number;
  region: string;
  tags: readonly string[];
  createdAt: string;
  volumeIds: readonly string[];
  /** When the store first saw it `off` in an unbroken run of observations; absent while it is on. */
  offSince?: string;
}

/** A block storage volume (`volume_full`: id, name, size_gigabytes, region, droplet_ids, created_at, tags). */
export interface VolumeFact {
  id: string;
  name: string;
  sizeGiB: number;
  region: string;
  dropletIds: readonly string[];
  tags: readonly string[];
  createdAt: string;
  /** When the store first saw it with no droplet; absent while attached. */
  unattachedSince?: string;
}

/** A snapshot (`snapshots`: id, name, created_at, size_gigabytes, resource_id, resource_type, tags). */
export interface SnapshotFact {
  id: string;
  name: string;
  sizeGiB: number;
  createdAt: string;
  resourceType: "droplet" | "volume";
  resourceId: string;
  tags: readonly string[];
  /**
   * Set when the snapshot was taken after a "snapshot, then …" suggestion for its droplet or
   * volume (the store remembers the match, so it outlives the suggestion): kept on purpose.
   */
  advisedBy?: { suggestionId: string; advisedSince: string };
}

/** A reserved IP (`reserved_ip`: ip, region, droplet — null when unassigned). */
export interface ReservedIpFact {
  ip: string;
  region: string;
  dropletId: string | null;
  /** When the store first saw it unassigned; absent while assigned. */
  unassignedSince?: string;
}

/** `load_balancer_base.yml` `type`: regional HTTP, regional network (TCP/UDP) or global; the spec's default is REGIONAL. */
export type LoadBalancerType = "REGIONAL" | "REGIONAL_NETWORK" | "GLOBAL";

/**
 * A load balancer (`load_balancer`: id, name, type, size_unit, size, droplet_ids, tag,
 * target_load_balancer_ids, created_at). A GLOBAL one may forward to droplets or to regional load
 * balancers, so "no droplet targets" alone does not make it idle.
 */
export interface LoadBalancerFact {
  id: string;
  name: string;
  type: LoadBalancerType;
  /** Nodes of a regional load balancer (`size_unit`); null for the legacy `size` slugs. */
  sizeUnit: number | null;
  /** Legacy size slug (`lb-small` …), when `size_unit` is absent. */
  sizeSlug: string | null;
  /** Droplets it forwards to: `droplet_ids`, or the droplets carrying its `tag` (resolved by the adapter). */
  targetDropletIds: readonly string[];
  /** The droplet tag selecting its targets (`tag`); null when it names droplets by id. */
  targetTag: string | null;
  /** Regional load balancers a GLOBAL one forwards to (`target_load_balancer_ids`). */
  targetLoadBalancerIds: readonly string[];
  createdAt: string;
}

/** A managed database cluster (`database_cluster`: id, name, engine, size, num_nodes, tags). */
export interface DatabaseFact {
  id: string;
  name: string;
  engine: string;
  sizeSlug: string;
  numNodes: number;
  tags: readonly string[];
}

/** A Kubernetes node pool (`kubernetes_node_pool`: id, name, size, count, tags) of a cluster. */
export interface NodePoolFact {
  id: string;
  name: string;
  clusterId: string;
  sizeSlug: string;
  count: number;
  tags: readonly string[];
}

/** A Droplet size as `GET /v2/sizes` lists it (`size.yml`: slug, vcpus, memory MiB, disk GiB, regions, available). */
export interface SizeFact {
  slug: string;
  vcpus: number;
  memoryMiB: number;
  diskGiB: number;
  regions: readonly string[];
  available: boolean;
}

/** Everything the rules look at, read once per advise run. */
export interface Inventory {
  droplets: readonly DropletFact[];
  volumes: readonly VolumeFact[];
  snapshots: readonly SnapshotFact[];
  reservedIps: readonly ReservedIpFact[];
  loadBalancers: readonly LoadBalancerFact[];
  databases: readonly DatabaseFact[];
  nodePools: readonly NodePoolFact[];
  /** Droplet sizes offered, for resize candidates. */
  sizes: readonly SizeFact[];
}

/** Utilisation of one resource over the lookback window; a field is absent when the API has no such metric. */
export interface Utilisation {
  /** 95th percentile of CPU use, percent of the resource's capacity. */
  cpuP95Pct?: number;
  /** 95th percentile of memory use, percent (total − available over total). */
  memoryP95Pct?: number;
  /** 95th percentile of public outbound bandwidth, Mbps. */
  outboundP95Mbps?: number;
  /** Highest number of open frontend connections seen (load balancers). */
  connectionsMax?: number;
  /** Hours of the window the samples cover; rules want most of the window before they judge. */
  coveredHours: number;
}

/** Utilisation keyed by resource id, one map per kind that has metrics. */
export interface UtilisationByResource {
  droplets: ReadonlyMap<string, Utilisation>;
  loadBalancers: ReadonlyMap<string, Utilisation>;
  databases: ReadonlyMap<string, Utilisation>;
}

export type ResourceKind = "droplet" | "volume" | "snapshot" | "reservedIp" | "loadBalancer" | "database" | "nodePool";

/** Which resource a suggestion is about. */
export interface ResourceRef {
  kind: ResourceKind;
  id: string;
  name: string;
}

/** A JSON value, as evidence is stored (jsonb). */
export type EvidenceValue = string | number | boolean | null | readonly EvidenceValue[] | { readonly [key: string]: EvidenceValue };

/** One piece of advice. `id` is stable across runs (same rule, same resource), so it can be dismissed. */
export interface Suggestion {
  id: string;
  rule: string;
  resource: ResourceRef;
  /** What to do, in a few words: "snapshot, then destroy", "resize to s-1vcpu-2gb". */
  action: string;
  /** Why, with the numbers that decided it. */
  reason: string;
  /** What acting saves per month, from the price catalog; null when a price is unknown (never invented). */
  monthlySavingsUsd: number | null;
  /**
   * The facts the rule decided on; a material change un-dismisses the suggestion
   * (core/advice/dismissal.ts): a number whose key ends in `Pct` is a measured percentage that may
   * move within the dismissal tolerance, every other value must stay equal.
   */
  evidence: Readonly<Record<string, EvidenceValue>>;
}

/** What every rule receives. */
export interface AdviceContext {
  inventory: Inventory;
  utilisation: UtilisationByResource;
  now: Date;
  catalog: PriceCatalog;
  settings: AdviceSettings;
}

/** One rule: a pure function of the context. Names are `kebab-case`, unique in the registry. */
export interface AdviceRule {
  name: string;
  /** One sentence: what it finds and why it costs money. */
  description: string;
  evaluate(context: AdviceContext): Suggestion[];
}
