/**
 * The tracker action's parameters (functions/packages/cost-tracker/tracker readSettings): a
 * single-team deployment's DIGITALOCEAN_TOKEN as before, and with teams the organisation token
 * and the per-team token maps, read into TeamCredentials; every problem names its parameter
 * and never a token.
 */
import { closeWarmState, ParameterError, readSettings, type TrackerActionParams } from "../../../functions/packages/cost-tracker/tracker";

const READ = "dop_v1_read_test_only_1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d";
const ORG = "dop_v1_org_test_only_9f8e7d6c5b4a39281706f5e4d3c2b1a0";
const WRITE = "dop_v1_write-5c4b3a29180f7e6d5c4b3a29180f7e6d5c4b3a29180f7e6d5c4b3a2918";
const SECRETS = [READ, ORG, WRITE];

const RECIPIENTS = { webhook: ["https://hooks.forkline.example/costs"] };
const TEAMS = [
  { name: "production", urn: "do:team:5b4a3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d" },
  { name: "staging", urn: "do:team:c1d8e2f4-3a5b-4c6d-8e9f-0a1b2c3d4e5f", budgetMonthlyUsd: 60 },
];
const ORGANIZATION_URN = "do:teamgroup:0b7e4d2a-6c1f-4e8b-9a35-d2c7f1e6a904";

function params(config: Record<string, unknown>, extra: TrackerActionParams = {}): TrackerActionParams {
  return { DATABASE_URL: "postgres://tracker:pw@127.0.0.1:5432/costs", TRACKER_CONFIG: JSON.stringify({ budgetMonthlyUsd: 450, recipients: RECIPIENTS, ...config }), ...extra };
}
const teamsParams = (extra: TrackerActionParams = {}, config: Record<string, unknown> = {}) =>
  params({ organizationUrn: ORGANIZATION_URN, teams: TEAMS, ...config }, { DIGITALOCEAN_ORGANIZATION_TOKEN: ORG, DIGITALOCEAN_TEAM_TOKENS: JSON.stringify({ production: READ }), ...extra });

/** The problem lines of parameters readSettings refuses; none may contain a token. */
function problemsOf(input: TrackerActionParams): string[] {
  try {
    readSettings(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ParameterError);
    const message = (error as Error).message;
    for (const secret of SECRETS) expect(message).not.toContain(secret);
    return message.split("\n  - ").slice(1);
  }
  throw new Error("expected the parameters to be refused");
}

afterAll(() => closeWarmState());

it("reads a single-team deployment's DIGITALOCEAN_TOKEN as the implicit team's read token, as before", () => {
  expect(readSettings(params({}, { DIGITALOCEAN_TOKEN: READ, DIGITALOCEAN_CLEANUP_TOKEN: WRITE })).credentials).toEqual({
    teams: [{ team: "default", readToken: READ, cleanupToken: WRITE, insightsOnly: false }],
  });
  expect(problemsOf(params({}))).toEqual(["DIGITALOCEAN_TOKEN is not set: bind a read-scoped DigitalOcean API token (billing:read plus the resource read scopes)"]);
});

it("reads the organisation token and the team tokens (JSON text or an object), marking a team without a token insights-only", () => {
  const expected = { organizationToken: ORG, teams: [{ team: "production", readToken: READ, insightsOnly: false }, { team: "staging", insightsOnly: true }] };
  expect(readSettings(teamsParams()).credentials).toEqual(expected);
  expect(readSettings(teamsParams({ DIGITALOCEAN_TEAM_TOKENS: { production: READ } })).credentials).toEqual(expected);
});

it("reads clean-up tokens only when the config's clean-up is enabled and applies", () => {
  const cleanup = { DIGITALOCEAN_TEAM_CLEANUP_TOKENS: JSON.stringify({ production: WRITE }) };
  expect(readSettings(teamsParams(cleanup, { cleanup: { enabled: true, apply: true } })).credentials.teams[0]).toEqual({ team: "production", readToken: READ, cleanupToken: WRITE, insightsOnly: false });
  expect(readSettings(teamsParams(cleanup, { cleanup: { enabled: true } })).credentials.teams[0]!.cleanupToken).toBeUndefined();
});

it.each<[string, TrackerActionParams, string[]]>([
  ["team tokens that are not JSON", teamsParams({ DIGITALOCEAN_TEAM_TOKENS: `{"production": "${READ}"` }), ["DIGITALOCEAN_TEAM_TOKENS is not valid JSON: it must be an object of team name → secret"]],
  ["team tokens as a list", teamsParams({ DIGITALOCEAN_TEAM_TOKENS: [READ] }), ["DIGITALOCEAN_TEAM_TOKENS must be an object of team name → secret (got a list)"]],
  ["a team token for no team", teamsParams({ DIGITALOCEAN_TEAM_TOKENS: { prod: READ } }), ["DIGITALOCEAN_TEAM_TOKENS.prod names no team (teams: production, staging)"]],
  ["no organisation token", teamsParams({ DIGITALOCEAN_ORGANIZATION_TOKEN: undefined }), ["DIGITALOCEAN_ORGANIZATION_TOKEN is required when TRACKER_CONFIG organizationUrn is set (organization:read and billing:read)"]],
  [
    "a team that cannot be read",
    params({ teams: TEAMS }, { DIGITALOCEAN_TEAM_TOKENS: { production: READ } }),
    ["TRACKER_CONFIG teams[1] (staging) cannot be read: set DIGITALOCEAN_TEAM_TOKENS.staging, or TRACKER_CONFIG organizationUrn with DIGITALOCEAN_ORGANIZATION_TOKEN"],
  ],
  [
    "no clean-up token for a team read with its own",
    teamsParams({}, { cleanup: { enabled: true, apply: true } }),
    ["DIGITALOCEAN_TEAM_CLEANUP_TOKENS.production is required when TRACKER_CONFIG cleanup is enabled and applies (a write-scoped token for team production)"],
  ],
  ["an organisation token that is not text", teamsParams({ DIGITALOCEAN_ORGANIZATION_TOKEN: { token: ORG } }), ["DIGITALOCEAN_ORGANIZATION_TOKEN must be a string (got an object)"]],
])("refuses %s, naming the parameter and never a token", (_case, input, expected) => {
  expect(problemsOf(input)).toEqual(expected);
});

it("does not ask a multi-team deployment for DIGITALOCEAN_TOKEN, even when its config is broken", () => {
  expect(problemsOf(teamsParams({ TRACKER_CONFIG: "{" }))).toEqual(["TRACKER_CONFIG is not valid JSON"]);
});
