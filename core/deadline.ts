/**
 * A run's deadline, shared by every long step of a tracker task (advise's metric reads,
 * clean-up's snapshot polls, calibration, the request pacer), so a run that is about to be
 * killed stops itself cleanly instead: it saves its progress in the store and the next run
 * resumes.
 *
 * DigitalOcean Functions runs Apache OpenWhisk, which gives an action `__OW_DEADLINE` in its
 * environment: "the approximate time when this action will have consumed its entire duration
 * quota (measured in epoch milliseconds)" (apache/openwhisk docs/actions.md, "Accessing action
 * metadata within the action body", read 2026-12-06). The local CLI sets one with `--deadline-seconds N`; without either a run
 * has no deadline.
 *
 * Pure: the clock is passed in, so tests move time without waiting.
 */

/**
 * Time left unspent before the platform's deadline (engineering choice, 2026-12-06): enough to
 * finish the request in flight (the client's request timeout is 15 s), commit the progress and
 * answer the activation.
 */
export const DEFAULT_DEADLINE_MARGIN_MS = 20_000;

/** When a run must have stopped; every question is answered against the margin, not the kill time. */
export interface RunDeadline {
  /** Epoch milliseconds the run is killed at; null when it has no deadline. */
  readonly at: number | null;
  /** Milliseconds still usable before the margin (never negative); Infinity without a deadline. */
  remainingMs(): number;
  /** Whether `ms` more work still ends before the margin. */
  allows(ms: number): boolean;
  /** True once the margin is reached: a long step saves what it has and stops. */
  passed(): boolean;
}

export interface DeadlineOptions {
  /** Kept free before `at`; default {@link DEFAULT_DEADLINE_MARGIN_MS}. */
  marginMs?: number;
  /** Epoch milliseconds now; default Date.now. */
  clock?: () => number;
}

/** The deadline `at` (epoch ms, or null for none) as seen through `clock`, keeping `marginMs` free. */
export function runDeadline(at: number | null, options: DeadlineOptions = {}): RunDeadline {
  const marginMs = options.marginMs ?? DEFAULT_DEADLINE_MARGIN_MS;
  if (!(marginMs >= 0) || !Number.isFinite(marginMs)) throw new RangeError(`marginMs must be a finite number ≥ 0 (got ${marginMs})`);
  if (at !== null && !Number.isFinite(at)) throw new RangeError(`a deadline must be a finite instant in epoch milliseconds (got ${at})`);
  const clock = options.clock ?? Date.now;
  const remainingMs = () => (at === null ? Infinity : Math.max(0, at - marginMs - clock()));
  return {
    at,
    remainingMs,
    allows: (ms) => remainingMs() >= ms,
    passed: () => remainingMs() <= 0,
  };
}

/** No deadline: every step may run to its end. */
export const NO_DEADLINE: RunDeadline = runDeadline(null);

/**
 * The instant in OpenWhisk's `__OW_DEADLINE` (epoch milliseconds, as a string in the
 * environment or a number in the action's context); null when absent or not a positive
 * whole number, because an unreadable deadline must not stop a run at once.
 */
export function openWhiskDeadline(value: unknown): number | null {
  const text = typeof value === "number" ? String(value) : typeof value === "string" ? value.trim() : "";
  if (!/^[1-9][0-9]{0,15}$/.test(text)) return null;
  return Number(text);
}

/** The deadline `seconds` from `startMs` (the CLI's `--deadline-seconds`). */
export function deadlineAfterSeconds(seconds: number, startMs: number): number {
  if (!(seconds > 0) || !Number.isFinite(seconds)) throw new RangeError(`seconds must be a positive number (got ${seconds})`);
  return startMs + seconds * 1000;
}
