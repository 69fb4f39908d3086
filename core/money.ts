/**
 * Money is kept in integer cents wherever it is added up, so totals never drift by
 * floating-point error (0.1 + 0.2). Prices in the catalog may have more precision
 * (hourly rates like $0.00893); they become cents only when a monthly amount is formed.
 */

/** US dollars → integer cents, rounded half away from zero. */
export function toCents(usd: number): number {
  if (!Number.isFinite(usd)) throw new RangeError(`amount must be a finite number (got ${usd})`);
  return Math.sign(usd) * Math.round(Math.abs(usd) * 100);
}

/** Integer cents → US dollars. */
export function fromCents(cents: number): number {
  return cents / 100;
}

/** Rounds a dollar amount to whole cents (the precision of an invoice line). */
export function roundUsd(usd: number): number {
  return fromCents(toCents(usd));
}

/** Adds dollar amounts exactly, through cents. */
export function sumUsd(amounts: Iterable<number>): number {
  let cents = 0;
  for (const amount of amounts) cents += toCents(amount);
  return fromCents(cents);
}

// One formatter for the process: `toLocaleString` builds a new one per call, and the policy pack
// formats an amount for every resource it analyzes.
const USD_AMOUNT = new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** "$1,234.50" — for tables, messages and reports. */
export function formatUsd(usd: number): string {
  const sign = usd < 0 ? "-" : "";
  return `${sign}$${USD_AMOUNT.format(Math.abs(usd))}`;
}

/** "+$12.00", "-$3.50", "$0.00" — a change in cost, for diffs and reports. */
export function formatSignedUsd(usd: number): string {
  return usd > 0 ? `+${formatUsd(usd)}` : formatUsd(usd);
}

/** Parses DigitalOcean's string amounts ("12.34", "-5.00"); the billing API returns money as strings. */
export function parseUsd(amount: string, field: string): number {
  const trimmed = amount.trim();
  if (!/^-?\d+(\.\d+)?$/.test(trimmed)) throw new Error(`${field} is not a dollar amount (got ${JSON.stringify(amount)})`);
  return Number(trimmed);
}
