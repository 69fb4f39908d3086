/**
 * Prices one Pulumi DigitalOcean resource, or a whole stack, from its inputs — before deploy.
 * The policy pack, the offline plan and the tracker's forecast all call these functions, so
 * one program gets the same numbers everywhere.
 *
 * Inputs arrive as the Pulumi engine sends them: camelCase property names, and values that are
 * unknown at preview time simply missing. Rules (ARCHITECTURE.md "Price ≠ cost"):
 *  - a known cost-bearing type maps to cost components, each rounded to cents;
 *  - a missing price or input never becomes 0: it adds an `unknowns` entry and the resource's
 *    `monthlyUsd` is null;
 *  - usage-based components (transfer, Functions, snapshots of unknown size) have
 *    `monthlyUsd: null` and a "depends on usage" note, and do not by themselves hide the priced
 *    part; a resource whose every component is usage-based has `monthlyUsd: null`;
 *  - `estimateResource` prices a full month (the 672-hour cap of core/hourly-billing.ts is
 *    reached; GPU Droplets have no cap and are priced at the catalog's 744-hour month, the
 *    longest a month gets), and `maxMonthlyUsd` is the autoscaling upper bound;
 *  - every component carries the `sourceKind` of the catalog row its unit price came from, and
 *    the estimate is `secondary` (shown "unconfirmed") when a priced component's is.
 */
import { fromCents, roundUsd, toCents } from "../money";
import { CostComponent, CostEstimate, isUnconfirmed } from "./types";
import { AppInstanceSizePrice, defaultCatalog, DropletSizePrice, effectiveSource, PriceCatalog, PriceSource } from "./catalog";

type Inputs = Record<string, unknown>;

/** A resource as the policy pack and plan see it. */
export interface StackResource {
  urn: string;
  type: string;
  inputs: Record<string, unknown>;
}

/** The estimate of a whole stack; totals are summed in integer cents. */
export interface StackEstimate {
  resources: (CostEstimate & { urn: string })[];
  /** Sum of every priced resource's `monthlyUsd`. */
  totalMonthlyUsd: number;
  /** Resources that cost money but could not be priced (unknown slug, type or input). */
  unpricedUrns: string[];
}

/** Pulumi type tokens DigitalOcean does not charge for. */
export const FREE_RESOURCE_TYPES: ReadonlySet<string> = new Set([
  "digitalocean:index/certificate:Certificate",
  "digitalocean:index/containerRegistryDockerCredentials:ContainerRegistryDockerCredentials",
  "digitalocean:index/databaseConnectionPool:DatabaseConnectionPool",
  "digitalocean:index/databaseDb:DatabaseDb",
  "digitalocean:index/databaseFirewall:DatabaseFirewall",
  "digitalocean:index/databaseUser:DatabaseUser",
  "digitalocean:index/dnsRecord:DnsRecord",
  "digitalocean:index/domain:Domain",
  "digitalocean:index/firewall:Firewall",
  "digitalocean:index/floatingIpAssignment:FloatingIpAssignment",
  "digitalocean:index/monitorAlert:MonitorAlert",
  "digitalocean:index/project:Project",
  "digitalocean:index/projectResources:ProjectResources",
  "digitalocean:index/reservedIpAssignment:ReservedIpAssignment",
  "digitalocean:index/spacesBucketCorsConfiguration:SpacesBucketCorsConfiguration",
  "digitalocean:index/spacesBucketPolicy:SpacesBucketPolicy",
  "digitalocean:index/sshKey:SshKey",
  "digitalocean:index/tag:Tag",
  "digitalocean:index/volumeAttachment:VolumeAttachment",
  "digitalocean:index/vpc:Vpc",
  // do-cost-guard's own Functions resources (dynamic providers): namespaces and triggers are free.
  "pulumi-nodejs:dynamic/do-cost-guard:FunctionsNamespace",
  "pulumi-nodejs:dynamic/do-cost-guard:FunctionsTrigger",
]);

// App Platform's default instance size when a component sets none: OpenAPI
// `app_component_instance_base.instance_size_slug` default (spec commit 7c1300c, 2026-08-07).
const DEFAULT_APP_INSTANCE_SIZE = "apps-s-1vcpu-0.5gb";
// The Load Balancer API creates one node when neither `size_unit` nor `size` is given.
const DEFAULT_LOAD_BALANCER_NODES = 1;
const SPACES_SUBSCRIPTION = "Spaces subscription";
const MIB_PER_GIB = 1024;

function usd(amount: number): string {
  // Unit prices like $0.0000185 must stay readable in notes, so no fixed 2 decimals.
  return `$${amount}`;
}

function percent(fraction: number): string {
  return `${roundUsd(fraction * 100)}%`;
}

function stringInput(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value : undefined;
}

/** Numbers, and numeric strings (Pulumi declares `storageSizeMib` as a string). */
function numberInput(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "string" && /^\d+(\.\d+)?$/.test(value.trim())) return Number(value);
  return undefined;
}

function recordInput(value: unknown): Inputs | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Inputs) : undefined;
}

function recordList(value: unknown): Inputs[] {
  return Array.isArray(value) ? value.map(recordInput).filter((item): item is Inputs => item !== undefined) : [];
}

/** Collects the parts of one estimate and applies the null-not-zero rules once, in `finish`. */
class EstimateBuilder {
  readonly components: CostComponent[] = [];
  readonly unknowns: string[] = [];
  readonly sizeSlugs: string[] = [];
  private autoscaleExtraCents = 0;
  private hasAutoscaleBound = false;

  constructor(
    readonly resourceType: string,
    readonly catalog: PriceCatalog,
  ) {}

  fixed(name: string, unit: string, quantity: number, unitPriceUsd: number, source: PriceSource, note?: string): void {
    this.components.push({ name, unit, quantity, unitPriceUsd, monthlyUsd: roundUsd(quantity * unitPriceUsd), ...(note ? { note } : {}), sourceKind: source.sourceKind });
  }

  usage(name: string, unit: string, unitPriceUsd: number, source: PriceSource, note: string): void {
    this.components.push({ name, unit, quantity: null, unitPriceUsd, monthlyUsd: null, note: `depends on usage: ${note}`, sourceKind: source.sourceKind });
  }

  /** The source of a whole catalog section. */
  source(section: Parameters<PriceCatalog["sectionSource"]>[0]): PriceSource {
    return this.catalog.sectionSource(section);
  }

  unknown(reason: string): void {
    this.unknowns.push(reason);
  }

  slug(slug: string): void {
    if (!this.sizeSlugs.includes(slug)) this.sizeSlugs.push(slug);
  }

  /** Adds what autoscaling could add on top of the priced month. */
  autoscaleExtra(usdPerMonth: number): void {
    this.hasAutoscaleBound = true;
    this.autoscaleExtraCents += toCents(usdPerMonth);
  }

  /** Reads a required input; a missing one (unknown at preview, or unset) is an unknown, not 0. */
  required<T>(value: T | undefined, field: string): T | undefined {
    if (value === undefined) this.unknown(`${field} is not known (unset, or computed at preview)`);
    return value;
  }

  finish(): CostEstimate {
    const priced = this.components.filter((component) => component.monthlyUsd !== null);
    const cents = priced.reduce((sum, component) => sum + toCents(component.monthlyUsd as number), 0);
    const onlyUsage = priced.length === 0 && this.components.length > 0;
    const monthlyUsd = this.unknowns.length > 0 || onlyUsage ? null : fromCents(cents);
    return {
      resourceType: this.resourceType,
      monthlyUsd,
      ...(this.hasAutoscaleBound && monthlyUsd !== null ? { maxMonthlyUsd: fromCents(cents + this.autoscaleExtraCents) } : {}),
      components: this.components,
      unknowns: this.unknowns,
      sizeSlugs: this.sizeSlugs,
      free: false,
      sourceKind: isUnconfirmed(this) ? "secondary" : "official",
    };
  }
}

/** Why a droplet size has no price: retired (with the catalog's reason), or not known at all. */
export function unknownDropletSize(slug: string, catalog: PriceCatalog = defaultCatalog): string {
  const retired = catalog.retiredDropletSize(slug);
  return retired ? `retired droplet size slug '${slug}': ${retired.reason}` : `unknown droplet size slug '${slug}'`;
}

function dropletPrice(b: EstimateBuilder, size: string | undefined, field: string): DropletSizePrice | undefined {
  if (b.required(size, field) === undefined) return undefined;
  b.slug(size as string);
  const found = b.catalog.dropletSize(size as string);
  if (!found) b.unknown(unknownDropletSize(size as string, b.catalog));
  return found;
}

function dropletSource(b: EstimateBuilder, size: DropletSizePrice): PriceSource {
  return effectiveSource(b.source("droplets"), size);
}

/** A GPU Droplet bills every hour it exists (no 672-hour cap), so its month is priced at the longest month. */
function gpuNote(b: EstimateBuilder, size: DropletSizePrice): string | undefined {
  if (!b.catalog.isGpuDroplet(size.slug)) return undefined;
  const { maxBilledHoursPerMonth } = b.catalog.data.gpuDropletBilling;
  return `GPU Droplets bill every hour without the 672-hour cap: ${usd(size.hourlyUsd)}/hour × ${maxBilledHoursPerMonth} h (a 31-day month)`;
}

function priceDroplet(b: EstimateBuilder, inputs: Inputs): void {
  const size = dropletPrice(b, stringInput(inputs.size), "size");
  if (size) b.fixed(`Droplet ${size.slug}`, "months", 1, size.monthlyUsd, dropletSource(b, size), gpuNote(b, size));
  if (inputs.backups === true) {
    const { weeklyFractionOfDroplet, dailyFractionOfDroplet } = b.catalog.data.dropletBackups;
    const daily = recordInput(inputs.backupPolicy)?.plan === "daily";
    const fraction = daily ? dailyFractionOfDroplet : weeklyFractionOfDroplet;
    if (size) {
      // A backup is priced as a fraction of the Droplet, so it is only as sure as the less sure of the two.
      const droplet = dropletSource(b, size);
      const source = droplet.sourceKind === "secondary" ? droplet : b.source("dropletBackups");
      b.fixed(`Backups (${daily ? "daily" : "weekly"}, ${percent(fraction)} of the Droplet)`, "months", 1, roundUsd(size.monthlyUsd * fraction), source);
    }
  }
  const transfer = b.catalog.data.bandwidth.outboundOverageUsdPerGiB;
  b.usage("Outbound transfer beyond the team's pooled allowance", "GiB", transfer, b.source("bandwidth"), `${usd(transfer)}/GiB`);
}

function priceVolume(b: EstimateBuilder, inputs: Inputs): void {
  const size = b.required(numberInput(inputs.size), "size (GiB)");
  if (size !== undefined) b.fixed("Block storage", "GiB-months", size, b.catalog.data.volumes.usdPerGiBMonth, b.source("volumes"));
}

function priceSnapshot(b: EstimateBuilder, inputs: Inputs): void {
  const rate = b.catalog.data.snapshots.usdPerGiBMonth;
  // Snapshot size is an output (the compressed image size), so at preview it is usually unknown.
  const size = numberInput(inputs.size);
  if (size !== undefined) b.fixed("Snapshot storage", "GiB-months", size, rate, b.source("snapshots"));
  else b.usage("Snapshot storage", "GiB-months", rate, b.source("snapshots"), `${usd(rate)}/GiB-month of snapshot size`);
}

function priceDatabaseCluster(b: EstimateBuilder, inputs: Inputs): void {
  const engine = b.required(stringInput(inputs.engine), "engine");
  const size = b.required(stringInput(inputs.size), "size");
  const nodeCount = b.required(numberInput(inputs.nodeCount), "nodeCount");
  if (size) b.slug(size);
  if (!engine || !size) return;
  const prices = b.catalog.databaseEngine(engine);
  const node = b.catalog.databaseSize(engine, size);
  if (!prices) return b.unknown(`no published prices for database engine '${engine}'`);
  if (!node) return b.unknown(`unknown database size slug '${size}' for engine '${engine}'`);
  if (nodeCount === undefined) return;
  const engineSource = b.catalog.databaseEngineSource(engine);
  const nodeSource = effectiveSource(engineSource, node);
  const roles = b.catalog.data.databaseNodeRoles;
  if (roles.standbyEngines.includes(engine)) {
    // Standby nodes are priced relative to the primary (a factor of 1 today: "matching" nodes).
    const standbys = nodeCount - 1;
    const nodes = 1 + standbys * roles.standbyPriceFactor;
    const source = standbys > 0 && nodeSource.sourceKind === "official" ? b.source("databaseNodeRoles") : nodeSource;
    b.fixed(`Database nodes ${size} (${engine}, primary + ${standbys} standby)`, "nodes", nodes, node.monthlyUsdPerNode, source);
  } else {
    b.fixed(`Database nodes ${size} (${engine}, ${nodeCount} nodes)`, "nodes", nodeCount, node.monthlyUsdPerNode, nodeSource);
  }
  const storageMib = numberInput(inputs.storageSizeMib);
  if (storageMib === undefined) return;
  if (node.includedStorageGiB === null) {
    return b.unknown(`DigitalOcean does not publish the storage included with ${engine} ${size}, so storageSizeMib ${storageMib} cannot be priced`);
  }
  const extraGiB = storageMib / MIB_PER_GIB - node.includedStorageGiB;
  if (extraGiB <= 0) return;
  const rate = prices.extraStorageUsdPerGiBMonth;
  if (rate === null) b.unknown(`no published price for ${extraGiB} GiB of ${engine} storage beyond the ${node.includedStorageGiB} GiB included with ${size}`);
  else b.fixed(`Extra storage beyond ${node.includedStorageGiB} GiB`, "GiB-months", extraGiB, rate, engineSource);
}

function priceDatabaseReplica(b: EstimateBuilder, inputs: Inputs): void {
  // A replica names only its cluster, not the engine: price it when every engine that has
  // read-only nodes and lists the size agrees on the node price.
  const size = stringInput(inputs.size);
  if (!size) return b.unknown("size is not set (a replica then takes its cluster's size, which is not visible here)");
  b.slug(size);
  const roles = b.catalog.data.databaseNodeRoles;
  const candidates = roles.readOnlyEngines
    .map((engine) => ({ engine, node: b.catalog.databaseSize(engine, size) }))
    .filter((candidate) => candidate.node !== undefined);
  const prices = new Set(candidates.map((candidate) => candidate.node?.monthlyUsdPerNode));
  if (prices.size !== 1) return b.unknown(`unknown database size slug '${size}' for a read-only replica`);
  // Secondary if any engine's row for the size is: the replica's engine is not known here.
  const sources = candidates.map(({ engine, node }) => effectiveSource(b.catalog.databaseEngineSource(engine), node));
  const secondary = sources.find((source) => source.sourceKind === "secondary");
  b.fixed(`Read-only replica ${size}`, "nodes", roles.readOnlyPriceFactor, [...prices][0] as number, secondary ?? b.source("databaseNodeRoles"));
}

function priceNodePool(b: EstimateBuilder, pool: Inputs, label: string): void {
  const size = dropletPrice(b, stringInput(pool.size), `${label}.size`);
  const autoScale = pool.autoScale === true;
  const count = b.required(numberInput(pool.nodeCount) ?? (autoScale ? numberInput(pool.minNodes) : undefined), `${label}.nodeCount`);
  if (!size || count === undefined) return;
  b.fixed(`${label} ${count} × ${size.slug}`, "nodes", count, size.monthlyUsd, dropletSource(b, size), gpuNote(b, size));
  const maxNodes = numberInput(pool.maxNodes);
  if (autoScale && maxNodes !== undefined && maxNodes > count) b.autoscaleExtra((maxNodes - count) * size.monthlyUsd);
}

function priceKubernetesCluster(b: EstimateBuilder, inputs: Inputs): void {
  const { haControlPlaneMonthlyUsd } = b.catalog.data.kubernetes;
  if (inputs.ha === true) b.fixed("High-availability control plane", "months", 1, haControlPlaneMonthlyUsd, b.source("kubernetes"));
  const pool = recordInput(inputs.nodePool);
  if (b.required(pool, "nodePool")) priceNodePool(b, pool as Inputs, "nodePool");
}

const LB_COMPONENT_NAMES: Readonly<Record<string, string>> = { REGIONAL: "Load balancer nodes", REGIONAL_NETWORK: "Network load balancer nodes", GLOBAL: "Global load balancer" };

/**
 * Priced by type (`load_balancer_base.yml` `type`, default REGIONAL): a regional type per node
 * (`sizeUnit`, else the nodes of a legacy `size` slug, else the API's default of one node), a
 * global one per load balancer. A type without a published price is unknown, never 0.
 */
function priceLoadBalancer(b: EstimateBuilder, inputs: Inputs): void {
  const type = stringInput(inputs.type) ?? "REGIONAL";
  const price = b.catalog.loadBalancerType(type);
  if (!price || price.monthlyUsd === null) return b.unknown(`no published price for load balancer type '${type}'${price?.note ? `: ${price.note}` : ""}`);
  const source = effectiveSource(b.source("loadBalancers"), price);
  if (price.per === "loadBalancer") return b.fixed(LB_COMPONENT_NAMES[type] ?? `Load balancer (${type})`, "months", 1, price.monthlyUsd, source, price.note);
  const legacySize = stringInput(inputs.size);
  let nodes = numberInput(inputs.sizeUnit);
  if (nodes === undefined && legacySize) {
    b.slug(legacySize);
    nodes = b.catalog.loadBalancerLegacyNodes(legacySize);
    if (nodes === undefined) return b.unknown(`unknown load balancer size slug '${legacySize}'`);
  }
  b.fixed(LB_COMPONENT_NAMES[type] ?? `Load balancer nodes (${type})`, "nodes", nodes ?? DEFAULT_LOAD_BALANCER_NODES, price.monthlyUsd, source);
}

function appSizeSource(b: EstimateBuilder, size: AppInstanceSizePrice): PriceSource {
  return effectiveSource(b.source("appPlatformInstanceSizes"), size);
}

function priceApp(b: EstimateBuilder, inputs: Inputs): void {
  const spec = recordInput(inputs.spec);
  if (!b.required(spec, "spec")) return;
  const app = spec as Inputs;
  const always: [string, unknown][] = [["service", app.services], ["worker", app.workers]];
  for (const [kind, list] of always) {
    for (const component of recordList(list)) {
      const slug = stringInput(component.instanceSizeSlug) ?? DEFAULT_APP_INSTANCE_SIZE;
      b.slug(slug);
      const size = b.catalog.appInstanceSize(slug);
      if (!size) {
        b.unknown(`unknown App Platform instance size slug '${slug}'`);
        continue;
      }
      const autoscaling = recordInput(component.autoscaling);
      const count = numberInput(autoscaling?.minInstanceCount) ?? numberInput(component.instanceCount) ?? 1;
      b.fixed(`${kind} ${String(component.name ?? "")} ${count} × ${slug}`.replace(/\s+/g, " "), "instances", count, size.monthlyUsd, appSizeSource(b, size));
      const max = numberInput(autoscaling?.maxInstanceCount);
      if (max !== undefined && max > count) b.autoscaleExtra((max - count) * size.monthlyUsd);
    }
  }
  for (const job of recordList(app.jobs)) {
    // Jobs run only around deploys or on a schedule and are billed per second of run time.
    const slug = stringInput(job.instanceSizeSlug) ?? DEFAULT_APP_INSTANCE_SIZE;
    b.slug(slug);
    const size = b.catalog.appInstanceSize(slug);
    if (!size) b.unknown(`unknown App Platform instance size slug '${slug}'`);
    else b.usage(`job ${String(job.name ?? "")} ${slug}`, "instance-months of run time", size.monthlyUsd, appSizeSource(b, size), `billed per second of run time, ${usd(size.monthlyUsd)} per instance-month`);
  }
  const sites = recordList(app.staticSites).length;
  if (sites > 0) {
    const { freeSitesPerAccount, monthlyUsdPerSite } = b.catalog.data.appPlatformStaticSites;
    const charged = Math.max(0, sites - freeSitesPerAccount);
    b.fixed("Static sites", "sites", charged, monthlyUsdPerSite, b.source("appPlatformStaticSites"), `${sites} static site(s); the first ${freeSitesPerAccount} per account are free, assuming none are used elsewhere`);
  }
  if (recordList(app.functions).length > 0) priceFunctionsUsage(b);
  // Production databases are separate DatabaseCluster resources, priced there; dev databases are billed with the app.
  const devDatabases = recordList(app.databases).filter((database) => database.production !== true).length;
  if (devDatabases > 0) {
    const { monthlyUsdPerDatabase } = b.catalog.data.appPlatformDevDatabases;
    b.fixed("Dev databases", "databases", devDatabases, monthlyUsdPerDatabase, b.source("appPlatformDevDatabases"));
  }
}

function priceSpacesBucket(b: EstimateBuilder): void {
  const spaces = b.catalog.data.spaces;
  const source = b.source("spaces");
  b.fixed(SPACES_SUBSCRIPTION, "months", 1, spaces.subscriptionMonthlyUsd, source, `one subscription per account covers every bucket, ${spaces.includedStorageGiB} GiB stored and ${spaces.includedTransferGiB} GiB transfer`);
  b.usage(`Storage beyond ${spaces.includedStorageGiB} GiB`, "GiB-months", spaces.storageOverageUsdPerGiBMonth, source, `${usd(spaces.storageOverageUsdPerGiBMonth)}/GiB-month`);
  b.usage(`Outbound transfer beyond ${spaces.includedTransferGiB} GiB`, "GiB", spaces.transferOverageUsdPerGiB, source, `${usd(spaces.transferOverageUsdPerGiB)}/GiB`);
}

function priceReservedIp(b: EstimateBuilder, inputs: Inputs): void {
  const { assignedMonthlyUsd, unassignedMonthlyUsd } = b.catalog.data.reservedIps;
  const assigned = inputs.dropletId !== undefined && inputs.dropletId !== null && inputs.dropletId !== "";
  const source = b.source("reservedIps");
  if (assigned) b.fixed("Reserved IPv4 (assigned to a Droplet)", "months", 1, assignedMonthlyUsd, source);
  else b.fixed("Reserved IPv4 (not assigned to a Droplet)", "months", 1, unassignedMonthlyUsd, source, "charged while unassigned; a dropletId computed at preview also counts as unassigned here");
}

function priceContainerRegistry(b: EstimateBuilder, inputs: Inputs): void {
  const slug = b.required(stringInput(inputs.subscriptionTierSlug), "subscriptionTierSlug");
  if (!slug) return;
  const tier = b.catalog.registryTier(slug);
  if (!tier) return b.unknown(`unknown container registry subscription tier '${slug}'`);
  const section = b.source("containerRegistry");
  b.fixed(`Container registry ${slug} tier`, "months", 1, tier.monthlyUsd, effectiveSource(section, tier));
  const rate = b.catalog.data.containerRegistry.extraStorageUsdPerGiBMonth;
  b.usage(`Storage beyond ${tier.includedStorageGiB} GiB`, "GiB-months", rate, section, `${usd(rate)}/GiB-month`);
}

function priceFunctionsUsage(b: EstimateBuilder): void {
  const { freeGiBSecondsPerMonth, usdPerGiBSecond } = b.catalog.data.functions;
  b.usage("Functions compute", "GiB-seconds", usdPerGiBSecond, b.source("functions"), `${usd(usdPerGiBSecond)}/GiB-second beyond ${freeGiBSecondsPerMonth} free GiB-seconds per account`);
}

function priceCdn(b: EstimateBuilder): void {
  const rate = b.catalog.data.spaces.transferOverageUsdPerGiB;
  b.usage("CDN outbound transfer beyond the Spaces allowance", "GiB", rate, b.source("spaces"), `${usd(rate)}/GiB`);
}

type Pricer = (b: EstimateBuilder, inputs: Inputs) => void;

const PRICERS: ReadonlyMap<string, Pricer> = new Map<string, Pricer>([
  ["digitalocean:index/droplet:Droplet", priceDroplet],
  ["digitalocean:index/volume:Volume", priceVolume],
  ["digitalocean:index/volumeSnapshot:VolumeSnapshot", priceSnapshot],
  ["digitalocean:index/dropletSnapshot:DropletSnapshot", priceSnapshot],
  ["digitalocean:index/databaseCluster:DatabaseCluster", priceDatabaseCluster],
  ["digitalocean:index/databaseReplica:DatabaseReplica", priceDatabaseReplica],
  ["digitalocean:index/kubernetesCluster:KubernetesCluster", priceKubernetesCluster],
  ["digitalocean:index/kubernetesNodePool:KubernetesNodePool", (b, inputs) => priceNodePool(b, inputs, "node pool")],
  ["digitalocean:index/loadBalancer:LoadBalancer", priceLoadBalancer],
  ["digitalocean:index/app:App", priceApp],
  ["digitalocean:index/spacesBucket:SpacesBucket", priceSpacesBucket],
  ["digitalocean:index/reservedIp:ReservedIp", priceReservedIp],
  ["digitalocean:index/floatingIp:FloatingIp", priceReservedIp],
  ["digitalocean:index/containerRegistry:ContainerRegistry", priceContainerRegistry],
  ["digitalocean:index/containerRegistries:ContainerRegistries", priceContainerRegistry],
  ["digitalocean:index/cdn:Cdn", priceCdn],
  ["pulumi-nodejs:dynamic/do-cost-guard:FunctionsAction", priceFunctionsUsage],
]);

/**
 * Estimated monthly cost of one resource from its Pulumi type token and inputs.
 * Free types give `free: true` and $0; types without a price model and unknown slugs give
 * `monthlyUsd: null` with the reason in `unknowns` — never 0.
 */
export function estimateResource(type: string, inputs: Record<string, unknown>, catalog: PriceCatalog = defaultCatalog): CostEstimate {
  if (FREE_RESOURCE_TYPES.has(type)) {
    return { resourceType: type, monthlyUsd: 0, components: [], unknowns: [], sizeSlugs: [], free: true, sourceKind: "official" };
  }
  const builder = new EstimateBuilder(type, catalog);
  const pricer = PRICERS.get(type);
  if (pricer) pricer(builder, inputs ?? {});
  else builder.unknown(`no price model for ${type}`);
  return builder.finish();
}

/** Zeroes every Spaces subscription after the first: DigitalOcean bills one per account. */
function shareSpacesSubscription(estimate: CostEstimate, firstUrn: string): CostEstimate {
  const components = estimate.components.map((component) =>
    component.name === SPACES_SUBSCRIPTION ? { ...component, quantity: 0, monthlyUsd: 0, note: `covered by the subscription counted on ${firstUrn}` } : component,
  );
  const saved = estimate.components.find((component) => component.name === SPACES_SUBSCRIPTION)?.monthlyUsd ?? 0;
  const monthlyUsd = estimate.monthlyUsd === null ? null : fromCents(toCents(estimate.monthlyUsd) - toCents(saved));
  return { ...estimate, components, monthlyUsd };
}

/**
 * Prices every resource of a stack and sums the priced ones in integer cents.
 * Account-wide subscriptions (Spaces) are counted once, on the first bucket.
 */
export function estimateStack(resources: StackResource[], catalog: PriceCatalog = defaultCatalog): StackEstimate {
  let totalCents = 0;
  let spacesOwner: string | undefined;
  const unpricedUrns: string[] = [];
  const estimates = resources.map(({ urn, type, inputs }) => {
    let estimate = estimateResource(type, inputs, catalog);
    if (estimate.components.some((component) => component.name === SPACES_SUBSCRIPTION)) {
      if (spacesOwner === undefined) spacesOwner = urn;
      else estimate = shareSpacesSubscription(estimate, spacesOwner);
    }
    if (estimate.monthlyUsd === null) unpricedUrns.push(urn);
    else totalCents += toCents(estimate.monthlyUsd);
    // estimateResource returns a new object each call: give it the URN rather than copy it (spreading
    // estimates of varying shape into new objects took three quarters of this function's time).
    return Object.assign(estimate, { urn });
  });
  return { resources: estimates, totalMonthlyUsd: fromCents(totalCents), unpricedUrns };
}
