/**
 * An organisation of three teams against the spec-validated fake, with real SMTP and HTTP
 * receivers and a real Postgres: `shop` and `lab` read with their own tokens, `client-a` (no
 * token) from the organisation's insights only, and a fourth team the config does not list
 * (`marketing`) spending in the organisation's insights.
 *
 * Eight runs start at once: each team's thresholds fire once, to that team's recipients, each
 * message naming its team and no other; the organisation's threshold fires once on the sum of
 * the teams to the cent; each team's reads used that team's token only. Then: the fresher-figure
 * rule, the insights-only team's daily history, the weekly organisation summary adding up to its
 * teams, a team whose token is refused not stopping the others, the deadline leaving teams for
 * the next run (which takes them first), and the action and the CLI running the same organisation.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { closeWarmState, main as actionMain, type TrackerActionSummary } from "../../../functions/packages/cost-tracker/tracker";
import { main as runCli } from "../../../functions/src/cli";
import { DigitalOceanClient } from "../../../functions/src/digitalocean/client";
import { CostStore } from "../../../functions/src/store/cost-store";
import { createPostgresClient } from "../../../functions/src/store/pg-client";
import type { SqlClient } from "../../../functions/src/store/sql-client";
import { parseTrackerConfig } from "../../../functions/src/tracker/config";
import { runTracker, type RunDeps, type RunResult, type TaskResult } from "../../../functions/src/tracker/handle";
import { ORGANIZATION_LABEL, UNASSIGNED_LABEL } from "../../../core/tracker-settings";
import type { RunDeadline } from "../../../core/deadline";
import { startFakeDigitalOcean, type FakeDigitalOcean } from "../../support/fake-do-api";
import { billTeamAt, insightsFor, ORGANIZATION_URN, teamAccount, TEAM_URNS as URN, teamLines } from "../../support/fake-do-api/organization";
import { startHttpReceiver, type HttpReceiver } from "../../support/http-receiver";
import { createTestDatabase, type TestDatabase } from "../../support/postgres";
import { startSmtpPeer, type SmtpPeer } from "../../support/smtp-peer";
import { memoryLog, peerTransports } from "./month-scenario";

jest.setTimeout(90_000);

/** Sunday 2026-03-15 06:00 UTC: 342 hours into March, insights complete up to the 14th. */
const NOW = new Date("2026-03-15T06:00:00Z");
const TOKEN = {
  shop: "dop_v1_shop0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7",
  lab: "dop_v1_lab01a2b3c4d5e6f708192a3b4c5d6e7f809a1b2c3d4e5f708192a3b4c5d6e",
  organization: "dop_v1_org9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c",
} as const;
const TEAM_NAMES = ["shop", "lab", "client-a"] as const;
const MAIL = {
  ops: "ops@org.example",
  shop: "shop@org.example",
  shop100: "shop-100@org.example",
  shared: "shared@org.example",
  client: "client@org.example",
} as const;

let fake: FakeDigitalOcean;
let smtp: SmtpPeer;
let receiver: HttpReceiver;
let database: TestDatabase;
let db: SqlClient;
let closeTransports: () => void;
let transports: ReturnType<typeof peerTransports>["transports"];
const log = memoryLog();
/** What each team's fake bills at NOW, in cents: shop's balance, and every team's insights up to the 14th. */
const expected = { shopBalanceCents: 0, labInsightsCents: 0, clientInsightsCents: 0, marketingCents: 0 };
let appId: string;

function configJson(receiverUrl: string): Record<string, unknown> {
  return {
    budgetMonthlyUsd: 400,
    recipients: { email: [MAIL.ops], webhook: [`${receiverUrl}/org`] },
    // The ladder teams inherit: their own ladders replace it.
    thresholds: [{ amountUsd: 20 }, { amountUsd: 60 }],
    reports: { weekly: { enabled: true } },
    organizationUrn: ORGANIZATION_URN,
    organization: { budgetMonthlyUsd: 500, thresholds: [{ amountUsd: 200 }] },
    teams: [
      { name: "shop", urn: URN.shop, budgetMonthlyUsd: 200, recipients: { email: [MAIL.shop], webhook: [`${receiverUrl}/shop`] }, thresholds: [{ amountUsd: 100, email: [MAIL.shop100] }, { amountUsd: 200 }] },
      { name: "lab", urn: URN.lab, recipients: { email: [MAIL.shared], webhook: [`${receiverUrl}/lab`] } },
      { name: "client-a", urn: URN.client, recipients: { email: [MAIL.client], webhook: [`${receiverUrl}/client-a`] }, thresholds: [{ amountUsd: 5 }, { amountUsd: 20, email: [MAIL.shared] }] },
    ],
    apps: [{ name: "api", appId, team: "shop", bandwidthAllowanceGiBPerDay: 1 }],
    email: { from: "do-cost-guard <billing@org.example>" },
  };
}

const cents = (points: readonly { total_amount?: string; start_date?: string }[], upTo = "2026-03-14") =>
  points.filter((point) => (point.start_date ?? "") <= upTo).reduce((sum, point) => sum + Math.round(Number(point.total_amount) * 100), 0);

/** A client of the fake with `token`, never really sleeping between retries. */
function clientWith(token: string): DigitalOceanClient {
  return new DigitalOceanClient({ token, baseUrl: fake.url, sleep: async () => undefined, random: () => 0, retryBaseDelayMs: 1, timeoutMs: 5_000, maxRetries: 1 });
}

function runDeps(client: SqlClient, now: Date, overrides: Partial<RunDeps> = {}): RunDeps {
  return {
    teamClients: new Map([
      ["shop", clientWith(TOKEN.shop)],
      ["lab", clientWith(TOKEN.lab)],
    ]),
    organizationClient: clientWith(TOKEN.organization),
    db: client,
    transports,
    now,
    config: parseTrackerConfig(configJson(receiver.baseUrl)),
    log,
    ...overrides,
  };
}

/** The check of a team that ran, or a failure naming what happened instead. */
function checkOf(result: RunResult, team: string): Extract<TaskResult, { task: "check" | "daily" | "weekly" }>["check"] {
  const outcome = result.teams.find((entry) => entry.team === team);
  if (outcome?.status !== "done" || outcome.result.task === "history") throw new Error(`team ${team} did not run: ${JSON.stringify(outcome)}`);
  return outcome.result.check;
}

/** Subjects each address received, sorted. */
function mailBox(): Record<string, string[]> {
  const box: Record<string, string[]> = {};
  for (const mail of smtp.messages) for (const to of mail.to) (box[to] ??= []).push(mail.headers.subject ?? "");
  for (const subjects of Object.values(box)) subjects.sort();
  return box;
}

/** Webhook bodies each path received. */
function hooks(): Record<string, Record<string, unknown>[]> {
  const byPath: Record<string, Record<string, unknown>[]> = {};
  for (const request of receiver.requests) (byPath[request.path] ??= []).push(request.body as Record<string, unknown>);
  return byPath;
}

beforeAll(async () => {
  const shop = teamAccount(URN.shop);
  const lab = teamAccount(URN.lab);
  const client = teamAccount(URN.client);
  appId = shop.apps[0]!.id!;
  // The shop's balance is fresh; the lab's was last generated at noon yesterday, before the insights' night.
  expected.shopBalanceCents = Math.round(billTeamAt(shop, teamLines(shop, 1), NOW) * 100);
  billTeamAt(lab, teamLines(lab, 0.5), NOW, new Date("2026-03-14T12:00:00Z"));
  billTeamAt(client, teamLines(client, 0.25), NOW);
  const marketing = insightsFor(URN.marketing, teamLines(shop, 0.05), 14);
  expected.labInsightsCents = cents(lab.billingInsights);
  expected.clientInsightsCents = cents(client.billingInsights);
  expected.marketingCents = cents(marketing);
  [fake, smtp, receiver, database] = await Promise.all([
    startFakeDigitalOcean({
      now: () => NOW,
      teams: [
        { label: "shop", token: TOKEN.shop, state: shop },
        { label: "lab", token: TOKEN.lab, state: lab },
        { label: "client-a", state: client },
      ],
      organization: { urn: ORGANIZATION_URN, token: TOKEN.organization, extraInsights: marketing, extraTeams: [{ id: 4_126_899, uuid: URN.marketing.slice("do:team:".length), name: "marketing", status: "joined" }] },
    }),
    startSmtpPeer(),
    startHttpReceiver(),
    createTestDatabase(__filename),
  ]);
  db = createPostgresClient({ connectionString: database.url });
  await CostStore.open(db);
  const peer = peerTransports(smtp.url);
  transports = peer.transports;
  closeTransports = peer.close;
});

afterAll(async () => {
  closeTransports?.();
  await closeWarmState();
  await db?.close();
  await database?.drop();
  await Promise.all([fake?.close(), smtp?.close(), receiver?.close()]);
});

describe("eight runs of an organisation of three teams at once", () => {
  let results: RunResult[];
  beforeAll(async () => {
    // One client (own pool) per run, as eight activations would have.
    const clients = Array.from({ length: 8 }, () => createPostgresClient({ connectionString: database.url, maxConnections: 2 }));
    try {
      results = await Promise.all(clients.map((client) => runTracker("check", runDeps(client, NOW))));
    } finally {
      await Promise.all(clients.map((client) => client.close()));
    }
  });

  it("ran every team in every run", () => {
    for (const result of results) expect(result.teams.map((team) => [team.team, team.status]).sort()).toEqual(TEAM_NAMES.map((team) => [team, "done"]).sort());
  });

  it("fired each team's thresholds, forecast and app watch once per team, and the organisation's once", async () => {
    const events = async (team: string) => (await new CostStore(db, team).listAlertEvents("2026-03")).map((event) => event.alertKey).sort();
    expect(await events("shop")).toEqual(["app-bandwidth:" + appId + ":2026-03-14", "forecast:2026-03", "threshold:mtd-100:2026-03"].sort());
    expect(await events("lab")).toEqual(["threshold:mtd-20:2026-03", "threshold:mtd-60:2026-03"]);
    expect(await events("client-a")).toEqual(["threshold:mtd-20:2026-03", "threshold:mtd-5:2026-03"]);
    expect(await events(ORGANIZATION_LABEL)).toEqual(["threshold:mtd-200:2026-03"]);
    // Every event was fired by exactly one of the eight runs.
    const fired = results.flatMap((result) => [
      ...result.teams.flatMap((outcome) => (outcome.status === "done" && outcome.result.task === "check" ? [...outcome.result.check.fired.thresholds.map((key) => `${outcome.team}/${key}`)] : [])),
      ...(result.organization?.fired ?? []).map((key) => `org/${key}`),
    ]);
    expect(fired.sort()).toEqual(["client-a/threshold:mtd-20:2026-03", "client-a/threshold:mtd-5:2026-03", "lab/threshold:mtd-20:2026-03", "lab/threshold:mtd-60:2026-03", "org/threshold:mtd-200:2026-03", "shop/threshold:mtd-100:2026-03"]);
  });

  it("sent each email once, to that team's recipients, naming the team and no other", () => {
    const box = mailBox();
    expect(box).toEqual({
      [MAIL.shop100]: ["DigitalOcean spend of team shop passed $100.00 in 2026-03"],
      [MAIL.shop]: [expect.stringMatching(/^App api \(team shop\): 1\.96 GiB served on 2026-03-14/), expect.stringMatching(/^DigitalOcean spend of team shop projected to reach \$/)],
      // A shared recipient hears the same threshold of two teams, once per team.
      [MAIL.shared]: ["DigitalOcean spend of team client-a passed $20.00 in 2026-03", "DigitalOcean spend of team lab passed $20.00 in 2026-03", "DigitalOcean spend of team lab passed $60.00 in 2026-03"],
      [MAIL.client]: ["DigitalOcean spend of team client-a passed $5.00 in 2026-03"],
      [MAIL.ops]: ["DigitalOcean spend of the organisation passed $200.00 in 2026-03"],
    });
    for (const mail of smtp.messages) {
      const text = `${mail.headers.subject}\n${mail.parts["text/plain"]}`;
      const named = TEAM_NAMES.filter((team) => new RegExp(`\\bteam ${team}\\b`).test(text) || text.includes(`Team: ${team}`) || text.includes(`Team      ${team}`));
      if (mail.to.includes(MAIL.ops)) expect(named).toEqual([]);
      else expect(named).toHaveLength(1);
      for (const other of TEAM_NAMES.filter((team) => !named.includes(team))) expect(text).not.toMatch(new RegExp(`\\b${other}\\b`));
    }
  });

  it("posted each team's webhooks to its own URL, carrying its team", () => {
    const byPath = hooks();
    expect(Object.keys(byPath).sort()).toEqual(["/client-a", "/lab", "/org", "/shop"]);
    for (const team of TEAM_NAMES) for (const body of byPath[`/${team}`]!) expect(body.team).toBe(team);
    expect(byPath["/lab"]!.map((body) => body.thresholdUsd).sort()).toEqual([20, 60]);
    expect(byPath["/client-a"]!.map((body) => body.thresholdUsd)).toEqual([5]);
    expect(byPath["/org"]).toEqual([expect.objectContaining({ type: "threshold_crossed", organization: true, thresholdUsd: 200 })]);
  });

  it("alerted the organisation on the sum of its teams (and of spend of teams it does not list), to the cent", async () => {
    const [event] = await new CostStore(db, ORGANIZATION_LABEL).listAlertEvents("2026-03");
    const sum = expected.shopBalanceCents + expected.labInsightsCents + expected.clientInsightsCents + expected.marketingCents;
    expect(Math.round((event!.payload.monthToDateUsd as number) * 100)).toBe(sum);
  });

  it("read each team with that team's token only, and the organisation with the organisation's, once for the eight runs", () => {
    const tokens = new Set(fake.requests.map((request) => request.token));
    expect([...tokens].sort()).toEqual(["lab", "organization", "shop"]);
    for (const request of fake.requests) {
      if (request.path.startsWith("/v2/customers/my/") || request.path.startsWith("/v2/monitoring/") || request.path.startsWith("/v2/apps")) expect(["shop", "lab"]).toContain(request.token);
      if (request.path.startsWith("/v2/organizations/") || request.path.startsWith("/v2/billing/")) expect(request.token).toBe("organization");
      if (request.path.includes(appId)) expect(request.token).toBe("shop");
    }
    expect(fake.requests.filter((request) => request.path === "/v2/organizations/teams")).toHaveLength(1);
    expect(fake.requests.filter((request) => request.path === "/v2/customers/my/balance").map((request) => request.token).sort()).toEqual([...Array(8).fill("lab"), ...Array(8).fill("shop")]);
    expect(fake.validationErrors).toEqual([]);
  });
});

describe("the run after them", () => {
  let result: RunResult;
  beforeAll(async () => {
    result = await runTracker("check", runDeps(db, NOW));
  });

  it("fires nothing new", () => {
    expect(result.organization?.fired).toEqual([]);
    for (const team of TEAM_NAMES) expect(checkOf(result, team).fired).toEqual({ thresholds: [], forecast: null, spikes: [] });
  });

  it("takes the fresher figure per team: the shop's fresh balance, the lab's insights over its stale balance, the insights of the team without a token", () => {
    expect(checkOf(result, "shop").monthToDate).toEqual({ usd: expected.shopBalanceCents / 100, source: "balance" });
    expect(checkOf(result, "lab").monthToDate).toEqual({ usd: expected.labInsightsCents / 100, source: "insights" });
    expect(checkOf(result, "client-a").monthToDate).toEqual({ usd: expected.clientInsightsCents / 100, source: "insights" });
    expect(Math.round(result.organization!.monthToDateUsd * 100)).toBe(expected.shopBalanceCents + expected.labInsightsCents + expected.clientInsightsCents + expected.marketingCents);
  });

  it("keeps the insights-only team's daily history from the insights, by SKU, each day adding to its month to date", async () => {
    const days = await new CostStore(db, "client-a").listBillingHistory("2026-03-01", "2026-03-31");
    expect(days.map((day) => day.date)).toEqual(Array.from({ length: 14 }, (_, i) => `2026-03-${String(i + 1).padStart(2, "0")}`));
    const client = fake.teams.find((team) => team.label === "client-a")!.state;
    let mtd = 0;
    for (const day of days) {
      const dayCents = cents(client.billingInsights.filter((point) => point.start_date === day.date));
      mtd += dayCents;
      expect([Math.round(day.totalCostUsd * 100), Math.round(day.monthToDateUsd * 100)]).toEqual([dayCents, mtd]);
      expect(Object.keys(day.costByService).sort()).toEqual([...new Set(client.billingInsights.map((point) => point.sku!))].sort());
    }
  });

  it("keeps spend of the team the config does not list under its own label, and says so with its URN and name", async () => {
    const unassigned = await new CostStore(db, UNASSIGNED_LABEL).listBillingHistory("2026-03-01", "2026-03-31");
    expect(unassigned.reduce((sum, day) => sum + Math.round(day.totalCostUsd * 100), 0)).toBe(expected.marketingCents);
    expect(log.lines.some((line) => line.includes(URN.marketing) && line.includes('"marketing"') && line.includes(UNASSIGNED_LABEL))).toBe(true);
  });
});

describe("the weekly run", () => {
  let byPath: Record<string, Record<string, unknown>[]>;
  beforeAll(async () => {
    receiver.requests.length = 0;
    await runTracker("weekly", runDeps(db, NOW));
    byPath = hooks();
  });

  it("sends each team its own week, and the organisation a summary that adds up to them to the cent", () => {
    const weekOf = (path: string) => byPath[path]!.find((body) => body.type === "weekly_report")!;
    const teams = TEAM_NAMES.map((team) => weekOf(`/${team}`));
    teams.forEach((body, i) => expect([body.team, body.week]).toEqual([TEAM_NAMES[i], "2026-W10"]));
    const summary = byPath["/org"]!.find((body) => body.type === "organization_weekly_report")!;
    const teamCents = teams.map((body) => Math.round((body.totalUsd as number) * 100));
    expect(Math.round((summary.totalUsd as number) * 100)).toBe(teamCents.reduce((a, b) => a + b, 0) + Math.round(((summary.teams as { team: string; totalUsd: number }[]).find((row) => row.team === UNASSIGNED_LABEL)?.totalUsd ?? 0) * 100));
    // Ranked by spend: the shop (full price), the lab (half), the client (a quarter).
    const rows = summary.teams as { team: string; totalUsd: number }[];
    expect(rows.map((row) => row.team)).toEqual(["shop", "lab", "client-a", UNASSIGNED_LABEL]);
    for (const [i, team] of TEAM_NAMES.entries()) expect(Math.round(rows.find((row) => row.team === team)!.totalUsd * 100)).toBe(teamCents[i]);
    expect(summary.title).toMatch(/^DigitalOcean costs of the organisation, week 2026-W10: \$/);
  });

  it("says the insights-only team's report comes from the organisation's insights", () => {
    const week = byPath["/client-a"]!.find((body) => body.type === "weekly_report")!;
    expect(week.summary).toContain("from the organisation's billing insights");
  });
});

describe("a team whose token is refused, and a run cut short by its deadline", () => {
  const LATER = new Date("2026-03-15T07:00:00Z");

  it("logs the refused team without its token and runs the others", async () => {
    const lines = memoryLog();
    const refused = "dop_v1_revoked0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b";
    const result = await runTracker("check", runDeps(db, LATER, { log: lines, teamClients: new Map([["shop", clientWith(refused)], ["lab", clientWith(TOKEN.lab)]]) }));
    expect(result.teams.map((team) => [team.team, team.status]).sort()).toEqual([["client-a", "done"], ["lab", "done"], ["shop", "failed"]]);
    const failed = result.teams.find((team) => team.team === "shop")!;
    expect(failed).toEqual({ team: "shop", status: "failed", error: expect.stringContaining("401") });
    expect(JSON.stringify(result)).not.toContain(refused);
    expect(lines.lines.join("\n")).not.toContain(refused);
    expect(lines.lines).toContainEqual(expect.stringMatching(/^warning: team shop: the run failed, the other teams go on: .*401/));
  });

  it("leaves the teams it cannot reach for the next run, which takes them first", async () => {
    const AT = new Date("2026-03-15T08:00:00Z");
    // The refused shop is now the least recently checked: it goes first, and the deadline passes after it.
    let reached = 0;
    const deadline: RunDeadline = { at: AT.getTime(), remainingMs: () => (reached > 0 ? 0 : 60_000), allows: () => reached === 0, passed: () => reached > 0 };
    const shop = clientWith(TOKEN.shop);
    // The shop's client, counting its balance reads (the first read of a team's check).
    const counting = new Proxy(shop, {
      get(target, property) {
        if (property === "getBalance") reached++;
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const cut = await runTracker("check", runDeps(db, AT, { deadline, teamClients: new Map([["shop", counting], ["lab", clientWith(TOKEN.lab)]]) }));
    expect(cut.teams.map((team) => [team.team, team.status])).toEqual([["shop", "done"], ["lab", "waiting"], ["client-a", "waiting"]]);
    const next = await runTracker("check", runDeps(db, AT));
    expect(next.teams.map((team) => team.team)).toEqual(["lab", "client-a", "shop"]);
  });
});

describe("the CLI and the action run the same organisation", () => {
  it("prints a line per team from the CLI, reading DIGITALOCEAN_TOKEN as the organisation's and DIGITALOCEAN_TOKEN_<NAME> per team", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dcg-org-cli-"));
    try {
      const configPath = join(dir, "tracker.json");
      writeFileSync(configPath, JSON.stringify(configJson(receiver.baseUrl)));
      const out: string[] = [];
      const err: string[] = [];
      const env = { DIGITALOCEAN_TOKEN: TOKEN.organization, DIGITALOCEAN_TOKEN_SHOP: TOKEN.shop, DIGITALOCEAN_TOKEN_LAB: TOKEN.lab, DIGITALOCEAN_API_URL: fake.url, DATABASE_URL: database.url, SMTP_URL: smtp.url };
      const code = await runCli(["check", "--config", configPath, "--now", "2026-03-15T09:00:00Z"], env, (line) => out.push(line), (line) => err.push(line));
      expect({ code, err: err.filter((line) => line.includes("warning") && !line.includes("marketing")) }).toEqual({ code: 0, err: [] });
      const text = out.join("\n");
      expect(text).toMatch(/^team lab: month to date \$\d+\.\d\d \(insights\); alerts fired: none$/m);
      expect(text).toMatch(/^team shop: month to date \$\d+\.\d\d \(balance\); alerts fired: none$/m);
      expect(text).toMatch(/^team client-a: month to date \$\d+\.\d\d \(insights\); alerts fired: none$/m);
      expect(text).toMatch(/^organisation: month to date \$\d+\.\d\d \(sum of the teams\); alerts fired: none$/m);
      for (const token of Object.values(TOKEN)) expect(`${text}\n${err.join("\n")}`).not.toContain(token);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("answers the action's run with each team's part and no token, logging none either", async () => {
    const printed: string[] = [];
    for (const method of ["log", "warn"] as const) jest.spyOn(console, method).mockImplementation((...args: unknown[]) => void printed.push(args.map(String).join(" ")));
    const before = fake.requests.length;
    const answer = (await actionMain({
      DATABASE_URL: database.url,
      SMTP_URL: smtp.url,
      DIGITALOCEAN_API_URL: fake.url,
      TRACKER_CONFIG: JSON.stringify(configJson(receiver.baseUrl)),
      DIGITALOCEAN_ORGANIZATION_TOKEN: TOKEN.organization,
      DIGITALOCEAN_TEAM_TOKENS: JSON.stringify({ shop: TOKEN.shop, lab: TOKEN.lab }),
      name: "check",
    })) as TrackerActionSummary;
    expect(answer.teams?.map((team) => [team.team, team.status]).sort()).toEqual(TEAM_NAMES.map((team) => [team, "done"]).sort());
    const requests = fake.requests.slice(before);
    for (const team of ["shop", "lab"]) expect(answer.teams!.find((entry) => entry.team === team)!.requests).toBe(requests.filter((request) => request.token === team).length);
    expect(answer.teams!.find((entry) => entry.team === "client-a")!.requests).toBeUndefined();
    expect(answer.requests).toBe(requests.length);
    const text = `${JSON.stringify(answer)}\n${printed.join("\n")}`;
    expect(printed.some((line) => line.startsWith("tracker: team lab: "))).toBe(true);
    for (const token of Object.values(TOKEN)) expect(text).not.toContain(token);
    jest.restoreAllMocks();
  });
});
