/**
 * `npm run prices:refresh` — rewrites the Droplet and App Platform sections of the price
 * catalog from DigitalOcean's own price endpoints (`GET /v2/sizes`, every page, and
 * `GET /v2/apps/tiers/instance_sizes`). Every other section is kept byte for byte: those
 * prices have no API and carry the page they were read from.
 *
 * The token comes from DIGITALOCEAN_TOKEN and is never printed. The file is written
 * atomically (temp file + rename) and only after the new catalog passes validation.
 */
import { promises as fs } from "node:fs";
import path from "node:path";
import { parseUsd } from "../core/money";
import { AppInstanceSizePrice, DropletSizePrice, PriceCatalogData, validatePriceCatalog } from "../core/pricing/catalog";
import { DigitalOceanClient } from "../functions/src/digitalocean/client";
import type { AppInstanceSize, Size } from "../functions/src/digitalocean/types";
import { refreshFromInvoice } from "./lib/refresh-from-invoice";

const DEFAULT_CATALOG = path.resolve(__dirname, "../core/pricing/prices.json");
const DEFAULT_API_URL = "https://api.digitalocean.com";

const HELP = `Usage: npm run prices:refresh -- [--catalog FILE] [--dry-run]
       npm run prices:refresh -- --from-invoice FILE|--database-url URL [--catalog FILE] [--dry-run] [--override-official]

Rewrites the "droplets" and "appPlatformInstanceSizes" sections of the price catalog from
GET /v2/sizes and GET /v2/apps/tiers/instance_sizes; every other section is left unchanged.

Options:
  --catalog FILE  catalog to update (default: core/pricing/prices.json)
  --dry-run       print what would change without writing the file
  --help          show this help

From the invoice (issue 11): proposes rows from realised prices instead of the API's sizes,
prints them as a diff of the catalog (new slugs, corrected prices, each citing "invoice
<month>, N resources") and writes them unless --dry-run. A row that cites an official page
is listed as a conflict and left alone unless --override-official.
  --from-invoice FILE   the JSON of npm run tracker -- calibrate --json FILE
  --database-url URL    or: the latest calibration recorded in this Postgres
  --override-official   also correct rows that cite an official page (after checking them)

Environment:
  DIGITALOCEAN_TOKEN    API token with read access (required; never printed)
  DIGITALOCEAN_API_URL  API base URL (default: ${DEFAULT_API_URL})
`;

/** Parsed command line. */
export interface RefreshOptions {
  catalogPath: string;
  dryRun: boolean;
  help: boolean;
  /** Invoice mode: the calibration JSON to propose rows from. */
  fromInvoice?: string;
  /** Invoice mode: the Postgres holding the latest calibration. */
  databaseUrl?: string;
  /** Invoice mode: correct rows that cite an official page too. */
  overrideOfficial?: boolean;
}

/** What changed in one section, by slug. */
export interface SectionChanges {
  added: string[];
  removed: string[];
  /** "slug: old → new" lines (monthly price). */
  changed: string[];
}

/** The outcome of a refresh. */
export interface RefreshResult {
  droplets: SectionChanges;
  appPlatformInstanceSizes: SectionChanges;
  written: boolean;
}

/** Parses argv (without node and script); errors name the bad argument. */
export function parseArgs(argv: readonly string[]): RefreshOptions {
  const options: RefreshOptions = { catalogPath: DEFAULT_CATALOG, dryRun: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--help" || arg === "-h") options.help = true;
    else if (arg === "--dry-run") options.dryRun = true;
    else if (arg === "--catalog") {
      const file = argv[++i];
      if (!file || file.startsWith("--")) throw new Error("--catalog needs a file path");
      options.catalogPath = path.resolve(file);
    } else if (arg === "--from-invoice" || arg === "--database-url") {
      const value = argv[++i];
      if (!value || value.startsWith("--")) throw new Error(`${arg} needs a ${arg === "--from-invoice" ? "file path" : "postgres:// URL"}`);
      if (arg === "--from-invoice") options.fromInvoice = path.resolve(value);
      else options.databaseUrl = value;
    } else if (arg === "--override-official") options.overrideOfficial = true;
    else throw new Error(`unknown argument ${JSON.stringify(arg)} (see --help)`);
  }
  if (options.fromInvoice !== undefined && options.databaseUrl !== undefined) throw new Error("--from-invoice and --database-url are alternatives: give one");
  if (options.overrideOfficial && options.fromInvoice === undefined && options.databaseUrl === undefined) throw new Error("--override-official is for --from-invoice or --database-url");
  return options;
}

function compare(before: readonly { slug: string; monthlyUsd: number }[], after: readonly { slug: string; monthlyUsd: number }[]): SectionChanges {
  const old = new Map(before.map((entry) => [entry.slug, entry.monthlyUsd]));
  const now = new Map(after.map((entry) => [entry.slug, entry.monthlyUsd]));
  return {
    added: after.filter((entry) => !old.has(entry.slug)).map((entry) => entry.slug),
    removed: before.filter((entry) => !now.has(entry.slug)).map((entry) => entry.slug),
    changed: after
      .filter((entry) => old.has(entry.slug) && old.get(entry.slug) !== entry.monthlyUsd)
      .map((entry) => `${entry.slug}: ${old.get(entry.slug)} → ${entry.monthlyUsd}`),
  };
}

function dropletSizes(sizes: readonly Size[]): DropletSizePrice[] {
  return sizes.map((size, index) => {
    if (typeof size.slug !== "string" || !Number.isFinite(size.price_monthly) || !Number.isFinite(size.price_hourly)) {
      throw new Error(`GET /v2/sizes: sizes[${index}] lacks slug/price_monthly/price_hourly (got ${JSON.stringify(size)})`);
    }
    return { slug: size.slug, monthlyUsd: size.price_monthly, hourlyUsd: size.price_hourly };
  });
}

function appSizes(sizes: readonly AppInstanceSize[]): AppInstanceSizePrice[] {
  return sizes.map((size, index) => {
    const where = `GET /v2/apps/tiers/instance_sizes: instance_sizes[${index}]`;
    if (!size.slug || size.usd_per_month === undefined) throw new Error(`${where} lacks slug/usd_per_month (got ${JSON.stringify(size)})`);
    return { slug: size.slug, monthlyUsd: parseUsd(size.usd_per_month, `${where}.usd_per_month`) };
  });
}

/**
 * Replaces the two API-backed sections of `catalog` (parsed prices.json) and reports the
 * slug changes. Section keys keep their position, so the rest of the file stays byte-stable.
 */
export function applyRefresh(
  catalog: PriceCatalogData,
  fetched: { sizes: readonly Size[]; appInstanceSizes: readonly AppInstanceSize[] },
  apiUrl: string,
  today: string,
): { catalog: PriceCatalogData; droplets: SectionChanges; appPlatformInstanceSizes: SectionChanges } {
  const base = apiUrl.replace(/\/+$/, "");
  const droplets = dropletSizes(fetched.sizes);
  const apps = appSizes(fetched.appInstanceSizes);
  const next: PriceCatalogData = {
    ...catalog,
    // DigitalOcean's own API: official, and it replaces any per-row sources the old section had.
    droplets: { source: `${base}/v2/sizes`, asOf: today, sourceKind: "official", sizes: droplets },
    appPlatformInstanceSizes: { source: `${base}/v2/apps/tiers/instance_sizes`, asOf: today, sourceKind: "official", sizes: apps },
  };
  validatePriceCatalog(next);
  return {
    catalog: next,
    droplets: compare(catalog.droplets.sizes, droplets),
    appPlatformInstanceSizes: compare(catalog.appPlatformInstanceSizes.sizes, apps),
  };
}

/** Same formatting as the checked-in file: 2-space JSON and a final newline. */
export function formatCatalog(catalog: PriceCatalogData): string {
  return `${JSON.stringify(catalog, null, 2)}\n`;
}

async function writeAtomically(file: string, text: string): Promise<void> {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  await fs.writeFile(temp, text, "utf8");
  try {
    await fs.rename(temp, file);
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw error;
  }
}

function describeChanges(section: string, changes: SectionChanges): string[] {
  const lines = [`${section}: ${changes.added.length} added, ${changes.removed.length} removed, ${changes.changed.length} changed`];
  for (const slug of changes.added) lines.push(`  + ${slug}`);
  for (const slug of changes.removed) lines.push(`  - ${slug}`);
  for (const line of changes.changed) lines.push(`  ~ ${line}`);
  return lines;
}

/** Runs a refresh; `print` receives the report lines. */
export async function refreshPrices(
  options: RefreshOptions,
  env: NodeJS.ProcessEnv,
  print: (line: string) => void,
  today: string = new Date().toISOString().slice(0, 10),
): Promise<RefreshResult> {
  const token = env.DIGITALOCEAN_TOKEN?.trim();
  if (!token) throw new Error("DIGITALOCEAN_TOKEN is not set; create a read-only token and export it");
  const apiUrl = env.DIGITALOCEAN_API_URL?.trim() || DEFAULT_API_URL;
  const client = new DigitalOceanClient({ token, baseUrl: apiUrl });

  const current = validatePriceCatalog(JSON.parse(await fs.readFile(options.catalogPath, "utf8")));
  const [sizes, appInstanceSizes] = await Promise.all([client.listSizes(), client.listAppInstanceSizes()]);
  const result = applyRefresh(current, { sizes, appInstanceSizes }, apiUrl, today);

  describeChanges("droplets", result.droplets).forEach((line) => print(line));
  describeChanges("appPlatformInstanceSizes", result.appPlatformInstanceSizes).forEach((line) => print(line));
  if (options.dryRun) {
    print(`dry run: ${options.catalogPath} not written`);
  } else {
    await writeAtomically(options.catalogPath, formatCatalog(result.catalog));
    print(`wrote ${options.catalogPath}`);
  }
  return { droplets: result.droplets, appPlatformInstanceSizes: result.appPlatformInstanceSizes, written: !options.dryRun };
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  if (options.help) {
    process.stdout.write(HELP);
    return;
  }
  if (options.fromInvoice !== undefined || options.databaseUrl !== undefined) {
    const source = options.fromInvoice !== undefined ? { file: options.fromInvoice } : { databaseUrl: options.databaseUrl as string };
    await refreshFromInvoice({ source, catalogPath: options.catalogPath, dryRun: options.dryRun, overrideOfficial: options.overrideOfficial === true }, (line) => console.log(line));
    return;
  }
  await refreshPrices(options, process.env, (line) => console.log(line));
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(`prices:refresh failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  });
}
