/**
 * The one retry policy of this project's API clients (the DigitalOcean client and the
 * OpenWhisk client that deploys function code): which failures are worth another try, how
 * long to wait (full-jitter exponential backoff, or the server's `Retry-After`), and when to
 * stop. Pure: the clock, the randomness and the sleeping are passed in, so tests assert exact
 * delays without waiting; the clients only describe each failed attempt.
 */

/** How persistent a client is. */
export interface RetryPolicy {
  /** Retries after the first attempt, so at most `maxRetries + 1` attempts per call. */
  maxRetries: number;
  /** Ceiling of the first backoff; doubles per attempt. */
  baseDelayMs: number;
  /** Ceiling for any single wait, backoff or `Retry-After`; a server asking for longer is not waited for. */
  maxDelayMs: number;
}

/**
 * Defaults for both clients (engineering choice, 2026-11-29): 6 attempts starting at ≤ 0.5 s
 * span about 16 s of jittered waits, enough to ride out a DigitalOcean 5xx blip or a deploy
 * hitting a busy OpenWhisk controller. A `Retry-After` up to a minute is honoured: DigitalOcean's
 * burst limit is 250 requests per minute and its 429 answers carry `Retry-After` in seconds
 * (API spec `shared/headers.yml` `ratelimit-limit`; release note
 * docs.digitalocean.com/notes/2023/api-rate-limit; both read 2026-11-29); a longer wait means
 * the hourly quota is spent, and failing at once beats stalling a run.
 */
export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({ maxRetries: 5, baseDelayMs: 500, maxDelayMs: 60_000 });

/**
 * Methods that may be repeated without a second effect (RFC 9110 §9.2.2). A POST whose answer
 * was lost may already have happened, so it is only retried when the server said it refused it.
 */
export const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD", "PUT", "DELETE", "OPTIONS"]);

/**
 * Statuses that say "try again later" (RFC 9110 §15.6): internal error, bad gateway, service
 * unavailable, gateway timeout. 501 and 505 are permanent, so they are not here.
 */
export const TRANSIENT_STATUSES: ReadonlySet<number> = new Set([500, 502, 503, 504]);

/** What went wrong in one attempt, as far as the policy cares. */
export type AttemptFailure =
  /** Timeout, refused or reset connection, or an answer that could not be read or parsed: the request may or may not have taken effect. */
  | { kind: "no_answer" }
  /** A complete HTTP answer with a status the caller does not accept; `retryAfter` is the raw header. */
  | { kind: "status"; status: number; retryAfter?: string | null };

/** Why the policy stopped retrying. */
export type GiveUpReason = "not_retryable" | "retries_exhausted" | "retry_after_too_long";

/** The policy's answer after a failed attempt. */
export type RetryDecision =
  | { retry: true; delayMs: number }
  | { retry: false; because: GiveUpReason; /** Only for `retry_after_too_long`: what the server asked for. */ retryAfterMs?: number };

/** Sources of time and chance; injected so tests are exact. */
export interface RetryClock {
  /** In [0, 1); drives the jitter. */
  random: () => number;
  /** Epoch milliseconds; needed for `Retry-After` given as an HTTP date. */
  now: () => number;
}

/**
 * The retry options both clients take, spelled the same in each. Anything left out comes from
 * {@link DEFAULT_RETRY_POLICY}, `setTimeout`, `Math.random` and `Date.now`.
 */
export interface RetryOptions {
  /** Retries after the first attempt, so at most `maxRetries + 1` requests per call. */
  maxRetries?: number;
  /** First backoff ceiling; doubles per attempt, full jitter. */
  retryBaseDelayMs?: number;
  /** Ceiling for any single wait (backoff, `retry-after`, and the DigitalOcean client's pacing). */
  maxRetryDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** In [0, 1); drives the jitter. */
  random?: () => number;
  /** Epoch milliseconds; for a `retry-after` given as a date. */
  now?: () => number;
}

/** A client's checked policy with the sources of time and chance it will use. */
export interface RetrySetup extends RetryClock {
  policy: RetryPolicy;
  sleep: (ms: number) => Promise<void>;
}

/**
 * Fills in defaults and checks the options once, at client construction; errors name the
 * option with `owner` as prefix, e.g. `DigitalOceanClient: maxRetries must be a non-negative
 * integer (got -1)`.
 */
export function retrySetup(owner: string, options: RetryOptions): RetrySetup {
  const policy: RetryPolicy = {
    maxRetries: options.maxRetries ?? DEFAULT_RETRY_POLICY.maxRetries,
    baseDelayMs: options.retryBaseDelayMs ?? DEFAULT_RETRY_POLICY.baseDelayMs,
    maxDelayMs: options.maxRetryDelayMs ?? DEFAULT_RETRY_POLICY.maxDelayMs,
  };
  if (!Number.isInteger(policy.maxRetries) || policy.maxRetries < 0) {
    throw new Error(`${owner}: maxRetries must be a non-negative integer (got ${policy.maxRetries})`);
  }
  for (const [option, value] of [["retryBaseDelayMs", policy.baseDelayMs], ["maxRetryDelayMs", policy.maxDelayMs]] as const) {
    if (!(value > 0) || !Number.isFinite(value)) throw new Error(`${owner}: ${option} must be a positive number (got ${value})`);
  }
  return { policy, sleep: options.sleep ?? sleepFor, random: options.random ?? Math.random, now: options.now ?? Date.now };
}

/**
 * Full-jitter backoff before retry number `attempt` (1-based): a uniform draw from
 * [0, min(maxDelayMs, baseDelayMs × 2^(attempt−1))), floored. Full jitter spreads clients that
 * failed together (AWS Architecture Blog, "Exponential Backoff And Jitter", 2015).
 */
export function backoffDelayMs(policy: RetryPolicy, attempt: number, random: () => number): number {
  return Math.floor(random() * exponentialBackoffMs(policy.baseDelayMs, policy.maxDelayMs, attempt));
}

/**
 * `baseDelayMs × 2^(attempt−1)`, capped at `maxDelayMs`: the ceiling full jitter draws below,
 * and on its own the delay of the notification outbox, whose retries are hours apart and
 * needs no jitter.
 */
export function exponentialBackoffMs(baseDelayMs: number, maxDelayMs: number, attempt: number): number {
  // The exponent is capped so thousands of attempts never overflow to Infinity.
  return Math.min(maxDelayMs, baseDelayMs * 2 ** Math.min(Math.max(attempt - 1, 0), 40));
}

/**
 * A `Retry-After` header in milliseconds from `nowMs`: delta-seconds or an HTTP date (RFC 9110
 * §10.2.3). Undefined when absent or unreadable, so the caller falls back to backoff; a date in
 * the past is 0.
 */
export function parseRetryAfterMs(header: string | null | undefined, nowMs: number): number | undefined {
  if (header === null || header === undefined) return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // Only the IMF-fixdate shape ("Sun, 29 Nov 2026 10:00:00 GMT"); V8's Date.parse accepts much looser text.
  if (!/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isFinite(at) ? Math.max(0, at - nowMs) : undefined;
}

/**
 * Whether and when to retry after attempt number `attempt` (1-based) of `method` failed:
 * - 429: always retryable (the server refused the request unprocessed, even a POST); waits what
 *   `Retry-After` asks, or backoff without one, and gives up at once when it asks for more than
 *   `maxDelayMs`;
 * - 500/502/503/504 and no answer at all: retried for idempotent methods only;
 * - anything else (4xx, 501, …): not retried;
 * - after `maxRetries` retries: stop.
 */
export function decideRetry(policy: RetryPolicy, method: string, failure: AttemptFailure, attempt: number, clock: RetryClock): RetryDecision {
  let delayMs: number;
  if (failure.kind === "status" && failure.status === 429) {
    const asked = parseRetryAfterMs(failure.retryAfter, clock.now());
    if (asked !== undefined && asked > policy.maxDelayMs) return { retry: false, because: "retry_after_too_long", retryAfterMs: asked };
    delayMs = asked ?? backoffDelayMs(policy, attempt, clock.random);
  } else {
    const idempotent = IDEMPOTENT_METHODS.has(method.toUpperCase());
    const transient = failure.kind === "no_answer" || TRANSIENT_STATUSES.has(failure.status);
    if (!idempotent || !transient) return { retry: false, because: "not_retryable" };
    delayMs = backoffDelayMs(policy, attempt, clock.random);
  }
  if (attempt > policy.maxRetries) return { retry: false, because: "retries_exhausted" };
  return { retry: true, delayMs };
}

/** One attempt's outcome as {@link withRetries} sees it. */
export type AttemptResult<T, E> = { ok: true; value: T } | { ok: false; error: E; failure: AttemptFailure };

/** How {@link withRetries} runs one call. */
export interface RetryLoop<E> extends RetryClock {
  policy: RetryPolicy;
  method: string;
  sleep: (ms: number) => Promise<void>;
  /** Awaited before every attempt, e.g. to pace requests when a rate limit runs low. */
  beforeAttempt?: () => Promise<void>;
  /** Told about each retry before its wait, for logs and progress. */
  onRetry?: (retry: { attempt: number; delayMs: number; error: E }) => void;
  /** Turns the last error into the one thrown when the policy gives up; the last error itself by default. */
  giveUp?: (error: E, decision: Extract<RetryDecision, { retry: false }>, attempts: number) => unknown;
}

/**
 * Runs `attempt(1)`, `attempt(2)`, … until one succeeds or {@link decideRetry} says stop,
 * sleeping the decided delay in between. Returns the value or throws the (mapped) last error.
 * Exceptions thrown by `attempt` itself are not retried: they are bugs, not failures.
 */
export async function withRetries<T, E>(attempt: (attemptNumber: number) => Promise<AttemptResult<T, E>>, loop: RetryLoop<E>): Promise<T> {
  for (let attemptNumber = 1; ; attemptNumber++) {
    await loop.beforeAttempt?.();
    const outcome = await attempt(attemptNumber);
    if (outcome.ok) return outcome.value;
    const decision = decideRetry(loop.policy, loop.method, outcome.failure, attemptNumber, loop);
    if (!decision.retry) throw loop.giveUp ? loop.giveUp(outcome.error, decision, attemptNumber) : outcome.error;
    loop.onRetry?.({ attempt: attemptNumber, delayMs: decision.delayMs, error: outcome.error });
    await loop.sleep(decision.delayMs);
  }
}

/** `setTimeout` as a promise: the real sleep when none is injected. */
export function sleepFor(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
