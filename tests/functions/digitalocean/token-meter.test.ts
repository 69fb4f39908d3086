/**
 * The per-token request meter under the DigitalOcean client (issue 14, point 8), against the
 * spec-validated fake: the request timeout runs from the send, not from the wait for a slot; a
 * request with no slot before the deadline, or past the budget, is never sent and never retried
 * as a network error; every client of one token shares one budget and one pacer.
 */
import { inspect } from "node:util";
import { runDeadline } from "../../../core/deadline";
import { DigitalOceanApiError, DigitalOceanClient } from "../../../functions/src/digitalocean/client";
import { DeadlineReached, RequestBudgetExhausted, RunMeters, TokenMeter } from "../../../functions/src/digitalocean/token-meter";
import { startFakeDigitalOcean, type FakeDigitalOcean } from "../../support/fake-do-api";

let fake: FakeDigitalOcean;

beforeAll(async () => {
  fake = await startFakeDigitalOcean();
  // The fake compiles its spec validators on first use; keep that out of the timed cases.
  await new DigitalOceanClient({ token: fake.token, baseUrl: fake.url }).getBalance();
});

afterAll(async () => {
  await fake?.close();
});

beforeEach(() => fake.reset());

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const client = (meter: TokenMeter, overrides: Partial<ConstructorParameters<typeof DigitalOceanClient>[0]> = {}) =>
  new DigitalOceanClient({ token: fake.token, baseUrl: fake.url, meter, random: () => 0, retryBaseDelayMs: 1, ...overrides });

describe("TokenMeter under the client", () => {
  it("starts a request's timeout when it is sent, not while it waits for the pacer", async () => {
    // One request a minute on a virtual clock whose minute passes in 1.5 s of real time; answers take 100 ms.
    let clock = 0;
    const meter = new TokenMeter({ budget: 10, perMinute: 1, now: () => clock, sleep: async (ms) => {
      await realSleep(1_500);
      clock += ms;
    } });
    fake.setLatency(/^\/v2\/customers\/my\/balance$/, 100);
    try {
      const api = client(meter, { timeoutMs: 1_000, maxRetries: 0 });
      await api.getBalance();
      // The second waits 1.5 s for its slot, longer than the 1 s timeout; the answer then takes 100 ms.
      await expect(api.getBalance()).resolves.toMatchObject({ month_to_date_usage: expect.any(String) });
      expect(clock).toBe(60_000);
      expect(fake.requests).toHaveLength(2);
    } finally {
      fake.setLatency(/^\/v2\/customers\/my\/balance$/, 0);
    }
  });

  it("does not send a request that cannot get a slot before the deadline, and does not wait for one", async () => {
    let clock = 1_000_000;
    const slept: number[] = [];
    // Killed 40 s from now: with the 20 s margin, slots in the next 20 s may be used; the pacer's next is 60 s away.
    const deadline = runDeadline(clock + 40_000, { clock: () => clock });
    const meter = new TokenMeter({ budget: 10, perMinute: 1, deadline, now: () => clock, sleep: async (ms) => {
      slept.push(ms);
      clock += ms;
    } });
    const api = client(meter);
    await api.getBalance();
    await expect(api.getBalance()).rejects.toBeInstanceOf(DeadlineReached);
    expect(fake.requests).toHaveLength(1);
    expect(slept).toEqual([]);
    expect(meter.sent()).toBe(1);
  });

  it("never retries a spent budget as a network error: the refused retry is not sent and the error says why", async () => {
    const meter = new TokenMeter({ budget: 2, perMinute: 200 });
    fake.injectFault({ kind: "503", path: "/v2/customers/my/balance", times: 5 });
    const error = await client(meter, { sleep: async () => undefined }).getBalance().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestBudgetExhausted);
    expect(error).not.toBeInstanceOf(DigitalOceanApiError);
    expect((error as Error).message).toContain("request budget of 2 is spent");
    // Two attempts (the first and one retry) were all the budget allowed; nothing else went out.
    expect(fake.requests).toHaveLength(2);
    expect(meter.sent()).toBe(2);
  });

  it("gives up at once when a retry's wait would end past the deadline's margin", async () => {
    let clock = 1_000_000;
    const slept: number[] = [];
    const deadline = runDeadline(clock + 40_000, { clock: () => clock });
    const meter = new TokenMeter({ budget: 10, perMinute: 200, deadline, now: () => clock });
    fake.injectFault({ kind: "429", path: "/v2/customers/my/balance", retryAfterSeconds: 30 });
    const api = client(meter, { now: () => clock, sleep: async (ms) => void slept.push(ms) });
    await expect(api.getBalance()).rejects.toBeInstanceOf(DeadlineReached);
    expect(slept).toEqual([]);
    expect(fake.requests).toHaveLength(1);
  });
});

describe("TokenMeter.affords: whether a step worth doing only whole would be granted every request", () => {
  it("answers by what is left of the budget", async () => {
    const meter = new TokenMeter({ budget: 5, perMinute: 100 });
    expect([meter.affords(5), meter.affords(6)]).toEqual([true, false]);
    await client(meter).getBalance();
    expect([meter.affords(4), meter.affords(5)]).toEqual([true, false]);
    expect(client(meter).affords(5)).toBe(false);
    expect(new DigitalOceanClient({ token: fake.token, baseUrl: fake.url }).affords(1_000_000)).toBe(true);
  });

  it("answers by when the last request could start at the per-minute cap, against the deadline's margin", () => {
    const clock = 1_000_000;
    // 150 s to the kill, 20 s margin: slots may start in the next 130 s, so in minutes 0, 1 and 2.
    const deadline = runDeadline(clock + 150_000, { clock: () => clock });
    const meter = new TokenMeter({ budget: 1_000, perMinute: 10, deadline, now: () => clock });
    expect([meter.affords(10), meter.affords(20), meter.affords(30), meter.affords(31)]).toEqual([true, true, true, false]);
  });
});

describe("RunMeters", () => {
  it("gives every client of one token the same budget and pacer, and another token its own", async () => {
    const meters = new RunMeters({ budget: 3, perMinute: 200 });
    const check = client(meters.forToken(fake.token));
    const advisor = client(meters.forToken(fake.token));
    await check.getBalance();
    await advisor.getBalance();
    await check.getBalance();
    await expect(advisor.getBalance()).rejects.toBeInstanceOf(RequestBudgetExhausted);
    expect(meters.forToken(fake.token)).toBe(meters.forToken(fake.token));
    expect(meters.forToken(fake.token).sent()).toBe(3);
    const writer = meters.forToken("a-write-scoped-token");
    expect(writer).not.toBe(meters.forToken(fake.token));
    expect(writer.remaining()).toBe(3);
    // Keyed by a digest: neither token appears in the meters.
    expect(inspect(meters, { depth: 5 })).not.toContain(fake.token);
    expect(inspect(meters, { depth: 5 })).not.toContain("a-write-scoped-token");
  });
});
