/**
 * core/tracker-settings: the pieces other modules build on — the exported sub-schemas, the
 * problem formatter's bounds, and the dashboard's own settings schema.
 */
import type { z } from "zod";
import {
  dashboardSettingsOf,
  dashboardSettingsSchema,
  formatPath,
  formatSettingsIssues,
  MAX_PROBLEM_LINES,
  parseTrackerSettings,
  recipientsSchema,
  SETTINGS_PARSE_OPTIONS,
  thresholdSchema,
} from "../../core/tracker-settings";

function problems(schema: z.ZodType, input: unknown, place = ""): string[] {
  const result = schema.safeParse(input, SETTINGS_PARSE_OPTIONS);
  if (result.success) throw new Error(`expected ${JSON.stringify(input).slice(0, 80)} to be refused`);
  return formatSettingsIssues(result.error.issues, place);
}

it("names paths like the stack does, cutting long keys", () => {
  expect(formatPath("do-cost-guard:billing", ["thresholds", 2, "amountUsd"])).toBe("do-cost-guard:billing.thresholds[2].amountUsd");
  expect(formatPath("", ["thresholds", 0])).toBe("thresholds[0]");
  expect(formatPath("do-cost-guard:alertEmails", [3])).toBe("do-cost-guard:alertEmails[3]");
  expect(formatPath("", ["k".repeat(1000)])).toBe(`${"k".repeat(37)}...`);
});

it("checks recipients and thresholds with the shared rules, placed under a given prefix", () => {
  expect(recipientsSchema.parse({ email: ["ops@example.com"] })).toEqual({ email: ["ops@example.com"] });
  expect(problems(recipientsSchema, { email: ["nope"], slack: [{ channel: "#a", url: "http://hooks.internal.example/x" }], sms: [] }, "body")).toEqual([
    'body.email[0] must be an email address like ops@example.com (got "nope")',
    "body.slack[0].url must use https:// (plain http:// is allowed only to 127.0.0.1, ::1 or localhost)",
    "body has unknown key sms (allowed: email, slack, webhook)",
  ]);
  expect(problems(thresholdSchema, { amountUsd: 0 })).toEqual(["amountUsd must be a positive number of US dollars (got 0)"]);
});

it("bounds what it prints: unknown keys three at a time, at most 20 lines", () => {
  const keys = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`extra${i}`, i]));
  expect(problems(thresholdSchema, { amountUsd: 5, ...keys })).toEqual(["the config has unknown keys extra0, extra1, extra2 and 7 more (allowed: amountUsd, email, slack, webhook)"]);
  const lines = problems(recipientsSchema, { email: Array.from({ length: 40 }, (_, i) => `bad${i}`) });
  expect(lines).toHaveLength(MAX_PROBLEM_LINES + 1);
  expect(lines[MAX_PROBLEM_LINES]).toBe("and 20 more problems");
});

it("keeps the dashboard's settings to the budget, ids that match their amounts, teams, a time zone (UTC by default), the runbook and the clean-up mode", () => {
  const thresholds = [{ id: "mtd-10", amountUsd: 10 }];
  // Settings bound before teams existed read as the one implicit team.
  expect(dashboardSettingsSchema.parse({ budgetMonthlyUsd: 450, thresholds })).toEqual({ budgetMonthlyUsd: 450, thresholds, teams: [{ name: "default", budgetMonthlyUsd: 450, thresholds, insightsOnly: false }], timeZone: "UTC" });
  expect(dashboardSettingsSchema.parse({ budgetMonthlyUsd: 450, thresholds: [], timeZone: "Asia/Kolkata", runbookUrl: "https://wiki.example.com/runbook" })).toMatchObject({
    budgetMonthlyUsd: 450,
    thresholds: [],
    timeZone: "Asia/Kolkata",
    runbookUrl: "https://wiki.example.com/runbook",
  });
  // Whether clean-up runs and acts: the page's Clean-up section says which; nothing else of its settings.
  expect(dashboardSettingsSchema.parse({ budgetMonthlyUsd: 450, thresholds: [], cleanup: { enabled: true, apply: false } }).cleanup).toEqual({ enabled: true, apply: false });
  expect(problems(dashboardSettingsSchema, { budgetMonthlyUsd: 450, thresholds: [], cleanup: { enabled: true, apply: false, denyList: [] } })).toEqual([
    "cleanup has unknown key denyList (allowed: enabled, apply)",
  ]);
  expect(problems(dashboardSettingsSchema, { budgetMonthlyUsd: 450, thresholds: [{ id: "mtd-11", amountUsd: 10 }] })).toEqual(["thresholds[0] id must be mtd-<amountUsd> (core/validators thresholdId)"]);
  // A tracker secret handed to the dashboard by mistake is refused, not carried along.
  expect(problems(dashboardSettingsSchema, { budgetMonthlyUsd: 450, thresholds: [], recipients: { slack: [] } })).toEqual([
    "the config has unknown key recipients (allowed: budgetMonthlyUsd, thresholds, teams, organization, timeZone, runbookUrl, cleanup)",
  ]);
});

describe("teams", () => {
  const OPS = "ops@forkline.example";
  const STAGING = "staging-leads@forkline.example";
  const PROD_URN = "do:team:5b4a3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d";
  const STAGING_URN = "do:team:c1d8e2f4-3a5b-4c6d-8e9f-0a1b2c3d4e5f";
  const ORG_URN = "do:teamgroup:0b7e4d2a-6c1f-4e8b-9a35-d2c7f1e6a904";
  const APP_ID = "8d2b6e07-51c3-4f9a-a0d8-6c4e9b1f3e25";
  const SLACK_SECRET = "https://hooks.slack.com/services/T0/B0/team-slack-secret-91";

  /** Two teams: production inherits everything, staging sets its own budget, ladder and recipients. */
  function twoTeams(): Record<string, unknown> {
    return {
      budgetMonthlyUsd: 450,
      recipients: { email: [OPS] },
      thresholds: [{ amountUsd: 10 }, { amountUsd: 150, email: ["finance@forkline.example"] }],
      email: { from: "billing@forkline.example" },
      organizationUrn: ORG_URN,
      teams: [
        { name: "production", urn: PROD_URN },
        { name: "staging", urn: STAGING_URN, budgetMonthlyUsd: 60, thresholds: [{ amountUsd: 30 }], recipients: { email: [STAGING], slack: [{ channel: "#staging", url: SLACK_SECRET }] } },
      ],
    };
  }

  function settingsOf(input: unknown) {
    const result = parseTrackerSettings(input);
    if (!result.ok) throw new Error(`expected the settings to be accepted: ${result.problems.join("; ")}`);
    return result.settings;
  }

  function problemsOf(input: unknown): string[] {
    const result = parseTrackerSettings(input);
    if (result.ok) throw new Error("expected the settings to be refused");
    return result.problems;
  }

  function patched(patch: (input: Record<string, unknown> & { teams: Record<string, unknown>[] }) => void): Record<string, unknown> {
    const input = twoTeams() as Record<string, unknown> & { teams: Record<string, unknown>[] };
    patch(input);
    return input;
  }

  it("resolves a config without teams to one implicit team named default with today's values", () => {
    const settings = settingsOf({ budgetMonthlyUsd: 200, recipients: { email: [OPS] }, email: { from: OPS }, accountUrn: PROD_URN, apps: [{ name: "storefront", appId: APP_ID }] });
    expect(settings.teams).toHaveLength(1);
    const [team] = settings.teams;
    expect(team).toMatchObject({ name: "default", urn: PROD_URN, implicit: true, budgetMonthlyUsd: 200 });
    // The same values the single-team code reads at the top level, not copies that could drift.
    expect(team!.thresholds).toBe(settings.thresholds);
    expect([team!.forecast, team!.spikes, team!.reports, team!.apps, team!.recipients]).toEqual([settings.forecast, settings.spikes, settings.reports, settings.apps, settings.recipients]);
    expect(settings.apps[0]!.team).toBe("default");
    expect(settings.organizationUrn).toBeUndefined();
    expect(settingsOf({ budgetMonthlyUsd: 200, recipients: { email: [OPS] }, email: { from: OPS } }).teams[0]!.urn).toBeUndefined();
  });

  it("gives each team the top-level budget, ladder and recipients unless it sets its own, which replace them", () => {
    const settings = settingsOf(twoTeams());
    const [production, staging] = settings.teams;
    expect(production).toMatchObject({ name: "production", urn: PROD_URN, implicit: false, budgetMonthlyUsd: 450 });
    expect(production!.thresholds.map((t) => [t.id, t.recipients.email])).toEqual([
      ["mtd-10", [OPS]],
      // An inherited threshold with its own audience keeps it.
      ["mtd-150", ["finance@forkline.example"]],
    ]);
    expect(production!.recipients.email).toEqual([OPS]);
    // Staging's ladder replaces the top-level one (30 only: not 10, 30, 150).
    expect(staging).toMatchObject({ name: "staging", budgetMonthlyUsd: 60 });
    expect(staging!.thresholds.map((t) => [t.id, t.recipients.email])).toEqual([["mtd-30", [STAGING]]]);
    for (const audience of [staging!.recipients, staging!.forecast.recipients, staging!.spikes.recipients, staging!.reports.weekly.recipients]) {
      expect(audience).toEqual({ email: [STAGING], slack: [{ channel: "#staging", url: SLACK_SECRET }], webhook: [] });
    }
    expect(settings.organizationUrn).toBe(ORG_URN);
    // The top level stays what a single-team reader sees: the defaults.
    expect(settings.budgetMonthlyUsd).toBe(450);
  });

  it("keeps a section's own audience for every team, and a team's recipients for the rest", () => {
    const settings = settingsOf({ ...twoTeams(), forecast: { email: ["forecasts@forkline.example"] } });
    expect(settings.teams.map((team) => team.forecast.recipients.email)).toEqual([["forecasts@forkline.example"], ["forecasts@forkline.example"]]);
    expect(settings.teams.map((team) => team.spikes.recipients.email)).toEqual([[OPS], [STAGING]]);
  });

  it("watches an app with its named team's token and recipients, else with the first team's", () => {
    const apps = [
      { name: "storefront", appId: APP_ID },
      { name: "staging-storefront", appId: "4f6c71e2-1e90-4762-9fee-6cc4a0a9f2cf", team: "staging" },
    ];
    const settings = settingsOf({ ...twoTeams(), apps });
    expect(settings.apps.map((app) => [app.team, app.recipients.email])).toEqual([
      ["production", [OPS]],
      ["staging", [STAGING]],
    ]);
    expect(settings.teams.map((team) => team.apps.map((app) => app.name))).toEqual([["storefront"], ["staging-storefront"]]);
    expect(problemsOf({ ...twoTeams(), apps: [{ ...apps[1], team: "stagging" }] })).toEqual(['apps[0].team must name one of the teams: production, staging (got "stagging")']);
    expect(problemsOf({ budgetMonthlyUsd: 10, recipients: { email: [OPS] }, email: { from: OPS }, apps: [{ ...apps[1] }] })).toEqual(['apps[0].team must name one of the teams: default (got "staging")']);
  });

  it("alerts the organisation's total only through its own budget and thresholds, to the top-level recipients unless a threshold names its own", () => {
    const settings = settingsOf({ ...twoTeams(), organization: { budgetMonthlyUsd: 510, thresholds: [{ amountUsd: 400 }, { amountUsd: 500, email: ["cto@forkline.example"] }] } });
    expect(settings.organization!.budgetMonthlyUsd).toBe(510);
    expect(settings.organization!.thresholds.map((t) => [t.id, t.recipients.email])).toEqual([
      ["mtd-400", [OPS]],
      ["mtd-500", ["cto@forkline.example"]],
    ]);
    expect(settings.organization!.recipients.email).toEqual([OPS]);
    expect(settingsOf({ ...twoTeams(), organization: { budgetMonthlyUsd: 510 } }).organization!.thresholds).toEqual([]);
    expect(settingsOf(twoTeams()).organization).toBeUndefined();
  });

  it.each<[string, Record<string, unknown>, string[]]>([
    ["an upper-case name", patched((c) => (c.teams[1]!.name = "Staging")), ['teams[1].name must be 1-40 lowercase letters, digits or dashes, starting and ending with a letter or digit, e.g. staging (got "Staging")']],
    ["a name with an underscore", patched((c) => (c.teams[1]!.name = "eu_staging")), ['teams[1].name must be 1-40 lowercase letters, digits or dashes, starting and ending with a letter or digit, e.g. staging (got "eu_staging")']],
    ["a name of 41 characters", patched((c) => (c.teams[1]!.name = "s".repeat(41))), ["teams[1].name must be 1-40 lowercase letters, digits or dashes, starting and ending with a letter or digit, e.g. staging (got a value that looks secret (not shown))"]],
    ["a repeated name", patched((c) => (c.teams[1]!.name = "production")), ["teams[1].name repeats teams[0].name (got production)"]],
    ["a repeated urn", patched((c) => (c.teams[1]!.urn = PROD_URN.toUpperCase().replace("DO:TEAM:", "do:team:"))), [`teams[1].urn repeats teams[0].urn (got ${PROD_URN.toUpperCase().replace("DO:TEAM:", "do:team:")})`]],
    ["an organisation urn as a team's", patched((c) => (c.teams[1]!.urn = ORG_URN)), [`teams[1].urn must look like do:team:<uuid> (got "${ORG_URN}")`]],
    ["a team urn that is not a uuid", patched((c) => (c.teams[0]!.urn = "do:team:production")), ['teams[0].urn must look like do:team:<uuid> (got "do:team:production")']],
    ["an upper-case urn prefix", patched((c) => (c.teams[0]!.urn = PROD_URN.replace("do:team:", "DO:TEAM:"))), [`teams[0].urn must look like do:team:<uuid> (got "${PROD_URN.replace("do:team:", "DO:TEAM:")}")`]],
    ["a team without urn", patched((c) => delete c.teams[0]!.urn), ["teams[0].urn is required"]],
    ["a team's unknown key", patched((c) => (c.teams[0]!.budget = 5)), ["teams[0] has unknown key budget (allowed: name, urn, budgetMonthlyUsd, thresholds, recipients)"]],
    ["a team's ladder out of order", patched((c) => (c.teams[1]!.thresholds = [{ amountUsd: 60 }, { amountUsd: 30 }])), ["teams[1].thresholds[1].amountUsd must be > thresholds[0].amountUsd (got 30 after 60)"]],
    ["no teams", patched((c) => (c.teams = [])), ["teams must list at least one team (or be left out for a single-team config)"]],
    ["a team urn as the organisation's", { ...twoTeams(), organizationUrn: PROD_URN }, [`organizationUrn must look like do:teamgroup:<uuid> (got "${PROD_URN}")`]],
    ["accountUrn with teams", { ...twoTeams(), accountUrn: PROD_URN }, ["accountUrn cannot be combined with teams: give each team its urn (teams[].urn) and the organisation's as organizationUrn"]],
    ["organizationUrn without teams", { budgetMonthlyUsd: 10, recipients: { email: [OPS] }, email: { from: OPS }, organizationUrn: ORG_URN }, ["organizationUrn needs teams: list the organisation's teams, each with its name and urn"]],
    ["organization without teams", { budgetMonthlyUsd: 10, recipients: { email: [OPS] }, email: { from: OPS }, organization: { budgetMonthlyUsd: 10 } }, ["organization needs teams: a single-team config's total is its team's (use budgetMonthlyUsd and thresholds)"]],
  ])("refuses %s, naming the team entry", (_case, input, expected) => {
    expect(problemsOf(input)).toEqual(expected);
  });

  it("checks that someone hears each team, placing the problem at the team entry", () => {
    // No top-level recipients: production has none to inherit, staging has its own.
    const input = { ...twoTeams(), recipients: undefined, thresholds: [{ amountUsd: 10 }], reports: { weekly: { enabled: true } } };
    expect(problemsOf(input)).toEqual([
      "teams[0].recipients must list at least one email, slack or webhook recipient (or set top-level recipients): nobody would hear the team's thresholds[0], forecast, spikes, weekly report",
    ]);
    const ownLadder = patched((c) => {
      c.recipients = undefined;
      c.teams[0]!.recipients = { email: [OPS] };
      c.teams[1]!.recipients = undefined;
      c.teams[1]!.thresholds = [{ amountUsd: 30, email: [STAGING] }, { amountUsd: 60 }];
      c.forecast = { enabled: false };
      c.spikes = { enabled: false };
    });
    expect(problemsOf(ownLadder)).toEqual(["teams[1].thresholds[1] must list at least one email, slack or webhook recipient (or set the team's or the top-level recipients)"]);
    // The top-level ladder needs no audience of its own when every team has one.
    expect(settingsOf({ ...ownLadder, teams: (ownLadder.teams as unknown[]).slice(0, 1) }).teams).toHaveLength(1);
  });

  it("needs email.from when only a team's recipients are email addresses", () => {
    const input = patched((c) => {
      c.recipients = { webhook: ["https://hooks.forkline.example/costs"] };
      c.thresholds = [{ amountUsd: 10 }];
      c.email = undefined;
    });
    expect(problemsOf(input)).toEqual(["email.from must be set when any recipient is an email address"]);
  });

  it("gives the dashboard each team's budget and threshold ids, the organisation's, and which teams are read from insights only", () => {
    const settings = settingsOf({ ...twoTeams(), organization: { budgetMonthlyUsd: 510, thresholds: [{ amountUsd: 500 }] }, cleanup: { enabled: true } });
    const dashboard = dashboardSettingsOf(settings, (team) => team === "staging");
    expect(dashboard).toEqual({
      budgetMonthlyUsd: 450,
      thresholds: [{ id: "mtd-10", amountUsd: 10 }, { id: "mtd-150", amountUsd: 150 }],
      teams: [
        { name: "production", budgetMonthlyUsd: 450, thresholds: [{ id: "mtd-10", amountUsd: 10 }, { id: "mtd-150", amountUsd: 150 }], insightsOnly: false },
        { name: "staging", budgetMonthlyUsd: 60, thresholds: [{ id: "mtd-30", amountUsd: 30 }], insightsOnly: true },
      ],
      organization: { budgetMonthlyUsd: 510, thresholds: [{ id: "mtd-500", amountUsd: 500 }] },
      timeZone: "UTC",
      // Clean-up on, apply off by default: a dry run the page says is one.
      cleanup: { enabled: true, apply: false },
    });
    // What the stack binds is what the dashboard reads back, and it carries no recipient or secret.
    expect(dashboardSettingsSchema.parse(JSON.parse(JSON.stringify(dashboard)))).toEqual(dashboard);
    expect(JSON.stringify(dashboard)).not.toContain("team-slack-secret-91");
    expect(problems(dashboardSettingsSchema, { ...dashboard, teams: [dashboard.teams[0], dashboard.teams[0]] })).toEqual(["teams[1].name repeats an earlier team's name (got production)"]);
  });
});
