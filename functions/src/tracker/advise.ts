/**
 * `advise`: reads the account's inventory with a read-only token, fetches utilisation for as
 * many resources as the run's request budget and deadline allow (least recently analysed
 * first), runs the pure advice rules (core/advice) and keeps the suggestions in the store.
 * Each resource's utilisation is saved as soon as it is read, so a run stopped by its deadline
 * or budget keeps its progress and the next run resumes with the least recently analysed.
 * Adapts API objects to the rules' facts; every field cites the spec schema it comes from in
 * core/advice/types.ts.
 */
import {
  findAdvisedSnapshots,
  runAdvice,
  type AdviceSettings,
  type Inventory,
  type SnapshotFact,
  type Utilisation,
  type UtilisationByResource,
} from "../../../core/advice";
import { dropletUtilisation, gaugeValues, percentile, coveredHours, type MetricSeries } from "../../../core/advice/metrics";
import { chooseMetricTargets, plannedMetricRequests, type MetricTarget } from "../../../core/advice/request-budget";
import { DEFAULT_DEADLINE_MARGIN_MS, NO_DEADLINE, type RunDeadline } from "../../../core/deadline";
import type { PriceCatalog } from "../../../core/pricing";
import { DigitalOceanApiError, type DigitalOceanClient } from "../digitalocean/client";
import { RequestBudgetExhausted, RequestNotSent, type RequestCount } from "../digitalocean/token-meter";
import type { AdviceStore, StoredSuggestion } from "../store/advice-store";

/** The client calls advise makes: the inventory lists and the three metric families. */
export type AdviceApi = Pick<
  DigitalOceanClient,
  | "listDroplets"
  | "listVolumes"
  | "listSnapshots"
  | "listReservedIps"
  | "listLoadBalancers"
  | "listDatabaseClusters"
  | "listKubernetesClusters"
  | "listSizes"
  | "getDropletMetric"
  | "getLoadBalancerMetric"
  | "getDatabaseMetric"
>;

export interface AdviseDeps {
  api: AdviceApi;
  store: AdviceStore;
  catalog: PriceCatalog;
  settings: AdviceSettings;
  now: Date;
  /**
   * The run's requests with the advisor's token (a TokenMeter): its budget, and what the run has
   * sent with that token so far, its check, calibration and clean-up included.
   */
  requests: RequestCount;
  /** When the run must stop: reading ends with the margin and keeps what it read. None by default. */
  deadline?: RunDeadline;
  /** Resources read at once (default {@link DEFAULT_READ_CONCURRENCY}). */
  concurrency?: number;
}

/**
 * Resources whose metrics are read at once (engineering choice, 2026-12-06): 4 resources are up
 * to 16 requests in flight, enough to keep the 200-a-minute pacer busy at a second or two of
 * latency per answer, few enough not to burst.
 */
export const DEFAULT_READ_CONCURRENCY = 4;

/** The lease of the one run that reads metrics at a time (store: run_leases). */
export const METRIC_READS_LEASE = "advice:metric-reads";

/** Without a deadline the lease is held this long at most: a full 5,000-request budget paced at 200 a minute takes 25 minutes. */
const LEASE_WITHOUT_DEADLINE_MS = 3_600_000;

/** Why a run read fewer resources than were due: its deadline, its budget, or another run reading at the same time. */
export type ReadingStop = "deadline" | "budget" | "another-run";

export interface AdviseResult {
  suggestions: StoredSuggestion[];
  totalMonthlySavingsUsd: number;
  /**
   * Resources read this run, metric requests planned, resources still due and waiting for a
   * later run, resources skipped because DigitalOcean refused their metrics, and why reading
   * stopped early (absent when every due resource was read).
   */
  metrics: { analysed: number; requests: number; waiting: number; skipped: number; stopped?: ReadingStop };
}

/**
 * Marks the snapshots taken after a "snapshot, then …" suggestion for their droplet or volume,
 * matched against the suggestions the last run stored (before this run replaces them) and
 * remembered in the store, so the mark outlives the suggestion.
 */
async function keptSnapshots(snapshots: SnapshotFact[], store: AdviceStore, now: Date): Promise<SnapshotFact[]> {
  const found = findAdvisedSnapshots(snapshots, await store.listSuggestions());
  const advised = await store.recordAdvisedSnapshots(found, snapshots.map((s) => s.id), now);
  return snapshots.map((s) => {
    const by = advised.get(s.id);
    return by ? { ...s, advisedBy: { suggestionId: by.suggestionId, advisedSince: by.advisedSince.toISOString() } } : s;
  });
}

/** The account's resources as the rules see them; `since` dates come from the store's observations. */
export async function readInventory(api: AdviceApi, store: AdviceStore, now: Date): Promise<Inventory> {
  const [droplets, volumes, snapshots, reservedIps, loadBalancers, databases, clusters, sizes] = await Promise.all([
    api.listDroplets(),
    api.listVolumes(),
    api.listSnapshots(),
    api.listReservedIps(),
    api.listLoadBalancers(),
    api.listDatabaseClusters(),
    api.listKubernetesClusters(),
    api.listSizes(),
  ]);
  const offSince = await store.observeStates("droplet", droplets.map((d) => ({ id: String(d.id), state: d.status })), now);
  const volumeSince = await store.observeStates("volume", volumes.map((v) => ({ id: v.id ?? "", state: (v.droplet_ids ?? []).length > 0 ? "attached" : "unattached" })), now);
  const ipSince = await store.observeStates("reservedIp", reservedIps.map((ip) => ({ id: ip.ip ?? "", state: ip.droplet ? "assigned" : "unassigned" })), now);
  const dropletsByTag = (tag: string) => droplets.filter((d) => d.tags.includes(tag)).map((d) => String(d.id));
  return {
    droplets: droplets.map((d) => ({
      id: String(d.id),
      name: d.name,
      status: d.status,
      sizeSlug: d.size_slug,
      vcpus: d.vcpus,
      memoryMiB: d.memory,
      diskGiB: d.disk,
      region: d.region.slug,
      tags: d.tags,
      createdAt: d.created_at,
      volumeIds: d.volume_ids,
      ...(d.status === "off" ? { offSince: offSince.get(String(d.id))?.toISOString() } : {}),
    })),
    volumes: volumes.map((v) => ({
      id: v.id ?? "",
      name: v.name ?? "",
      sizeGiB: v.size_gigabytes ?? 0,
      region: v.region?.slug ?? "",
      dropletIds: (v.droplet_ids ?? []).map(String),
      tags: v.tags ?? [],
      createdAt: v.created_at ?? now.toISOString(),
      ...((v.droplet_ids ?? []).length === 0 ? { unattachedSince: volumeSince.get(v.id ?? "")?.toISOString() } : {}),
    })),
    snapshots: await keptSnapshots(
      snapshots.map((s) => ({ id: s.id, name: s.name, sizeGiB: s.size_gigabytes, createdAt: s.created_at, resourceType: s.resource_type, resourceId: s.resource_id, tags: s.tags ?? [] })),
      store,
      now,
    ),
    reservedIps: reservedIps.map((ip) => ({
      ip: ip.ip ?? "",
      region: ip.region?.slug ?? "",
      dropletId: ip.droplet ? String(ip.droplet.id) : null,
      ...(ip.droplet ? {} : { unassignedSince: ipSince.get(ip.ip ?? "")?.toISOString() }),
    })),
    loadBalancers: loadBalancers.map((lb) => ({
      id: lb.id ?? "",
      name: lb.name ?? "",
      // load_balancer_base.yml: `type` defaults to REGIONAL.
      type: lb.type ?? "REGIONAL",
      sizeUnit: lb.size_unit ?? null,
      sizeSlug: lb.size ?? null,
      // A load balancer targets its droplet_ids, or every droplet carrying its tag.
      targetDropletIds: lb.tag ? dropletsByTag(lb.tag) : (lb.droplet_ids ?? []).map(String),
      targetTag: lb.tag || null,
      targetLoadBalancerIds: lb.target_load_balancer_ids ?? [],
      createdAt: lb.created_at ?? now.toISOString(),
    })),
    databases: databases.map((db) => ({ id: db.id ?? "", name: db.name, engine: db.engine, sizeSlug: db.size, numNodes: db.num_nodes, tags: db.tags ?? [] })),
    nodePools: clusters.flatMap((cluster) =>
      cluster.node_pools.map((pool) => ({ id: pool.id ?? `${cluster.id}/${pool.name}`, name: `${cluster.name}/${pool.name}`, clusterId: cluster.id ?? "", sizeSlug: pool.size, count: pool.count, tags: pool.tags ?? [] })),
    ),
    sizes: sizes.map((s) => ({ slug: s.slug, vcpus: s.vcpus, memoryMiB: s.memory, diskGiB: s.disk, regions: s.regions, available: s.available })),
  };
}

const results = (response: { data: { result: MetricSeries[] } }): MetricSeries[] => response.data.result;

/** Fetches one resource's metrics over the lookback window and reduces them to its utilisation. */
async function fetchUtilisation(api: AdviceApi, target: MetricTarget, start: Date, end: Date): Promise<Utilisation> {
  switch (target.kind) {
    case "droplet": {
      const window = { hostId: target.id, start, end };
      const [cpu, memoryTotal, memoryAvailable, publicOutbound] = await Promise.all([
        api.getDropletMetric("cpu", window),
        api.getDropletMetric("memory_total", window),
        api.getDropletMetric("memory_available", window),
        api.getDropletMetric("bandwidth", { ...window, interface: "public", direction: "outbound" }),
      ]);
      return dropletUtilisation({ cpu: results(cpu), memoryTotal: results(memoryTotal), memoryAvailable: results(memoryAvailable), publicOutbound: results(publicOutbound) });
    }
    case "loadBalancer": {
      const connections = results(await api.getLoadBalancerMetric("frontend_connections_current", { lbId: target.id, start, end }));
      const values = gaugeValues(connections);
      return { ...(values.length > 0 ? { connectionsMax: Math.max(...values) } : {}), coveredHours: coveredHours(connections) };
    }
    case "database": {
      const window = { dbId: target.id, aggregate: "max" as const, start, end };
      const [cpu, memory] = await Promise.all([api.getDatabaseMetric("cpu_usage", window), api.getDatabaseMetric("memory_usage", window)]);
      const cpuP95Pct = percentile(gaugeValues(results(cpu)), 95);
      const memoryP95Pct = percentile(gaugeValues(results(memory)), 95);
      return { ...(cpuP95Pct === undefined ? {} : { cpuP95Pct }), ...(memoryP95Pct === undefined ? {} : { memoryP95Pct }), coveredHours: coveredHours(results(cpu)) };
    }
  }
}

/** A refusal about one resource (it vanished, or has no metrics): skip it, read the others. */
function refusedForResource(error: unknown): boolean {
  if (!(error instanceof DigitalOceanApiError) || error.status === null) return false;
  return error.status >= 400 && error.status < 500 && ![401, 403, 429].includes(error.status);
}

/**
 * Reads `plan` with `concurrency` workers, saving each resource as soon as it is read; stops
 * taking new resources once the deadline's margin is reached or the meter refuses a request.
 * Any other failure stops the others too and is thrown once they have settled.
 */
async function readPlanned(deps: AdviseDeps, plan: readonly MetricTarget[], start: Date, save: (target: MetricTarget, utilisation: Utilisation) => Promise<void>): Promise<{ analysed: number; skipped: number; stopped?: ReadingStop }> {
  const deadline = deps.deadline ?? NO_DEADLINE;
  const queue = [...plan];
  let analysed = 0;
  let skipped = 0;
  let stopped: ReadingStop | undefined;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (stopped === undefined && failure === undefined) {
      if (deadline.passed()) {
        stopped = "deadline";
        return;
      }
      const target = queue.shift();
      if (!target) return;
      try {
        await save(target, await fetchUtilisation(deps.api, target, start, deps.now));
        analysed += 1;
      } catch (error) {
        if (error instanceof RequestNotSent) stopped ??= error instanceof RequestBudgetExhausted ? "budget" : "deadline";
        else if (refusedForResource(error)) skipped += 1;
        else failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, deps.concurrency ?? DEFAULT_READ_CONCURRENCY) }, worker));
  if (failure) throw failure.error;
  return { analysed, skipped, ...(stopped ? { stopped } : {}) };
}

type StoredUtilisation = { [kind in MetricTarget["kind"]]: Awaited<ReturnType<AdviceStore["utilisation"]>> };

/**
 * What is stored, what is due (least recently analysed first, within the run's planned
 * requests) and, when `mayRead` (this run holds the lease), the reading of it: each resource's
 * utilisation saved as soon as it is read.
 */
async function readDue(deps: AdviseDeps, inventory: Inventory, start: Date, mayRead: boolean): Promise<{ stored: StoredUtilisation; plan: ReturnType<typeof chooseMetricTargets>; read: { analysed: number; skipped: number; stopped?: ReadingStop } }> {
  const { store, now } = deps;
  const stored: StoredUtilisation = { droplet: await store.utilisation("droplet"), loadBalancer: await store.utilisation("loadBalancer"), database: await store.utilisation("database") };
  const targets: MetricTarget[] = [
    ...inventory.droplets.filter((d) => d.status === "active").map((d) => ({ kind: "droplet" as const, id: d.id, lastAnalysedAt: stored.droplet.get(d.id)?.analysedAt ?? null })),
    ...inventory.loadBalancers.map((lb) => ({ kind: "loadBalancer" as const, id: lb.id, lastAnalysedAt: stored.loadBalancer.get(lb.id)?.analysedAt ?? null })),
    // DigitalOcean serves database CPU and memory metrics for MySQL clusters only (monitoring/ paths).
    ...inventory.databases.filter((db) => db.engine === "mysql").map((db) => ({ kind: "database" as const, id: db.id, lastAnalysedAt: stored.database.get(db.id)?.analysedAt ?? null })),
  ];
  const plan = chooseMetricTargets(targets, mayRead ? plannedMetricRequests(deps.requests.budget, deps.requests.sent()) : 0, now);
  if (!mayRead) return { stored, plan, read: { analysed: 0, skipped: 0, ...(plan.waiting > 0 ? { stopped: "another-run" as const } : {}) } };
  const read = await readPlanned(deps, plan.chosen, start, async (target, utilisation) => {
    await store.saveUtilisation(target.kind, target.id, utilisation, now);
    stored[target.kind].set(target.id, { analysedAt: now, utilisation });
  });
  return { stored, plan, read };
}

/**
 * Runs the advisor once: inventory; then, holding the metric-reads lease, the due resources'
 * metrics within the run's budget and deadline; then the rules over everything stored; then
 * the suggestions. A run that finds another reading metrics (the daily task and the hourly
 * check start together) reads none and advises from what is stored.
 */
export async function advise(deps: AdviseDeps): Promise<AdviseResult> {
  const { api, store, now, settings } = deps;
  const deadline = deps.deadline ?? NO_DEADLINE;
  const inventory = await readInventory(api, store, now);
  const start = new Date(now.getTime() - settings.lookbackDays * 86_400_000);
  // Held until the run's kill time at most, so a run killed while reading blocks the next for seconds, not an hour.
  const holdMs = deadline.at === null ? LEASE_WITHOUT_DEADLINE_MS : deadline.remainingMs() + DEFAULT_DEADLINE_MARGIN_MS;
  const release = await store.takeLease(METRIC_READS_LEASE, holdMs);
  let reading: Awaited<ReturnType<typeof readDue>>;
  try {
    // Read what is stored after taking the lease: the previous holder's saves decide what is due now.
    reading = await readDue(deps, inventory, start, release !== undefined);
  } finally {
    await release?.();
  }
  const { stored, plan, read } = reading;
  const waiting = plan.chosen.length + plan.waiting - read.analysed - read.skipped;
  const stopped = read.stopped ?? (waiting > 0 ? "budget" : undefined);
  // Only utilisation measured within the window counts: an old reading says little about today.
  const fresh = (kind: keyof typeof stored) =>
    new Map([...stored[kind]].filter(([, entry]) => entry.analysedAt.getTime() >= start.getTime()).map(([id, entry]) => [id, entry.utilisation]));
  const utilisation: UtilisationByResource = { droplets: fresh("droplet"), loadBalancers: fresh("loadBalancer"), databases: fresh("database") };
  const report = runAdvice({ inventory, utilisation, now, catalog: deps.catalog, settings });
  const suggestions = await store.replaceSuggestions(report.suggestions, now, { dismissalTolerancePct: settings.dismissalTolerancePct });
  return {
    suggestions,
    totalMonthlySavingsUsd: report.totalMonthlySavingsUsd,
    metrics: { analysed: read.analysed, requests: plan.requests, waiting, skipped: read.skipped, ...(stopped ? { stopped } : {}) },
  };
}
