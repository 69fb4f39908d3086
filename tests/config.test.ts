import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { ConfigError, parseStackConfig, POLICY_CONFIG_FILE, readPackSettings } from "../config";

const DB_ID = "3f1c9a52-7d4e-4b8a-9c61-2e5f0d8b7a14";
const APP_ID = "8d2b6e07-51c3-4f9a-a0d8-6c4e9b1f3e25";
const SLACK = "https://hooks.slack.com/services/T000/B000/XXXX";

/** A valid configuration; each test changes one thing. */
function validRaw(): Record<string, unknown> {
  return {
    alertEmails: ["oncall@forkline.example"],
    alertSlackChannel: "#ops-alerts",
    alertSlackWebhookUrl: SLACK,
    trackerDigitalOceanToken: "dop_v1_test_only_not_a_real_token",
    trackerDatabaseUrl: "postgres://tracker:pw@db.forkline.example:25060/costs?sslmode=require",
    trackerSmtpUrl: "smtps://billing:pw@smtp.forkline.example:465",
    dashboardPassword: "correct horse battery staple",
    billing: { budgetMonthlyUsd: 450, email: { from: "Forkline <billing@forkline.example>" }, thresholds: [{ amountUsd: 10 }, { amountUsd: 150, email: ["finance@forkline.example"] }] },
    alertTargets: [
      { kind: "database", name: "orders-db", id: DB_ID },
      { kind: "droplet", name: "workers", tag: "service:worker" },
      { kind: "app", name: "storefront", id: APP_ID },
    ],
  };
}

function reader(raw: Record<string, unknown>) {
  return (key: string) => {
    const value = raw[key];
    if (value === undefined) return undefined;
    return typeof value === "string" ? value : JSON.stringify(value);
  };
}

function problemsOf(raw: Record<string, unknown>): string[] {
  try {
    parseStackConfig(reader(raw));
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return [...(err as ConfigError).problems];
  }
  throw new Error("expected the configuration to be rejected");
}

function withTarget(patch: Record<string, unknown>, index = 0): Record<string, unknown> {
  const raw = validRaw();
  const targets = [...(raw.alertTargets as Record<string, unknown>[])];
  targets[index] = { ...targets[index], ...patch };
  return { ...raw, alertTargets: targets };
}

describe("parseStackConfig", () => {
  it("accepts the valid configuration and fills every rule's defaults", () => {
    const config = parseStackConfig(reader(validRaw()));
    expect(config.alerts.destinations).toEqual({ emails: ["oncall@forkline.example"], slack: { channel: "#ops-alerts", url: SLACK } });
    const db = config.alerts.targets[0];
    expect(db).toMatchObject({ kind: "database", name: "orders-db", ids: [DB_ID], tag: undefined });
    expect(db.rules).toEqual({
      cpuHigh: { threshold: 70, window: "5m", enabled: true },
      cpuLow: { threshold: 20, window: "1h", enabled: true },
      memory: { threshold: 80, window: "5m", enabled: true },
      disk: { threshold: 80, window: "5m", enabled: true },
    });
    expect(Object.isFrozen(config.alerts.targets[0].rules.cpuHigh)).toBe(true);
  });

  it("applies overrides and switches rules off", () => {
    const config = parseStackConfig(reader(withTarget({ rules: { cpuHigh: { threshold: 75, window: "10m" }, disk: false } })));
    expect(config.alerts.targets[0].rules.cpuHigh).toEqual({ threshold: 75, window: "10m", enabled: true });
    expect(config.alerts.targets[0].rules.disk.enabled).toBe(false);
  });

  it("composes the tracker's config from billing and the alert destinations, and applies tracker defaults", () => {
    const { tracker } = parseStackConfig(reader(validRaw()));
    expect(tracker).toMatchObject({ region: "nyc1", schedules: { check: "0 * * * *", daily: "0 7 * * *", weekly: "0 7 * * 1" }, memoryMb: 256, timeoutSeconds: 600 });
    const json = JSON.parse(tracker.trackerSettingsJson);
    expect(json.recipients).toEqual({ email: ["oncall@forkline.example"], slack: [{ channel: "#ops-alerts", url: SLACK }] });
    // A threshold with its own emails sends to them (and Slack) instead of alertEmails.
    expect(json.thresholds).toEqual([{ amountUsd: 10 }, { amountUsd: 150, email: ["finance@forkline.example"], slack: [{ channel: "#ops-alerts", url: SLACK }] }]);
    expect(json).toMatchObject({ budgetMonthlyUsd: 450, email: { from: "Forkline <billing@forkline.example>" } });
  });

  it("treats an empty Slack channel as no Slack, and ignores the webhook then", () => {
    const config = parseStackConfig(reader({ ...validRaw(), alertSlackChannel: "", alertSlackWebhookUrl: "" }));
    expect(config.alerts.destinations.slack).toBeUndefined();
  });

  it.each<[string, Record<string, unknown>, string]>([
    ["unknown target kind", withTarget({ kind: "kubernetes" }), "do-cost-guard:alertTargets[0].kind must be one of database, droplet, loadBalancer, app (got \"kubernetes\")"],
    ["percentage above 100", withTarget({ rules: { memory: { threshold: 120 } } }), "do-cost-guard:alertTargets[0].rules.memory.threshold must be a percentage from 0 to 100 (got 120)"],
    ["negative percentage", withTarget({ rules: { disk: { threshold: -1 } } }), "do-cost-guard:alertTargets[0].rules.disk.threshold must be a percentage from 0 to 100 (got -1)"],
    ["low at or above high", withTarget({ rules: { cpuLow: { threshold: 70 } } }), "do-cost-guard:alertTargets[0].rules.cpuLow.threshold must be below cpuHigh.threshold (got 70, cpuHigh 70)"],
    ["window DigitalOcean does not accept", withTarget({ rules: { cpuHigh: { window: "15m" } } }), "do-cost-guard:alertTargets[0].rules.cpuHigh.window must be one of 5m, 10m, 30m, 1h (got \"15m\")"],
    ["unknown rule", withTarget({ rules: { latency: { threshold: 5 } } }), "do-cost-guard:alertTargets[0].rules.latency is not a database rule (expected one of cpuHigh, cpuLow, memory, disk)"],
    ["malformed email", { ...validRaw(), alertEmails: ["oncall@forkline.example", "finance(at)forkline"] }, "do-cost-guard:alertEmails[1] must be an email address like ops@example.com (got \"finance(at)forkline\")"],
    ["plain-http Slack webhook to another host", { ...validRaw(), alertSlackWebhookUrl: "http://hooks.slack.com/services/T0/B0/x" }, "do-cost-guard:alertSlackWebhookUrl must use https:// (plain http:// is allowed only to 127.0.0.1, ::1 or localhost)"],
    ["Slack webhook that is not a URL", { ...validRaw(), alertSlackWebhookUrl: "hooks.slack.com/services/T0/B0/x" }, "do-cost-guard:alertSlackWebhookUrl must be a Slack incoming-webhook URL (an https:// URL)"],
    ["Slack channel without webhook", { ...validRaw(), alertSlackWebhookUrl: "" }, "do-cost-guard:alertSlackWebhookUrl is required when do-cost-guard:alertSlackChannel is set: pulumi config set --secret alertSlackWebhookUrl <url>"],
    ["no destination at all", { ...validRaw(), alertEmails: [], alertSlackChannel: "" }, "no alert destination: set do-cost-guard:alertEmails and/or do-cost-guard:alertSlackChannel (with do-cost-guard:alertSlackWebhookUrl)"],
    ["duplicate target name", withTarget({ name: "orders-db", tag: "service:worker" }, 1), "do-cost-guard:alertTargets[1] duplicates alertTargets[0] (same name orders-db)"],
    ["database neither id nor tag", withTarget({ id: undefined }), "do-cost-guard:alertTargets[0] must select the database by exactly one of id (a cluster uuid) or tag"],
    ["database with both id and tag", withTarget({ tag: "env:prod" }), "do-cost-guard:alertTargets[0] must select the database by exactly one of id (a cluster uuid) or tag"],
    ["database id that is not a uuid", withTarget({ id: "orders" }), "do-cost-guard:alertTargets[0].id must be a database cluster uuid (got \"orders\")"],
    ["tag DigitalOcean would reject", withTarget({ tag: "service worker" }, 1), "do-cost-guard:alertTargets[1].tag must match DigitalOcean's tag pattern ^[a-zA-Z0-9_\\-:]+$ (≤ 255 chars) (got \"service worker\")"],
    ["tag on an app", withTarget({ tag: "env:prod" }, 2), "do-cost-guard:alertTargets[2].tag is not allowed for a app target: DigitalOcean cannot tag it, use id"],
    ["tracker schedule that is not cron", { ...validRaw(), tracker: { schedules: { daily: "0 25 * * *" } } }, 'do-cost-guard:tracker.schedules.daily: cron "0 25 * * *": hour field "25" is out of range (allowed 0-23)'],
    ["unknown tracker schedule", { ...validRaw(), tracker: { schedules: { monthly: "0 7 1 * *" } } }, "do-cost-guard:tracker.schedules.monthly is not a known schedule (expected check, daily, weekly)"],
    ["region without Functions", { ...validRaw(), tracker: { region: "nyc3" } }, 'do-cost-guard:tracker.region must be a Functions region: ams3, blr1, fra1, lon1, nyc1, sfo3, sgp1, syd1, tor1 (got "nyc3")'],
    ["memory outside Functions limits", { ...validRaw(), tracker: { memoryMb: 2048 } }, "do-cost-guard:tracker.memoryMb must be a whole number from 128 to 1024 (got 2048)"],
    ["thresholds out of order", { ...validRaw(), billing: { budgetMonthlyUsd: 450, email: { from: "b@forkline.example" }, thresholds: [{ amountUsd: 150 }, { amountUsd: 50 }] } }, "do-cost-guard:billing.thresholds[1].amountUsd must be > thresholds[0].amountUsd (got 50 after 150)"],
    ["misspelt billing key", { ...validRaw(), billing: { budgetMonthlyUsd: 450, email: { from: "b@forkline.example" }, budget: 10 } }, "do-cost-guard:billing has unknown key budget (allowed: budgetMonthlyUsd, thresholds, email, reports, units, accountUrn, timeZone, runbookUrl, organizationUrn, organization, teams, advice, cleanup, calibration)"],
    ["billing key of the old spelling", { ...validRaw(), billing: { budgetMonthlyUsd: 450, email: { from: "b@forkline.example" }, thresholds: [{ amountUsd: 10, emails: ["a@forkline.example"] }] } }, "do-cost-guard:billing.thresholds[0] has unknown key emails (allowed: amountUsd, email, slack, webhook)"],
    ["a threshold email that is not one", { ...validRaw(), billing: { budgetMonthlyUsd: 450, email: { from: "b@forkline.example" }, thresholds: [{ amountUsd: 10, email: ["finance"] }] } }, 'do-cost-guard:billing.thresholds[0].email[0] must be an email address like ops@example.com (got "finance")'],
    ["no sender while emailing", { ...validRaw(), billing: { budgetMonthlyUsd: 450 } }, "do-cost-guard:billing.email.from must be set when any recipient is an email address"],
    ["a budget as text", { ...validRaw(), billing: { budgetMonthlyUsd: "450", email: { from: "b@forkline.example" } } }, 'do-cost-guard:billing.budgetMonthlyUsd must be a positive number of US dollars (got "450")'],
    ["51 alert emails", { ...validRaw(), alertEmails: Array.from({ length: 51 }, (_, i) => `ops${i}@forkline.example`) }, "do-cost-guard:alertEmails must list at most 50 email addresses"],
    ["51 emails on a threshold", { ...validRaw(), billing: { budgetMonthlyUsd: 450, email: { from: "b@forkline.example" }, thresholds: [{ amountUsd: 10, email: Array.from({ length: 51 }, (_, i) => `ops${i}@forkline.example`) }] } }, "do-cost-guard:billing.thresholds[0].email must list at most 50 email addresses"],
    ["a plain-http webhook on a threshold", { ...validRaw(), billing: { budgetMonthlyUsd: 450, email: { from: "b@forkline.example" }, thresholds: [{ amountUsd: 10, webhook: ["http://hooks.forkline.example/costs"] }] } }, "do-cost-guard:billing.thresholds[0].webhook[0] must use https:// (plain http:// is allowed only to 127.0.0.1, ::1 or localhost)"],
    ["an app's daily bandwidth with memory off", withTarget({ rules: { memory: false, dailyBandwidth: { threshold: 40 } } }, 2), "do-cost-guard:alertTargets[2].rules.dailyBandwidth needs the memory rule on: the tracker watches an app's bandwidth alongside its memory"],
    ["an app's daily bandwidth without a threshold", withTarget({ rules: { dailyBandwidth: {} } }, 2), "do-cost-guard:alertTargets[2].rules.dailyBandwidth.threshold is required: must be a positive number of GiB per day (there is no default)"],
    ["an app memory threshold the tracker cannot watch", withTarget({ rules: { memory: { threshold: 100 } } }, 2), "do-cost-guard:alertTargets[2].rules.memory.threshold must be a percent between 0 and 100 (got 100)"],
    ["database URL that is not Postgres", { ...validRaw(), trackerDatabaseUrl: "mysql://u:p@h/db" }, "do-cost-guard:trackerDatabaseUrl must be a postgres:// or postgresql:// URL"],
    ["missing tracker token", { ...validRaw(), trackerDigitalOceanToken: "" }, "do-cost-guard:trackerDigitalOceanToken is required: pulumi config set --secret trackerDigitalOceanToken <value>"],
    ["short dashboard password", { ...validRaw(), dashboardPassword: "hunter2" }, "do-cost-guard:dashboardPassword must be at least 16 characters"],
    ["misspelt target key", withTarget({ thresholds: {} }), "do-cost-guard:alertTargets[0].thresholds is not a known key (expected one of kind, name, id, ids, tag, rules, team)"],
  ])("rejects %s, naming the key", (_case, raw, expected) => {
    expect(problemsOf(raw)).toEqual([expected]);
  });

  it("rejects duplicate targets selecting the same droplets by tag", () => {
    const raw = validRaw();
    raw.alertTargets = [...(raw.alertTargets as unknown[]), { kind: "droplet", name: "workers-2", tag: "service:worker" }];
    expect(problemsOf(raw)).toEqual(["do-cost-guard:alertTargets[3] duplicates alertTargets[1] (same droplet tag service:worker)"]);
  });

  it("reports every problem in one pass, not only the first", () => {
    const raw = withTarget({ kind: "database", rules: { memory: { threshold: 101 }, cpuHigh: { window: "2h" } } });
    raw.alertEmails = ["not-an-email"];
    raw.alertSlackWebhookUrl = "http://hooks.slack.com/insecure";
    const problems = problemsOf(raw);
    expect(problems).toHaveLength(4);
    expect(problems.join("\n")).toMatch(/alertEmails\[0\]/);
    expect(problems.join("\n")).toMatch(/alertSlackWebhookUrl/);
    expect(problems.join("\n")).toMatch(/rules\.memory\.threshold/);
    expect(problems.join("\n")).toMatch(/rules\.cpuHigh\.window/);
  });

  it("never echoes tracker secrets", () => {
    const problems = problemsOf({ ...validRaw(), trackerDatabaseUrl: "mysql://u:S3CRET@h/db", dashboardPassword: "S3CRETshort" });
    expect(problems).toHaveLength(2);
    expect(problems.join("\n")).not.toContain("S3CRET");
  });

  it("never echoes the Slack webhook URL, which is a secret", () => {
    const secretish = "http://evil.example/T0SECRET/B0SECRET/abcdefabcdef";
    const problems = problemsOf({ ...validRaw(), alertSlackWebhookUrl: secretish });
    expect(problems.join("\n")).not.toContain("T0SECRET");
  });

  it("turns App Platform targets into the tracker's app watches, with the opt-in daily bandwidth rule", () => {
    const { tracker } = parseStackConfig(reader(withTarget({ rules: { memory: { threshold: 85, window: "10m" }, dailyBandwidth: { threshold: 40 } } }, 2)));
    expect(JSON.parse(tracker.trackerSettingsJson).apps).toEqual([
      { name: "storefront", appId: APP_ID, memoryThresholdPercent: 85, window: "10m", bandwidthAllowanceGiBPerDay: 40 },
    ]);
    // Without the rule there is no bandwidth check; with memory off there is no watch.
    expect(JSON.parse(parseStackConfig(reader(validRaw())).tracker.trackerSettingsJson).apps).toEqual([{ name: "storefront", appId: APP_ID, memoryThresholdPercent: 80, window: "5m" }]);
    expect(JSON.parse(parseStackConfig(reader(withTarget({ rules: { memory: false } }, 2))).tracker.trackerSettingsJson).apps).toEqual([]);
  });

  it("gives the dashboard its own settings: budget and threshold ids, none of the tracker's secrets", () => {
    const { tracker } = parseStackConfig(reader(validRaw()));
    const thresholds = [{ id: "mtd-10", amountUsd: 10 }, { id: "mtd-150", amountUsd: 150 }];
    expect(tracker.dashboardSettings).toEqual({ budgetMonthlyUsd: 450, thresholds, teams: [{ name: "default", budgetMonthlyUsd: 450, thresholds, insightsOnly: false }], timeZone: "UTC", cleanup: { enabled: false, apply: false } });
    expect(JSON.stringify(tracker.dashboardSettings)).not.toContain("hooks.slack.com");
  });

  it("asks for no Slack webhook secret without a Slack channel, and no SMTP secret when nobody is emailed", () => {
    const noSlack = { ...validRaw(), alertSlackChannel: "", alertSlackWebhookUrl: undefined };
    expect(parseStackConfig(reader(noSlack)).alerts.destinations.slack).toBeUndefined();
    const noEmail = { ...validRaw(), alertEmails: [], trackerSmtpUrl: undefined, billing: { budgetMonthlyUsd: 450 } };
    const config = parseStackConfig(reader(noEmail));
    expect(config.tracker.smtpUrl).toBeUndefined();
    // Emailing someone without an SMTP URL is still refused, naming the key.
    expect(problemsOf({ ...validRaw(), trackerSmtpUrl: undefined })).toEqual([
      "do-cost-guard:trackerSmtpUrl is required when any recipient is an email address: pulumi config set --secret trackerSmtpUrl <value>",
    ]);
  });

  it("never prints the password of a postgres URL given as billing.units.source", () => {
    for (const source of ["postgres://reader:PASSWORD-4242@db.forkline.example:25060/app", { kind: "sql", databaseUrl: "mysql://reader:PASSWORD-4242@db/app", query: "select 1" }]) {
      const problems = problemsOf({ ...validRaw(), billing: { budgetMonthlyUsd: 450, email: { from: "b@forkline.example" }, units: { name: "restaurant", source } } });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^do-cost-guard:billing\.units\.source/);
      expect(problems[0]).not.toContain("PASSWORD-4242");
    }
  });

  it("explains how to set a list when a bare string is given", () => {
    expect(problemsOf({ ...validRaw(), alertEmails: "oncall@forkline.example" })[0]).toMatch(
      /^do-cost-guard:alertEmails must be a YAML\/JSON list/,
    );
  });
});

describe("billing.advice, billing.cleanup and the pack's tag requirement", () => {
  const settingsOf = (raw: Record<string, unknown>, pack = {}) => JSON.parse(parseStackConfig(reader(raw), pack).tracker.trackerSettingsJson);
  const withBilling = (patch: Record<string, unknown>) => ({ ...validRaw(), billing: { ...(validRaw().billing as object), ...patch } });

  it("passes billing.advice, billing.cleanup and billing.calibration to the tracker's settings", () => {
    const settings = settingsOf(withBilling({ advice: { requestBudget: 300, poweredOffDays: 10 }, cleanup: { enabled: true, graceDays: 5 }, calibration: { enabled: false } }));
    expect(settings.advice).toEqual({ requestBudget: 300, poweredOffDays: 10 });
    expect(settings.cleanup).toEqual({ enabled: true, graceDays: 5 });
    expect(settings.calibration).toEqual({ enabled: false });
  });

  it("passes billing.timeZone and billing.runbookUrl to the tracker and to the dashboard's settings", () => {
    const raw = withBilling({ timeZone: "Europe/Berlin", runbookUrl: "https://docs.forkline.example/runbook.html" });
    expect(settingsOf(raw)).toMatchObject({ timeZone: "Europe/Berlin", runbookUrl: "https://docs.forkline.example/runbook.html" });
    expect(parseStackConfig(reader(raw)).tracker.dashboardSettings).toMatchObject({ timeZone: "Europe/Berlin", runbookUrl: "https://docs.forkline.example/runbook.html" });
  });

  it.each([
    [{ timeZone: "Mars/Olympus_Mons" }, 'do-cost-guard:billing.timeZone must be an IANA time zone name like "UTC" or "Europe/Berlin" (got "Mars/Olympus_Mons")'],
    [{ timeZone: "+01:00" }, 'do-cost-guard:billing.timeZone must be an IANA time zone name like "UTC" or "Europe/Berlin" (got "+01:00")'],
    [{ runbookUrl: "docs/runbook.md" }, "do-cost-guard:billing.runbookUrl must be an http(s) URL"],
    [{ runbookUrl: "https://docs.forkline.example/runbook#top" }, "do-cost-guard:billing.runbookUrl must not carry a #fragment: each alert appends its own section's"],
  ])("refuses %j, naming the key", (patch, problem) => {
    expect(problemsOf(withBilling(patch))).toEqual([problem]);
  });

  it("takes the tag requirement from the pack's config, never from billing", () => {
    const requireTags = { requiredKeys: ["env", "team"], allowedValues: { env: ["prod"] } };
    expect(settingsOf(validRaw(), { requireTags }).advice).toEqual({ requireTags });
    expect(problemsOf(withBilling({ advice: { requireTags } }))).toEqual([expect.stringContaining("do-cost-guard:billing.advice has unknown key requireTags")]);
  });

  it("asks for trackerCleanupToken only when clean-up applies, and binds it as a secret", () => {
    expect(problemsOf(withBilling({ cleanup: { enabled: true, apply: true } }))).toEqual([
      "do-cost-guard:trackerCleanupToken is required when billing.cleanup.apply is true (a write-scoped token): pulumi config set --secret trackerCleanupToken <value>",
    ]);
    expect(parseStackConfig(reader(withBilling({ cleanup: { enabled: true } }))).tracker.cleanupToken).toBeUndefined();
    const applied = parseStackConfig(reader({ ...withBilling({ cleanup: { enabled: true, apply: true } }), trackerCleanupToken: "dop_v1_write_scope_test_only" }));
    expect(applied.tracker.cleanupToken).toBe("dop_v1_write_scope_test_only");
  });
});

describe("billing.teams and the per-team secrets", () => {
  // Distinctive fake secrets: no problem line may contain any of them.
  const READ_SECRET = "dop_v1_read_test_only_7e3a9c1b5d2f8e4a0c6b9d3f1e7a5c2b";
  const ORG_SECRET = "dop_v1_org_test_only_0f1e2d3c4b5a69788796a5b4c3d2e1f0";
  const WRITE_SECRET = "dop_v1_write_9d8c7b6a5f4e3d2c1b0a9d8c7b6a5f4e3d2c1b0a9d8c7b6a5f4e3d2c1b0a";
  const TEAM_PASSWORD = "staging-view-Zq8#password-4711";
  const SECRETS = [READ_SECRET, ORG_SECRET, WRITE_SECRET, TEAM_PASSWORD, "Zq8#password"];
  const PROD_URN = "do:team:5b4a3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d";
  const STAGING_URN = "do:team:c1d8e2f4-3a5b-4c6d-8e9f-0a1b2c3d4e5f";
  const ORG_URN = "do:teamgroup:0b7e4d2a-6c1f-4e8b-9a35-d2c7f1e6a904";

  /** The valid configuration with two teams of one organisation, production with its own token. */
  function teamsRaw(billingPatch: Record<string, unknown> = {}): Record<string, unknown> {
    const raw = validRaw();
    delete raw.trackerDigitalOceanToken;
    return {
      ...raw,
      billing: {
        ...(raw.billing as object),
        organizationUrn: ORG_URN,
        teams: [
          { name: "production", urn: PROD_URN },
          { name: "staging", urn: STAGING_URN, budgetMonthlyUsd: 60, thresholds: [{ amountUsd: 30 }], recipients: { email: ["staging-leads@forkline.example"] } },
        ],
        ...billingPatch,
      },
      trackerOrganizationToken: ORG_SECRET,
      trackerTeamTokens: { production: READ_SECRET },
      dashboardTeamPasswords: { staging: TEAM_PASSWORD },
    };
  }

  function secretFreeProblems(raw: Record<string, unknown>): string[] {
    const problems = problemsOf(raw);
    for (const secret of SECRETS) expect(problems.join("\n")).not.toContain(secret);
    return problems;
  }

  it("composes the teams into the tracker's settings and binds each secret the settings use", () => {
    const { tracker } = parseStackConfig(reader(teamsRaw()));
    const settings = JSON.parse(tracker.trackerSettingsJson);
    expect(settings.organizationUrn).toBe(ORG_URN);
    // A team's own recipients reach the alert Slack channel too, like a threshold's.
    expect(settings.teams[1]).toEqual({ name: "staging", urn: STAGING_URN, budgetMonthlyUsd: 60, thresholds: [{ amountUsd: 30 }], recipients: { email: ["staging-leads@forkline.example"], slack: [{ channel: "#ops-alerts", url: SLACK }] } });
    expect(tracker).toMatchObject({ organizationToken: ORG_SECRET, teamTokens: JSON.stringify({ production: READ_SECRET }), dashboardTeamPasswords: JSON.stringify({ staging: TEAM_PASSWORD }) });
    // A token reads one team: with teams the single-team token is neither asked for nor bound.
    expect(tracker.digitalOceanToken).toBeUndefined();
    expect(tracker.teamCleanupTokens).toBeUndefined();
    expect(tracker.dashboardSettings.teams).toEqual([
      { name: "production", budgetMonthlyUsd: 450, thresholds: [{ id: "mtd-10", amountUsd: 10 }, { id: "mtd-150", amountUsd: 150 }], insightsOnly: false },
      { name: "staging", budgetMonthlyUsd: 60, thresholds: [{ id: "mtd-30", amountUsd: 30 }], insightsOnly: true },
    ]);
    expect(JSON.stringify(tracker.dashboardSettings)).not.toContain(TEAM_PASSWORD);
  });

  it("takes the maps as Pulumi hands them over from --path secrets (JSON text) and binds clean-up tokens only when clean-up applies", () => {
    const raw = teamsRaw({ cleanup: { enabled: true, apply: true } });
    raw.trackerTeamTokens = JSON.stringify({ production: READ_SECRET, staging: READ_SECRET });
    raw.trackerTeamCleanupTokens = JSON.stringify({ production: WRITE_SECRET, staging: WRITE_SECRET });
    expect(parseStackConfig(reader(raw)).tracker.teamCleanupTokens).toBe(JSON.stringify({ production: WRITE_SECRET, staging: WRITE_SECRET }));
    expect(parseStackConfig(reader({ ...raw, billing: { ...(raw.billing as object), cleanup: { enabled: true } } })).tracker.teamCleanupTokens).toBeUndefined();
  });

  it("names the app target's team and refuses a team on a monitor-alert target", () => {
    const raw = teamsRaw();
    const targets = raw.alertTargets as Record<string, unknown>[];
    targets[2] = { ...targets[2], team: "staging" };
    expect(JSON.parse(parseStackConfig(reader(raw)).tracker.trackerSettingsJson).apps[0].team).toBe("staging");
    targets[2] = { ...targets[2], team: "stagging" };
    expect(secretFreeProblems(raw)).toEqual(['do-cost-guard:alertTargets[2].team must name one of the teams: production, staging (got "stagging")']);
    targets[2] = { ...targets[2], team: "Staging" };
    expect(secretFreeProblems(raw)).toEqual(['do-cost-guard:alertTargets[2].team must be the name of one of billing.teams (got "Staging")']);
    targets[2] = { ...targets[2], team: undefined };
    targets[0] = { ...targets[0], team: "staging" };
    expect(secretFreeProblems(raw)).toEqual([
      "do-cost-guard:alertTargets[0].team is only for app targets: the tracker watches apps with their team's token, monitor alerts are created with the deploy token",
    ]);
  });

  it.each<[string, (raw: Record<string, unknown>) => void, string[]]>([
    ["a team name that is not a label", (raw) => ((raw.billing as { teams: { name: string }[] }).teams[1]!.name = "Staging"), [
      'do-cost-guard:billing.teams[1].name must be 1-40 lowercase letters, digits or dashes, starting and ending with a letter or digit, e.g. staging (got "Staging")',
    ]],
    ["accountUrn with teams", (raw) => ((raw.billing as Record<string, unknown>).accountUrn = PROD_URN), [
      "do-cost-guard:billing.accountUrn cannot be combined with teams: give each team its urn (teams[].urn) and the organisation's as organizationUrn",
    ]],
    ["no organisation token", (raw) => delete raw.trackerOrganizationToken, [
      "do-cost-guard:trackerOrganizationToken is required when do-cost-guard:billing.organizationUrn is set (organization:read and billing:read)",
    ]],
    ["a team that cannot be read", (raw) => delete (raw.billing as Record<string, unknown>).organizationUrn, [
      "do-cost-guard:billing.teams[1] (staging) cannot be read: set do-cost-guard:trackerTeamTokens.staging, or do-cost-guard:billing.organizationUrn with do-cost-guard:trackerOrganizationToken",
    ]],
    ["team tokens that are not JSON", (raw) => (raw.trackerTeamTokens = `production=${READ_SECRET}`), [
      "do-cost-guard:trackerTeamTokens is not valid JSON: it must be an object of team name → secret",
    ]],
    ["a team token for no team", (raw) => (raw.trackerTeamTokens = { prodution: READ_SECRET }), [
      "do-cost-guard:trackerTeamTokens.prodution names no team (teams: production, staging)",
    ]],
    ["a token pasted as the key", (raw) => (raw.trackerTeamTokens = { [READ_SECRET]: "production" }), [
      "do-cost-guard:trackerTeamTokens has a key that is not a team name (not shown: the map looks reversed; it must be team name → secret) (teams: production, staging)",
    ]],
    ["a team token that is not a string", (raw) => (raw.trackerTeamTokens = { production: { token: READ_SECRET } }), [
      'do-cost-guard:trackerTeamTokens entry "production" must be a string (got an object)',
    ]],
    ["no clean-up token for a team read with its own", (raw) => ((raw.billing as Record<string, unknown>).cleanup = { enabled: true, apply: true }), [
      "do-cost-guard:trackerTeamCleanupTokens.production is required when do-cost-guard:billing.cleanup.apply is true (a write-scoped token for team production)",
    ]],
    ["a clean-up token for a team read from insights only", (raw) => {
      (raw.billing as Record<string, unknown>).cleanup = { enabled: true, apply: true };
      raw.trackerTeamCleanupTokens = { production: WRITE_SECRET, staging: WRITE_SECRET };
    }, [
      "do-cost-guard:trackerTeamCleanupTokens.staging is set but team staging has no do-cost-guard:trackerTeamTokens.staging: clean-up reads a resource before it writes",
    ]],
    ["a short team password", (raw) => (raw.dashboardTeamPasswords = { staging: "Zq8#password" }), ["do-cost-guard:dashboardTeamPasswords.staging must be at least 16 characters"]],
    ["a team password that is the dashboard's", (raw) => (raw.dashboardTeamPasswords = { staging: raw.dashboardPassword as string }), [
      "do-cost-guard:dashboardTeamPasswords.staging must differ from do-cost-guard:dashboardPassword: one password must open one view",
    ]],
    ["one password for two teams", (raw) => (raw.dashboardTeamPasswords = { production: TEAM_PASSWORD, staging: TEAM_PASSWORD }), [
      "do-cost-guard:dashboardTeamPasswords.staging must differ from do-cost-guard:dashboardTeamPasswords.production: one password must open one team's view",
    ]],
    ["a team password for no team", (raw) => (raw.dashboardTeamPasswords = { stage: TEAM_PASSWORD }), ["do-cost-guard:dashboardTeamPasswords.stage names no team (teams: production, staging)"]],
  ])("refuses %s, naming the key and never a secret", (_case, mutate, expected) => {
    const raw = teamsRaw();
    mutate(raw);
    expect(secretFreeProblems(raw)).toEqual(expected);
  });

  it("reads the per-team secrets only with teams, and the single-team token only without them", () => {
    // A single-team stack ignores the team maps, even malformed ones (the offline plan fills every optional secret).
    const single = { ...validRaw(), trackerTeamTokens: "not json", trackerOrganizationToken: ORG_SECRET, dashboardTeamPasswords: "short" };
    expect(parseStackConfig(reader(single)).tracker).toMatchObject({ digitalOceanToken: "dop_v1_test_only_not_a_real_token" });
    expect(parseStackConfig(reader(single)).tracker.organizationToken).toBeUndefined();
    expect(parseStackConfig(reader({ ...teamsRaw(), trackerDigitalOceanToken: READ_SECRET })).tracker.digitalOceanToken).toBeUndefined();
  });
});

describe("readPackSettings", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "dcg-pack-config-"));
  const file = (name: string, text: string) => {
    const at = path.join(dir, name);
    writeFileSync(at, text);
    return at;
  };

  it("reads do-resource-require-tags (with or without an enforcement level), else nothing", () => {
    expect(readPackSettings(file("a.json", JSON.stringify({ "do-resource-require-tags": { enforcementLevel: "mandatory", requiredKeys: ["team"] } })))).toEqual({ requireTags: { requiredKeys: ["team"], allowedValues: {} } });
    expect(readPackSettings(file("b.json", JSON.stringify({ "do-resource-require-tags": "advisory" })))).toEqual({});
    expect(readPackSettings(path.join(dir, "missing.json"))).toEqual({});
  });

  it("refuses a malformed file or entry, naming it", () => {
    expect(() => readPackSettings(file("c.json", "{not json"))).toThrow("c.json is not valid JSON");
    expect(() => readPackSettings(file("d.json", JSON.stringify({ "do-resource-require-tags": { requiredKeys: ["no spaces allowed"] } })))).toThrow(
      'd.json do-resource-require-tags.requiredKeys[0] must be a tag key: letters, digits, - and _ (got "no spaces allowed")',
    );
  });

  it("reads the repository's own policy-config.json: the prod stack's tracker and the pack require the same keys", () => {
    const repositoryFile = path.join(__dirname, "..", POLICY_CONFIG_FILE);
    const packConfig = JSON.parse(readFileSync(repositoryFile, "utf8"));
    expect(readPackSettings(repositoryFile).requireTags).toEqual(packConfig["do-resource-require-tags"]);
  });
});
