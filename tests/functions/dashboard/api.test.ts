import { MAX_REQUEST_BODY_BYTES } from "../../../functions/src/dashboard/body-limit";
import { handleDashboardRequest, type DashboardDeps, type DashboardStore } from "../../../functions/src/dashboard/handle";
import { basic, BUDGET_USD, HOSTILE_PROJECT, PASSWORD, SEEDED_APP_EVENTS, seededDays, seededMonthToDate, serveDashboard, startDashboard, USERNAME, type DashboardFixture } from "./dashboard-fixture";

let fixture: DashboardFixture;
const AUTH = { Authorization: basic(USERNAME, PASSWORD) };

beforeAll(async () => {
  fixture = await startDashboard(__filename);
});
afterAll(() => fixture.close());

async function call(path: string, init: RequestInit = {}): Promise<{ status: number; headers: Headers; text: string; json: () => Record<string, unknown> }> {
  const response = await fetch(`${fixture.baseUrl}${path}`, init).catch((e: Error) => { throw new Error(`fetch failed: ${String((e as { cause?: unknown }).cause)}`); });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) as Record<string, unknown> };
}

function postAlert(body: unknown, headers: Record<string, string> = {}) {
  return call("/api/v1/billing/alerts", {
    method: "POST",
    headers: { ...AUTH, "Content-Type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

describe("authentication", () => {
  it.each([
    ["no Authorization header", undefined],
    ["Basic with a wrong password", basic(USERNAME, `${PASSWORD}x`)],
    ["Basic with a wrong username", basic("admin", PASSWORD)],
    ["Basic with the password as username and no password", basic(PASSWORD, "")],
    ["Basic that is not base64 of user:password", "Basic bm9jb2xvbg=="],
    ["Bearer with a wrong token", "Bearer not-the-password-at-all"],
    ["Bearer with a prefix of the password", `Bearer ${PASSWORD.slice(0, 10)}`],
    ["an unknown scheme carrying the password", `Token ${PASSWORD}`],
  ])("answers 401 with a Basic challenge for %s, on every route", async (_case, authorization) => {
    for (const path of ["/", "/api/v1/billing/current", "/api/v1/billing/history", "/api/v1/billing/alerts", "/api/v1/billing/cleanup", "/no-such-route"]) {
      const response = await call(path, { headers: authorization === undefined ? {} : { Authorization: authorization } });
      expect([path, response.status]).toEqual([path, 401]);
      expect(response.headers.get("www-authenticate")).toBe('Basic realm="do-cost-guard", charset="UTF-8"');
      expect(response.json()).toEqual({ error: "authentication required" });
    }
  });

  it.each([
    ["Basic", basic(USERNAME, PASSWORD)],
    ["Bearer (the password as token)", `Bearer ${PASSWORD}`],
    ["bearer in lower case", `bearer ${PASSWORD}`],
  ])("accepts %s", async (_case, authorization) => {
    expect((await call("/api/v1/billing/current", { headers: { Authorization: authorization } })).status).toBe(200);
  });

  it("with a token-only configuration accepts that bearer token and refuses Basic", async () => {
    const token = "t0ken-only-configuration-0123456789";
    const { server, baseUrl } = await serveDashboard(() => ({ ...fixture.deps, auth: { token } }));
    try {
      const withBearer = await fetch(`${baseUrl}/api/v1/billing/current`, { headers: { Authorization: `Bearer ${token}` } });
      const withBasic = await fetch(`${baseUrl}/api/v1/billing/current`, { headers: { Authorization: basic(USERNAME, token) } });
      expect([withBearer.status, withBasic.status]).toEqual([200, 401]);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe("GET /api/v1/billing/current", () => {
  it("reports month to date, budget and the forecast as of the last balance check", async () => {
    const response = await call("/api/v1/billing/current", { headers: AUTH });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json; charset=utf-8");
    // Month to date, 1–19 November (seed days i = 51…69):
    //   Droplets + Managed Databases 19 × 6.50 = 123.50
    //   Spaces 19 × 0.50 + 0.10 × Σ(i mod 7) = 9.50 + 0.10 × (2+3+4+5+6 + 21 + 21) = 9.50 + 6.20 = 15.70
    //   Bandwidth 0.05 × Σ(i mod 3) = 0.05 × 18 = 0.90            → 140.10, 140.10 / 300 = 46.7 %
    // Forecast: mean of the last 7 complete days (13–19 Nov, i = 63…69):
    //   (7 × 6.50 + 7 × 0.50 + 0.10 × 21 + 0.05 × (0+1+2+0+1+2+0)) / 7 = (45.50 + 3.50 + 2.10 + 0.30) / 7 = 51.40 / 7
    //   hours left at 20 Nov 15:00 = 720 − (19 × 24 + 15) = 249 → 51.40 / 7 × 249 / 24 = 76.18
    //   projected = 140.10 + 76.18 = 216.28, within the $300 budget.
    expect(response.json()).toEqual({
      billingMonth: "2026-11",
      asOf: "2026-11-20T13:58:00.000Z",
      monthToDateUsd: 140.1,
      budgetUsd: BUDGET_USD,
      budgetUsedPercent: 46.7,
      forecast: { projectedUsd: 216.28, overBudget: false, method: "fixed-resources+usage-trailing-mean", dailyRateUsd: 7.34, daysUsed: 7 },
    });
  });

  it("flags the forecast as over budget when it projects past it", async () => {
    const { server, baseUrl } = await serveDashboard(() => ({ ...fixture.deps, budgetMonthlyUsd: 200 }));
    try {
      const body = (await (await fetch(`${baseUrl}/api/v1/billing/current`, { headers: AUTH })).json()) as { forecast: { overBudget: boolean }; budgetUsedPercent: number };
      // 216.28 > 200; 140.10 / 200 = 70.05 % → 70.1 (one decimal)
      expect([body.forecast.overBudget, body.budgetUsedPercent]).toEqual([true, 70.1]);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe("GET /api/v1/billing/history", () => {
  it("returns the stored days of an inclusive range with their breakdowns and total", async () => {
    const response = await call("/api/v1/billing/history?from=2026-11-01&to=2026-11-03", { headers: AUTH });
    expect(response.status).toBe(200);
    const expected = seededDays().filter((d) => d.date >= "2026-11-01" && d.date <= "2026-11-03");
    // i = 51, 52, 53: 6.50 + (0.50 + 0.2) + 0, 6.50 + (0.50 + 0.3) + 0.05, 6.50 + (0.50 + 0.4) + 0.10 = 7.20 + 7.35 + 7.50
    expect(expected.map((d) => d.totalCostUsd)).toEqual([7.2, 7.35, 7.5]);
    expect(response.json()).toEqual({ from: "2026-11-01", to: "2026-11-03", totalUsd: 22.05, days: expected });
  });

  it("defaults to the 60 days ending today", async () => {
    const body = (await call("/api/v1/billing/history", { headers: AUTH })).json() as { from: string; to: string; days: unknown[] };
    // 20 Nov − 59 days = 22 Sep; data stops yesterday, so 22 Sep … 19 Nov = 9 + 31 + 19 = 59 days.
    expect([body.from, body.to, body.days.length]).toEqual(["2026-09-22", "2026-11-20", 59]);
  });

  it.each([
    ["from=2026-13-01", 'from must be a date like 2026-11-27 (got "2026-13-01")'],
    ["from=2026-02-30&to=2026-03-01", 'from must be a date like 2026-11-27 (got "2026-02-30")'],
    ["from=2026-11-01&to=yesterday", 'to must be a date like 2026-11-27 (got "yesterday")'],
    ["from=2026-11-05&to=2026-11-01", "from must not be after to (got from=2026-11-05, to=2026-11-01)"],
    // 2025-01-01 … 2026-01-02 inclusive = 365 + 2 = 367 days
    ["from=2025-01-01&to=2026-01-02", "from..to spans 367 days; ask for at most 366"],
    // Year 100 parses, but its default from (59 days earlier, year 99) is not a date core/calendar
    // can represent: this used to reach the store and answer 503.
    ["to=0100-01-10", 'to must be 2000-01-01 or later (got "0100-01-10")'],
    ["from=1999-12-31&to=2000-01-05", 'from must be 2000-01-01 or later (got "1999-12-31")'],
    [`to=${"9".repeat(200)}`, `to must be a date like 2026-11-27 (got "${"9".repeat(40)}")`],
  ])("answers 400 for %s, naming the parameter", async (query, message) => {
    const response = await call(`/api/v1/billing/history?${query}`, { headers: AUTH });
    expect(response.status).toBe(400);
    expect(response.json()).toEqual({ error: message });
  });

  it("serves from the earliest accepted day, 2000-01-01", async () => {
    const response = await call("/api/v1/billing/history?to=2000-01-10", { headers: AUTH });
    expect([response.status, response.json()]).toEqual([200, { from: "1999-11-12", to: "2000-01-10", totalUsd: 0, days: [] }]);
  });

  it("serves exactly 366 days", async () => {
    // 2025-11-20 … 2026-11-20 inclusive = 366 days
    expect((await call("/api/v1/billing/history?from=2025-11-20&to=2026-11-20", { headers: AUTH })).status).toBe(200);
  });
});

describe("alerts", () => {
  it("GET lists definitions (config ones included, Slack URLs hidden) and recent events newest first, each as a sentence, bookkeeping rows left out", async () => {
    const response = await call("/api/v1/billing/alerts", { headers: AUTH });
    expect(response.status).toBe(200);
    expect(response.text).not.toContain("hooks.slack.com");
    const body = response.json() as { alerts: Record<string, unknown>[]; events: Record<string, unknown>[] };
    expect(body.alerts.filter((a) => a.source === "config")).toEqual([
      { id: "mtd-50", kind: "threshold", thresholdUsd: 50, enabled: true, source: "config", lastTriggeredAt: "2026-11-08T09:00:00.000Z", recipients: { email: ["ops@example.com"], slackChannels: ["#billing"], webhooks: 0 }, runbookUrl: null },
      // In the tracker config only, never stamped in cost_alerts: its last firing is its alert_events row.
      { id: "mtd-150", kind: "threshold", thresholdUsd: 150, enabled: true, source: "config", lastTriggeredAt: "2026-10-24T09:00:00.000Z", recipients: { email: [], slackChannels: [], webhooks: 0 }, runbookUrl: null },
    ]);
    const [recovered, high, threshold, spike, october] = body.events;
    expect(body.events).toHaveLength(5);
    expect(recovered).toEqual({
      alertKey: "app-memory-recovered:c2a93513-8d9b-4223-9d61-5e7272c81cf5:2026-11-12T16:20:00.000Z",
      billingMonth: "2026-11",
      firedAt: "2026-11-13T02:00:00.000Z",
      payload: SEEDED_APP_EVENTS[1]!.payload,
      label: "App memory recovered",
      summary: "shop-web memory back under its threshold at 01:35 on 13 Nov, 9\u00a0h 15\u00a0min after it went high at 16:20 on 12 Nov.",
      runbookUrl: null,
    });
    expect(high).toMatchObject({ label: "App memory", summary: "shop-web memory at 93.4% (over 80% for 1\u00a0h) from 16:20 on 12 Nov; recovered at 01:35 on 13 Nov." });
    expect(threshold).toEqual({
      alertKey: "threshold:mtd-50:2026-11",
      billingMonth: "2026-11",
      firedAt: "2026-11-08T09:00:00.000Z",
      payload: { kind: "threshold", thresholdUsd: 50, monthToDateUsd: 53.2 },
      label: "Budget threshold",
      summary: "Month-to-date spend reached $53.20, past the $50.00 threshold.",
      runbookUrl: null,
    });
    expect(spike).toMatchObject({ alertKey: "spike:Spaces:2026-10-30", label: "Cost spike", summary: "Spaces cost jumped to $1.10 on 30 Oct, against a usual $0.80." });
    expect(october).toMatchObject({ alertKey: "threshold:mtd-150:2026-10", summary: "Month-to-date spend reached $151.30, past the $150.00 threshold." });
  });

  it("writes times in billing.timeZone (daylight saving time included) and links each kind to its runbook section", async () => {
    const { server, baseUrl } = await serveDashboard(() => ({ ...fixture.deps, timeZone: "America/New_York", runbookUrl: "https://docs.example.com/runbook.html" }));
    try {
      const body = (await (await fetch(`${baseUrl}/api/v1/billing/alerts`, { headers: AUTH })).json()) as { alerts: { id: string; runbookUrl: string | null }[]; events: { alertKey: string; summary: string; runbookUrl: string | null }[] };
      // 12 Nov 16:20 UTC is 11:20 EST; 31 Oct 01:00 UTC was 21:00 EDT on the 30th (the date of a spike is a billing day, not shifted).
      expect(body.events[1]!.summary).toBe("shop-web memory at 93.4% (over 80% for 1\u00a0h) from 11:20 on 12 Nov; recovered at 20:35 on 12 Nov.");
      expect(body.events.map((e) => e.runbookUrl)).toEqual([
        "https://docs.example.com/runbook.html#app-memory",
        "https://docs.example.com/runbook.html#app-memory",
        "https://docs.example.com/runbook.html#billing-threshold",
        "https://docs.example.com/runbook.html#billing-spike",
        "https://docs.example.com/runbook.html#billing-threshold",
      ]);
      expect(body.alerts.find((a) => a.id === "mtd-50")?.runbookUrl).toBe("https://docs.example.com/runbook.html#billing-threshold");
      const page = await (await fetch(`${baseUrl}/`, { headers: AUTH })).text();
      expect(page).toContain("times in America/New_York");
      expect(page).toContain('<time datetime="2026-10-24T09:00:00.000Z">24 Oct 05:00</time>');
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it("POST adds a threshold (201), updates it (200), disables it keeping its recipients, and GET shows each state", async () => {
    const created = await postAlert({ amountUsd: 75.5, email: ["finance@example.com"] });
    expect(created.status).toBe(201);
    expect(created.json()).toEqual({
      alert: { id: "mtd-75.5", kind: "threshold", thresholdUsd: 75.5, enabled: true, source: "api", lastTriggeredAt: null, recipients: { email: ["finance@example.com"], slackChannels: [], webhooks: 0 }, runbookUrl: null },
    });

    const updated = await postAlert({ amountUsd: 75.5, slack: [{ channel: "#finance", url: "https://hooks.slack.com/services/T1/B1/XYZ" }] });
    expect(updated.status).toBe(200);
    expect(updated.text).not.toContain("hooks.slack.com");
    expect((updated.json().alert as { recipients: unknown }).recipients).toEqual({ email: ["finance@example.com"], slackChannels: ["#finance"], webhooks: 0 });

    const disabled = await postAlert({ amountUsd: 75.5, enabled: false });
    expect(disabled.status).toBe(200);
    expect(disabled.json().alert).toMatchObject({ id: "mtd-75.5", enabled: false, recipients: { email: ["finance@example.com"], slackChannels: ["#finance"] } });

    const stored = (await fixture.store.listAlerts()).find((a) => a.id === "mtd-75.5");
    expect(stored).toMatchObject({ source: "api", enabled: false, thresholdUsd: 75.5 });
    expect(stored?.recipients.slack).toEqual([{ channel: "#finance", url: "https://hooks.slack.com/services/T1/B1/XYZ" }]);
    const listed = (await call("/api/v1/billing/alerts", { headers: AUTH })).json() as { alerts: { id: string; enabled: boolean }[] };
    expect(listed.alerts.find((a) => a.id === "mtd-75.5")?.enabled).toBe(false);
  });

  it.each([
    ["a threshold synced into the store by config", { amountUsd: 50, email: ["x@example.com"] }, "mtd-50"],
    ["a threshold in the tracker config not yet synced", { amountUsd: 150, enabled: false }, "mtd-150"],
  ])("POST for %s answers 409 saying config is authoritative, and changes nothing", async (_case, body, id) => {
    const before = await fixture.store.listAlerts();
    const response = await postAlert(body);
    expect(response.status).toBe(409);
    expect(response.json()).toEqual({ error: `the ${id} threshold is defined in the tracker config, which is authoritative: change it there and redeploy` });
    expect(await fixture.store.listAlerts()).toEqual(before);
  });

  it.each([
    ["not JSON", "{amountUsd: 5", 'the request body must be JSON like {"amountUsd": 75, "email": ["ops@example.com"]}'],
    ["a JSON array", [1, 2], 'the request body must be a JSON object like {"amountUsd": 75, "email": ["ops@example.com"]}'],
    ["no amount", { email: ["a@example.com"] }, "amountUsd must be a positive number of US dollars"],
    ["a negative amount", { amountUsd: -5, email: ["a@example.com"] }, "amountUsd must be a positive number of US dollars (got -5)"],
    ["fractions of a cent", { amountUsd: 10.001, email: ["a@example.com"] }, "amountUsd must be in whole cents and below 1000000000 (got 10.001)"],
    ["an amount as a string", { amountUsd: "75", email: ["a@example.com"] }, 'amountUsd must be a positive number of US dollars (got "75")'],
    ["a bad email", { amountUsd: 80, email: ["not an address"] }, 'email[0] must be an email address like ops@example.com (got "not an address")'],
    ["a Slack URL that is not https (not echoed)", { amountUsd: 80, slack: [{ channel: "#ops", url: "http://hooks.example/SECRET" }] }, "slack[0].url must use https:// (plain http:// is allowed only to 127.0.0.1, ::1 or localhost)"],
    ["a bad Slack channel", { amountUsd: 80, slack: [{ channel: "no spaces allowed", url: "https://hooks.slack.com/x" }] }, 'slack[0].channel must be a Slack channel name like #billing (got "no spaces allowed")'],
    ["enabled as a string", { amountUsd: 80, email: ["a@example.com"], enabled: "yes" }, 'enabled must be true or false (got "yes")'],
    ["an unknown field", { amountUsd: 80, email: ["a@example.com"], webhookz: [] }, "the request body has unknown key webhookz (allowed: amountUsd, email, slack, enabled)"],
    ["an enabled threshold with nobody to tell", { amountUsd: 80 }, "an enabled threshold needs a recipient: give email or slack"],
    ["an amount the store cannot hold", { amountUsd: 1e10, email: ["a@example.com"] }, "amountUsd must be in whole cents and below 1000000000 (got 10000000000)"],
    ["a Slack URL that is no URL", { amountUsd: 80, slack: { channel: "#ops", url: "hooks.slack.com/services/SECRET" } }, "slack[0].url must be a Slack incoming-webhook URL (an https:// URL)"],
    // The tracker config's cap (core/validators MAX_RECIPIENTS_PER_LIST): each address is one queued delivery per alert.
    ["51 email addresses", { amountUsd: 80, email: Array.from({ length: 51 }, (_, i) => `ops${i}@example.com`) }, "email must list at most 50 email addresses"],
    ["a webhook, which only the config sets", { amountUsd: 80, webhook: ["https://hooks.example.com/SECRET"] }, "the request body has unknown key webhook (allowed: amountUsd, email, slack, enabled)"],
    [
      "several problems at once, each named",
      { amountUsd: 0, email: ["ok@example.com", "nope"], enabled: 1, extra: true },
      'amountUsd must be a positive number of US dollars (got 0); email[1] must be an email address like ops@example.com (got "nope"); enabled must be true or false (got 1); the request body has unknown key extra (allowed: amountUsd, email, slack, enabled)',
    ],
  ])("POST with %s answers 400 naming the field", async (_case, body, message) => {
    const response = await postAlert(body);
    expect(response.status).toBe(400);
    expect(response.json()).toEqual({ error: message });
    expect(response.text).not.toContain("SECRET");
  });

  it("POST with a non-JSON content type answers 415", async () => {
    const response = await postAlert({ amountUsd: 80, email: ["a@example.com"] }, { "Content-Type": "text/plain" });
    expect([response.status, response.json()]).toEqual([415, { error: "send the body as Content-Type: application/json" }]);
  });
});

describe("request bodies: capped at 64 KiB, and no answer repeats what was sent", () => {
  const TOO_LARGE = { error: "the request body is larger than 64 KiB" };
  // Bounded whatever was sent: at most 20 problem lines of a path, a sentence and a 60-character quote each.
  const SHORT = 4000;

  /** `{"amountUsd":…,"email":[…]}` padded with trailing spaces (valid JSON) to exactly `bytes`. */
  function paddedBody(amountUsd: number, bytes: number): string {
    const text = JSON.stringify({ amountUsd, email: ["pad@example.com"] });
    return text + " ".repeat(bytes - Buffer.byteLength(text));
  }

  it("takes a body of exactly 64 KiB and refuses one byte more with 413, over HTTP", async () => {
    const atCap = await postAlert(paddedBody(91.25, MAX_REQUEST_BODY_BYTES));
    expect([atCap.status, (atCap.json().alert as { id: string }).id]).toEqual([201, "mtd-91.25"]);
    const over = await postAlert(paddedBody(92.25, MAX_REQUEST_BODY_BYTES + 1));
    expect([over.status, over.json()]).toEqual([413, TOO_LARGE]);
    expect((await fixture.store.listAlerts()).some((a) => a.id === "mtd-92.25")).toBe(false);
  });

  it("answers an unknown key of 10 MiB with a short 413, over HTTP and as a parsed body (a non-raw web action's fields)", async () => {
    const key = "k".repeat(10 * 1024 * 1024);
    const overHttp = await postAlert(`{"amountUsd":80,"email":["a@example.com"],"${key}":1}`);
    expect([overHttp.status, overHttp.json()]).toEqual([413, TOO_LARGE]);
    const parsed = await handleDashboardRequest({ method: "POST", path: "/api/v1/billing/alerts", headers: AUTH, query: {}, body: { amountUsd: 80, email: ["a@example.com"], [key]: 1 } }, fixture.deps);
    expect([parsed.statusCode, JSON.parse(parsed.body)]).toEqual([413, TOO_LARGE]);
  });

  it("answers 200,000 unknown keys with a short 413, over HTTP and as a parsed body", async () => {
    const fields: Record<string, number> = { amountUsd: 80 };
    for (let i = 0; i < 200_000; i++) fields[`unknown${i}`] = i;
    const overHttp = await postAlert(fields);
    expect([overHttp.status, overHttp.json()]).toEqual([413, TOO_LARGE]);
    const parsed = await handleDashboardRequest({ method: "POST", path: "/api/v1/billing/alerts", headers: AUTH, query: {}, body: fields }, fixture.deps);
    expect([parsed.statusCode, JSON.parse(parsed.body)]).toEqual([413, TOO_LARGE]);
  });

  it("measures a parsed body nested 100,000 lists deep without overflowing the stack", async () => {
    let nested: unknown = [];
    for (let i = 0; i < 100_000; i++) nested = [nested];
    const response = await handleDashboardRequest({ method: "POST", path: "/api/v1/billing/alerts", headers: AUTH, query: {}, body: { amountUsd: 80, email: nested } }, fixture.deps);
    expect([response.statusCode, JSON.parse(response.body)]).toEqual([413, TOO_LARGE]);
  });

  it("asks for credentials before it looks at the size", async () => {
    const response = await call("/api/v1/billing/alerts", { method: "POST", headers: { "Content-Type": "application/json" }, body: paddedBody(80, MAX_REQUEST_BODY_BYTES + 1) });
    expect(response.status).toBe(401);
  });

  it("lists three of 4,000 unknown keys under the cap, then counts the rest, in a short 400", async () => {
    const fields: Record<string, number> = { amountUsd: 80, email: 0 };
    for (let i = 0; i < 4000; i++) fields[`u${i}`] = i;
    expect(Buffer.byteLength(JSON.stringify(fields))).toBeLessThan(MAX_REQUEST_BODY_BYTES);
    const response = await postAlert(fields);
    expect(response.status).toBe(400);
    expect(response.json()).toEqual({
      error: "email[0] must be a string (got 0); the request body has unknown keys u0, u1, u2 and 3997 more (allowed: amountUsd, email, slack, enabled)",
    });
  });

  it("cuts a 60,000-character unknown key to 40 characters in a short 400", async () => {
    const response = await postAlert({ amountUsd: 80, email: ["a@example.com"], ["x".repeat(60_000)]: true });
    expect(response.status).toBe(400);
    expect(response.json()).toEqual({ error: `the request body has unknown key ${"x".repeat(37)}... (allowed: amountUsd, email, slack, enabled)` });
  });

  it("keeps an answer short when every one of 50 addresses is bad and long", async () => {
    const response = await postAlert({ amountUsd: 80, email: Array.from({ length: 50 }, (_, i) => `${"n".repeat(1000)} ${i}`) });
    expect(response.status).toBe(400);
    expect(response.text.length).toBeLessThan(SHORT);
    expect(response.json().error).toMatch(/^email\[0\] must be an email address like ops@example\.com \(got [^;]{1,60}\); [\s\S]*; and 30 more problems$/);
    expect(response.text).not.toContain("n".repeat(61));
  });

  it("still takes a lone address and a lone Slack target, as the API always did", async () => {
    const response = await postAlert({ amountUsd: 93.5, email: "lone@example.com", slack: { channel: "#lone", url: "https://hooks.slack.com/services/T9/B9/LONE" } });
    expect(response.status).toBe(201);
    expect((response.json().alert as { recipients: unknown }).recipients).toEqual({ email: ["lone@example.com"], slackChannels: ["#lone"], webhooks: 0 });
  });
});

describe("GET /api/v1/billing/units", () => {
  const dayOf = (body: { days: { date: string }[] }, date: string) => body.days.find((day) => day.date === date);

  it("divides each day by the count read that day, and the month to date by the newest count, fresh", async () => {
    const response = await call("/api/v1/billing/units", { headers: AUTH });
    expect(response.status).toBe(200);
    const body = response.json() as { unitName: string; latest: unknown; monthToDate: unknown; days: { date: string }[]; freshForHours: number };
    expect(body.unitName).toBe("active restaurant");
    expect(body.freshForHours).toBe(26);
    // Read today at 07:00, 8 hours before NOW.
    expect(body.latest).toEqual({ readAt: "2026-11-20T07:00:00.000Z", ageHours: 8, units: 80, sourceKind: "url", state: "fresh" });
    // Month to date $140.10 (the balance check) over 80 restaurants.
    expect(body.monthToDate).toEqual({ billingMonth: "2026-11", usd: seededMonthToDate(), units: 80, usdPerUnit: seededMonthToDate() / 80, status: "ok", readAt: "2026-11-20T07:00:00.000Z" });
    // 1–19 November have history (today has none yet).
    expect(body.days.map((day) => day.date)).toEqual(seededDays().filter((d) => d.date >= "2026-11-01").map((d) => d.date));
    const nov19 = seededDays().find((d) => d.date === "2026-11-19")!;
    expect(dayOf(body, "2026-11-19")).toEqual({ date: "2026-11-19", usd: nov19.totalCostUsd, units: 75, usdPerUnit: nov19.totalCostUsd / 75, status: "ok", readAt: "2026-11-19T07:00:00.000Z" });
  });

  it("says so for a day without a reading and a day whose source failed: never yesterday's count, never a division by zero", async () => {
    const body = (await call("/api/v1/billing/units?from=2026-11-04&to=2026-11-07", { headers: AUTH })).json() as { days: { date: string; status: string; usdPerUnit: number | null }[] };
    expect(body.days.map((day) => [day.date, day.status, day.usdPerUnit])).toEqual([
      ["2026-11-04", "ok", seededDays().find((d) => d.date === "2026-11-04")!.totalCostUsd / 70],
      ["2026-11-05", "no-reading", null],
      ["2026-11-06", "unknown-units", null],
      ["2026-11-07", "ok", seededDays().find((d) => d.date === "2026-11-07")!.totalCostUsd / 70],
    ]);
  });

  it("refuses to divide the month to date by a count older than 26 hours, and says when none was ever read", async () => {
    const later = { ...fixture.deps, now: new Date("2026-11-21T09:01:00Z") };
    const stale = JSON.parse((await handleDashboardRequest({ method: "GET", path: "/api/v1/billing/units", headers: AUTH, query: {}, body: undefined }, later)).body) as { latest: { state: string }; monthToDate: { status: string; usdPerUnit: null; units: number } };
    expect([stale.latest.state, stale.monthToDate.status, stale.monthToDate.usdPerUnit, stale.monthToDate.units]).toEqual(["stale", "stale", null, 80]);
    const before = { ...fixture.deps, now: new Date("2026-10-20T09:00:00Z") };
    const none = JSON.parse((await handleDashboardRequest({ method: "GET", path: "/api/v1/billing/units", headers: AUTH, query: {}, body: undefined }, before)).body) as { unitName: null; latest: null; monthToDate: { status: string } };
    expect([none.unitName, none.latest, none.monthToDate.status]).toEqual([null, null, "no-reading"]);
  });

  it.each([
    ["from=2026-11-31", 'from must be a date like 2026-11-27 (got "2026-11-31")'],
    ["from=2026-11-10&to=2026-11-01", "from must not be after to (got from=2026-11-10, to=2026-11-01)"],
  ])("answers 400 for %s", async (query, error) => {
    const response = await call(`/api/v1/billing/units?${query}`, { headers: AUTH });
    expect([response.status, response.json()]).toEqual([400, { error }]);
  });
});

describe("GET /api/v1/billing/allocation", () => {
  const november = seededDays().filter((d) => d.date >= "2026-11-01");
  const total = seededMonthToDate();

  it("by=tag: per tag key, every key adding up to the month; a key that appeared partway puts the days before under (untagged)", async () => {
    const response = await call("/api/v1/billing/allocation?by=tag", { headers: AUTH });
    expect(response.status).toBe(200);
    const teamDays = november.filter((d) => d.date >= "2026-11-10").length;
    expect(response.json()).toEqual({
      by: "tag",
      from: "2026-11-01",
      to: "2026-11-20",
      totalUsd: total,
      untagged: { usd: 0, share: 0 },
      tagKeys: [
        { tagKey: "env", rows: [{ value: "prod", usd: total, share: 1 }] },
        {
          tagKey: "team",
          rows: [
            { value: "(untagged)", usd: expect.closeTo(total - 4 * teamDays, 2), share: expect.closeTo((total - 4 * teamDays) / total, 6) },
            { value: "shop", usd: 4 * teamDays, share: expect.closeTo((4 * teamDays) / total, 6) },
          ],
        },
      ],
    });
  });

  it("by=project and by=service over a range, largest first, with each row's share", async () => {
    const byProject = (await call("/api/v1/billing/allocation?by=project&from=2026-11-01&to=2026-11-03", { headers: AUTH })).json();
    // 1–3 Nov: shop 3 × 4.00, api 3 × 2.50, the hostile name 7.20 + 7.35 + 7.50 − 19.50 = 2.55.
    expect(byProject).toEqual({
      by: "project",
      from: "2026-11-01",
      to: "2026-11-03",
      totalUsd: 22.05,
      rows: [
        { key: "shop", usd: 12, share: 1200 / 2205 },
        { key: "api", usd: 7.5, share: 750 / 2205 },
        { key: HOSTILE_PROJECT, usd: 2.55, share: 255 / 2205 },
      ],
    });
    const byService = (await call("/api/v1/billing/allocation?by=service", { headers: AUTH })).json() as { rows: { key: string }[] };
    expect(byService.rows.map((row) => row.key)).toEqual(["Droplets", "Managed Databases", "Spaces", "Bandwidth"]);
  });

  it.each([
    ["", 'by must be one of tag, project, service (got nothing)'],
    ["by=team", 'by must be one of tag, project, service (got "team")'],
    ["by=tag&to=2026-02-30", 'to must be a date like 2026-11-27 (got "2026-02-30")'],
    ["by=tag&from=2025-01-01&to=2026-11-20", "from..to spans 689 days; ask for at most 366"],
  ])("answers 400 for ?%s", async (query, error) => {
    const response = await call(`/api/v1/billing/allocation?${query}`, { headers: AUTH });
    expect([response.status, response.json()]).toEqual([400, { error }]);
  });

  it("answers 401 without credentials", async () => {
    expect((await call("/api/v1/billing/allocation?by=tag")).status).toBe(401);
    expect((await call("/api/v1/billing/units")).status).toBe(401);
  });
});

describe("routing and failures", () => {
  it.each([
    ["/api/v1/billing/nope", "GET", 404, { error: "no such page: /api/v1/billing/nope" }],
    ["/favicon.ico", "GET", 404, { error: "no such page: /favicon.ico" }],
    ["/api/v1/billing/current", "POST", 405, { error: "POST is not allowed here" }],
    ["/api/v1/billing/history", "DELETE", 405, { error: "DELETE is not allowed here" }],
    ["/api/v1/billing/alerts", "PUT", 405, { error: "PUT is not allowed here" }],
    ["/", "POST", 405, { error: "POST is not allowed here" }],
  ])("%s %s answers %i", async (path, method, status, body) => {
    const response = await call(path, { method, headers: AUTH });
    expect([response.status, response.json()]).toEqual([status, body]);
    if (status === 405) expect(response.headers.get("allow")).toMatch(/^GET/);
  });

  it("a trailing slash reaches the same route", async () => {
    expect((await call("/api/v1/billing/current/", { headers: AUTH })).status).toBe(200);
  });

  it("answers 503 with a generic message (no SQL, no stack, no secret) when the store fails, and logs the cause", async () => {
    const failing = new Error('connect ECONNREFUSED 10.0.0.7:25060 (password "hunter2")');
    const broken: DashboardStore = {
      currentSpend: () => Promise.reject(failing),
      listBillingHistory: () => Promise.reject(failing),
      listAlerts: () => Promise.reject(failing),
      listAlertEvents: () => Promise.reject(failing),
      lastFiredAt: () => Promise.reject(failing),
      upsertApiAlert: () => Promise.reject(failing),
      listUnitCounts: () => Promise.reject(failing),
      latestUnitCount: () => Promise.reject(failing),
    };
    const logged: string[] = [];
    const deps: DashboardDeps = { ...fixture.deps, store: broken, log: (line) => logged.push(line) };
    const routes = [["GET", "/"], ["GET", "/api/v1/billing/current"], ["GET", "/api/v1/billing/history"], ["GET", "/api/v1/billing/alerts"], ["POST", "/api/v1/billing/alerts"], ["GET", "/api/v1/billing/units"], ["GET", "/api/v1/billing/allocation"]] as const;
    for (const [method, path] of routes) {
      const query = path.endsWith("allocation") ? { by: "tag" } : {};
      const response = await handleDashboardRequest({ method, path, headers: AUTH, query, body: method === "POST" ? JSON.stringify({ amountUsd: 80, email: ["a@example.com"] }) : undefined }, deps);
      expect([path, response.statusCode]).toEqual([path, 503]);
      expect(JSON.parse(response.body)).toEqual({ error: "the cost database is unavailable right now; try again in a minute" });
      expect(response.body).not.toMatch(/hunter2|ECONNREFUSED|at .*\.ts/);
    }
    expect(logged).toHaveLength(routes.length);
    expect(logged[0]).toBe(`dashboard: GET / failed: ${failing.message}`);
  });
});

describe("GET / (the page, over HTTP)", () => {
  it("is one self-contained HTML document under a strict CSP, with user-controlled names escaped", async () => {
    const response = await call("/", { headers: AUTH });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const csp = response.headers.get("content-security-policy") ?? "";
    expect(csp).toMatch(/^default-src 'none'; style-src 'nonce-[A-Za-z0-9+/=]{24}'; img-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'$/);
    const nonce = /'nonce-([^']+)'/.exec(csp)![1];
    expect(response.text).toContain(`<style nonce="${nonce}">`);
    expect(response.text).not.toMatch(/<script|https?:\/\/|src=|@import|url\(/i);
    expect(response.text).not.toContain(HOSTILE_PROJECT);
    expect(response.text).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
    // The budget shown is the whole account's (billing.budgetMonthlyUsd), labelled so it is not
    // taken for the policy pack's per-stack budget that `npm run plan` prints.
    expect(response.text).toContain(`<div class="label">Account budget (monthly)</div><div class="value">$${BUDGET_USD}.00</div><div class="note"><code>billing.budgetMonthlyUsd</code>`);
    expect(response.text).toContain(`46.7% of the $${BUDGET_USD}.00 account budget`);
    expect(response.text).toContain(`account budget $${BUDGET_USD}.00</li>`);
    expect(response.text).not.toMatch(/[^t] budget \$/);
    // A fresh nonce per response.
    const again = (await call("/", { headers: AUTH })).headers.get("content-security-policy");
    expect(again).not.toBe(csp);
  });
});

describe("a single-team deployment with ?team and ?sort", () => {
  const routes = ["/api/v1/billing/current", "/api/v1/billing/history", "/api/v1/billing/alerts", "/api/v1/billing/suggestions", "/api/v1/billing/stacks", "/api/v1/billing/cleanup", "/api/v1/billing/units", "/api/v1/billing/allocation?by=tag"];

  it("answers ?team=default exactly as without it, and names no team anywhere", async () => {
    for (const path of routes) {
      const plain = await call(path, { headers: AUTH });
      const named = await call(`${path}${path.includes("?") ? "&" : "?"}team=default`, { headers: AUTH });
      expect([path, named.status, named.text]).toEqual([path, 200, plain.text]);
      expect([path, "team" in plain.json()]).toEqual([path, false]);
    }
    const page = await call("/?team=default", { headers: AUTH });
    expect(page.status).toBe(200);
    expect(page.text).not.toMatch(/\bdefault\b|team-selector|Organisation/);
  });

  it("answers 400 naming team for any other team, and leaves ?sort alone as it always did", async () => {
    for (const path of ["/", ...routes]) {
      const response = await call(`${path}${path.includes("?") ? "&" : "?"}team=shop`, { headers: AUTH });
      expect([path, response.status, response.json()]).toEqual([path, 400, { error: 'team must be default: this deployment watches one team (got "shop")' }]);
    }
    expect((await call("/?sort=whatever", { headers: AUTH })).status).toBe(200);
  });
});
