/**
 * The DigitalOcean price catalog: `prices.json` typed, validated once, and indexed by slug.
 * Prices are data (the infracost model): every section names the page it was read from and
 * the date of that page, so a reviewer can check a number without reading code.
 */
import rawPrices from "./prices.json";

/** Where a section's prices came from. */
export interface PriceSource {
  /** URL of the page or API endpoint the prices were read from. */
  source: string;
  /** Date of that source, YYYY-MM-DD. */
  asOf: string;
  /** Caveats a reviewer should know (e.g. which numbers are only secondarily confirmed). */
  note?: string;
}

/** One Droplet size as `GET /v2/sizes` lists it. */
export interface DropletSizePrice {
  slug: string;
  monthlyUsd: number;
  hourlyUsd: number;
}

/** One App Platform instance size as `GET /v2/apps/tiers/instance_sizes` lists it. */
export interface AppInstanceSizePrice {
  slug: string;
  monthlyUsd: number;
}

/** One managed-database node size for one engine. */
export interface DatabaseSizePrice {
  slug: string;
  monthlyUsdPerNode: number;
  includedStorageGiB: number;
}

/** Prices of one database engine; `extraStorageUsdPerGiBMonth` is null while unconfirmed. */
export interface DatabaseEnginePrices {
  sizes: DatabaseSizePrice[];
  extraStorageUsdPerGiBMonth: number | null;
}

/** One container registry subscription tier. */
export interface RegistryTierPrice {
  slug: string;
  monthlyUsd: number;
  includedStorageGiB: number;
}

/** The shape of `prices.json`. */
export interface PriceCatalogData {
  droplets: PriceSource & { sizes: DropletSizePrice[] };
  dropletBackups: PriceSource & { weeklyFractionOfDroplet: number; dailyFractionOfDroplet: number };
  volumes: PriceSource & { usdPerGiBMonth: number };
  snapshots: PriceSource & { usdPerGiBMonth: number };
  databases: PriceSource & { engines: Record<string, DatabaseEnginePrices> };
  kubernetes: PriceSource & { controlPlaneMonthlyUsd: number; haControlPlaneMonthlyUsd: number };
  loadBalancers: PriceSource & { regionalNodeMonthlyUsd: number; legacySizeNodes: { slug: string; nodes: number }[] };
  appPlatformInstanceSizes: PriceSource & { sizes: AppInstanceSizePrice[] };
  appPlatformStaticSites: PriceSource & { freeSitesPerAccount: number; monthlyUsdPerSite: number };
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
}

/** A validated catalog with slug lookups built once (the policy pack prices thousands of resources). */
export interface PriceCatalog {
  readonly data: Readonly<PriceCatalogData>;
  dropletSize(slug: string): DropletSizePrice | undefined;
  appInstanceSize(slug: string): AppInstanceSizePrice | undefined;
  /** `engine` as the Pulumi `DatabaseCluster.engine` input spells it (pg, mysql, valkey, …). */
  databaseEngine(engine: string): DatabaseEnginePrices | undefined;
  databaseSize(engine: string, slug: string): DatabaseSizePrice | undefined;
  registryTier(slug: string): RegistryTierPrice | undefined;
  /** Node count of a legacy load balancer `size` slug (lb-small …). */
  loadBalancerLegacyNodes(slug: string): number | undefined;
}

type Json = unknown;

const SECTION_NAMES: readonly (keyof PriceCatalogData)[] = [
  "droplets",
  "dropletBackups",
  "volumes",
  "snapshots",
  "databases",
  "kubernetes",
  "loadBalancers",
  "appPlatformInstanceSizes",
  "appPlatformStaticSites",
  "spaces",
  "reservedIps",
  "containerRegistry",
  "functions",
  "bandwidth",
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
}

/** Validates a slug list: each entry has a unique non-empty slug and the named price fields. */
function checkSlugList(value: Json, path: string, priceFields: readonly string[]): void {
  const seen = new Set<string>();
  list(value, path).forEach((entry, index) => {
    const item = record(entry, `${path}[${index}]`);
    const slug = text(item.slug, `${path}[${index}].slug`);
    const where = `${path}[${index}] (${slug})`;
    if (seen.has(slug)) throw new Error(`${where} is listed twice`);
    seen.add(slug);
    for (const field of priceFields) price(item[field], `${where}.${field}`);
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
    ["loadBalancers", ["regionalNodeMonthlyUsd"]],
    ["appPlatformStaticSites", ["freeSitesPerAccount", "monthlyUsdPerSite"]],
    ["spaces", ["subscriptionMonthlyUsd", "includedStorageGiB", "includedTransferGiB", "storageOverageUsdPerGiBMonth", "transferOverageUsdPerGiB"]],
    ["reservedIps", ["assignedMonthlyUsd", "unassignedMonthlyUsd"]],
    ["containerRegistry", ["extraStorageUsdPerGiBMonth"]],
    ["functions", ["freeGiBSecondsPerMonth", "usdPerGiBSecond"]],
    ["bandwidth", ["outboundOverageUsdPerGiB"]],
  ];
  for (const [name, fields] of scalars) for (const field of fields) price(s(name)[field], `prices.${name}.${field}`);

  checkSlugList(s("droplets").sizes, "prices.droplets.sizes", ["monthlyUsd", "hourlyUsd"]);
  checkSlugList(s("appPlatformInstanceSizes").sizes, "prices.appPlatformInstanceSizes.sizes", ["monthlyUsd"]);
  checkSlugList(s("containerRegistry").tiers, "prices.containerRegistry.tiers", ["monthlyUsd", "includedStorageGiB"]);
  checkSlugList(s("loadBalancers").legacySizeNodes, "prices.loadBalancers.legacySizeNodes", ["nodes"]);
  const engines = record(s("databases").engines, "prices.databases.engines");
  for (const [engine, value] of Object.entries(engines)) {
    const path = `prices.databases.engines.${engine}`;
    const prices = record(value, path);
    checkSlugList(prices.sizes, `${path}.sizes`, ["monthlyUsdPerNode", "includedStorageGiB"]);
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
  const appSizes = bySlug(data.appPlatformInstanceSizes.sizes);
  const registryTiers = bySlug(data.containerRegistry.tiers);
  const legacyLb = new Map(data.loadBalancers.legacySizeNodes.map((entry) => [entry.slug, entry.nodes]));
  const engines = new Map(Object.entries(data.databases.engines));
  const dbSizes = new Map([...engines].map(([engine, prices]) => [engine, bySlug(prices.sizes)]));
  return {
    data,
    dropletSize: (slug) => droplets.get(slug),
    appInstanceSize: (slug) => appSizes.get(slug),
    databaseEngine: (engine) => engines.get(engine),
    databaseSize: (engine, slug) => dbSizes.get(engine)?.get(slug),
    registryTier: (slug) => registryTiers.get(slug),
    loadBalancerLegacyNodes: (slug) => legacyLb.get(slug),
  };
}

/** The catalog shipped in `prices.json`, validated at module load. */
export const defaultCatalog: PriceCatalog = createPriceCatalog(rawPrices);
