/**
 * core/team-credentials: the one set of token rules the stack, the tracker action and the CLI
 * apply to a multi-team config, named in each place's words, and never quoting a secret.
 */
import {
  credentialOf,
  INSIGHTS_ONLY_NOTE,
  parseSecretMap,
  resolveTeamCredentials,
  singleTeamCredentials,
  teamPasswordProblems,
  type CredentialPlaces,
  type GatheredTokens,
} from "../../core/team-credentials";
import { parseTrackerSettings, type TrackerSettings } from "../../core/tracker-settings";
import { dashboardPasswordProblem } from "../../core/validators";

// Distinctive stand-ins: no problem line may ever contain one of these.
const SECRET = "dop_v1_test_only_3f9c2a7b5e1d4c8a9b0f6e2d7c1a5b3e";
const OTHER_SECRET = "dop_v1_other_test_only_aa11bb22cc33dd44ee55ff66aa11";
const PASSWORD = "Correct-Horse-Battery-Staple-17";

const PLACES: CredentialPlaces = {
  organizationToken: "ORG",
  readTokens: "READ",
  readToken: (team) => `READ.${team}`,
  cleanupTokens: "WRITE",
  cleanupToken: (team) => `WRITE.${team}`,
  team: (index) => `teams[${index}]`,
  cleanupApply: "cleanup applies",
  organizationUrn: "organizationUrn",
};

function settings(extra: Record<string, unknown> = {}): TrackerSettings {
  const result = parseTrackerSettings({
    budgetMonthlyUsd: 100,
    recipients: { webhook: ["https://hooks.forkline.example/costs"] },
    teams: [
      { name: "production", urn: "do:team:5b4a3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d" },
      { name: "eu-staging", urn: "do:team:c1d8e2f4-3a5b-4c6d-8e9f-0a1b2c3d4e5f" },
    ],
    ...extra,
  });
  if (!result.ok) throw new Error(result.problems.join("; "));
  return result.settings;
}
const withOrganization = () => settings({ organizationUrn: "do:teamgroup:0b7e4d2a-6c1f-4e8b-9a35-d2c7f1e6a904" });

function tokens(read: Record<string, string>, cleanup: Record<string, string> = {}, organizationToken?: string): GatheredTokens {
  return { readTokens: new Map(Object.entries(read)), cleanupTokens: new Map(Object.entries(cleanup)), ...(organizationToken ? { organizationToken } : {}) };
}

function problemsOf(config: TrackerSettings, gathered: GatheredTokens, cleanupApplies = false): string[] {
  const result = resolveTeamCredentials(config, gathered, PLACES, cleanupApplies);
  if (result.ok) throw new Error("expected the tokens to be refused");
  for (const problem of result.problems) for (const secret of [SECRET, OTHER_SECRET]) expect(problem).not.toContain(secret);
  return result.problems;
}

describe("parseSecretMap", () => {
  it("reads a map from JSON text (stack config, bound parameters) or an object, leaving out empty entries", () => {
    const problems: string[] = [];
    expect(parseSecretMap(JSON.stringify({ production: ` ${SECRET} `, "eu-staging": "" }), "READ", problems)).toEqual(new Map([["production", SECRET]]));
    expect(parseSecretMap({ production: SECRET }, "READ", problems)).toEqual(new Map([["production", SECRET]]));
    expect(parseSecretMap(undefined, "READ", problems)).toEqual(new Map());
    expect(parseSecretMap("  ", "READ", problems)).toEqual(new Map());
    expect(problems).toEqual([]);
  });

  it.each<[string, unknown, string]>([
    ["text that is not JSON", `{"production": "${SECRET}"`, "READ is not valid JSON: it must be an object of team name → secret"],
    ["a bare token", SECRET, "READ is not valid JSON: it must be an object of team name → secret"],
    ["a list", JSON.stringify([SECRET]), "READ must be an object of team name → secret (got a list)"],
    ["a value that is not a string", { production: 42, "eu-staging": SECRET }, 'READ entry "production" must be a string (got a number)'],
    ["a secret as the key", { [SECRET]: true }, "READ entry a key that is not a team name (not shown: it may be a secret) must be a string (got a boolean)"],
  ])("refuses %s, naming the place and never the value", (_case, value, expected) => {
    const problems: string[] = [];
    expect(parseSecretMap(value, "READ", problems)).toBeUndefined();
    expect(problems).toEqual([expected]);
    expect(problems.join("\n")).not.toContain(SECRET);
  });
});

describe("resolveTeamCredentials", () => {
  it("gives each team its tokens in the settings' order, and derives insightsOnly for a team without its own", () => {
    const result = resolveTeamCredentials(withOrganization(), tokens({ production: SECRET }, {}, OTHER_SECRET), PLACES, false);
    if (!result.ok) throw new Error(result.problems.join("; "));
    expect(result.credentials).toEqual({
      organizationToken: OTHER_SECRET,
      teams: [
        { team: "production", readToken: SECRET, insightsOnly: false },
        { team: "eu-staging", insightsOnly: true },
      ],
    });
    expect(credentialOf(result.credentials, "eu-staging")?.insightsOnly).toBe(true);
    expect(INSIGHTS_ONLY_NOTE).toBe("tracked from organisation insights only (daily), no advice or clean-up");
    expect(Object.isFrozen(result.credentials.teams[0])).toBe(true);
  });

  it("reads the organisation token only when the settings name an organisation", () => {
    const result = resolveTeamCredentials(settings(), tokens({ production: SECRET, "eu-staging": SECRET }, {}, OTHER_SECRET), PLACES, false);
    expect(result.ok && result.credentials.organizationToken).toBeUndefined();
  });

  it("keeps clean-up tokens only when clean-up applies", () => {
    const both = tokens({ production: SECRET, "eu-staging": OTHER_SECRET }, { production: OTHER_SECRET, "eu-staging": SECRET });
    const dry = resolveTeamCredentials(settings(), both, PLACES, false);
    expect(dry.ok && dry.credentials.teams.map((t) => t.cleanupToken)).toEqual([undefined, undefined]);
    const applying = resolveTeamCredentials(settings(), both, PLACES, true);
    expect(applying.ok && applying.credentials.teams.map((t) => t.cleanupToken)).toEqual([OTHER_SECRET, SECRET]);
  });

  it.each<[string, () => TrackerSettings, GatheredTokens, boolean, string[]]>([
    ["a team that cannot be read at all", settings, tokens({ production: SECRET }), false, ["teams[1] (eu-staging) cannot be read: set READ.eu-staging, or organizationUrn with ORG"]],
    ["an organisation without its token", withOrganization, tokens({ production: SECRET }), false, ["ORG is required when organizationUrn is set (organization:read and billing:read)"]],
    ["a mistyped team name", withOrganization, tokens({ prodution: SECRET }, {}, OTHER_SECRET), false, ["READ.prodution names no team (teams: production, eu-staging)"]],
    ["a token pasted as the key", withOrganization, tokens({ [SECRET]: OTHER_SECRET }, {}, OTHER_SECRET), false, ["READ has a key that is not a team name (not shown: it may be a secret) (teams: production, eu-staging)"]],
    ["a reversed map", withOrganization, tokens({ "my-token-17": "production" }, {}, OTHER_SECRET), false, ["READ has a key that is not a team name (not shown: the map looks reversed; it must be team name → secret) (teams: production, eu-staging)"]],
    ["a clean-up token for a team name that does not exist", withOrganization, tokens({}, { stagin: SECRET }, OTHER_SECRET), true, ["WRITE.stagin names no team (teams: production, eu-staging)"]],
    ["a readable team without its clean-up token", settings, tokens({ production: SECRET, "eu-staging": SECRET }, { production: OTHER_SECRET }), true, ["WRITE.eu-staging is required when cleanup applies (a write-scoped token for team eu-staging)"]],
    ["a clean-up token for a team that cannot be read", withOrganization, tokens({ production: SECRET }, { production: SECRET, "eu-staging": OTHER_SECRET }, OTHER_SECRET), true, ["WRITE.eu-staging is set but team eu-staging has no READ.eu-staging: clean-up reads a resource before it writes"]],
  ])("refuses %s, naming it and never a token", (_case, config, gathered, cleanupApplies, expected) => {
    expect(problemsOf(config(), gathered, cleanupApplies)).toEqual(expected);
  });

  it("makes a single-team config's credentials from its one token", () => {
    const single = parseTrackerSettings({ budgetMonthlyUsd: 10, recipients: { webhook: ["https://hooks.forkline.example/costs"] } });
    if (!single.ok) throw new Error(single.problems.join("; "));
    expect(singleTeamCredentials(single.settings, SECRET, undefined)).toEqual({ teams: [{ team: "default", readToken: SECRET, insightsOnly: false }] });
  });
});

describe("teamPasswordProblems", () => {
  const places = { teamPasswords: "PASSWORDS", teamPassword: (team: string) => `PASSWORDS.${team}`, password: "PASSWORD" };
  const check = (passwords: Record<string, string>) => {
    const problems = teamPasswordProblems(new Map(Object.entries(passwords)), ["production", "eu-staging"], PASSWORD, places, dashboardPasswordProblem);
    for (const problem of problems) expect(problem).not.toMatch(/Correct-Horse|short-secret|Tr0ub4dor/);
    return problems;
  };

  it("accepts one long, distinct password per team", () => {
    expect(check({ production: "Tr0ub4dor&3-production-view", "eu-staging": "Tr0ub4dor&3-staging-view" })).toEqual([]);
  });

  it("refuses a short password, a shared one, the dashboard's own, and one for no team", () => {
    expect(check({ production: "short-secret" })).toEqual(["PASSWORDS.production must be at least 16 characters"]);
    expect(check({ production: "Tr0ub4dor&3-shared-view", "eu-staging": "Tr0ub4dor&3-shared-view" })).toEqual(["PASSWORDS.eu-staging must differ from PASSWORDS.production: one password must open one team's view"]);
    expect(check({ production: PASSWORD })).toEqual(["PASSWORDS.production must differ from PASSWORD: one password must open one view"]);
    expect(check({ staging: "Tr0ub4dor&3-staging-view" })).toEqual(["PASSWORDS.staging names no team (teams: production, eu-staging)"]);
  });
});
