/**
 * What the calibration (catalog against invoice, per size) and the stack reconciliation (plan
 * against invoice, per stack) keep: one row per month, product and slug, and one per month
 * and stack tag with its resources. Same SQL on a Postgres server and the embedded one; money through integer cents
 * as in cost-store, read back from numeric text.
 */
import { parseUsd, toCents } from "../../../core/money";
import type { CalibrationVerdict, ResourceReconciliation, StackReconciliation } from "../../../core/calibration";
import { checkedStoreLabel, IMPLICIT_TEAM_NAME } from "../../../core/tracker-settings";
import type { SqlClient } from "./sql-client";

/** One stored calibration row: a product + slug in one billing month. */
export interface StoredCalibration {
  billingMonth: string;
  product: string;
  slug: string;
  catalogMonthlyUsd: number | null;
  invoicedMonthlyUsd: number;
  driftPct: number | null;
  driftMonthlyUsd: number | null;
  resources: number;
  verdict: CalibrationVerdict;
  recordedAt: Date;
}

/** A stack's stored month: estimate against bill, in total and per planned resource. */
export interface StoredStackReconciliation {
  billingMonth: string;
  stackTag: string;
  estimatedUsd: number;
  billedUsd: number;
  differenceUsd: number;
  unplannedBilledUsd: number;
  resources: ResourceReconciliation[];
  recordedAt: Date;
}

function usdText(usd: number, field: string): string {
  if (!Number.isFinite(usd)) throw new RangeError(`${field} must be a finite dollar amount (got ${usd})`);
  const cents = toCents(usd);
  const abs = Math.abs(cents);
  return `${cents < 0 ? "-" : ""}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
}

const nullableUsd = (text: string | null, field: string): number | null => (text === null ? null : parseUsd(text, field));
const asDate = (value: Date | string): Date => (value instanceof Date ? value : new Date(value));

/** One team's calibration and stack reconciliations (the implicit team `default` when none is named). */
export class CalibrationStore {
  /** The team whose invoices these figures come from. */
  readonly team: string;

  constructor(
    private readonly db: SqlClient,
    team: string = IMPLICIT_TEAM_NAME,
  ) {
    this.team = checkedStoreLabel(team);
  }

  /** Makes `rows` the month's calibration (a rerun replaces the figures of the slugs it saw). */
  async recordCalibration(billingMonth: string, rows: readonly Omit<StoredCalibration, "billingMonth" | "recordedAt">[], now: Date): Promise<void> {
    if (rows.length === 0) return;
    await this.db.query(
      `INSERT INTO price_calibration (team, billing_month, product, slug, catalog_monthly_usd, invoiced_monthly_usd, drift_pct, drift_monthly_usd, resources, verdict, recorded_at)
       SELECT $4, $1, r.product, r.slug, r.catalog, r.invoiced, r.drift_pct, r.drift_usd, r.resources, r.verdict, $3::timestamptz
       FROM jsonb_to_recordset($2::jsonb) AS r(product text, slug text, catalog numeric, invoiced numeric, drift_pct numeric, drift_usd numeric, resources integer, verdict text)
       ON CONFLICT (team, billing_month, product, slug) DO UPDATE SET catalog_monthly_usd = EXCLUDED.catalog_monthly_usd,
         invoiced_monthly_usd = EXCLUDED.invoiced_monthly_usd, drift_pct = EXCLUDED.drift_pct, drift_monthly_usd = EXCLUDED.drift_monthly_usd,
         resources = EXCLUDED.resources, verdict = EXCLUDED.verdict, recorded_at = EXCLUDED.recorded_at`,
      [
        billingMonth,
        JSON.stringify(
          rows.map((row) => ({
            product: row.product,
            slug: row.slug,
            catalog: row.catalogMonthlyUsd === null ? null : usdText(row.catalogMonthlyUsd, `${row.slug}.catalogMonthlyUsd`),
            invoiced: usdText(row.invoicedMonthlyUsd, `${row.slug}.invoicedMonthlyUsd`),
            drift_pct: row.driftPct,
            drift_usd: row.driftMonthlyUsd === null ? null : usdText(row.driftMonthlyUsd, `${row.slug}.driftMonthlyUsd`),
            resources: row.resources,
            verdict: row.verdict,
          })),
        ),
        now,
        this.team,
      ],
    );
  }

  /** The month's calibration (the latest month recorded when `billingMonth` is omitted), by product and slug. */
  async listCalibration(billingMonth?: string): Promise<StoredCalibration[]> {
    const rows = await this.db.query<{
      billing_month: string; product: string; slug: string; catalog: string | null; invoiced: string; drift_pct: string | null; drift_usd: string | null; resources: number; verdict: CalibrationVerdict; recorded_at: Date;
    }>(
      `SELECT billing_month, product, slug, catalog_monthly_usd::text AS catalog, invoiced_monthly_usd::text AS invoiced, drift_pct::text AS drift_pct,
              drift_monthly_usd::text AS drift_usd, resources, verdict, recorded_at
         FROM price_calibration
        WHERE team = $2 AND billing_month = COALESCE($1::text, (SELECT max(billing_month) FROM price_calibration WHERE team = $2))
        ORDER BY product, slug`,
      [billingMonth ?? null, this.team],
    );
    return rows.map((row) => ({
      billingMonth: row.billing_month,
      product: row.product,
      slug: row.slug,
      catalogMonthlyUsd: nullableUsd(row.catalog, `price_calibration[${row.slug}].catalog_monthly_usd`),
      invoicedMonthlyUsd: parseUsd(row.invoiced, `price_calibration[${row.slug}].invoiced_monthly_usd`),
      driftPct: row.drift_pct === null ? null : Number(row.drift_pct),
      driftMonthlyUsd: nullableUsd(row.drift_usd, `price_calibration[${row.slug}].drift_monthly_usd`),
      resources: row.resources,
      verdict: row.verdict,
      recordedAt: asDate(row.recorded_at),
    }));
  }

  /** Keeps a stack's month (a rerun replaces it). */
  async saveStackReconciliation(reconciliation: StackReconciliation, now: Date): Promise<void> {
    await this.db.query(
      `INSERT INTO stack_reconciliation (team, billing_month, stack_tag, estimated_usd, billed_usd, unplanned_billed_usd, resources, recorded_at)
       VALUES ($8, $1, $2, $3::numeric, $4::numeric, $5::numeric, $6::jsonb, $7)
       ON CONFLICT (team, billing_month, stack_tag) DO UPDATE SET estimated_usd = EXCLUDED.estimated_usd, billed_usd = EXCLUDED.billed_usd,
         unplanned_billed_usd = EXCLUDED.unplanned_billed_usd, resources = EXCLUDED.resources, recorded_at = EXCLUDED.recorded_at`,
      [
        reconciliation.billingMonth,
        reconciliation.stackTag,
        usdText(reconciliation.estimatedUsd, "estimatedUsd"),
        usdText(reconciliation.billedUsd, "billedUsd"),
        usdText(reconciliation.unplannedBilledUsd, "unplannedBilledUsd"),
        JSON.stringify(reconciliation.resources),
        now,
        this.team,
      ],
    );
  }

  /**
   * Estimate against bill for every stack seen, newest month first then by stack tag: what the
   * dashboard shows per stack. `billingMonth` narrows it to one month.
   */
  async listStackReconciliations(billingMonth?: string): Promise<StoredStackReconciliation[]> {
    const rows = await this.db.query<{ billing_month: string; stack_tag: string; estimated: string; billed: string; unplanned: string; resources: ResourceReconciliation[]; recorded_at: Date }>(
      `SELECT billing_month, stack_tag, estimated_usd::text AS estimated, billed_usd::text AS billed, unplanned_billed_usd::text AS unplanned, resources, recorded_at
         FROM stack_reconciliation WHERE team = $2 AND ($1::text IS NULL OR billing_month = $1) ORDER BY billing_month DESC, stack_tag`,
      [billingMonth ?? null, this.team],
    );
    return rows.map((row) => {
      const estimatedUsd = parseUsd(row.estimated, `stack_reconciliation[${row.stack_tag}].estimated_usd`);
      const billedUsd = parseUsd(row.billed, `stack_reconciliation[${row.stack_tag}].billed_usd`);
      return {
        billingMonth: row.billing_month,
        stackTag: row.stack_tag,
        estimatedUsd,
        billedUsd,
        differenceUsd: (toCents(billedUsd) - toCents(estimatedUsd)) / 100,
        unplannedBilledUsd: parseUsd(row.unplanned, `stack_reconciliation[${row.stack_tag}].unplanned_billed_usd`),
        resources: row.resources,
        recordedAt: asDate(row.recorded_at),
      };
    });
  }
}
