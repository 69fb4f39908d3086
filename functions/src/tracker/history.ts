/**
 * `history`: back-fills daily history for closed months, so spike detection and the weekly
 * comparison have something to compare with from the first day the tracker runs. Invoices
 * give each month's cost per resource and product; they have no days, so each line is spread
 * over the month's days — weighted by billing insights' daily totals when an account URN is
 * configured, evenly otherwise. Days already written by `check` (measured, not estimated) are
 * left alone.
 */
import { addDays, daysInMonth, isoDate, monthStart, type BillingMonth, type IsoDate } from "../../../core/calendar";
import { fromCents, parseUsd, toCents } from "../../../core/money";
import { CostStore } from "../store/cost-store";
import { IMPLICIT_TEAM_NAME } from "../../../core/tracker-settings";
import type { SqlClient } from "../store/sql-client";
import type { BillingHistoryDay, ResourceDailyCost } from "../store/types";
import { foldInvoicePages, historyDay, InvoiceLineFold, splitByWeight, type TrackerApi, type TrackerLog } from "./ingest";

/** What `history` did. */
export interface HistoryResult {
  months: BillingMonth[];
  daysWritten: number;
}

async function dailyWeights(api: TrackerApi, accountUrn: string | undefined, month: BillingMonth, dates: readonly IsoDate[], log: TrackerLog): Promise<number[]> {
  const even = dates.map(() => 1);
  if (!accountUrn) return even;
  try {
    const points = await api.getBillingInsights(accountUrn, dates[0]!, dates[dates.length - 1]!);
    const byDate = new Map<string, number>();
    points.forEach((point, i) => byDate.set(point.start_date ?? "", (byDate.get(point.start_date ?? "") ?? 0) + parseUsd(point.total_amount ?? "0", `insights[${i}].total_amount`)));
    const weights = dates.map((date) => byDate.get(date) ?? 0);
    return weights.some((w) => w > 0) ? weights : even;
  } catch (error) {
    log.warn(`billing insights for ${month} unavailable, spreading evenly: ${(error as Error).message}`);
    return even;
  }
}

/**
 * Back-fills every closed month DigitalOcean has an invoice for, newest first, in one
 * transaction, into `team`'s history (the implicit team's by default; `api` reads with that
 * team's token and `accountUrn` is its URN).
 */
export async function backfillHistory(api: TrackerApi, db: SqlClient, accountUrn: string | undefined, log: TrackerLog, team: string = IMPLICIT_TEAM_NAME): Promise<HistoryResult> {
  const [invoices, billingHistory] = await Promise.all([api.listInvoices(), api.listBillingHistory()]);
  log.info(`found ${invoices.invoices.length} invoices and ${billingHistory.length} billing history entries`);
  const months: BillingMonth[] = [];
  const days: BillingHistoryDay[] = [];
  const rows: ResourceDailyCost[] = [];
  const noTags = new Map<string, string[]>();
  for (const [index, invoice] of invoices.invoices.entries()) {
    const month = invoice.invoice_period;
    if (!invoice.invoice_uuid || !month || !/^\d{4}-\d{2}$/.test(month)) continue;
    // Folded page by page, like the hourly check: a closed month is as big as a running one.
    const fold = new InvoiceLineFold();
    const itemCount = await foldInvoicePages(api.invoiceItemPages(invoice.invoice_uuid), fold);
    log.info(`[${index + 1}/${invoices.invoices.length}] ${month}: ${itemCount} invoice items`);
    const first = isoDate(monthStart(month));
    const dates = Array.from({ length: daysInMonth(month) }, (_, i) => addDays(first, i));
    const weights = await dailyWeights(api, accountUrn, month, dates, log);
    const perDate = dates.map((): ResourceDailyCost[] => []);
    for (const line of fold.lines(noTags).values()) {
      splitByWeight(line.cents, weights).forEach((cents, i) => {
        if (cents !== 0) perDate[i]!.push({ date: dates[i]!, resourceUuid: line.resourceKey, product: line.product, projectName: line.projectName, amountUsd: fromCents(cents) });
      });
    }
    let mtdCents = 0;
    dates.forEach((date, i) => {
      mtdCents += perDate[i]!.reduce((sum, row) => sum + toCents(row.amountUsd), 0);
      // Closed months' tags are unknown (resources may be gone): everything is filed as untagged.
      days.push(historyDay(date, perDate[i]!, fromCents(mtdCents), noTags, () => undefined));
      rows.push(...perDate[i]!);
    });
    months.push(month);
  }
  if (days.length === 0) return { months, daysWritten: 0 };
  const dates = days.map((d) => d.date).sort();
  const daysWritten = await new CostStore(db, team).transaction(async (store) => {
    await store.lockHistoryWriters();
    const measured = new Set((await store.listBillingHistory(dates[0]!, dates[dates.length - 1]!)).map((d) => d.date));
    const fresh = days.filter((d) => !measured.has(d.date));
    await store.upsertResourceDailyCosts(rows.filter((row) => !measured.has(row.date)));
    await store.upsertBillingHistory(fresh);
    return fresh.length;
  });
  log.info(`wrote ${daysWritten} days of history for ${months.join(", ")}`);
  return { months, daysWritten };
}
