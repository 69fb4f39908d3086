/**
 * `npm run tracker` with a config that lists teams: DIGITALOCEAN_TOKEN is the organisation's
 * token when organizationUrn is set, DIGITALOCEAN_TOKEN_<NAME> each team's (name upper-cased,
 * `-` as `_`), and every problem names the variable, never its value.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { credentialsFromEnv, main, teamVariable } from "../../../functions/src/cli";
import { parseTrackerConfig } from "../../../functions/src/tracker/config";

const READ = "dop_v1_read_test_only_0a1b2c3d4e5f60718293a4b5c6d7e8f9";
const ORG = "dop_v1_org_test_only_f9e8d7c6b5a4039281706f5e4d3c2b1a";
const WRITE = "dop_v1_write-77aa66bb55cc44dd33ee22ff1100aa99bb88cc77dd66ee55ff44aa33bb22";

const CONFIG = {
  budgetMonthlyUsd: 450,
  recipients: { webhook: ["https://hooks.forkline.example/costs"] },
  organizationUrn: "do:teamgroup:0b7e4d2a-6c1f-4e8b-9a35-d2c7f1e6a904",
  teams: [
    { name: "production", urn: "do:team:5b4a3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d" },
    { name: "eu-staging", urn: "do:team:c1d8e2f4-3a5b-4c6d-8e9f-0a1b2c3d4e5f" },
  ],
};
const config = parseTrackerConfig(CONFIG);

function usageProblem(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    const message = (error as Error).message;
    for (const secret of [READ, ORG, WRITE]) expect(message).not.toContain(secret);
    return message;
  }
  throw new Error("expected the environment to be refused");
}

it("names a team's variable by its name upper-cased, - as _", () => {
  expect(teamVariable("DIGITALOCEAN_TOKEN_", "eu-staging")).toBe("DIGITALOCEAN_TOKEN_EU_STAGING");
});

it("reads DIGITALOCEAN_TOKEN as the organisation's token and DIGITALOCEAN_TOKEN_<NAME> per team", () => {
  expect(credentialsFromEnv(config, { DIGITALOCEAN_TOKEN: ORG, DIGITALOCEAN_TOKEN_EU_STAGING: READ, PATH: "/usr/bin" })).toEqual({
    organizationToken: ORG,
    teams: [
      { team: "production", insightsOnly: true },
      { team: "eu-staging", readToken: READ, insightsOnly: false },
    ],
  });
});

it("reads DIGITALOCEAN_CLEANUP_TOKEN_<NAME> only for cleanup --apply", () => {
  const env = { DIGITALOCEAN_TOKEN: ORG, DIGITALOCEAN_TOKEN_PRODUCTION: READ, DIGITALOCEAN_CLEANUP_TOKEN_PRODUCTION: WRITE };
  expect(credentialsFromEnv(config, env, true).teams[0]).toEqual({ team: "production", readToken: READ, cleanupToken: WRITE, insightsOnly: false });
  expect(credentialsFromEnv(config, env, false).teams[0]!.cleanupToken).toBeUndefined();
});

it("keeps a single-team config's DIGITALOCEAN_TOKEN as its read token, ignoring team variables", () => {
  const single = parseTrackerConfig({ budgetMonthlyUsd: 10, recipients: CONFIG.recipients });
  expect(credentialsFromEnv(single, { DIGITALOCEAN_TOKEN: READ, DIGITALOCEAN_TOKEN_OTHER: ORG })).toEqual({ teams: [{ team: "default", readToken: READ, insightsOnly: false }] });
  expect(usageProblem(() => credentialsFromEnv(single, {}))).toBe("DIGITALOCEAN_TOKEN is not set: create a read-scoped token (billing:read plus the resource read scopes) and export it");
});

it.each<[string, NodeJS.ProcessEnv, boolean, string[]]>([
  ["a mistyped team variable", { DIGITALOCEAN_TOKEN: ORG, DIGITALOCEAN_TOKEN_EU_STAGNG: READ }, false, ["DIGITALOCEAN_TOKEN_EU_STAGNG names no team (teams: production, eu-staging)"]],
  ["no organisation token", { DIGITALOCEAN_TOKEN_PRODUCTION: READ }, false, ["DIGITALOCEAN_TOKEN (the organisation's token) is required when organizationUrn is set (organization:read and billing:read)"]],
  ["no clean-up token with --apply", { DIGITALOCEAN_TOKEN: ORG, DIGITALOCEAN_TOKEN_PRODUCTION: READ }, true, ["DIGITALOCEAN_CLEANUP_TOKEN_PRODUCTION is required when cleanup --apply is given (a write-scoped token for team production)"]],
])("refuses %s, naming the variable and never a token", (_case, env, apply, expected) => {
  expect(usageProblem(() => credentialsFromEnv(config, env, apply))).toBe(`the tokens in the environment do not fit the config's teams:\n  - ${expected.join("\n  - ")}`);
});

it("refuses a team that cannot be read when there is no organisation, naming the team and its variable", () => {
  const withoutOrganization = parseTrackerConfig({ ...CONFIG, organizationUrn: undefined });
  expect(usageProblem(() => credentialsFromEnv(withoutOrganization, { DIGITALOCEAN_TOKEN: ORG, DIGITALOCEAN_TOKEN_PRODUCTION: READ }))).toContain(
    "teams[1] (eu-staging) cannot be read: set DIGITALOCEAN_TOKEN_EU_STAGING, or organizationUrn with DIGITALOCEAN_TOKEN (the organisation's token)",
  );
});

it("exits 2 naming the variable before opening any database", async () => {
  const dir = mkdtempSync(join(tmpdir(), "dcg-cli-teams-"));
  try {
    const configPath = join(dir, "tracker.json");
    writeFileSync(configPath, JSON.stringify({ ...CONFIG, organizationUrn: undefined }));
    const errors: string[] = [];
    const code = await main(["check", "--config", configPath], { DIGITALOCEAN_TOKEN_PRODUCTION: READ, PGLITE_DIR: join(dir, "never") }, () => undefined, (line) => errors.push(line));
    expect(code).toBe(2);
    expect(errors.join("\n")).toContain("teams[1] (eu-staging) cannot be read: set DIGITALOCEAN_TOKEN_EU_STAGING");
    expect(errors.join("\n")).not.toContain(READ);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

describe("advise, cleanup, calibrate and reconcile with teams: one team, named by --team, with its own tokens", () => {
  let dir: string;
  let configPath: string;
  let singlePath: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "dcg-cli-team-option-"));
    configPath = join(dir, "tracker.json");
    singlePath = join(dir, "single.json");
    writeFileSync(configPath, JSON.stringify(CONFIG));
    writeFileSync(singlePath, JSON.stringify({ budgetMonthlyUsd: 450, recipients: CONFIG.recipients }));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ["advise without --team", ["advise"], { DIGITALOCEAN_TOKEN_PRODUCTION: READ }, "advise works on one team at a time: name it with --team (one of production, eu-staging)"],
    ["a team the config does not list", ["calibrate", "--team", "marketing"], { DIGITALOCEAN_TOKEN_PRODUCTION: READ }, '--team "marketing" is not a team of the config (teams: production, eu-staging)'],
    [
      "a team without its own read token, even with the organisation's and another team's set",
      ["advise", "--team", "eu-staging"],
      { DIGITALOCEAN_TOKEN: ORG, DIGITALOCEAN_TOKEN_PRODUCTION: READ },
      "advise --team eu-staging needs DIGITALOCEAN_TOKEN_EU_STAGING: team eu-staging's own read-only token (a team without one is tracked from organisation insights only, and not analysed)",
    ],
    ["cleanup --apply without the team's write token", ["cleanup", "--team", "production", "--apply"], { DIGITALOCEAN_TOKEN_PRODUCTION: READ, DIGITALOCEAN_CLEANUP_TOKEN: WRITE }, "cleanup --apply needs DIGITALOCEAN_CLEANUP_TOKEN_PRODUCTION: a write-scoped token (droplet, volume and image write), kept apart from the read-only DIGITALOCEAN_TOKEN_PRODUCTION"],
    ["--team on a task that runs every team", ["check", "--team", "production"], { DIGITALOCEAN_TOKEN_PRODUCTION: READ }, "--team is for advise, cleanup, calibrate and reconcile (check runs every team of the config)"],
  ])("refuses %s with exit 2, naming the option or variable and no token", async (_case, args, env, expected) => {
    const errors: string[] = [];
    const code = await main([...args, "--config", configPath], { ...env, EMBEDDED_POSTGRES_DIR: join(dir, "never") }, () => undefined, (line) => errors.push(line));
    expect({ code, errors }).toEqual({ code: 2, errors: [`tracker: ${expected}`] });
  });

  it("refuses --team on a config without teams", async () => {
    const errors: string[] = [];
    const code = await main(["advise", "--team", "production", "--config", singlePath], { DIGITALOCEAN_TOKEN: READ, EMBEDDED_POSTGRES_DIR: join(dir, "never") }, () => undefined, (line) => errors.push(line));
    expect({ code, errors }).toEqual({ code: 2, errors: ['tracker: --team is for a config with "teams"; this config has none (drop --team)'] });
  });
});
