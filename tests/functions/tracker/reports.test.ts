/**
 * The daily and weekly reports as their readers receive them: Slack Block Kit payloads and
 * webhook JSON at a real HTTP receiver, email (text and HTML) at a real SMTP server, built
 * from a seeded Postgres history. Each report is sent once per date / ISO week (a rerun
 * enqueues and sends nothing), and the unit cost comes from a `count`, from a `url` served by
 * a local HTTP server, or says why it is missing (zero units, unknown units).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { addDays, type IsoDate } from "../../../core/calendar";
import type { MonthEndForecast } from "../../../core/forecast";
import type { Spike } from "../../../core/spikes";
import { deliverPending, type Transports } from "../../../functions/src/notify/outbox";
import { CostStore } from "../../../functions/src/store/cost-store";
import { createPostgresClient } from "../../../functions/src/store/pg-client";
import type { SqlClient } from "../../../functions/src/store/sql-client";
import type { BillingHistoryDay } from "../../../functions/src/store/types";
import { parseTrackerConfig, type TrackerConfig } from "../../../functions/src/tracker/config";
import { defaultUnitResolver } from "../../../functions/src/tracker/handle";
import { enqueueDailyReport, enqueueWeeklyReport, type UnitResolver } from "../../../functions/src/tracker/reports";
import { slackShapeProblems, startHttpReceiver, type HttpReceiver } from "../../support/http-receiver";
import { createTestDatabase, type TestDatabase } from "../../support/postgres";
import { startSmtpPeer, type ReceivedMail, type SmtpPeer } from "../../support/smtp-peer";
import { peerTransports } from "./month-scenario";

const DASHBOARD = "https://costs.restaurant.example";
const DAILY_TO = "daily@restaurant.example";
const WEEKLY_TO = "weekly@restaurant.example";

/**
 * The seeded history, 2026-02-23 to 2026-03-22, per day:
 * - every day: Droplets $6.00 (project restaurant-prod, tag env:prod) and Databases $2.00
 *   (restaurant-staging, untagged) = $8.00;
 * - from 2026-03-09: Spaces $1.50 (restaurant-prod, team:web) = $9.50;
 * - on 2026-03-16 only: Bandwidth $12.00 (restaurant-prod, untagged) = $21.50.
 */
function seededDay(date: IsoDate): BillingHistoryDay {
  const service: Record<string, number> = { Droplets: 6, Databases: 2 };
  const project: Record<string, number> = { "restaurant-prod": 6, "restaurant-staging": 2 };
  const tag: Record<string, number> = { "env:prod": 6, "(untagged)": 2 };
  if (date >= "2026-03-09") {
    service.Spaces = 1.5;
    project["restaurant-prod"] = 7.5;
    tag["team:web"] = 1.5;
  }
  if (date === "2026-03-16") {
    service.Bandwidth = 12;
    project["restaurant-prod"] = 19.5;
    tag["(untagged)"] = 14;
  }
  const totalCostUsd = Object.values(service).reduce((a, b) => a + b, 0);
  return { date, totalCostUsd, monthToDateUsd: 0, costByService: service, costByProject: project, costByTag: tag };
}

function seededHistory(): BillingHistoryDay[] {
  const days = Array.from({ length: 28 }, (_, i) => seededDay(addDays("2026-02-23", i)));
  let mtd = 0;
  for (const day of days) {
    mtd = day.date.endsWith("-01") ? day.totalCostUsd : mtd + day.totalCostUsd;
    day.monthToDateUsd = Math.round(mtd * 100) / 100;
  }
  return days;
}

/** Only `projectedUsd` is read by the daily report; the rest is the shape's filler. */
function forecastOf(projectedUsd: number): MonthEndForecast {
  return { billingMonth: "2026-03", projectedUsd, fixedUsd: 0, usageUsd: projectedUsd, method: "fixed-resources+usage-run-rate", details: {} as MonthEndForecast["details"] };
}

let database: TestDatabase;
let db: SqlClient;
let store: CostStore;
let smtp: SmtpPeer;
let receiver: HttpReceiver;
let unitServer: Server;
let unitUrl: string;
let transports: Transports;
let closeSmtp: () => void;

beforeAll(async () => {
  [database, smtp, receiver] = await Promise.all([createTestDatabase(__filename), startSmtpPeer(), startHttpReceiver()]);
  db = createPostgresClient({ connectionString: database.url });
  store = await CostStore.open(db);
  await store.upsertBillingHistory(seededHistory());
  // The business's own API for the unit count: 157 active restaurants, or 503 on /down.
  unitServer = createServer((request, response) => {
    if (request.url === "/down") {
      response.writeHead(503).end("maintenance");
      return;
    }
    response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ data: { activeRestaurants: 157 } }));
  });
  await new Promise<void>((resolve) => unitServer.listen(0, "127.0.0.1", resolve));
  unitUrl = `http://127.0.0.1:${(unitServer.address() as AddressInfo).port}`;
  const peer = peerTransports(smtp.url);
  transports = peer.transports;
  closeSmtp = peer.close;
});

afterAll(async () => {
  closeSmtp?.();
  await db?.close();
  await database?.drop();
  await Promise.all([smtp?.close(), receiver?.close(), new Promise((resolve) => (unitServer ? unitServer.close(resolve) : resolve(undefined)))]);
});

function reportConfig(units?: unknown): TrackerConfig {
  const base = receiver.baseUrl;
  return parseTrackerConfig({
    budgetMonthlyUsd: 320,
    thresholds: [{ amountUsd: 10, webhook: [`${base}/unused`] }],
    forecast: { enabled: false },
    spikes: { enabled: false },
    reports: {
      daily: { enabled: true, email: [DAILY_TO], slack: [{ channel: "#costs", url: `${base}/slack/daily` }], webhook: [`${base}/daily`] },
      weekly: { enabled: true, email: [WEEKLY_TO], slack: [{ channel: "#costs", url: `${base}/slack/weekly` }], webhook: [`${base}/weekly`] },
    },
    ...(units ? { units } : {}),
    email: { from: "do-cost-guard <billing@restaurant.example>" },
    dashboardUrl: DASHBOARD,
  });
}

/** What the peers received since `mark`, by where it went. */
interface Received {
  slack: { text: string; blocks: { type: string; text?: { text: string }; elements?: { text: string }[] }[] }[];
  webhook: Record<string, unknown>[];
  mail: ReceivedMail[];
}
function mark(): { http: number; mail: number } {
  return { http: receiver.requests.length, mail: smtp.messages.length };
}
function receivedSince(since: { http: number; mail: number }, kind: "daily" | "weekly"): Received {
  const requests = receiver.requests.slice(since.http);
  return {
    slack: requests.filter((r) => r.path === `/slack/${kind}`).map((r) => r.body as Received["slack"][number]),
    webhook: requests.filter((r) => r.path === `/${kind}`).map((r) => r.body as Record<string, unknown>),
    mail: smtp.messages.slice(since.mail).filter((m) => m.to.includes(kind === "daily" ? DAILY_TO : WEEKLY_TO)),
  };
}

/** All Slack section texts joined, fences included, for content checks. */
function slackText(payload: Received["slack"][number]): string {
  return payload.blocks.map((block) => block.text?.text ?? block.elements?.map((e) => e.text).join(" ") ?? "").join("\n");
}

async function deliver(now: Date): Promise<void> {
  const result = await deliverPending(store, transports, now);
  expect(result).toMatchObject({ failed: 0, pending: 0 });
}

describe("daily report for 2026-03-16, sent at 2026-03-17T07:00Z", () => {
  const now = new Date("2026-03-17T07:00:00Z");
  const bandwidthSpike: Spike = { service: "Bandwidth", date: "2026-03-16", kind: "new-service", usd: 12, baselineUsd: 0, increaseUsd: 12, increasePct: null };
  let received: Received;

  beforeAll(async () => {
    const since = mark();
    const rows = await enqueueDailyReport(store, reportConfig(), { now, monthToDateUsd: 150.25, forecast: forecastOf(410), spikes: [bandwidthSpike] });
    // One row per recipient: an email, a Slack channel, a webhook.
    expect(rows).toBe(3);
    await deliver(now);
    received = receivedSince(since, "daily");
  });

  // 2026-03-16 is $21.50; the 15th $9.50: +$12.00. Projection $410 > $320 budget: "over".
  const title = "DigitalOcean costs for 2026-03-16: $21.50";
  const summary = "2026-03-16 cost $21.50 (+$12.00 on the day before). Month to date $150.25, projected $410.00 against a $320.00 budget.";

  it("posts one valid Block Kit message with yesterday, MTD, projection vs budget, movers and anomalies", () => {
    expect(received.slack).toHaveLength(1);
    const payload = received.slack[0]!;
    expect(slackShapeProblems(payload)).toEqual([]);
    expect(payload.text).toBe(`${title}: ${summary}`);
    expect(payload.blocks[0]).toEqual({ type: "header", text: { type: "plain_text", text: title } });
    expect(payload.blocks[1]!.text!.text).toBe(summary);
    expect(payload.blocks[2]!.text!.text).toBe(["*Yesterday:* $21.50", "*Month to date:* $150.25", "*Projected month end:* $410.00", "*Budget:* $320.00 (over)"].join("\n"));
    const text = slackText(payload);
    // Movers, largest change first: Bandwidth $0 → $12 is new; the rest did not move.
    expect(text).toMatch(/\*Top movers by service\*/);
    expect(text).toMatch(/Service\s+2026-03-16\s+2026-03-15\s+Change\s+%\n/);
    expect(text).toMatch(/Bandwidth\s+\$12\.00\s+\$0\.00\s+\+\$12\.00\s+new\nDroplets\s+\$6\.00\s+\$6\.00\s+\$0\.00\s+0%\nDatabases\s+\$2\.00\s+\$2\.00\s+\$0\.00\s+0%\nSpaces\s+\$1\.50\s+\$1\.50\s+\$0\.00\s+0%/);
    expect(text).toMatch(/\*Anomalies\*/);
    expect(text).toMatch(/Bandwidth\s+\$12\.00\s+\$0\.00\s+new-service/);
    expect(payload.blocks[payload.blocks.length - 1]).toEqual({ type: "context", elements: [{ type: "mrkdwn", text: `<${DASHBOARD}|Open the cost dashboard>` }] });
  });

  it("emails the same content as text and HTML", () => {
    expect(received.mail).toHaveLength(1);
    const mail = received.mail[0]!;
    expect(mail.headers.subject).toBe(title);
    const text = mail.parts["text/plain"]!;
    expect(text).toContain(`${title}\n\n${summary}\n\nYesterday: $21.50\nMonth to date: $150.25\nProjected month end: $410.00\nBudget: $320.00 (over)\n`);
    expect(text).toMatch(/Top movers by service\n-{21}\nService\s+2026-03-16/);
    expect(text).toContain(`Open the cost dashboard: ${DASHBOARD}`);
    const html = mail.parts["text/html"]!;
    expect(html).toContain(`<h1>${title}</h1>`);
    expect(html).toContain('<tr><th align="left">Budget</th><td>$320.00 (over)</td></tr>');
    expect(html).toContain("<tr><td>Bandwidth</td><td>$12.00</td><td>$0.00</td><td>+$12.00</td><td>new</td></tr>");
    expect(html).toContain("<tr><td>Bandwidth</td><td>$12.00</td><td>$0.00</td><td>new-service</td></tr>");
  });

  it("posts the figures as numbers to the webhook", () => {
    expect(received.webhook).toEqual([
      { type: "daily_report", title, summary, link: DASHBOARD, date: "2026-03-16", costUsd: 21.5, previousDayUsd: 9.5, monthToDateUsd: 150.25, projectedUsd: 410, budgetUsd: 320, spikes: 1 },
    ]);
  });

  it("is sent once per date: a rerun the same day enqueues and sends nothing", async () => {
    const since = mark();
    const later = new Date("2026-03-17T19:00:00Z");
    expect(await enqueueDailyReport(store, reportConfig(), { now: later, monthToDateUsd: 151, forecast: forecastOf(411), spikes: [] })).toBe(0);
    await deliver(later);
    expect(receiver.requests.length - since.http + smtp.messages.length - since.mail).toBe(0);
  });

  it("says 'No cost spikes.' on a quiet day, within budget", async () => {
    const since = mark();
    const earlier = new Date("2026-03-16T07:00:00Z");
    expect(await enqueueDailyReport(store, reportConfig(), { now: earlier, monthToDateUsd: 128.75, forecast: forecastOf(300), spikes: [] })).toBe(3);
    await deliver(earlier);
    const quiet = receivedSince(since, "daily");
    expect(slackText(quiet.slack[0]!)).toContain("*Anomalies*\nNo cost spikes.");
    expect(quiet.mail[0]!.parts["text/plain"]).toContain("Budget: $320.00 (within)\n");
    expect(quiet.webhook[0]).toMatchObject({ date: "2026-03-15", costUsd: 9.5, previousDayUsd: 9.5, spikes: 0 });
  });
});

describe("weekly report for 2026-W11 (2026-03-09 to 15), sent on Tuesday 2026-03-17", () => {
  const now = new Date("2026-03-17T07:00:00Z");
  let received: Received;

  beforeAll(async () => {
    const since = mark();
    // 70 active restaurants: $66.50 / 70 = $0.95 each.
    const config = reportConfig({ name: "active restaurant", source: { kind: "count", value: 70 } });
    expect(await enqueueWeeklyReport(store, config, now, defaultUnitResolver)).toBe(3);
    await deliver(now);
    received = receivedSince(since, "weekly");
  });

  // This week 7 × $9.50 = $66.50; the week before 7 × $8.00 = $56.00: +$10.50, 10.50/56 = 18.75% → "19%".
  // Untagged: 7 × $2.00 = $14.00 of $66.50 = 21.05% → "21.1%".
  const title = "DigitalOcean costs, week 2026-W11: $66.50";
  const summary = "Week 2026-W11 (2026-03-09 to 2026-03-15) cost $66.50, +$10.50 on the week before; 21.1% of it carried no key:value tag.";

  it("posts week vs previous week, untagged share and unit cost, then by service, project and tag", () => {
    expect(received.slack).toHaveLength(1);
    const payload = received.slack[0]!;
    expect(slackShapeProblems(payload)).toEqual([]);
    expect(payload.blocks[0]).toEqual({ type: "header", text: { type: "plain_text", text: title } });
    expect(payload.blocks[1]!.text!.text).toBe(summary);
    expect(payload.blocks[2]!.text!.text).toBe(["*This week:* $66.50", "*Previous week:* $56.00 (19%)", "*Untagged share:* 21.1% ($14.00)", "*Cost per active restaurant:* $0.95 (70 units)"].join("\n"));
    const text = slackText(payload);
    expect(text).toMatch(/Service\s+Week of 2026-03-09\s+Week of 2026-03-02\s+Change\s+%\n/);
    // Spaces is new this week (7 × $1.50 = $10.50); Droplets (7 × $6) and Databases (7 × $2) held.
    expect(text).toMatch(/Spaces\s+\$10\.50\s+\$0\.00\s+\+\$10\.50\s+new\nDroplets\s+\$42\.00\s+\$42\.00\s+\$0\.00\s+0%\nDatabases\s+\$14\.00\s+\$14\.00\s+\$0\.00\s+0%/);
    // restaurant-prod: 7 × $7.50 = $52.50 against 7 × $6 = $42.00, +25%.
    expect(text).toMatch(/restaurant-prod\s+\$52\.50\s+\$42\.00\s+\+\$10\.50\s+25%\nrestaurant-staging\s+\$14\.00\s+\$14\.00\s+\$0\.00\s+0%/);
    // The tag table is the one place the untagged row is listed.
    expect(text).toMatch(/team:web\s+\$10\.50\s+\$0\.00\s+\+\$10\.50\s+new\nenv:prod\s+\$42\.00\s+\$42\.00\s+\$0\.00\s+0%\n\(untagged\)\s+\$14\.00\s+\$14\.00\s+\$0\.00\s+0%/);
    expect(text.match(/\(untagged\)\s+\$/g)).toHaveLength(1);
  });

  it("emails the same tables as text and HTML", () => {
    expect(received.mail).toHaveLength(1);
    const mail = received.mail[0]!;
    expect(mail.headers.subject).toBe(title);
    expect(mail.parts["text/plain"]).toContain("This week: $66.50\nPrevious week: $56.00 (19%)\nUntagged share: 21.1% ($14.00)\nCost per active restaurant: $0.95 (70 units)\n");
    for (const heading of ["By service", "By project", "By tag"]) expect(mail.parts["text/plain"]).toContain(`\n${heading}\n${"-".repeat(heading.length)}\n`);
    expect(mail.parts["text/html"]).toContain("<tr><td>restaurant-prod</td><td>$52.50</td><td>$42.00</td><td>+$10.50</td><td>25%</td></tr>");
  });

  it("posts the week's figures as numbers to the webhook", () => {
    expect(received.webhook).toEqual([
      { type: "weekly_report", title, summary, link: DASHBOARD, week: "2026-W11", from: "2026-03-09", to: "2026-03-15", totalUsd: 66.5, previousWeekUsd: 56, untaggedUsd: 14, untaggedShare: 14 / 66.5, usdPerUnit: 66.5 / 70, potentialSavingsUsd: 0 },
    ]);
  });

  it("is sent once per ISO week: a rerun on Sunday of the same week sends nothing", async () => {
    const since = mark();
    const sunday = new Date("2026-03-22T23:00:00Z");
    const config = reportConfig({ name: "active restaurant", source: { kind: "count", value: 70 } });
    expect(await enqueueWeeklyReport(store, config, sunday, defaultUnitResolver)).toBe(0);
    await deliver(sunday);
    expect(receiver.requests.length - since.http + smtp.messages.length - since.mail).toBe(0);
  });
});

describe("unit cost sources", () => {
  it("reads the count from a url source's JSON pointer (W12: $78.50 / 157 restaurants = $0.50)", async () => {
    const since = mark();
    const now = new Date("2026-03-23T07:00:00Z");
    const config = reportConfig({ name: "active restaurant", source: { kind: "url", url: `${unitUrl}/restaurants`, jsonPointer: "/data/activeRestaurants" } });
    expect(await enqueueWeeklyReport(store, config, now, defaultUnitResolver)).toBe(3);
    await deliver(now);
    const week = receivedSince(since, "weekly");
    // W12 = 7 × $9.50 + $12.00 Bandwidth on the 16th = $78.50.
    expect(week.webhook[0]).toMatchObject({ week: "2026-W12", totalUsd: 78.5, usdPerUnit: 0.5 });
    expect(slackText(week.slack[0]!)).toContain("*Cost per active restaurant:* $0.50 (157 units)");
  });

  it.each([
    // W10 = 2026-03-02..08, 7 × $8.00; W09 = 2026-02-23..03-01.
    ["zero units", "2026-03-10T07:00:00Z", "2026-W10", async () => 0, "no units this week"],
    ["unknown units (the source failed)", "2026-03-03T07:00:00Z", "2026-W09", async () => null, "unknown (unit source unavailable)"],
  ] as [string, string, string, UnitResolver, string][])("reports %s instead of a per-unit figure", async (_label, iso, week, resolver, fact) => {
    const since = mark();
    const now = new Date(iso);
    const config = reportConfig({ name: "active restaurant", source: { kind: "count", value: 1 } });
    expect(await enqueueWeeklyReport(store, config, now, resolver)).toBe(3);
    await deliver(now);
    const received = receivedSince(since, "weekly");
    expect(slackText(received.slack[0]!)).toContain(`*Cost per active restaurant:* ${fact}`);
    expect(received.mail[0]!.parts["text/plain"]).toContain(`Cost per active restaurant: ${fact}\n`);
    expect(received.webhook[0]).toMatchObject({ week, totalUsd: 56, usdPerUnit: null });
  });

  it("lists the savings advisor's current suggestions as Top savings, largest first, without dismissed or untagged ones", async () => {
    const since = mark();
    const now = new Date("2026-02-24T07:00:00Z");
    const seen = { firstSeenAt: now, lastSeenAt: now, evidence: {}, reason: "", id: "" };
    const suggestions = [
      { ...seen, id: "a", rule: "droplet-powered-off", resource: { kind: "droplet" as const, id: "1", name: "old-batch" }, action: "snapshot, then destroy", monthlySavingsUsd: 19.2, dismissed: false },
      { ...seen, id: "b", rule: "load-balancer-idle", resource: { kind: "loadBalancer" as const, id: "2", name: "old-lb" }, action: "delete", monthlySavingsUsd: 12, dismissed: false },
      { ...seen, id: "c", rule: "snapshot-old", resource: { kind: "snapshot" as const, id: "3", name: "kept" }, action: "delete", monthlySavingsUsd: 50, dismissed: true },
      { ...seen, id: "d", rule: "untagged", resource: { kind: "droplet" as const, id: "4", name: "console-made" }, action: "tag it", monthlySavingsUsd: null, dismissed: false },
    ];
    expect(await enqueueWeeklyReport(store, reportConfig(), now, defaultUnitResolver, suggestions)).toBe(3);
    await deliver(now);
    const week = receivedSince(since, "weekly");
    const text = slackText(week.slack[0]!);
    expect(text).toContain("*Potential savings:* $31.20/month (2 suggestions)");
    expect(text).toMatch(/Resource\s+Action\s+Saves\/month\n[- ]+\ndroplet old-batch\s+snapshot, then destroy\s+\$19\.20\nloadBalancer old-lb\s+delete\s+\$12\.00/);
    expect(text).not.toContain("kept");
    expect(week.webhook[0]).toMatchObject({ potentialSavingsUsd: 31.2 });
  });

  it("fails a url source that answers an error, naming the setting and status (the tracker then reports unknown units)", async () => {
    const units = { unitName: "active restaurant", source: { kind: "url" as const, url: `${unitUrl}/down` } };
    await expect(defaultUnitResolver(units)).rejects.toThrow("units.source.url answered 503");
  });
});
