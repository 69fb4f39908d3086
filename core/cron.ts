/**
 * Five-field cron expressions (minute hour day-of-month month day-of-week), the form DigitalOcean
 * Functions scheduled triggers take (`scheduled_details.cron`, specification/resources/functions/
 * models/scheduled_details.yml). Validated at preview time so a typo fails `pulumi preview`, not
 * the first night's run; `firesPerMonth` feeds the estimate of what the tracker itself costs.
 * Supported per field: `*`, numbers, ranges `a-b`, lists `a,b`, steps `*\/n` and `a-b/n`.
 */

interface CronField {
  name: string;
  min: number;
  max: number;
}

const FIELDS: readonly CronField[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12 },
  { name: "day of week", min: 0, max: 7 }, // 0 and 7 are both Sunday
];

/** A parsed schedule: the allowed values of each field. */
export interface CronSchedule {
  minutes: ReadonlySet<number>;
  hours: ReadonlySet<number>;
  daysOfMonth: ReadonlySet<number>;
  months: ReadonlySet<number>;
  daysOfWeek: ReadonlySet<number>;
  /** Cron's rule: when both day fields are restricted, a day matches if either does. */
  dayOfMonthRestricted: boolean;
  dayOfWeekRestricted: boolean;
}

/** Parses a five-field cron expression; throws an Error naming the field and the bad part. */
export function parseCron(expression: string): CronSchedule {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5) throw new Error(`cron "${expression}" must have 5 fields (minute hour day-of-month month day-of-week), got ${parts.length}`);
  const sets = parts.map((part, i) => parseField(part, FIELDS[i]!, expression));
  const daysOfWeek = new Set([...sets[4]!].map((d) => (d === 7 ? 0 : d)));
  return {
    minutes: sets[0]!,
    hours: sets[1]!,
    daysOfMonth: sets[2]!,
    months: sets[3]!,
    daysOfWeek,
    dayOfMonthRestricted: parts[2] !== "*",
    dayOfWeekRestricted: parts[4] !== "*",
  };
}

function parseField(part: string, field: CronField, expression: string): Set<number> {
  const values = new Set<number>();
  const fail = (why: string) => new Error(`cron "${expression}": ${field.name} field "${part}" ${why} (allowed ${field.min}-${field.max})`);
  for (const item of part.split(",")) {
    const match = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(item);
    if (!match) throw fail("is not a number, range, list or step");
    const step = match[4] === undefined ? 1 : Number(match[4]);
    if (step < 1) throw fail("has a step below 1");
    const from = match[1] === "*" ? field.min : Number(match[2]);
    const to = match[1] === "*" ? field.max : match[3] !== undefined ? Number(match[3]) : match[4] !== undefined ? field.max : from;
    if (from < field.min || to > field.max || from > to) throw fail("is out of range");
    for (let value = from; value <= to; value += step) values.add(value);
  }
  return values;
}

/** Whether the schedule fires at a UTC minute (DigitalOcean triggers run in UTC). */
export function firesAt(schedule: CronSchedule, at: Date): boolean {
  if (!schedule.minutes.has(at.getUTCMinutes()) || !schedule.hours.has(at.getUTCHours()) || !schedule.months.has(at.getUTCMonth() + 1)) return false;
  const dom = schedule.daysOfMonth.has(at.getUTCDate());
  const dow = schedule.daysOfWeek.has(at.getUTCDay());
  if (schedule.dayOfMonthRestricted && schedule.dayOfWeekRestricted) return dom || dow;
  return dom && dow;
}

/** How often the schedule fires in an average month (30.44 days), counted over a whole year. */
export function firesPerMonth(expression: string): number {
  const schedule = parseCron(expression);
  // Count over a non-leap year so monthly, weekly and yearly patterns all average out.
  const start = Date.UTC(2025, 0, 1);
  let count = 0;
  for (let minute = 0; minute < 365 * 24 * 60; minute++) if (firesAt(schedule, new Date(start + minute * 60_000))) count++;
  return count / 12;
}
