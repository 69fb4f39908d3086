import {
  DEFAULT_RETRY_POLICY,
  backoffDelayMs,
  decideRetry,
  exponentialBackoffMs,
  parseRetryAfterMs,
  retrySetup,
  withRetries,
  type AttemptFailure,
  type AttemptResult,
  type RetryClock,
  type RetryPolicy,
} from "../../core/retry";

const policy: RetryPolicy = { maxRetries: 3, baseDelayMs: 1000, maxDelayMs: 2500 };
const NOW = Date.parse("2026-11-29T10:00:00Z");
const half: RetryClock = { random: () => 0.5, now: () => NOW };

describe("backoffDelayMs", () => {
  it.each([
    // attempt, random, expected: floor(random × min(max, base × 2^(attempt−1)))
    [1, 0.5, 500],
    [2, 0.5, 1000],
    [3, 0.5, 1250], // ceiling min(4000, 2500)
    [3, 0.999, 2497],
    [1, 0, 0], // full jitter may retry at once
    [10_000, 0.5, 1250], // a huge attempt number stays at the ceiling instead of overflowing
  ])("attempt %d with random %d waits %d ms", (attempt, random, expected) => {
    expect(backoffDelayMs(policy, attempt, () => random)).toBe(expected);
  });
});

describe("exponentialBackoffMs", () => {
  it.each([
    // base, max, attempt, expected
    [60_000, 21_600_000, 1, 60_000],
    [60_000, 21_600_000, 3, 240_000],
    [60_000, 21_600_000, 9, 15_360_000],
    [60_000, 21_600_000, 10, 21_600_000], // 30 720 000 capped at 6 h
    [500, 60_000, 5000, 60_000], // no overflow to Infinity or NaN
  ])("base %d, max %d, attempt %d: %d ms", (base, max, attempt, expected) => {
    expect(exponentialBackoffMs(base, max, attempt)).toBe(expected);
  });
});

describe("parseRetryAfterMs", () => {
  it.each([
    ["7", 7000],
    [" 0 ", 0],
    ["Sun, 29 Nov 2026 10:00:30 GMT", 30_000],
    ["Sun, 29 Nov 2026 09:00:00 GMT", 0], // a date in the past: go now
    ["soon", undefined],
    ["-5", undefined],
    ["1.5", undefined],
    ["dop_v1_secret 2026", undefined], // V8's Date.parse would read a year out of this
  ])("%j is %j ms", (header, expected) => {
    expect(parseRetryAfterMs(header, NOW)).toBe(expected);
  });

  it("is undefined without a header", () => {
    expect(parseRetryAfterMs(null, NOW)).toBeUndefined();
    expect(parseRetryAfterMs(undefined, NOW)).toBeUndefined();
  });
});

describe("decideRetry", () => {
  const status = (code: number, retryAfter?: string): AttemptFailure => ({ kind: "status", status: code, ...(retryAfter === undefined ? {} : { retryAfter }) });
  const noAnswer: AttemptFailure = { kind: "no_answer" };

  it.each<[string, string, AttemptFailure, number, ReturnType<typeof decideRetry>]>([
    ["a 429 with retry-after waits exactly that", "GET", status(429, "2"), 1, { retry: true, delayMs: 2000 }],
    ["a 429 on a POST is retried: the server refused it unprocessed", "POST", status(429, "1"), 1, { retry: true, delayMs: 1000 }],
    ["a 429 without retry-after backs off", "GET", status(429), 2, { retry: true, delayMs: 1000 }],
    ["a 429 with an unreadable retry-after backs off", "GET", status(429, "later"), 1, { retry: true, delayMs: 500 }],
    ["a retry-after over the ceiling gives up at once", "GET", status(429, "3600"), 1, { retry: false, because: "retry_after_too_long", retryAfterMs: 3_600_000 }],
    ["a 500 on a GET backs off", "GET", status(500), 1, { retry: true, delayMs: 500 }],
    ["a 502 on a PUT backs off", "PUT", status(502), 2, { retry: true, delayMs: 1000 }],
    ["a 503 on a DELETE backs off", "delete", status(503), 1, { retry: true, delayMs: 500 }],
    ["a 504 on a HEAD backs off", "HEAD", status(504), 1, { retry: true, delayMs: 500 }],
    ["no answer to a GET backs off", "GET", noAnswer, 1, { retry: true, delayMs: 500 }],
    ["a 500 on a POST is not retried: it may have happened", "POST", status(500), 1, { retry: false, because: "not_retryable" }],
    ["no answer to a POST is not retried", "POST", noAnswer, 1, { retry: false, because: "not_retryable" }],
    ["a 501 is permanent", "GET", status(501), 1, { retry: false, because: "not_retryable" }],
    ["a 404 is not retried", "GET", status(404), 1, { retry: false, because: "not_retryable" }],
    ["a 401 is not retried", "GET", status(401), 1, { retry: false, because: "not_retryable" }],
    ["after maxRetries retries it stops", "GET", status(500), 4, { retry: false, because: "retries_exhausted" }],
    ["the last allowed retry still happens", "GET", status(500), 3, { retry: true, delayMs: 1250 }],
    ["a 429 after maxRetries stops too", "GET", status(429, "1"), 4, { retry: false, because: "retries_exhausted" }],
  ])("%s", (_case, method, failure, attempt, expected) => {
    expect(decideRetry(policy, method, failure, attempt, half)).toEqual(expected);
  });
});

describe("retrySetup", () => {
  it("fills in the defaults", () => {
    const setup = retrySetup("X", {});
    expect(setup.policy).toEqual(DEFAULT_RETRY_POLICY);
    expect(setup.random).toBe(Math.random);
  });

  it("maps the options as both clients spell them", () => {
    const sleep = async () => undefined;
    expect(retrySetup("X", { maxRetries: 0, retryBaseDelayMs: 1, maxRetryDelayMs: 5, sleep, ...half })).toEqual({ policy: { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 5 }, sleep, ...half });
  });

  it.each<[Parameters<typeof retrySetup>[1], RegExp]>([
    [{ maxRetries: -1 }, /^Client: maxRetries must be a non-negative integer \(got -1\)$/],
    [{ maxRetries: 1.5 }, /maxRetries must be a non-negative integer \(got 1.5\)/],
    [{ retryBaseDelayMs: 0 }, /^Client: retryBaseDelayMs must be a positive number \(got 0\)$/],
    [{ maxRetryDelayMs: Infinity }, /^Client: maxRetryDelayMs must be a positive number \(got Infinity\)$/],
  ])("refuses %j, naming the option", (options, message) => {
    expect(() => retrySetup("Client", options)).toThrow(message);
  });
});

describe("withRetries", () => {
  /** A scripted call: each entry is one attempt's outcome. */
  function scripted(outcomes: AttemptResult<string, Error>[]) {
    const attempts: number[] = [];
    return {
      attempts,
      attempt: async (n: number) => {
        attempts.push(n);
        const outcome = outcomes[n - 1];
        if (!outcome) throw new Error(`attempt ${n} was not scripted`);
        return outcome;
      },
    };
  }
  const fail = (failure: AttemptFailure, message = "boom"): AttemptResult<string, Error> => ({ ok: false, error: new Error(message), failure });

  it("sleeps the decided delays between attempts and returns the first success", async () => {
    const sleeps: number[] = [];
    const retries: [number, number, string][] = [];
    const paced: number[] = [];
    const call = scripted([fail({ kind: "status", status: 503 }), fail({ kind: "status", status: 429, retryAfter: "2" }), { ok: true, value: "done" }]);
    const value = await withRetries(call.attempt, {
      ...half,
      policy,
      method: "GET",
      sleep: async (ms) => void sleeps.push(ms),
      beforeAttempt: async () => void paced.push(sleeps.length),
      onRetry: ({ attempt, delayMs, error }) => retries.push([attempt, delayMs, error.message]),
    });
    expect(value).toBe("done");
    expect(call.attempts).toEqual([1, 2, 3]);
    expect(sleeps).toEqual([500, 2000]);
    expect(retries).toEqual([
      [1, 500, "boom"],
      [2, 2000, "boom"],
    ]);
    // Pacing runs before every attempt, after the previous wait.
    expect(paced).toEqual([0, 1, 2]);
  });

  it("throws the last error after maxRetries + 1 attempts", async () => {
    const sleeps: number[] = [];
    const call = scripted([1, 2, 3, 4].map((n) => fail({ kind: "no_answer" }, `lost ${n}`)));
    await expect(withRetries(call.attempt, { ...half, policy, method: "PUT", sleep: async (ms) => void sleeps.push(ms) })).rejects.toThrow("lost 4");
    expect(call.attempts).toEqual([1, 2, 3, 4]);
    expect(sleeps).toEqual([500, 1000, 1250]);
  });

  it("stops at once on a failure that is not retryable", async () => {
    const sleeps: number[] = [];
    const call = scripted([fail({ kind: "status", status: 400 }, "bad request")]);
    await expect(withRetries(call.attempt, { ...half, policy, method: "GET", sleep: async (ms) => void sleeps.push(ms) })).rejects.toThrow("bad request");
    expect(sleeps).toEqual([]);
  });

  it("lets the caller replace the error it gives up with, knowing why", async () => {
    const call = scripted([fail({ kind: "status", status: 429, retryAfter: "600" })]);
    const rejection = withRetries(call.attempt, {
      ...half,
      policy,
      method: "GET",
      sleep: async () => undefined,
      giveUp: (error, decision, attempts) => new Error(`${decision.because} after ${attempts}: ${decision.retryAfterMs} ms (${error.message})`),
    });
    await expect(rejection).rejects.toThrow("retry_after_too_long after 1: 600000 ms (boom)");
  });
});
