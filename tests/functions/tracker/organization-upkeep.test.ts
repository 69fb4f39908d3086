/**
 * Advice, clean-up and calibration per team (issue 15 point 6), against the spec-validated fake
 * organisation and a real Postgres: `shop` and `lab` each read with their own token and write
 * with their own clean-up token, `client-a` has no token (tracked from insights only, so not
 * analysed). Every read and write of a team's resources is made with that team's token only
 * (the fake's request log labels each request by its token), every result is filed under its
 * team, every notice goes to the team's recipients and names the team; and when the deadline
 * allows one team's upkeep, the next run starts with the team that waited.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultCatalog as catalog } from "../../../core/pricing";
import { main as runCli } from "../../../functions/src/cli";
import type { RunDeadline } from "../../../core/deadline";
import { DigitalOceanClient } from "../../../functions/src/digitalocean/client";
import { RunMeters } from "../../../functions/src/digitalocean/token-meter";
import { AdviceStore } from "../../../functions/src/store/advice-store";
import { CostStore } from "../../../functions/src/store/cost-store";
import { createPostgresClient } from "../../../functions/src/store/pg-client";
import type { SqlClient } from "../../../functions/src/store/sql-client";
import { parseTrackerConfig } from "../../../functions/src/tracker/config";
import { runTracker, type DailyUpkeep, type RunDeps, type RunResult, type TeamUpkeep } from "../../../functions/src/tracker/handle";
import { startFakeDigitalOcean, writeTokenLabel, type FakeDigitalOcean } from "../../support/fake-do-api";
import { billedTeams, ORGANIZATION_URN, TEAM_URNS as URN } from "../../support/fake-do-api/organization";
import { createTestDatabase, type TestDatabase } from "../../support/postgres";
import { memoryLog } from "./month-scenario";

jest.setTimeout(90_000);

const TOKEN = {
  shop: "dop_v1_shopread7c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8",
  shopWrite: "dop_v1_shopwrite1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7",
  lab: "dop_v1_labread2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9",
  labWrite: "dop_v1_labwrite4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e",
  organization: "dop_v1_orgupkeep8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a39281706f5",
} as const;
const TEAMS_WITH_TOKENS = ["shop", "lab"] as const;
const MAIL = { ops: "ops@org.example", shop: "shop@org.example", lab: "lab@org.example", client: "client@org.example" } as const;

let fake: FakeDigitalOcean;
let database: TestDatabase;
let db: SqlClient;
/** The droplet each team tagged to expire: a different one per team, so a write names whose it is. */
const expiring: Record<(typeof TEAMS_WITH_TOKENS)[number], string> = { shop: "", lab: "" };
/** Every message sent, with its channel and destination. */
const sent: { channel: string; to: string; payload: { title?: string; text?: string; summary?: string; [key: string]: unknown } }[] = [];
const transports = {
  email: async (to: string, payload: Record<string, unknown>) => void sent.push({ channel: "email", to, payload }),
  slack: async (to: string, payload: Record<string, unknown>) => void sent.push({ channel: "slack", to, payload }),
  webhook: async (to: string, payload: Record<string, unknown>) => void sent.push({ channel: "webhook", to, payload }),
};

const configJson = () => ({
    budgetMonthlyUsd: 400,
    recipients: { email: [MAIL.ops] },
    organizationUrn: ORGANIZATION_URN,
    teams: [
      { name: "shop", urn: URN.shop, recipients: { email: [MAIL.shop] } },
      { name: "lab", urn: URN.lab, recipients: { email: [MAIL.lab] } },
      { name: "client-a", urn: URN.client, recipients: { email: [MAIL.client] } },
    ],
    cleanup: { enabled: true, apply: true },
    email: { from: "do-cost-guard <billing@org.example>" },
  });
const config = () => parseTrackerConfig(configJson());

/** A client of the fake with `token` and its meter, never really sleeping. */
function clientWith(token: string, meters: RunMeters, maxRetries = 1): DigitalOceanClient {
  return new DigitalOceanClient({ token, baseUrl: fake.url, meter: meters.forToken(token), sleep: async () => undefined, random: () => 0, retryBaseDelayMs: 1, timeoutMs: 5_000, maxRetries });
}

/** What the action builds per run: each team's read client and upkeep clients, its own tokens metered on their own. */
function runDeps(now: Date, overrides: Partial<RunDeps> = {}): RunDeps {
  const meters = new RunMeters({ budget: 1_200, perMinute: 10_000 });
  const read = { shop: clientWith(TOKEN.shop, meters), lab: clientWith(TOKEN.lab, meters) };
  const write = { shop: clientWith(TOKEN.shopWrite, meters, 0), lab: clientWith(TOKEN.labWrite, meters, 0) };
  const upkeep = new Map<string, DailyUpkeep>(
    TEAMS_WITH_TOKENS.map((team) => [team, { catalog, advice: { api: read[team], requests: meters.forToken(TOKEN[team]) }, calibration: { api: read[team] }, cleanup: { read: read[team], write: write[team] } }]),
  );
  return { teamClients: new Map(Object.entries(read)), organizationClient: clientWith(TOKEN.organization, meters), upkeep, db, transports, now, config: config(), log: memoryLog(), ...overrides };
}

/** A team's upkeep this run, or a failure naming what happened instead. */
function upkeepOf(result: RunResult, team: string): TeamUpkeep {
  const outcome = result.teams.find((entry) => entry.team === team);
  if (outcome?.status !== "done" || !outcome.upkeep) throw new Error(`team ${team} had no upkeep: ${JSON.stringify(outcome)}`);
  return outcome.upkeep;
}

/** The clean-up's action on the team's expiring droplet. */
function cleanupOf(result: RunResult, team: (typeof TEAMS_WITH_TOKENS)[number]) {
  const report = upkeepOf(result, team).cleanup;
  if (!report || "error" in report || "stopped" in report) throw new Error(`team ${team}'s clean-up did not run: ${JSON.stringify(report)}`);
  return report.actions.find((action) => action.resource.id === expiring[team]);
}

beforeAll(async () => {
  const now = new Date("2026-03-17T07:00:00Z");
  const { shop, lab, client } = billedTeams(now);
  // Each team's account is the same seeded platform: the shop tags its first droplet, the lab its second.
  for (const [team, state, index] of [["shop", shop, 0], ["lab", lab, 1]] as const) {
    const droplet = state.droplets[index]!;
    droplet.tags = [...droplet.tags, "expires:2026-03-01"];
    expiring[team] = String(droplet.id);
  }
  [fake, database] = await Promise.all([
    startFakeDigitalOcean({
      now: () => now,
      teams: [
        { label: "shop", token: TOKEN.shop, writeToken: TOKEN.shopWrite, state: shop },
        { label: "lab", token: TOKEN.lab, writeToken: TOKEN.labWrite, state: lab },
        { label: "client-a", state: client },
      ],
      organization: { urn: ORGANIZATION_URN, token: TOKEN.organization },
    }),
    createTestDatabase(__filename),
  ]);
  db = createPostgresClient({ connectionString: database.url });
  await CostStore.open(db);
});

afterAll(async () => {
  await db?.close();
  await database?.drop();
  await fake?.close();
});

describe("three days of an organisation's daily runs", () => {
  const results: RunResult[] = [];
  beforeAll(async () => {
    fake.reset();
    for (const day of ["2026-03-17", "2026-03-18", "2026-03-19"]) results.push(await runTracker("daily", runDeps(new Date(`${day}T07:00:00Z`))));
  });

  it("gave each team with a token its calibration, clean-up and advice, and listed the team without one as not analysed", () => {
    for (const team of TEAMS_WITH_TOKENS) {
      const upkeep = upkeepOf(results[0]!, team);
      expect(Object.keys(upkeep).sort()).toEqual(["advice", "calibration", "cleanup"]);
      for (const part of Object.values(upkeep)) expect(part).not.toHaveProperty("error");
    }
    const client = results[0]!.teams.find((entry) => entry.team === "client-a");
    expect(client).toMatchObject({ status: "done", upkeepNote: "not analysed: tracked from organisation insights only (daily), no advice or clean-up" });
    expect(client?.status === "done" && client.upkeep).toBeFalsy();
    // The advisor's suggestions are counted in the run's result, and kept in the store.
    const advice = upkeepOf(results[0]!, "shop").advice;
    expect(advice && "suggestionCount" in advice ? advice.suggestionCount : -1).toBeGreaterThan(0);
    expect(advice).not.toHaveProperty("suggestions");
  });

  it("acted on each team's expired droplet only after its notice, with that team's write token", () => {
    for (const team of TEAMS_WITH_TOKENS) {
      expect([cleanupOf(results[0]!, team), cleanupOf(results[1]!, team), cleanupOf(results[2]!, team)].map((action) => action?.state)).toEqual(["marked", "notice-delivered", "acted"]);
    }
    const writes = fake.requests.filter((request) => request.method !== "GET").map((request) => `${request.token} ${request.method} ${request.path}`);
    expect(writes.sort()).toEqual(
      TEAMS_WITH_TOKENS.flatMap((team) => [`${writeTokenLabel(team)} DELETE /v2/droplets/${expiring[team]}`, `${writeTokenLabel(team)} POST /v2/droplets/${expiring[team]}/actions`]).sort(),
    );
    // The write tokens only wrote, and only what clean-up needed to check its own actions.
    const writeTokenReads = fake.requests.filter((request) => request.token.endsWith(":write") && request.method === "GET");
    for (const request of writeTokenReads) expect(request.path).toMatch(/^\/v2\/(droplets\/\d+\/actions\/\d+|actions\/\d+)$/);
    expect(fake.validationErrors).toEqual([]);
  });

  it("read each team's resources with that team's token, and the organisation's insights with the organisation's", () => {
    const labels = new Set(fake.requests.map((request) => request.token));
    expect([...labels].sort()).toEqual(["lab", "lab:write", "organization", "shop", "shop:write"]);
    for (const request of fake.requests.filter((entry) => entry.token === "organization")) expect(request.path).toMatch(/^\/v2\/(organizations\/teams|billing\/do:teamgroup:[^/]+\/insights\/.*)$/);
    // Each team's advisor read its own droplets' metrics: the monitoring reads are the team's own token's.
    for (const team of TEAMS_WITH_TOKENS) expect(fake.requests.some((request) => request.token === team && request.path.startsWith("/v2/monitoring/metrics/droplet/"))).toBe(true);
  });

  it("filed every suggestion, clean-up record and calibration under its team, and none under the implicit team", async () => {
    for (const team of TEAMS_WITH_TOKENS) expect((await new AdviceStore(db, team).listSuggestions()).length).toBeGreaterThan(0);
    expect(await new AdviceStore(db, "client-a").listSuggestions()).toEqual([]);
    expect(await new AdviceStore(db).listSuggestions()).toEqual([]);
    const calibrated = await db.query<{ team: string }>(`SELECT DISTINCT team FROM price_calibration ORDER BY team`);
    expect(calibrated.map((row) => row.team)).toEqual(["lab", "shop"]);
    const acted = await db.query<{ team: string; resource_id: string }>(`SELECT DISTINCT team, resource_id FROM cleanup_actions ORDER BY team`);
    expect(acted).toEqual([{ team: "lab", resource_id: expiring.lab }, { team: "shop", resource_id: expiring.shop }]);
  });

  it("sent each team's clean-up notice to that team's recipients only, naming that team and no other", () => {
    const notices = sent.filter((message) => JSON.stringify(message.payload).includes("Clean-up notice"));
    expect(notices.map((message) => message.to).sort()).toEqual([MAIL.lab, MAIL.shop]);
    for (const notice of notices) {
      const team = notice.to === MAIL.shop ? "shop" : "lab";
      const other = team === "shop" ? "lab" : "shop";
      const text = JSON.stringify(notice.payload);
      expect(text).toContain(`(team ${team})`);
      expect(text).toContain(expiring[team]);
      expect(text).not.toContain(`team ${other}`);
    }
  });
});

describe("a run whose deadline allows one team's upkeep", () => {
  it("gives the upkeep to the team that waited longest; the other's turn comes next run", async () => {
    const at = new Date("2026-03-20T07:00:00Z");
    // Every check runs; the deadline passes once the first team's upkeep has started.
    let upkeepStarted = false;
    const deadline: RunDeadline = { at: at.getTime() + 600_000, remainingMs: () => (upkeepStarted ? 0 : 600_000), allows: () => !upkeepStarted, passed: () => upkeepStarted };
    const deps = runDeps(at, { deadline });
    const organization = new CostStore(db, "@organization");
    const [first, second] = await organization.teamsByLastTurn("upkeep", ["shop", "lab"]);
    // The first team's advisor flips the deadline as it starts reading.
    const clients = deps.upkeep!.get(first!)!;
    const advisorApi = new Proxy(clients.advice!.api, {
      get(target, property) {
        upkeepStarted = true;
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const upkeep = new Map(deps.upkeep!);
    upkeep.set(first!, { catalog, advice: { ...clients.advice!, api: advisorApi } });
    const cut = await runTracker("check", { ...deps, upkeep });
    const outcome = (team: string) => cut.teams.find((entry) => entry.team === team);
    expect(cut.teams.map((entry) => [entry.team, entry.status]).sort()).toEqual([["client-a", "done"], ["lab", "done"], ["shop", "done"]]);
    const firstOutcome = outcome(first!);
    expect(firstOutcome?.status === "done" ? Object.keys(firstOutcome.upkeep ?? {}) : []).toEqual(["advice"]);
    expect(outcome(second!)).toMatchObject({ upkeepNote: "its upkeep waits for a later run: the run's deadline is near" });
    expect(await organization.teamsByLastTurn("upkeep", ["shop", "lab"])).toEqual([second, first]);
  });
});

describe("the CLI's account tasks, one team at a time", () => {
  let dir: string;
  let configPath: string;
  /** Every team's token and the organisation's are set: only the named team's may be used. */
  const env = () => ({ DIGITALOCEAN_TOKEN: TOKEN.organization, DIGITALOCEAN_TOKEN_SHOP: TOKEN.shop, DIGITALOCEAN_TOKEN_LAB: TOKEN.lab, DIGITALOCEAN_CLEANUP_TOKEN_LAB: TOKEN.labWrite, DIGITALOCEAN_API_URL: fake.url, DATABASE_URL: database.url });
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "dcg-org-upkeep-cli-"));
    configPath = join(dir, "tracker.json");
    writeFileSync(configPath, JSON.stringify(configJson()));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ["advise", "shop"],
    ["cleanup", "lab"],
    ["calibrate", "lab"],
  ])("%s --team %s reads with that team's token only and labels its JSON with the team", async (task, team) => {
    const before = fake.requests.length;
    const out: string[] = [];
    const err: string[] = [];
    const jsonPath = join(dir, `${task}.json`);
    const code = await runCli([task, "--team", team, "--config", configPath, "--now", "2026-03-21T07:00:00Z", "--json", jsonPath], env(), (line) => out.push(line), (line) => err.push(line));
    expect({ code, err }).toEqual({ code: 0, err: [] });
    const requests = fake.requests.slice(before);
    expect(requests.length).toBeGreaterThan(0);
    expect([...new Set(requests.map((request) => request.token))]).toEqual([team]);
    expect(JSON.parse(readFileSync(jsonPath, "utf8"))).toMatchObject({ team });
    for (const token of Object.values(TOKEN)) expect(`${out.join("\n")}\n${err.join("\n")}`).not.toContain(token);
  });
});
