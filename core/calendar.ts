/**
 * UTC calendar helpers for billing. DigitalOcean invoices by calendar month in UTC
 * (https://docs.digitalocean.com/platform/billing/, as of 2026-11-27), so every
 * month boundary here is computed in UTC and never in the host's time zone.
 */

/** A billing month key, "YYYY-MM" (e.g. "2026-11"). */
export type BillingMonth = string;

/** A UTC calendar date, "YYYY-MM-DD". */
export type IsoDate = string;

const MS_PER_HOUR = 3_600_000;
const MS_PER_DAY = 24 * MS_PER_HOUR;
const BILLING_MONTH_PATTERN = /^(\d{4})-(\d{2})$/;
const ISO_DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

function assertValidInstant(instant: Date, field: string): void {
  if (!(instant instanceof Date) || Number.isNaN(instant.getTime())) {
    throw new RangeError(`${field} must be a valid Date (got ${String(instant)})`);
  }
}

function pad2(n: number): string {
  return String(n).padStart(2, "0");
}

/** The billing month an instant falls in, e.g. 2026-11-30T23:59Z → "2026-11". */
export function billingMonthOf(instant: Date): BillingMonth {
  assertValidInstant(instant, "instant");
  return `${instant.getUTCFullYear()}-${pad2(instant.getUTCMonth() + 1)}`;
}

/** Splits and checks a billing month key; the error names the bad value. */
export function parseBillingMonth(month: BillingMonth): { year: number; month: number } {
  const match = BILLING_MONTH_PATTERN.exec(month);
  const monthNumber = match ? Number(match[2]) : 0;
  if (!match || monthNumber < 1 || monthNumber > 12) {
    throw new RangeError(`billing month must look like "2026-11" (got ${JSON.stringify(month)})`);
  }
  return { year: Number(match[1]), month: monthNumber };
}

/** First instant of the billing month (00:00 UTC on the 1st). */
export function monthStart(month: BillingMonth): Date {
  const { year, month: m } = parseBillingMonth(month);
  return new Date(Date.UTC(year, m - 1, 1));
}

/** First instant after the billing month (00:00 UTC on the 1st of the next month); the month is [start, end). */
export function monthEnd(month: BillingMonth): Date {
  const { year, month: m } = parseBillingMonth(month);
  return new Date(Date.UTC(year, m, 1));
}

/** The billing month after `month` ("2026-12" → "2027-01"). */
export function nextBillingMonth(month: BillingMonth): BillingMonth {
  return billingMonthOf(monthEnd(month));
}

/** Number of days in the billing month (28–31). */
export function daysInMonth(month: BillingMonth): number {
  return Math.round((monthEnd(month).getTime() - monthStart(month).getTime()) / MS_PER_DAY);
}

/** Number of hours in the billing month (672–744). */
export function hoursInMonth(month: BillingMonth): number {
  return daysInMonth(month) * 24;
}

/**
 * Hours of the billing month that lie in [from, to), i.e. the overlap of that interval
 * with the month; 0 when they do not overlap.
 */
export function hoursOfMonthWithin(month: BillingMonth, from: Date, to: Date): number {
  const start = Math.max(monthStart(month).getTime(), from.getTime());
  const end = Math.min(monthEnd(month).getTime(), to.getTime());
  return Math.max(0, (end - start) / MS_PER_HOUR);
}

/** Hours of the billing month already elapsed at `now` (0 before the month, all of it after). */
export function hoursElapsedInMonth(month: BillingMonth, now: Date): number {
  assertValidInstant(now, "now");
  return hoursOfMonthWithin(month, monthStart(month), now);
}

/** Hours of the billing month still to come at `now` (all of it before the month, 0 after). */
export function hoursRemainingInMonth(month: BillingMonth, now: Date): number {
  return hoursInMonth(month) - hoursElapsedInMonth(month, now);
}

/** The UTC calendar date of an instant, "YYYY-MM-DD". */
export function isoDate(instant: Date): IsoDate {
  assertValidInstant(instant, "instant");
  return instant.toISOString().slice(0, 10);
}

/** Midnight UTC of an ISO date; rejects impossible dates like "2026-02-30". */
export function parseIsoDate(date: IsoDate): Date {
  const match = ISO_DATE_PATTERN.exec(date);
  const parsed = match ? new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]))) : undefined;
  if (!parsed || isoDate(parsed) !== date) {
    throw new RangeError(`date must be a real calendar date like "2026-11-27" (got ${JSON.stringify(date)})`);
  }
  return parsed;
}

/** The ISO date `days` days after `date` (negative goes back). */
export function addDays(date: IsoDate, days: number): IsoDate {
  return isoDate(new Date(parseIsoDate(date).getTime() + days * MS_PER_DAY));
}

/** Whole days from `from` to `to` (both ISO dates); negative when `to` is earlier. */
export function daysBetween(from: IsoDate, to: IsoDate): number {
  return Math.round((parseIsoDate(to).getTime() - parseIsoDate(from).getTime()) / MS_PER_DAY);
}

/** Day of the week of an ISO date, 0 = Sunday … 6 = Saturday (UTC). */
export function weekdayOf(date: IsoDate): number {
  return parseIsoDate(date).getUTCDay();
}
