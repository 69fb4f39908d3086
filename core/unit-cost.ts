/**
 * Cost per business unit (per active restaurant, per order, …): the number a business
 * reads more easily than a raw invoice. The unit count comes from a configured source; this
 * module defines and checks that configuration and does the division, and nothing else.
 */
import { isoDate, type IsoDate } from "./calendar";
import { describeValue, postgresUrlProblem } from "./validators";

/**
 * Where the number of units comes from. Only `count` is known without I/O; resolving `sql`
 * (run a read-only query against `databaseUrl`) and `url` (GET JSON, pick `jsonPointer`) is
 * the tracker's job (functions/src), not this pure module's. `databaseUrl` usually holds a
 * password: keep it in secret configuration.
 */
export type UnitSource =
  | { kind: "count"; value: number }
  | { kind: "sql"; databaseUrl: string; query: string }
  | { kind: "url"; url: string; jsonPointer?: string };

/** The unit-cost configuration: what a unit is called and where its count comes from. */
export interface UnitCostConfig {
  /** Singular name for reports, e.g. "active restaurant". */
  unitName: string;
  source: UnitSource;
}

/** Result of `unitCost`; the two non-ok states say why there is no per-unit figure. */
export type UnitCost =
  | { status: "ok"; units: number; usdPerUnit: number }
  | { status: "zero-units"; units: 0; usdPerUnit: null }
  | { status: "unknown-units"; units: null; usdPerUnit: null };

/**
 * `totalUsd ÷ units`, unrounded (a per-unit cost can be a fraction of a cent). Zero units and
 * unknown units (the source failed or has not been read: null/undefined) are reported as such
 * rather than as 0 or Infinity, so a report never shows "$0.00 per restaurant" by accident.
 */
export function unitCost(totalUsd: number, units: number | null | undefined): UnitCost {
  if (!Number.isFinite(totalUsd)) throw new RangeError(`totalUsd must be a finite number (got ${totalUsd})`);
  if (units === null || units === undefined) return { status: "unknown-units", units: null, usdPerUnit: null };
  if (!Number.isFinite(units) || units < 0) throw new RangeError(`units must be a finite number >= 0 (got ${units})`);
  if (units === 0) return { status: "zero-units", units: 0, usdPerUnit: null };
  return { status: "ok", units, usdPerUnit: totalUsd / units };
}

/** One reading of the unit count as the tracker keeps it: when, and what (null: the source failed). */
export interface UnitReading {
  readAt: Date;
  units: number | null;
}

/**
 * How long a count stays current. The daily run reads it every 24 hours (the weekly run on
 * Mondays too); two more hours let a late or retried run arrive. Older than this, a count is
 * stale: no cost is divided by it.
 */
export const UNIT_COUNT_FRESH_HOURS = 26;

/** The latest reading judged against the clock: the one a month-to-date figure may divide by. */
export type UnitCountFreshness =
  | { state: "fresh"; readAt: Date; ageHours: number; units: number }
  | { state: "stale"; readAt: Date; ageHours: number; units: number | null }
  | { state: "failed"; readAt: Date; ageHours: number; units: null }
  | { state: "none" };

/**
 * Whether the latest reading may be divided by at `now`: `fresh` when read within
 * `maxAgeHours`, `failed` when the source could not be read that time, `stale` when older
 * (whatever it said), `none` before the first reading.
 */
export function unitCountFreshness(latest: UnitReading | null, now: Date, maxAgeHours = UNIT_COUNT_FRESH_HOURS): UnitCountFreshness {
  if (!latest) return { state: "none" };
  const ageHours = (now.getTime() - latest.readAt.getTime()) / 3_600_000;
  if (ageHours > maxAgeHours) return { state: "stale", readAt: latest.readAt, ageHours, units: latest.units };
  if (latest.units === null) return { state: "failed", readAt: latest.readAt, ageHours, units: null };
  return { state: "fresh", readAt: latest.readAt, ageHours, units: latest.units };
}

/** A cost per unit with why it is missing: {@link UnitCost}'s states, plus no reading, or only a stale one. */
export type UnitCostFigure = (UnitCost | { status: "no-reading"; units: null; usdPerUnit: null } | { status: "stale"; units: number | null; usdPerUnit: null }) & {
  usd: number;
  /** When the count divided by (or refused) was read; null when there was none. */
  readAt: Date | null;
};

/**
 * The month to date per unit: divided only by a fresh count ({@link unitCountFreshness}),
 * never by an old one standing in for today's.
 */
export function monthToDateUnitCost(monthToDateUsd: number, freshness: UnitCountFreshness): UnitCostFigure {
  switch (freshness.state) {
    case "none":
      return { status: "no-reading", units: null, usdPerUnit: null, usd: monthToDateUsd, readAt: null };
    case "stale":
      return { status: "stale", units: freshness.units, usdPerUnit: null, usd: monthToDateUsd, readAt: freshness.readAt };
    case "failed":
    case "fresh":
      return { ...unitCost(monthToDateUsd, freshness.units), usd: monthToDateUsd, readAt: freshness.readAt };
  }
}

/**
 * Each day's cost per unit, divided by the count read on that UTC day (the latest, when read
 * twice), the days' dates being UTC like the stored history's. A day without a reading says
 * so: yesterday's count never stands in for it.
 */
export function dailyUnitCosts(days: readonly { date: IsoDate; usd: number }[], readings: readonly UnitReading[]): (UnitCostFigure & { date: IsoDate })[] {
  const latestOfDay = new Map<IsoDate, UnitReading>();
  for (const reading of readings) {
    const day = isoDate(reading.readAt);
    const known = latestOfDay.get(day);
    if (!known || known.readAt <= reading.readAt) latestOfDay.set(day, reading);
  }
  return days.map(({ date, usd }) => {
    const reading = latestOfDay.get(date);
    if (!reading) return { date, status: "no-reading", units: null, usdPerUnit: null, usd, readAt: null };
    return { date, ...unitCost(usd, reading.units), usd, readAt: reading.readAt };
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * A bad unit-cost field: `field` is its path inside the unit-cost object (`source.databaseUrl`)
 * and `reason` what is wrong, so a caller with its own path scheme (the tracker settings
 * schema) can place the problem without parsing the message. Neither ever holds a database
 * password: values are quoted through describeValue, which hides anything URL- or token-shaped.
 */
export class UnitCostConfigError extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
    path: string,
  ) {
    super(`${path}.${field} ${reason}`);
    this.name = "UnitCostConfigError";
  }
}

function requireString(record: Record<string, unknown>, key: string, field: string, path: string): string {
  const value = record[key];
  if (typeof value !== "string" || value.trim() === "") throw new UnitCostConfigError(field, `must be a non-empty string (got ${describeValue(value)})`, path);
  return value;
}

// One SELECT statement: a unit count has no business writing, and a stray ";" could chain one.
// A guard against mistakes, not a security boundary (a WITH … DELETE … RETURNING passes):
// the resolver must also run the query in a READ ONLY transaction.
const READ_ONLY_QUERY = /^\s*(select|with)\b[^;]*;?\s*$/is;

/**
 * Checks a unit-cost configuration; errors name the field (prefixed by `path`) and the bad
 * value. `count` needs a finite value >= 0; `sql` a postgres:// or postgresql:// URL and one
 * SELECT (or WITH … SELECT) statement; `url` an http(s) URL and, if given, a JSON Pointer
 * (RFC 6901: empty or starting with "/").
 */
export function validateUnitCostConfig(input: unknown, path = "unitCost"): UnitCostConfig {
  if (!isRecord(input)) throw new Error(`${path} must be an object {unitName, source} (got ${describeValue(input)})`);
  const unitName = requireString(input, "unitName", "unitName", path);
  const source = input.source;
  if (!isRecord(source)) throw new UnitCostConfigError("source", `must be an object with a kind (got ${describeValue(source)})`, path);
  switch (source.kind) {
    case "count": {
      const value = source.value;
      if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
        throw new UnitCostConfigError("source.value", `must be a number >= 0 (got ${describeValue(value)})`, path);
      }
      return { unitName, source: { kind: "count", value } };
    }
    case "sql": {
      const databaseUrl = requireString(source, "databaseUrl", "source.databaseUrl", path);
      const problem = postgresUrlProblem(databaseUrl);
      if (problem) throw new UnitCostConfigError("source.databaseUrl", problem, path);
      const query = requireString(source, "query", "source.query", path);
      if (!READ_ONLY_QUERY.test(query)) throw new UnitCostConfigError("source.query", `must be a single SELECT statement (got ${describeValue(query)})`, path);
      return { unitName, source: { kind: "sql", databaseUrl, query } };
    }
    case "url": {
      const url = requireString(source, "url", "source.url", path);
      if (!isHttpUrl(url)) throw new UnitCostConfigError("source.url", "must be an http:// or https:// URL", path);
      const jsonPointer = source.jsonPointer;
      if (jsonPointer === undefined) return { unitName, source: { kind: "url", url } };
      if (typeof jsonPointer !== "string" || (jsonPointer !== "" && !jsonPointer.startsWith("/"))) {
        throw new UnitCostConfigError("source.jsonPointer", `must be a JSON Pointer like "/data/count" (got ${describeValue(jsonPointer)})`, path);
      }
      return { unitName, source: { kind: "url", url, jsonPointer } };
    }
    default:
      throw new UnitCostConfigError("source.kind", `must be "count", "sql" or "url" (got ${describeValue(source.kind)})`, path);
  }
}

function isHttpUrl(value: string): boolean {
  try {
    const protocol = new URL(value).protocol;
    return protocol === "http:" || protocol === "https:";
  } catch {
    return false;
  }
}
