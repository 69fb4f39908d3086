/**
 * A `fetch` for the DigitalOcean client that spends a request budget: every attempt (retries
 * included) counts, none is sent past the budget, and each waits its turn under a per-minute
 * cap. The advisor plans its metric requests within the budget; this is the guard that holds
 * even when a plan is wrong or retries pile up.
 */
import { RequestPacer } from "../../../core/advice/request-budget";

/** Thrown instead of sending the request that would exceed the budget. */
export class RequestBudgetExhausted extends Error {
  constructor(readonly budget: number) {
    super(`this run's DigitalOcean request budget of ${budget} is spent; the rest waits for the next run`);
    this.name = "RequestBudgetExhausted";
  }
}

export interface MeteredFetch {
  fetch: typeof fetch;
  /** Requests sent so far. */
  sent(): number;
}

export function meteredFetch(inner: typeof fetch, options: { budget: number; perMinute: number; now?: () => number; sleep?: (ms: number) => Promise<void> }): MeteredFetch {
  const pacer = new RequestPacer(options.perMinute, options.now, options.sleep);
  let sent = 0;
  const metered: typeof fetch = async (input, init) => {
    if (sent >= options.budget) throw new RequestBudgetExhausted(options.budget);
    sent += 1;
    await pacer.take();
    return inner(input, init);
  };
  return { fetch: metered, sent: () => sent };
}
