/**
 * One run's DigitalOcean request meters: one per token, shared by every client that uses the
 * token, because DigitalOcean's limits (5,000 requests an hour, 250 a minute) are per token
 * (the OpenAPI spec's `specification/description.yml`, "Rate Limit"). The check, the advisor,
 * the calibration and the clean-up reads of a run all count against one budget and wait in one
 * pacer; the clean-up's write-scoped token gets a meter of its own. Every attempt counts,
 * retries included; none is sent past the budget, before its turn under the per-minute cap, or
 * so late that its answer could arrive after the run's deadline. A client asks its meter for a
 * slot before it starts the request's timeout, so waiting one's turn never eats into it.
 */
import { createHash } from "node:crypto";
import { NO_DEADLINE, type RunDeadline } from "../../../core/deadline";
import { RequestPacer } from "../../../core/advice/request-budget";

/**
 * A request the meter refused. It was never sent, so it says nothing about DigitalOcean and is
 * never retried: the caller keeps what it has read and leaves the rest to the next run.
 */
export abstract class RequestNotSent extends Error {}

/** Thrown instead of sending the request that would exceed the run's budget for its token. */
export class RequestBudgetExhausted extends RequestNotSent {
  constructor(readonly budget: number) {
    super(`this run's DigitalOcean request budget of ${budget} is spent; the rest waits for the next run`);
    this.name = "RequestBudgetExhausted";
  }
}

/** Thrown instead of sending (or waiting for) a request that could not finish before the run's deadline margin. */
export class DeadlineReached extends RequestNotSent {
  constructor(what = "request") {
    super(`no DigitalOcean ${what} may start this close to the run's deadline; the rest waits for the next run`);
    this.name = "DeadlineReached";
  }
}

/** What a DigitalOcean client asks of its meter. */
export interface RequestMeter {
  /** Resolves when one more attempt may be sent, counted and paced; throws a {@link RequestNotSent} when it may not. */
  acquire(): Promise<void>;
  /** Throws {@link DeadlineReached} when waiting `ms` (a retry's backoff, a slow-down) would end past the run's margin. */
  checkWait(ms: number): void;
  /**
   * Whether `requests` more attempts would all be granted: within what is left of the budget and,
   * at the per-minute cap, started before the deadline's margin. For a step that is worth doing
   * only whole (a day of insights), so it does not spend the run on a part the next run reads again.
   */
  affords(requests: number): boolean;
}

/** What a step that plans its requests (advise) reads of a meter: the budget and what the run has spent. */
export interface RequestCount {
  /** Attempts the run may send with the token. */
  readonly budget: number;
  /** Attempts sent so far, by every client of the run using the token. */
  sent(): number;
}

/** The limits every token's meter in a run gets. */
export interface MeterLimits {
  /** Attempts one run may send with one token. */
  budget: number;
  /** Attempts per sliding minute. */
  perMinute: number;
  /** The run's deadline; none by default. */
  deadline?: RunDeadline;
  /** The pacer's clock and sleep; injected by tests and the benchmark. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** One token's budget, pacer and deadline for one run. */
export class TokenMeter implements RequestMeter, RequestCount {
  readonly budget: number;
  readonly deadline: RunDeadline;
  private readonly pacer: RequestPacer;
  private readonly perMinute: number;
  private count = 0;

  constructor(limits: MeterLimits) {
    if (!Number.isInteger(limits.budget) || limits.budget < 0) throw new RangeError(`budget must be a whole number ≥ 0 (got ${limits.budget})`);
    this.budget = limits.budget;
    this.perMinute = limits.perMinute;
    this.deadline = limits.deadline ?? NO_DEADLINE;
    this.pacer = new RequestPacer(limits.perMinute, limits.now, limits.sleep);
  }

  /** Attempts granted so far (sent or on their way). */
  sent(): number {
    return this.count;
  }

  /** Attempts still allowed this run. */
  remaining(): number {
    return Math.max(0, this.budget - this.count);
  }

  async acquire(): Promise<void> {
    if (this.count >= this.budget) throw new RequestBudgetExhausted(this.budget);
    // Counted before the wait, so requests waiting together never overdraw the budget.
    this.count += 1;
    if (!(await this.pacer.take(this.deadline))) {
      this.count -= 1;
      throw new DeadlineReached();
    }
  }

  checkWait(ms: number): void {
    if (!this.deadline.allows(ms)) throw new DeadlineReached("retry");
  }

  affords(requests: number): boolean {
    if (requests > this.remaining()) return false;
    // At the cap, the last of them starts no sooner than a minute per `perMinute` requests before it.
    return this.deadline.allows(Math.floor(Math.max(0, requests - 1) / this.perMinute) * 60_000);
  }
}

/**
 * A run's meters, one per token, made on first use with the run's limits. Keyed by a SHA-256
 * digest of the token, so the map never holds the token itself (only the clients do).
 */
export class RunMeters {
  private readonly meters = new Map<string, TokenMeter>();

  constructor(readonly limits: MeterLimits) {}

  /** The meter every client using `token` shares this run. */
  forToken(token: string): TokenMeter {
    const key = createHash("sha256").update(token).digest("hex");
    let meter = this.meters.get(key);
    if (!meter) {
      meter = new TokenMeter(this.limits);
      this.meters.set(key, meter);
    }
    return meter;
  }
}
