/**
 * `npm run prices:refresh -- --from-invoice FILE | --database-url URL`: catalog rows proposed
 * from realised prices (core/calibration/catalog-proposal), printed as a reviewable diff of the
 * catalog and written to it (unless --dry-run). The calibration comes from `tracker calibrate
 * --json FILE` or from the store's latest recorded month. Rows citing an official page are
 * never overwritten without --override-official.
 */
import { promises as fs } from "node:fs";
import path from "node:path";
import { formatProposalDiff, proposeCatalogRows, type CalibrationDocument } from "../../core/calibration";
import { validatePriceCatalog, type PriceCatalogData } from "../../core/pricing/catalog";
import { postgresUrlProblem } from "../../core/validators";
import { CalibrationStore } from "../../functions/src/store/calibration-store";
import { migrate } from "../../functions/src/store/migrations";
import { connectStoreClient } from "../../functions/src/store/open-store";

/** Where the calibration is read from. */
export type CalibrationSource = { file: string } | { databaseUrl: string };

/** What the invoice mode did. */
export interface InvoiceRefreshResult {
  billingMonth: string;
  applied: number;
  conflicts: number;
  skipped: number;
  written: boolean;
}

async function readCalibration(source: CalibrationSource): Promise<CalibrationDocument> {
  if ("file" in source) {
    let raw: unknown;
    try {
      raw = JSON.parse(await fs.readFile(source.file, "utf8"));
    } catch (error) {
      throw new Error(`--from-invoice ${source.file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    const document = raw as Partial<CalibrationDocument> | null;
    if (!document || !Array.isArray(document.slugs)) throw new Error(`--from-invoice ${source.file} is not the JSON of tracker calibrate --json (no "slugs" list)`);
    return document as CalibrationDocument;
  }
  const problem = postgresUrlProblem(source.databaseUrl);
  if (problem) throw new Error(`--database-url ${problem}`);
  const db = await connectStoreClient({ DATABASE_URL: source.databaseUrl });
  try {
    await migrate(db);
    const rows = await new CalibrationStore(db).listCalibration();
    if (rows.length === 0) throw new Error("the store holds no calibration yet: run npm run tracker -- calibrate first");
    return { version: 1, billingMonth: rows[0]!.billingMonth, slugs: rows };
  } finally {
    await db.close();
  }
}

/** Same formatting as the checked-in file: 2-space JSON and a final newline. */
function formatCatalog(catalog: PriceCatalogData): string {
  return `${JSON.stringify(catalog, null, 2)}\n`;
}

/** Proposes rows from the calibration, prints the diff, and writes the catalog unless `dryRun`. */
export async function refreshFromInvoice(
  options: { source: CalibrationSource; catalogPath: string; dryRun: boolean; overrideOfficial: boolean },
  print: (line: string) => void,
  today: string = new Date().toISOString().slice(0, 10),
): Promise<InvoiceRefreshResult> {
  const calibration = await readCalibration(options.source);
  const current = validatePriceCatalog(JSON.parse(await fs.readFile(options.catalogPath, "utf8")));
  const result = proposeCatalogRows(current, calibration, today, { overrideOfficial: options.overrideOfficial });
  print(`--- ${options.catalogPath}`);
  print(`+++ ${options.catalogPath} (from invoice ${calibration.billingMonth})`);
  formatProposalDiff(result).forEach((line) => print(line));
  const applied = result.proposals.filter((proposal) => proposal.applied).length;
  const written = !options.dryRun && applied > 0;
  if (written) {
    const temp = path.join(path.dirname(options.catalogPath), `.${path.basename(options.catalogPath)}.${process.pid}.tmp`);
    await fs.writeFile(temp, formatCatalog(result.catalog), "utf8");
    await fs.rename(temp, options.catalogPath);
    print(`wrote ${options.catalogPath} (${applied} row${applied === 1 ? "" : "s"})`);
  } else print(options.dryRun ? `dry run: ${options.catalogPath} not written` : `nothing to write to ${options.catalogPath}`);
  return { billingMonth: calibration.billingMonth, applied, conflicts: result.proposals.length - applied, skipped: result.skipped.length, written };
}
