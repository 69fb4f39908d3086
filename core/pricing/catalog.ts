/**
 * The DigitalOcean price catalog: `prices.json` typed, validated once, and indexed by slug.
 * Prices are data (the infracost model): every section names the page it was read from and
 * the date of that page, so a reviewer can check a number without reading code.
 */
import rawPrices from "./prices.json";
import { SOURCE_KINDS, type SourceKind } from "./types";

/**
 * Where a section's (or a row's) prices came from. Every section names one; a row or a database
 * engine may name its own, which then replaces the section's for that row (all three fields
 * together, so a row never mixes one page's URL with another page's date).
 */
export interface PriceSource {
  /** URL of the page or API endpoint the prices were read from. */
  source: string;
  /** Date of that source, YYYY-MM-DD. */
  asOf: string;
  /** Whether `source` is DigitalOcean's own page or API (`official`) or a third party's copy or table (`secondary`). */
  sourceKind: SourceKind;
  /** Caveats a reviewer should know (e.g. how a figure was derived, or which part is unpublished). */
  note?: string;
}

/** A row's own source, when it differs from its section's. */
export type RowSource = Partial<PriceSource>;

/** One Droplet size as `GET /v2/sizes` lists it. */
export interface DropletSizePrice extends RowSource {
  slug: string;
  monthlyUsd: number;
  hourlyUsd: number;
}

/**
 * A Droplet size the provider still accepts (`@pulumi/digitalocean`'s `DropletSlug` enum) but
 * `GET /v2/sizes` no longer offers, so no price is published: such a droplet is priced unknown
 * (null) with `reason`, never guessed. A `droplets.sizes` row for the same slug (e.g. one an
 * invoice calibration adds) takes precedence.
 */
export interface RetiredDropletSize {
  slug: string;
  /** Why the size has no price, shown wherever its price would be. */
  reason: string;
}

/**
 * The price of one load balancer type, as the API's `load_balancer.type` names it
 * (`load_balancers/models/load_balancer_base.yml`: REGIONAL, REGIONAL_NETWORK, GLOBAL). Regional
 * types are billed per node; a global one per load balancer. `monthlyUsd` is null where
 * DigitalOcean publishes no price for the type.
 */
export interface LoadBalancerTypePrice extends RowSource {
  slug: string;
  per: "node" | "loadBalancer";
  monthlyUsd: number | null;
}

/** One App Platform instance size as `GET /v2/apps/tiers/instance_sizes` lists it. */
export interface AppInstanceSizePrice extends RowSource {
  slug: string;
  monthlyUsd: number;
}

/** One managed-database node size for one engine; `includedStorageGiB` is null where DigitalOcean does not publish it. */
export interface DatabaseSizePrice extends RowSource {
  slug: string;
  monthlyUsdPerNode: number;
  includedStorageGiB: number | null;
}

/** Prices of one database engine; `extraStorageUsdPerGiBMonth` is null where unpublished. */
export interface DatabaseEnginePrices extends RowSource {
  sizes: DatabaseSizePrice[];
  extraStorageUsdPerGiBMonth: number | null;
}

/** One container registry subscription tier. */
export interface RegistryTierPrice extends RowSource {
  slug: string;
  monthlyUsd: number;
  includedStorageGiB: number;
}

/** The shape of `prices.json`. */
export interface PriceCatalogData {
  droplets: PriceSource & { sizes: DropletSizePrice[] };
  retiredDropletSizes: PriceSource & { sizes: RetiredDropletSize[] };
  dropletBackups: PriceSource & { weeklyFractionOfDroplet: number; dailyFractionOfDroplet: number };
  volumes: PriceSource & { usdPerGiBMonth: number };
  snapshots: PriceSource & { usdPerGiBMonth: number };
  databases: PriceSource & { engines: Record<string, DatabaseEnginePrices> };
  /** Which engines have standby / read-only nodes, and what those cost relative to the primary's node price. */
  databaseNodeRoles: PriceSource & {
    standbyPriceFactor: number;
    readOnlyPriceFactor: number;
    standbyEngines: string[];
    readOnlyEngines: string[];
  };
  kubernetes: PriceSource & { controlPlaneMonthlyUsd: number; haControlPlaneMonthlyUsd: number };
  loadBalancers: PriceSource & {
    types: LoadBalancerTypePrice[];
    legacySizeNodes: { slug: string; nodes: number }[];
  };
  appPlatformInstanceSizes: PriceSource & { sizes: AppInstanceSizePrice[] };
  appPlatformStaticSites: PriceSource & { freeSitesPerAccount: number; monthlyUsdPerSite: number };
  appPlatformDevDatabases: PriceSource & { monthlyUsdPerDatabase: number };
  spaces: PriceSource & {
    subscriptionMonthlyUsd: number;
    includedStorageGiB: number;
    includedTransferGiB: number;
    storageOverageUsdPerGiBMonth: number;
    transferOverageUsdPerGiB: number;
  };
  reservedIps: PriceSource & { assignedMonthlyUsd: number; unassignedMonthlyUsd: number };
  containerRegistry: PriceSource & { tiers: RegistryTierPrice[]; extraStorageUsdPerGiBMonth: number };
  functions: PriceSource & { freeGiBSecondsPerMonth: number; usdPerGiBSecond: number };
  bandwidth: PriceSource & { outboundOverageUsdPerGiB: number };
  /** GPU Droplets (slugs starting with `slugPrefix`) bill every hour, without the CPU Droplets' 672-hour cap. */
  gpuDropletBilling: PriceSource & { slugPrefix: string; maxBilledHoursPerMonth: number };
}

/** A validated catalog with slug lookups built once (the policy pack prices thousands of resources). */
export interface PriceCatalog {
  readonly data: Readonly<PriceCatalogData>;
  dropletSize(slug: string): DropletSizePrice | undefined;
  /** The retired entry of a size with no price (and no `droplets.sizes` row); undefined otherwise. */
  retiredDropletSize(slug: string): RetiredDropletSize | undefined;
  appInstanceSize(slug: string): AppInstanceSizePrice | undefined;
  /** `engine` as the Pulumi `DatabaseCluster.engine` input spells it (pg, mysql, valkey, …). */
  databaseEngine(engine: string): DatabaseEnginePrices | undefined;
  databaseSize(engine: string, slug: string): DatabaseSizePrice | undefined;
  registryTier(slug: string): RegistryTierPrice | undefined;
  /** The price row of a load balancer `type` (REGIONAL, REGIONAL_NETWORK, GLOBAL). */
  loadBalancerType(type: string): LoadBalancerTypePrice | undefined;
  /** Node count of a legacy load balancer `size` slug (lb-small …). */
  loadBalancerLegacyNodes(slug: string): number | undefined;
  /** The source a section's prices rest on. */
  sectionSource(section: keyof PriceCatalogData): PriceSource;
  /** The source a database engine's prices rest on (its own, else the `databases` section's). */
  databaseEngineSource(engine: string): PriceSource;
  /** True for GPU Droplet sizes, which bill every hour without the 672-hour cap. */
  isGpuDroplet(slug: string): boolean;
}

/** Picks the source a price rests on: the most specific of `section`, then each override that names one. */
export function effectiveSource(section: PriceSource, ...overrides: (RowSource | undefined)[]): PriceSource {
  let chosen = section;
  for (const override of overrides) {
    if (override?.source !== undefined && override.asOf !== undefined && override.sourceKind !== undefined) {
      chosen = { source: override.source, asOf: override.asOf, sourceKind: override.sourceKind, ...(override.note !== undefined ? { note: override.note } : {}) };
    }
  }
  return chosen;
}

/** One priced row (or scalar section) of the catalog with the source it rests on, for audits and tests. */
export interface SourcedPriceRow {
  /** Where the row is, e.g. `droplets.sizes[gpu-h100x1-80gb]` or `reservedIps`. */
  path: string;
  source: PriceSource;
}

/** Every section, engine and slug row of `data` with its effective source, so nothing is priced without one. */
export function listSourcedRows(data: PriceCatalogData): SourcedPriceRow[] {
  const rows: SourcedPriceRow[] = [];
  for (const name of SECTION_NAMES) {
    const section = data[name] as unknown as PriceSource & Record<string, unknown>;
    rows.push({ path: name, source: effectiveSource(section) });
    for (const [field, value] of Object.entries(section)) {
      if (!Array.isArray(value)) continue;
      for (const row of value) {
        if (typeof row === "object" && row !== null && "slug" in row) {
          rows.push({ path: `${name}.${field}[${(row as { slug: string }).slug}]`, source: effectiveSource(section, row as RowSource) });
        }
      }
    }
  }
  for (const [engine, prices] of Object.entries(data.databases.engines)) {
    rows.push({ path: `databases.engines.${engine}`, source: effectiveSource(data.databases, prices) });
    for (const size of prices.sizes) rows.push({ path: `databases.engines.${engine}.sizes[${size.slug}]`, source: effectiveSource(data.databases, prices, size) });
  }
  return rows;
}

type Json = unknown;

const SECTION_NAMES: readonly (keyof PriceCatalogData)[] = [
  "droplets",
  "retiredDropletSizes",
  "dropletBackups",
  "volumes",
  "snapshots",
  "databases",
  "databaseNodeRoles",
  "kubernetes",
  "loadBalancers",
  "appPlatformInstanceSizes",
  "appPlatformStaticSites",
  "appPlatformDevDatabases",
  "spaces",
  "reservedIps",
  "containerRegistry",
  "functions",
  "bandwidth",
  "gpuDropletBilling",
];

function describe(value: Json): string {
  return value === undefined ? "missing" : JSON.stringify(value);
}

function isRecord(value: Json): value is Record<string, Json> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function record(value: Json, path: string): Record<string, Json> {
  if (!isRecord(value)) throw new Error(`${path} must be an object (got ${describe(value)})`);
  return value;
}

function price(value: Json, path: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new Error(`${path} must be a price >= 0 (got ${describe(value)})`);
  }
  return value;
}

function nullablePrice(value: Json, path: string): number | null {
  return value === null ? null : price(value, path);
}

function text(value: Json, path: string): string {
  if (typeof value !== "string" || value.trim() === "") throw new Error(`${path} must be a non-empty string (got ${describe(value)})`);
  return value;
}

function list(value: Json, path: string): Json[] {
  if (!Array.isArray(value)) throw new Error(`${path} must be an array (got ${describe(value)})`);
  return value;
}

function checkSource(section: Record<string, Json>, path: string): void {
  if (!/^https?:\/\//.test(text(section.source, `${path}.source`))) {
    throw new Error(`${path}.source must be a URL (got ${describe(section.source)})`);
  }
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text(section.asOf, `${path}.asOf`))) {
    throw new Error(`${path}.asOf must be a YYYY-MM-DD date (got ${describe(section.asOf)})`);
  }
  if (!(SOURCE_KINDS as readonly Json[]).includes(section.sourceKind)) {
    throw new Error(`${path}.sourceKind must be one of ${SOURCE_KINDS.join(", ")} (got ${describe(section.sourceKind)})`);
  }
  if (section.note !== undefined) text(section.note, `${path}.note`);
}

/** A row or engine may carry its own source: then all of source, asOf and sourceKind, checked like a section's. */
function checkRowSource(row: Record<string, Json>, path: string): void {
  if (row.source === undefined && row.asOf === undefined && row.sourceKind === undefined) {
    if (row.note !== undefined) text(row.note, `${path}.note`);
    return;
  }
  checkSource(row, path);
}

function textList(value: Json, path: string): void {
  list(value, path).forEach((item, index) => text(item, `${path}[${index}]`));
}

/**
 * Validates a slug list: each entry has a unique non-empty slug, the named price fields (and the
 * nullable ones, null meaning unpublished), and, if it names its own source, a complete one.
 */
function checkSlugList(
  value: Json,
  path: string,
  priceFields: readonly string[],
  nullableFields: readonly string[] = [],
  checkItem?: (item: Record<string, Json>, where: string) => void,
): void {
  const seen = new Set<string>();
  list(value, path).forEach((entry, index) => {
    const item = record(entry, `${path}[${index}]`);
    const slug = text(item.slug, `${path}[${index}].slug`);
    const where = `${path}[${index}] (${slug})`;
    if (seen.has(slug)) throw new Error(`${where} is listed twice`);
    seen.add(slug);
    for (const field of priceFields) price(item[field], `${where}.${field}`);
    for (const field of nullableFields) nullablePrice(item[field], `${where}.${field}`);
    checkItem?.(item, where);
    checkRowSource(item, where);
  });
}

/**
 * Checks that `raw` has the shape of `prices.json`; errors name the section, entry and field.
 * Done once per catalog so estimates never meet a malformed price.
 */
export function validatePriceCatalog(raw: unknown): PriceCatalogData {
  const root = record(raw, "prices");
  for (const name of SECTION_NAMES) checkSource(record(root[name], `prices.${name}`), `prices.${name}`);

  const s = (name: keyof PriceCatalogData): Record<string, Json> => root[name] as Record<string, Json>;
  const scalars: [keyof PriceCatalogData, string[]][] = [
    ["dropletBackups", ["weeklyFractionOfDroplet", "dailyFractionOfDroplet"]],
    ["volumes", ["usdPerGiBMonth"]],
    ["snapshots", ["usdPerGiBMonth"]],
    ["kubernetes", ["controlPlaneMonthlyUsd", "haControlPlaneMonthlyUsd"]],
    ["databaseNodeRoles", ["standbyPriceFactor", "readOnlyPriceFactor"]],
    ["appPlatformStaticSites", ["freeSitesPerAccount", "monthlyUsdPerSite"]],
    ["appPlatformDevDatabases", ["monthlyUsdPerDatabase"]],
    ["spaces", ["subscriptionMonthlyUsd", "includedStorageGiB", "includedTransferGiB", "storageOverageUsdPerGiBMonth", "transferOverageUsdPerGiB"]],
    ["reservedIps", ["assignedMonthlyUsd", "unassignedMonthlyUsd"]],
    ["containerRegistry", ["extraStorageUsdPerGiBMonth"]],
    ["functions", ["freeGiBSecondsPerMonth", "usdPerGiBSecond"]],
    ["bandwidth", ["outboundOverageUsdPerGiB"]],
    ["gpuDropletBilling", ["maxBilledHoursPerMonth"]],
  ];
  for (const [name, fields] of scalars) for (const field of fields) price(s(name)[field], `prices.${name}.${field}`);

  checkSlugList(s("droplets").sizes, "prices.droplets.sizes", ["monthlyUsd", "hourlyUsd"]);
  checkSlugList(s("appPlatformInstanceSizes").sizes, "prices.appPlatformInstanceSizes.sizes", ["monthlyUsd"]);
  checkSlugList(s("containerRegistry").tiers, "prices.containerRegistry.tiers", ["monthlyUsd", "includedStorageGiB"]);
  checkSlugList(s("loadBalancers").types, "prices.loadBalancers.types", [], ["monthlyUsd"], (item, where) => {
    if (item.per !== "node" && item.per !== "loadBalancer") throw new Error(`${where}.per must be "node" or "loadBalancer" (got ${describe(item.per)})`);
  });
  checkSlugList(s("loadBalancers").legacySizeNodes, "prices.loadBalancers.legacySizeNodes", ["nodes"]);
  checkSlugList(s("retiredDropletSizes").sizes, "prices.retiredDropletSizes.sizes", [], [], (item, where) => text(item.reason, `${where}.reason`));
  text(s("gpuDropletBilling").slugPrefix, "prices.gpuDropletBilling.slugPrefix");
  textList(s("databaseNodeRoles").standbyEngines, "prices.databaseNodeRoles.standbyEngines");
  textList(s("databaseNodeRoles").readOnlyEngines, "prices.databaseNodeRoles.readOnlyEngines");
  const engines = record(s("databases").engines, "prices.databases.engines");
  for (const [engine, value] of Object.entries(engines)) {
    const path = `prices.databases.engines.${engine}`;
    const prices = record(value, path);
    checkRowSource(prices, path);
    checkSlugList(prices.sizes, `${path}.sizes`, ["monthlyUsdPerNode"], ["includedStorageGiB"]);
    nullablePrice(prices.extraStorageUsdPerGiBMonth, `${path}.extraStorageUsdPerGiBMonth`);
  }
  return raw as PriceCatalogData;
}

function bySlug<T extends { slug: string }>(items: readonly T[]): Map<string, T> {
  return new Map(items.map((item) => [item.slug, item]));
}

/** Validates `raw` and builds the slug indexes; throws naming the first bad entry. */
export function createPriceCatalog(raw: unknown): PriceCatalog {
  const data = validatePriceCatalog(raw);
  const droplets = bySlug(data.droplets.sizes);
  const retired = bySlug(data.retiredDropletSizes.sizes);
  const lbTypes = bySlug(data.loadBalancers.types);
  const appSizes = bySlug(data.appPlatformInstanceSizes.sizes);
  const registryTiers = bySlug(data.containerRegistry.tiers);
  const legacyLb = new Map(data.loadBalancers.legacySizeNodes.map((entry) => [entry.slug, entry.nodes]));
  const engines = new Map(Object.entries(data.databases.engines));
  const dbSizes = new Map([...engines].map(([engine, prices]) => [engine, bySlug(prices.sizes)]));
  return {
    data,
    dropletSize: (slug) => droplets.get(slug),
    retiredDropletSize: (slug) => (droplets.has(slug) ? undefined : retired.get(slug)),
    appInstanceSize: (slug) => appSizes.get(slug),
    databaseEngine: (engine) => engines.get(engine),
    databaseSize: (engine, slug) => dbSizes.get(engine)?.get(slug),
    registryTier: (slug) => registryTiers.get(slug),
    loadBalancerType: (type) => lbTypes.get(type),
    loadBalancerLegacyNodes: (slug) => legacyLb.get(slug),
    sectionSource: (section) => effectiveSource(data[section]),
    databaseEngineSource: (engine) => effectiveSource(data.databases, engines.get(engine)),
    isGpuDroplet: (slug) => slug.startsWith(data.gpuDropletBilling.slugPrefix),
  };
}

/** The catalog shipped in `prices.json`, validated at module load. */
export const defaultCatalog: PriceCatalog = createPriceCatalog(rawPrices);
