import { ConfigError, parseStackConfig } from "../config";

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
    billing: { budgetMonthlyUsd: 450, emailFrom: "Forkline <billing@forkline.example>", thresholds: [{ amountUsd: 10 }, { amountUsd: 150, emails: ["finance@forkline.example"] }] },
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
    expect(tracker).toMatchObject({ region: "nyc1", schedules: { check: "0 * * * *", daily: "0 7 * * *", weekly: "0 7 * * 1" }, memoryMb: 256, timeoutSeconds: 300 });
    const json = JSON.parse(tracker.trackerConfigJson);
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
    ["malformed email", { ...validRaw(), alertEmails: ["oncall@forkline.example", "finance(at)forkline"] }, "do-cost-guard:alertEmails[1] is not an email address (got \"finance(at)forkline\")"],
    ["non-Slack webhook", { ...validRaw(), alertSlackWebhookUrl: "https://example.com/hook" }, "do-cost-guard:alertSlackWebhookUrl must be a Slack incoming-webhook URL starting with https://hooks.slack.com/"],
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
    ["thresholds out of order", { ...validRaw(), billing: { budgetMonthlyUsd: 450, emailFrom: "b@forkline.example", thresholds: [{ amountUsd: 150 }, { amountUsd: 50 }] } }, "do-cost-guard:billing.thresholds[1].amountUsd must be > thresholds[0].amountUsd (got 50 after 150)"],
    ["misspelt billing key", { ...validRaw(), billing: { budgetMonthlyUsd: 450, emailFrom: "b@forkline.example", budget: 10 } }, "do-cost-guard:billing.budget is not a known key (expected one of budgetMonthlyUsd, thresholds, emailFrom, reports, units, accountUrn)"],
    ["database URL that is not Postgres", { ...validRaw(), trackerDatabaseUrl: "mysql://u:p@h/db" }, "do-cost-guard:trackerDatabaseUrl must be a postgres:// or postgresql:// URL"],
    ["missing tracker token", { ...validRaw(), trackerDigitalOceanToken: "" }, "do-cost-guard:trackerDigitalOceanToken is required: pulumi config set --secret trackerDigitalOceanToken <value>"],
    ["short dashboard password", { ...validRaw(), dashboardPassword: "hunter2" }, "do-cost-guard:dashboardPassword must be at least 16 characters"],
    ["misspelt target key", withTarget({ thresholds: {} }), "do-cost-guard:alertTargets[0].thresholds is not a known key (expected one of kind, name, id, ids, tag, rules)"],
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
    const secretish = "https://evil.example/T0SECRET/B0SECRET/abcdefabcdef";
    const problems = problemsOf({ ...validRaw(), alertSlackWebhookUrl: secretish });
    expect(problems.join("\n")).not.toContain("T0SECRET");
  });

  it("explains how to set a list when a bare string is given", () => {
    expect(problemsOf({ ...validRaw(), alertEmails: "oncall@forkline.example" })[0]).toMatch(
      /^do-cost-guard:alertEmails must be a YAML\/JSON list/,
    );
  });
});
