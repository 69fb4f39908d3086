/**
 * The organisation's insights read across runs (issue 15 point 7: "where it cannot, the work is
 * split across runs with progress kept in the store"), against the spec-validated fake and a
 * real Postgres: an organisation of three configured teams and one it does not list, whose
 * insights are two pages a day. A read cut short by its token's request budget keeps the days it
 * committed; the next run reads only the days it did not, and ends with the same figures to the
 * cent as one uncut read into a database of its own. Twelve hours later only the days that may
 * still change are read again; an hour later nothing is.
 */
import type { RunDeadline } from "../../../core/deadline";
import { DigitalOceanClient } from "../../../functions/src/digitalocean/client";
import { TokenMeter } from "../../../functions/src/digitalocean/token-meter";
import type { BillingDataPoint } from "../../../functions/src/digitalocean/types";
import { CostStore } from "../../../functions/src/store/cost-store";
import { createPostgresClient } from "../../../functions/src/store/pg-client";
import type { SqlClient } from "../../../functions/src/store/sql-client";
import type { SpendSnapshot } from "../../../functions/src/store/types";
import { parseTrackerConfig } from "../../../functions/src/tracker/config";
import { ingestOrganization, type OrganizationIngestResult } from "../../../functions/src/tracker/organization";
import { ORGANIZATION_LABEL, UNASSIGNED_LABEL, type TeamConfig } from "../../../core/tracker-settings";
import { startFakeDigitalOcean, type FakeDigitalOcean } from "../../support/fake-do-api";
import { billedTeams, ORGANIZATION_URN, TEAM_URNS as URN } from "../../support/fake-do-api/organization";
import { createTestDatabase, type TestDatabase } from "../../support/postgres";
import { memoryLog } from "./month-scenario";

jest.setTimeout(90_000);

/** Sunday 2026-03-15 06:00 UTC: the insights cover March 1st to 14th. */
const NOW = new Date("2026-03-15T06:00:00Z");
const HOUR = 3_600_000;
const ORGANIZATION_TOKEN = "dop_v1_org9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c";
const TEAMS: readonly TeamConfig[] = parseTrackerConfig({
  budgetMonthlyUsd: 500,
  recipients: { webhook: ["http://127.0.0.1:9/org"] },
  organizationUrn: ORGANIZATION_URN,
  teams: [
    { name: "shop", urn: URN.shop },
    { name: "lab", urn: URN.lab },
    { name: "client-a", urn: URN.client },
  ],
}).teams;
/** The teams without a token of their own: their history comes from the insights. */
const INSIGHTS_ONLY = new Set(["client-a"]);
/** The unlisted team's SKUs a day: with the teams' own, more than one page of 200. */
const MARKETING_SKUS = 250;

let fake: FakeDigitalOcean;
let database: TestDatabase;
let reference: TestDatabase;
let db: SqlClient;
let referenceDb: SqlClient;
/** Every insights point the fake serves, to compute what each label spent. */
let allPoints: BillingDataPoint[] = [];

/** A client of the organisation's token; with `budget` (and `deadline`), metered as a run's meter would be. */
function organizationClient(budget?: number, deadline?: RunDeadline): DigitalOceanClient {
  const meter = budget === undefined ? undefined : new TokenMeter({ budget, perMinute: 10_000, ...(deadline ? { deadline } : {}) });
  return new DigitalOceanClient({ token: ORGANIZATION_TOKEN, baseUrl: fake.url, sleep: async () => undefined, random: () => 0, retryBaseDelayMs: 1, timeoutMs: 5_000, maxRetries: 1, ...(meter ? { meter } : {}) });
}

/** The insights requests since `from` in the fake's log, as `start/end page` strings in order. */
function insightsRequests(from: number): string[] {
  return fake.requests
    .slice(from)
    .filter((request) => request.path.includes("/insights/"))
    .map((request) => {
      expect(request.token).toBe("organization");
      const [start, end] = request.path.split("/insights/")[1]!.split("/");
      return `${start}/${end} p${request.query.page ?? "1"}`;
    });
}

const march = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `2026-03-${String(from + i).padStart(2, "0")}`);

async function read(client: SqlClient, api: DigitalOceanClient, now: Date, log = memoryLog(), teams = TEAMS): Promise<OrganizationIngestResult> {
  return ingestOrganization(api, client, ORGANIZATION_URN, teams, INSIGHTS_ONLY, now, log);
}

/** Each label's latest insights month to date, and its billing history, as stored. */
async function figures(client: SqlClient): Promise<{ monthToDate: Record<string, number>; history: unknown[] }> {
  const monthToDate: Record<string, number> = {};
  for (const label of [...TEAMS.map((team) => team.name), UNASSIGNED_LABEL, ORGANIZATION_LABEL]) {
    const snapshot = await new CostStore(client, label).latestSpendSnapshot("insights");
    monthToDate[label] = Math.round((snapshot?.monthToDateUsd ?? Number.NaN) * 100);
  }
  const history = await new CostStore(client).listBillingHistoryByTeam("2026-03-01", "2026-03-31");
  return { monthToDate, history };
}

/** What the fake's insights say `urn` (or every team) spent from the 1st to the 14th, in cents. */
function centsOf(urn?: string): number {
  return allPoints.filter((point) => urn === undefined || point.usage_team_urn === urn).reduce((sum, point) => sum + Math.round(Number(point.total_amount) * 100), 0);
}

beforeAll(async () => {
  const { shop, lab, client } = billedTeams(NOW);
  const marketing: BillingDataPoint[] = march(1, 14).flatMap((date) =>
    Array.from({ length: MARKETING_SKUS }, (_, sku) => ({ usage_team_urn: URN.marketing, start_date: date, total_amount: ((sku % 17) * 0.13 + 0.01).toFixed(2), region: "nyc3", sku: `1-MKT-${sku}` })),
  );
  allPoints = [...shop.billingInsights, ...lab.billingInsights, ...client.billingInsights, ...marketing];
  [fake, database, reference] = await Promise.all([
    startFakeDigitalOcean({
      now: () => NOW,
      teams: [
        { label: "shop", state: shop },
        { label: "lab", state: lab },
        { label: "client-a", state: client },
      ],
      organization: { urn: ORGANIZATION_URN, token: ORGANIZATION_TOKEN, extraInsights: marketing, extraTeams: [{ id: 4_126_899, uuid: URN.marketing.slice("do:team:".length), name: "marketing", status: "joined" }] },
    }),
    createTestDatabase(__filename),
    createTestDatabase(`${__filename}-reference`),
  ]);
  db = createPostgresClient({ connectionString: database.url });
  referenceDb = createPostgresClient({ connectionString: reference.url });
  await Promise.all([CostStore.open(db), CostStore.open(referenceDb)]);
});

afterAll(async () => {
  await Promise.all([db?.close(), referenceDb?.close()]);
  await Promise.all([database?.drop(), reference?.drop(), fake?.close()]);
});

describe("a read cut short by its request budget, and the runs after it", () => {
  const pagesPerDay = () => Math.ceil(allPoints.filter((point) => point.start_date === "2026-03-01").length / 200);
  let cut: OrganizationIngestResult;
  let cutRequests: string[];
  let next: OrganizationIngestResult;
  let nextRequests: string[];
  let uncut: OrganizationIngestResult;
  /** What the store held after the cut read: its days by label, and the insights-only team's reading. */
  let storedAfterCut: { team: string; date: string }[];
  let clientAfterCut: SpendSnapshot | null;

  beforeAll(async () => {
    expect(pagesPerDay()).toBe(2);
    // The teams list, five whole days, and one request more: not enough for the sixth's two pages.
    let before = fake.requests.length;
    cut = await read(db, organizationClient(1 + 5 * pagesPerDay() + 1), NOW);
    cutRequests = insightsRequests(before);
    storedAfterCut = await new CostStore(db, ORGANIZATION_LABEL).listInsightsDayTotalsByTeam("2026-03-01", "2026-03-31");
    clientAfterCut = await new CostStore(db, "client-a").latestSpendSnapshot("insights");
    before = fake.requests.length;
    next = await read(db, organizationClient(), new Date(NOW.getTime() + HOUR));
    nextRequests = insightsRequests(before);
    uncut = await read(referenceDb, organizationClient(), new Date(NOW.getTime() + HOUR));
  });

  it("stops before a day its budget cannot finish, keeping the five days it committed and saying how many are left", async () => {
    expect(cut).toEqual(expect.objectContaining({ read: true, daysRead: 5, daysLeft: 9, latestDay: "2026-03-05", stopped: "2026-03-06 needs about 2 requests, more than this run's request budget or deadline leaves; the next run reads it whole" }));
    // No page of the sixth day is spent: the next run would read it again whole.
    expect(cutRequests).toEqual(march(1, 5).flatMap((date) => [`${date}/${date} p1`, `${date}/${date} p2`]));
    expect([...new Set(storedAfterCut.map((row) => row.date))]).toEqual(march(1, 5));
    // Every label has each day: the configured teams, the unlisted team's spend under its own label, the total.
    expect(storedAfterCut.map((row) => `${row.team} ${row.date}`).sort()).toEqual([ORGANIZATION_LABEL, UNASSIGNED_LABEL, "client-a", "lab", "shop"].flatMap((label) => march(1, 5).map((date) => `${label} ${date}`)).sort());
    // Its month to date so far is the five days', as of the end of the fifth.
    const snapshot = clientAfterCut;
    expect(snapshot!.generatedAt.toISOString()).toBe("2026-03-06T00:00:00.000Z");
    expect(Math.round(snapshot!.monthToDateUsd * 100)).toBe(allPoints.filter((point) => point.usage_team_urn === URN.client && point.start_date! <= "2026-03-05").reduce((sum, point) => sum + Math.round(Number(point.total_amount) * 100), 0));
  });

  it("the next run reads only the days it did not, the sixth whole again", () => {
    expect(next).toEqual(expect.objectContaining({ read: true, daysRead: 9, daysLeft: 0, latestDay: "2026-03-14" }));
    expect(next).not.toHaveProperty("stopped");
    expect(nextRequests).toEqual(march(6, 14).flatMap((date) => [`${date}/${date} p1`, `${date}/${date} p2`]));
  });

  it("ends with the same month to date and history to the cent as one uncut read", async () => {
    expect(uncut).toEqual(expect.objectContaining({ daysRead: 14, daysLeft: 0 }));
    const resumed = await figures(db);
    expect(resumed).toEqual(await figures(referenceDb));
    expect(resumed.monthToDate).toEqual({ shop: centsOf(URN.shop), lab: centsOf(URN.lab), "client-a": centsOf(URN.client), [UNASSIGNED_LABEL]: centsOf(URN.marketing), [ORGANIZATION_LABEL]: centsOf() });
    if (!next.read || !uncut.read) throw new Error("both runs read");
    expect(next.monthToDateUsd).toBe(uncut.monthToDateUsd);
    expect(next.unknownUrns).toEqual([URN.marketing]);
    expect(fake.validationErrors).toEqual([]);
  });

  it("reads nothing an hour later: every day is read, and none is due again yet", async () => {
    const before = fake.requests.length;
    const result = await read(db, organizationClient(), new Date(NOW.getTime() + 2 * HOUR));
    expect(result).toEqual({ read: false, why: expect.stringContaining("12 hours") });
    expect(fake.requests.length).toBe(before);
  });

  it("twelve hours after a read, reads again only the two days that may still change", async () => {
    const before = fake.requests.length;
    const result = await read(db, organizationClient(), new Date(NOW.getTime() + 13 * HOUR));
    expect(result).toEqual(expect.objectContaining({ read: true, daysRead: 2, daysLeft: 0, latestDay: "2026-03-14" }));
    expect(insightsRequests(before)).toEqual(march(13, 14).flatMap((date) => [`${date}/${date} p1`, `${date}/${date} p2`]));
    expect((await figures(db)).monthToDate[ORGANIZATION_LABEL]).toBe(centsOf());
  });
});

describe("a read its run's deadline stops", () => {
  let deadlineDatabase: TestDatabase;
  let client: SqlClient;
  beforeAll(async () => {
    deadlineDatabase = await createTestDatabase(`${__filename}-deadline`);
    client = createPostgresClient({ connectionString: deadlineDatabase.url });
    await CostStore.open(client);
  });
  afterAll(async () => {
    await client?.close();
    await deadlineDatabase?.drop();
  });

  it("keeps the days before the deadline, says so, and the next run reads the rest", async () => {
    // The deadline passes once the teams list and three days (two pages each) are sent.
    let asked = 0;
    const deadline: RunDeadline = { at: NOW.getTime() + 60_000, remainingMs: () => (asked > 7 ? 0 : 60_000), allows: () => asked <= 7, passed: () => ++asked > 7 };
    const log = memoryLog();
    const cut = await read(client, organizationClient(1_000, deadline), NOW, log);
    expect(cut).toEqual(expect.objectContaining({ read: true, daysRead: 3, daysLeft: 11, latestDay: "2026-03-03", stopped: expect.stringMatching(/deadline/) }));
    expect(log.lines).toContainEqual(expect.stringMatching(/^organisation insights: 3 day\(s\) read \(\d+ data points\), 11 left for the next run \(no DigitalOcean request may start this close to the run's deadline/));
    const before = fake.requests.length;
    const next = await read(client, organizationClient(), new Date(NOW.getTime() + HOUR));
    expect(next).toEqual(expect.objectContaining({ daysRead: 11, daysLeft: 0, latestDay: "2026-03-14" }));
    expect(insightsRequests(before).filter((request) => request.endsWith("p1")).map((request) => request.slice(0, 10))).toEqual(march(4, 14));
    expect((await figures(client)).monthToDate).toEqual((await figures(referenceDb)).monthToDate);
  });

  it("reads every day again when a team joins or leaves the config, splitting it the new way", async () => {
    const withMarketing = [...TEAMS, ...parseTrackerConfig({ budgetMonthlyUsd: 500, recipients: { webhook: ["http://127.0.0.1:9/org"] }, organizationUrn: ORGANIZATION_URN, teams: [{ name: "marketing", urn: URN.marketing }] }).teams];
    const joined = await read(client, organizationClient(), new Date(NOW.getTime() + 3 * HOUR), memoryLog(), withMarketing);
    expect(joined).toEqual(expect.objectContaining({ daysRead: 14, daysLeft: 0, unknownUrns: [] }));
    const stored = await new CostStore(client).listInsightsDayTotalsByTeam("2026-03-01", "2026-03-31");
    expect(stored.filter((row) => row.team === UNASSIGNED_LABEL)).toEqual([]);
    expect(Math.round((await new CostStore(client, "marketing").latestSpendSnapshot("insights"))!.monthToDateUsd * 100)).toBe(centsOf(URN.marketing));
    expect(Math.round((await new CostStore(client, ORGANIZATION_LABEL).latestSpendSnapshot("insights"))!.monthToDateUsd * 100)).toBe(centsOf());
    // Marketing leaves the config again: its spend is the unassigned label's once more, counted once.
    const left = await read(client, organizationClient(), new Date(NOW.getTime() + 4 * HOUR));
    expect(left).toEqual(expect.objectContaining({ daysRead: 14, unknownUrns: [URN.marketing] }));
    expect((await new CostStore(client).listInsightsDayTotalsByTeam("2026-03-01", "2026-03-31")).filter((row) => row.team === "marketing")).toEqual([]);
    expect((await figures(client)).monthToDate).toEqual((await figures(referenceDb)).monthToDate);
  });
});
