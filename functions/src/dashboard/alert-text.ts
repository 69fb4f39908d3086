/**
 * Fired alerts as sentences a person reads ("restaurant-web memory at 93% (over 80% for 1 h)
 * from 16:20 on 21 Mar; recovered at 01:35 on 22 Mar"), with times in the configured IANA time
 * zone and the runbook section to read next. The stored event keeps its payload as written by
 * the tracker (functions/src/tracker/alerts.ts, app-health.ts, calibrate.ts); this module only
 * reads it, and any kind it does not know still gets a sentence, never an error.
 */
import { formatUsd } from "../../../core/money";
import type { JsonObject } from "../store/types";

/**
 * The runbook section (an `<a id>` in docs/runbook.md) for each kind of fired alert; a test
 * checks every one exists there. Kinds without a section get no link.
 */
export const RUNBOOK_ANCHORS: Readonly<Record<string, string>> = {
  threshold: "billing-threshold",
  forecast: "billing-forecast",
  spike: "billing-spike",
  "new-service": "billing-spike",
  "app-memory-high": "app-memory",
  "app-memory-recovered": "app-memory",
  "app-bandwidth": "app-bandwidth",
  price_calibration: "price-drift",
  // Not a fired alert (clean-up notices go through the outbox only): the Clean-up section's link.
  cleanup_notice: "cleanup",
};

/** The runbook section's URL for an alert kind, or null without a runbook (`billing.runbookUrl`) or a section. */
export function runbookLinkFor(kind: string, runbookBase: string | undefined): string | null {
  const anchor = RUNBOOK_ANCHORS[kind];
  return runbookBase && anchor ? `${runbookBase}#${anchor}` : null;
}

/** Kinds the tracker records for its own bookkeeping, not as alerts anyone was sent. */
export const BOOKKEEPING_KINDS: ReadonlySet<string> = new Set(["app-memory-open"]);

/** What a kind is called on the page. */
const KIND_LABELS: Readonly<Record<string, string>> = {
  threshold: "Budget threshold",
  forecast: "Forecast over budget",
  spike: "Cost spike",
  "new-service": "New service",
  "app-memory-high": "App memory",
  "app-memory-recovered": "App memory recovered",
  "app-bandwidth": "App bandwidth",
  price_calibration: "Price drift",
};

/** The stored fields of one fired alert the sentence is made from. */
export interface FiredAlert {
  alertKey: string;
  firedAt: string;
  payload: JsonObject;
}

/** One fired alert, readable. */
export interface AlertSentence {
  kind: string;
  /** "Budget threshold", "App memory", … */
  label: string;
  sentence: string;
  /** The runbook section's full URL when a runbook is configured and the kind has a section. */
  runbookUrl: string | null;
}

/** The payload's kind, or "" when it has none. */
export function kindOf(payload: JsonObject): string {
  return typeof payload.kind === "string" ? payload.kind : "";
}

function text(payload: JsonObject, key: string): string | undefined {
  const value = payload[key];
  return typeof value === "string" && value !== "" ? value : undefined;
}

function number(payload: JsonObject, key: string): number | undefined {
  const value = payload[key];
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

function percent(value: number | undefined): string {
  return value === undefined ? "?%" : `${Number.isInteger(value) ? value : value.toFixed(1)}%`;
}

/**
 * Instants and dates written in one IANA time zone: "16:20 on 21 Mar", the year added when it
 * is not `now`'s. `Intl` resolves the zone's offset and daylight saving time for each instant.
 */
export class ZonedClock {
  private readonly parts: Intl.DateTimeFormat;

  constructor(
    readonly timeZone: string,
    private readonly now: Date,
  ) {
    this.parts = new Intl.DateTimeFormat("en-GB", { timeZone, year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  }

  private fields(instant: Date): Record<string, string> {
    return Object.fromEntries(this.parts.formatToParts(instant).map((part) => [part.type, part.value]));
  }

  /** "21 Mar", or "21 Mar 2025" outside `now`'s year (in the zone). */
  day(instant: Date): string {
    const f = this.fields(instant);
    return f.year === this.fields(this.now).year ? `${f.day} ${f.month}` : `${f.day} ${f.month} ${f.year}`;
  }

  /** "16:20". */
  time(instant: Date): string {
    const f = this.fields(instant);
    return `${f.hour}:${f.minute}`;
  }

  /** "16:20 on 21 Mar". */
  at(instant: Date): string {
    return `${this.time(instant)} on ${this.day(instant)}`;
  }

  /** "21 Mar 16:20": a table cell's form. */
  stamp(instant: Date): string {
    return `${this.day(instant)} ${this.time(instant)}`;
  }

  /** A stored UTC date ("2026-03-20", a billing day) as "20 Mar": a date, not an instant, so no zone shift. */
  date(iso: string): string {
    const instant = new Date(`${iso}T12:00:00Z`);
    if (Number.isNaN(instant.getTime())) return iso;
    const f = Object.fromEntries(new Intl.DateTimeFormat("en-GB", { timeZone: "UTC", year: "numeric", month: "short", day: "numeric" }).formatToParts(instant).map((part) => [part.type, part.value]));
    return f.year === this.fields(this.now).year ? `${f.day} ${f.month}` : `${f.day} ${f.month} ${f.year}`;
  }
}

function instant(payload: JsonObject, key: string): Date | undefined {
  const value = text(payload, key);
  const parsed = value === undefined ? undefined : new Date(value);
  return parsed && !Number.isNaN(parsed.getTime()) ? parsed : undefined;
}

/** "9 h 15 min", "45 min", "2 d 3 h" (no-break spaces inside each part). */
export function formatDuration(ms: number): string {
  const minutes = Math.max(0, Math.round(ms / 60_000));
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const rest = minutes % 60;
  // No-break spaces: a number is never split from its unit at a line end.
  if (days > 0) return hours > 0 ? `${days}\u00a0d ${hours}\u00a0h` : `${days}\u00a0d`;
  if (hours > 0) return rest > 0 ? `${hours}\u00a0h ${rest}\u00a0min` : `${hours}\u00a0h`;
  return `${rest}\u00a0min`;
}

/** A monitor window spelling ("5m", "1h") as words ("5 min", "1 h"). */
function windowText(window: string | undefined): string {
  const match = window ? /^(\d+)([mh])$/.exec(window) : null;
  return match ? `${match[1]}\u00a0${match[2] === "m" ? "min" : "h"}` : "its window";
}

function spikeSentence(payload: JsonObject, clock: ZonedClock, kind: string): string {
  const service = text(payload, "service") ?? "a service";
  const day = text(payload, "date");
  const on = day ? ` on ${clock.date(day)}` : "";
  const amount = number(payload, "usd");
  if (kind === "new-service") return `${service} appeared on the bill${amount === undefined ? "" : `: ${formatUsd(amount)}`}${on}.`;
  const subject = service === "(total)" ? "Total daily cost" : `${service} cost`;
  const usual = number(payload, "baselineUsd");
  if (amount === undefined) return `${subject} spiked${on}.`;
  return `${subject} jumped to ${formatUsd(amount)}${on}${usual === undefined ? "" : `, against a usual ${formatUsd(usual)}`}.`;
}

/** The memory incident a recovery ends, keyed by app and incident start. */
function incidentKey(payload: JsonObject): string {
  return `${text(payload, "appId") ?? ""}|${text(payload, "incidentStart") ?? ""}`;
}

function sentenceOf(payload: JsonObject, clock: ZonedClock, recoveries: ReadonlyMap<string, Date>): string {
  const kind = kindOf(payload);
  switch (kind) {
    case "threshold": {
      const threshold = number(payload, "thresholdUsd");
      const spent = number(payload, "monthToDateUsd");
      if (threshold === undefined) return "Month-to-date spend passed a threshold.";
      return spent === undefined ? `Month-to-date spend passed the ${formatUsd(threshold)} threshold.` : `Month-to-date spend reached ${formatUsd(spent)}, past the ${formatUsd(threshold)} threshold.`;
    }
    case "forecast": {
      const projected = number(payload, "projectedUsd");
      const budget = number(payload, "budgetUsd");
      const fixed = number(payload, "fixedUsd");
      if (projected === undefined || budget === undefined) return "Month-end spend is projected over the budget.";
      // The fixed share reads only when it is a share: a lagging invoice preview can price more fixed cost than is projected.
      const share = fixed === undefined || fixed > projected ? "" : ` (${formatUsd(fixed)} of it fixed resources)`;
      return `Month-end spend is projected at ${formatUsd(projected)}, over the ${formatUsd(budget)} budget${share}.`;
    }
    case "spike":
    case "new-service":
      return spikeSentence(payload, clock, kind);
    case "app-memory-high": {
      const app = text(payload, "app") ?? "An app";
      const start = instant(payload, "incidentStart");
      const recovered = recoveries.get(incidentKey(payload));
      const from = start ? ` from ${clock.at(start)}` : "";
      const end = recovered ? `; recovered at ${clock.at(recovered)}` : "; no recovery recorded yet";
      return `${app} memory at ${percent(number(payload, "peakPercent"))} (over ${percent(number(payload, "thresholdPercent"))} for ${windowText(text(payload, "window"))})${from}${end}.`;
    }
    case "app-memory-recovered": {
      const app = text(payload, "app") ?? "An app";
      const start = instant(payload, "incidentStart");
      const end = instant(payload, "recoveredAt");
      if (!start || !end) return `${app} memory is back under its threshold.`;
      return `${app} memory back under its threshold at ${clock.at(end)}, ${formatDuration(end.getTime() - start.getTime())} after it went high at ${clock.at(start)}.`;
    }
    case "app-bandwidth": {
      const app = text(payload, "app") ?? "An app";
      const day = text(payload, "date");
      const used = number(payload, "usedGiB");
      return `${app} served ${used === undefined ? "?" : used.toFixed(1)} GiB${day ? ` on ${clock.date(day)}` : ""}, over its ${number(payload, "allowanceGiB") ?? "?"} GiB daily allowance.`;
    }
    case "price_calibration": {
      const what = [text(payload, "product"), text(payload, "slug")].filter(Boolean).join(" ") || "A size";
      const invoiced = number(payload, "invoicedMonthlyUsd");
      const billed = invoiced === undefined ? "another price" : `${formatUsd(invoiced)}/month`;
      if (text(payload, "verdict") === "unknown-in-catalog") return `DigitalOcean billed ${what} at ${billed}; the price catalog does not know this size.`;
      const catalog = number(payload, "catalogMonthlyUsd");
      const drift = number(payload, "driftPct");
      if (catalog === undefined) return `DigitalOcean billed ${what} at ${billed}, not what the price catalog says.`;
      return `DigitalOcean billed ${what} at ${billed}; the price catalog says ${formatUsd(catalog)}/month${drift === undefined ? "" : ` (${drift > 0 ? "+" : ""}${drift}%)`}.`;
    }
    default:
      return kind ? `A "${kind}" alert fired.` : "An alert fired.";
  }
}

/**
 * Sentences for fired alerts, in the order given. A memory incident's sentence names its
 * recovery when that is among `events` too. `runbookBase` is `billing.runbookUrl`.
 */
export function describeAlerts(events: readonly FiredAlert[], clock: ZonedClock, runbookBase?: string): AlertSentence[] {
  const recoveries = new Map<string, Date>();
  for (const event of events) {
    const recoveredAt = kindOf(event.payload) === "app-memory-recovered" ? instant(event.payload, "recoveredAt") : undefined;
    if (recoveredAt) recoveries.set(incidentKey(event.payload), recoveredAt);
  }
  return events.map((event) => {
    const kind = kindOf(event.payload);
    return { kind, label: KIND_LABELS[kind] ?? (kind || "Alert"), sentence: sentenceOf(event.payload, clock, recoveries), runbookUrl: runbookLinkFor(kind, runbookBase) };
  });
}
