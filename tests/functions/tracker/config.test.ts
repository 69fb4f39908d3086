/**
 * parseTrackerConfig: one row per validation rule (each problem named by its JSON path),
 * several problems reported together, Slack and webhook URLs never echoed, and the defaults
 * a minimal config gets.
 */
import { DEFAULT_SPIKE_OPTIONS } from "../../../core/spikes";
import { parseTrackerConfig, TrackerConfigError, type TrackerConfig } from "../../../functions/src/tracker/config";

const SECRET_SLACK = "https://hooks.slack.com/services/T0SECRET/B0SECRET/xoxsecretpath";
const SECRET_WEBHOOK = "https://ops.example/hooks/secret-token-4242";
const OPS = "ops@restaurant.example";

/** The smallest valid config: a budget and someone to tell. */
const MINIMAL = { budgetMonthlyUsd: 320, recipients: { email: [OPS] }, email: { from: "billing@restaurant.example" } };

/** A valid config using every section, each mutated by one row below. */
function complete(): Record<string, unknown> {
  return {
    budgetMonthlyUsd: 320,
    recipients: { email: [OPS], slack: [{ channel: "#costs", url: SECRET_SLACK }], webhook: [SECRET_WEBHOOK] },
    thresholds: [{ amountUsd: 10 }, { amountUsd: 50, email: ["finance@restaurant.example"] }],
    forecast: { enabled: true },
    spikes: { enabled: true, windowDays: 7 },
    reports: { daily: { enabled: true }, weekly: { enabled: true, webhook: [SECRET_WEBHOOK] } },
    units: { name: "active restaurant", source: { kind: "count", value: 140 } },
    email: { from: "do-cost-guard <billing@restaurant.example>" },
    accountUrn: "do:team:5b4a3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d",
    dashboardUrl: "https://costs.restaurant.example",
  };
}

/** The problems parseTrackerConfig reports for `input` (fails the test if it accepts it). */
function problemsOf(input: unknown): readonly string[] {
  try {
    parseTrackerConfig(input);
  } catch (error) {
    expect(error).toBeInstanceOf(TrackerConfigError);
    return (error as TrackerConfigError).problems;
  }
  throw new Error(`expected ${JSON.stringify(input)} to be rejected`);
}

it("accepts the complete config with every section as written", () => {
  const config = parseTrackerConfig(complete());
  expect(config.thresholds.map((t) => [t.id, t.amountUsd, t.recipients.email])).toEqual([
    ["mtd-10", 10, [OPS]],
    ["mtd-50", 50, ["finance@restaurant.example"]],
  ]);
  expect(config.spikes.options).toEqual({ ...DEFAULT_SPIKE_OPTIONS, windowDays: 7 });
  expect(config.reports.weekly.recipients).toEqual({ email: [], slack: [], webhook: [SECRET_WEBHOOK] });
  expect(config.units).toEqual({ unitName: "active restaurant", source: { kind: "count", value: 140 } });
  expect(config.accountUrn).toBe("do:team:5b4a3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d");
});

type Mutation = (config: Record<string, unknown>) => void;
const set =
  (path: string, value: unknown): Mutation =>
  (config) => {
    const keys = path.split(".");
    let node = config as Record<string, unknown>;
    for (const key of keys.slice(0, -1)) node = node[key] as Record<string, unknown>;
    if (value === undefined) delete node[keys[keys.length - 1]!];
    else node[keys[keys.length - 1]!] = value;
  };
const thresholdsSet = (entries: unknown): Mutation => set("thresholds", entries);

// [rule, mutation of the complete config, the problem(s) reported]
const RULES: [string, Mutation, string | string[]][] = [
  ["unknown top-level key", set("budget", 10), "the config has unknown key budget (allowed: budgetMonthlyUsd, recipients, thresholds, forecast, spikes, reports, units, email, accountUrn, organizationUrn, organization, teams, dashboardUrl, timeZone, runbookUrl, apps, advice, cleanup, calibration)"],
  ["budget missing", set("budgetMonthlyUsd", undefined), "budgetMonthlyUsd must be a positive number of US dollars"],
  ["budget zero", set("budgetMonthlyUsd", 0), "budgetMonthlyUsd must be a positive number of US dollars (got 0)"],
  ["budget as text", set("budgetMonthlyUsd", "320"), 'budgetMonthlyUsd must be a positive number of US dollars (got "320")'],
  // Cross-field rules (who hears about it) wait until the shape is right: one problem, not a cascade.
  ["recipients not an object", set("recipients", ["ops"]), 'recipients must be an object (got ["ops"])'],
  ["recipients unknown key", set("recipients.sms", ["+1555"]), "recipients has unknown key sms (allowed: email, slack, webhook)"],
  ["email list not a list", set("recipients.email", OPS), 'recipients.email must be a list (got "ops@restaurant.example")'],
  ["email address malformed", set("recipients.email", [OPS, "ops at example"]), 'recipients.email[1] must be an email address like ops@example.com (got "ops at example")'],
  ["slack not a list", set("recipients.slack", "#costs"), 'recipients.slack must be a list (got "#costs")'],
  ["slack entry not an object", set("recipients.slack", ["#costs"]), 'recipients.slack[0] must be an object (got "#costs")'],
  ["slack channel malformed", set("recipients.slack", [{ channel: "#no spaces", url: SECRET_SLACK }]), 'recipients.slack[0].channel must be a Slack channel name like #billing (got "#no spaces")'],
  ["slack url not http(s)", set("recipients.slack", [{ channel: "#costs", url: "ftp://hooks.slack.com/services/T0SECRET" }]), "recipients.slack[0].url must be a Slack incoming-webhook URL (an https:// URL)"],
  ["slack url missing", set("recipients.slack", [{ channel: "#costs" }]), "recipients.slack[0].url is required"],
  ["webhook not a list", set("recipients.webhook", SECRET_WEBHOOK), "recipients.webhook must be a list (got a value that looks secret (not shown))"],
  ["webhook url not http(s)", set("recipients.webhook", ["mailto:ops-secret@example"]), "recipients.webhook[0] must be a webhook URL (an https:// URL)"],
  ["thresholds empty", thresholdsSet([]), "thresholds must list at least one threshold (or be left out for the default ladder)"],
  ["thresholds not a list", thresholdsSet(SECRET_WEBHOOK), "thresholds must be a list (got a value that looks secret (not shown))"],
  ["threshold not an object", thresholdsSet([10]), "thresholds[0] must be an object (got 10)"],
  ["threshold unknown key", thresholdsSet([{ amountUsd: 10, usd: 10 }]), "thresholds[0] has unknown key usd (allowed: amountUsd, email, slack, webhook)"],
  ["threshold amount negative", thresholdsSet([{ amountUsd: -5 }]), "thresholds[0].amountUsd must be a positive number of US dollars (got -5)"],
  ["thresholds not ascending", thresholdsSet([{ amountUsd: 10 }, { amountUsd: 150 }, { amountUsd: 50 }]), "thresholds[2].amountUsd must be > thresholds[1].amountUsd (got 50 after 150)"],
  ["threshold equal to the previous", thresholdsSet([{ amountUsd: 50 }, { amountUsd: 50 }]), "thresholds[1].amountUsd must be > thresholds[0].amountUsd (got 50 after 50)"],
  ["forecast not an object", set("forecast", true), "forecast must be an object (got true)"],
  ["forecast unknown key", set("forecast.budget", 1), "forecast has unknown key budget (allowed: enabled, email, slack, webhook)"],
  ["forecast.enabled not boolean", set("forecast.enabled", "yes"), 'forecast.enabled must be true or false (got "yes")'],
  ["spikes.windowDays below 3", set("spikes.windowDays", 2), "spikes.windowDays must be a whole number >= 3 (got 2)"],
  ["spikes.minIncreasePct zero", set("spikes.minIncreasePct", 0), "spikes.minIncreasePct must be a fraction > 0, e.g. 0.2 for 20% (got 0)"],
  ["spikes.minIncreaseUsd negative", set("spikes.minIncreaseUsd", -1), "spikes.minIncreaseUsd must be a number >= 0 (got -1)"],
  ["spikes.seasonalWeeks fractional", set("spikes.seasonalWeeks", 1.5), "spikes.seasonalWeeks must be a whole number >= 0 (got 1.5)"],
  ["spikes unknown key", set("spikes.window", 7), "spikes has unknown key window (allowed: enabled, windowDays, minIncreasePct, minIncreaseUsd, seasonalWeeks, email, slack, webhook)"],
  ["spikes.enabled not boolean", set("spikes.enabled", 1), "spikes.enabled must be true or false (got 1)"],
  ["reports unknown key", set("reports.monthly", { enabled: true }), "reports has unknown key monthly (allowed: daily, weekly)"],
  ["reports.daily not an object", set("reports.daily", true), "reports.daily must be an object (got true)"],
  ["reports.weekly unknown key", set("reports.weekly.day", "monday"), "reports.weekly has unknown key day (allowed: enabled, email, slack, webhook)"],
  ["reports.daily.enabled not boolean", set("reports.daily.enabled", "on"), 'reports.daily.enabled must be true or false (got "on")'],
  ["units unknown key", set("units.per", "restaurant"), "units has unknown key per (allowed: name, source)"],
  ["units.name missing", set("units.name", undefined), "units.name is required"],
  ["units.source.kind unknown", set("units.source", { kind: "guess" }), 'units.source.kind must be "count", "sql" or "url" (got "guess")'],
  ["units count negative", set("units.source", { kind: "count", value: -1 }), "units.source.value must be a number >= 0 (got -1)"],
  ["units sql writes", set("units.source", { kind: "sql", databaseUrl: "postgres://u@db/app", query: "DELETE FROM orders" }), 'units.source.query must be a single SELECT statement (got "DELETE FROM orders")'],
  ["units url not http(s)", set("units.source", { kind: "url", url: "file:///etc/count" }), "units.source.url must be an http:// or https:// URL"],
  ["email.from empty", set("email.from", " "), 'email.from must be a sender like "do-cost-guard <billing@example.com>"'],
  ["email.from missing while emailing", set("email", undefined), "email.from must be set when any recipient is an email address"],
  ["email unknown key", set("email.replyTo", OPS), "email has unknown key replyTo (allowed: from)"],
  ["accountUrn malformed", set("accountUrn", "team:5b4a"), 'accountUrn must look like do:team:<uuid> (got "team:5b4a")'],
  ["dashboardUrl not http(s)", set("dashboardUrl", "costs.restaurant.example"), 'dashboardUrl must be an http(s) URL (got "costs.restaurant.example")'],
];

it.each(RULES)("reports %s by its JSON path", (_rule, mutate, problem) => {
  const config = complete();
  mutate(config);
  expect(problemsOf(config)).toEqual(Array.isArray(problem) ? problem : [problem]);
});

// Rules about who hears an alert, checked on a config without top-level recipients to fall back on.
const AUDIENCE_RULES: [string, Record<string, unknown>, string[]][] = [
  ["default ladder with nobody to tell", { budgetMonthlyUsd: 100, forecast: { enabled: false }, spikes: { enabled: false } }, [
    "recipients must list at least one email, slack or webhook recipient when thresholds are omitted (the default $10/$50/$150/$200 ladder needs an audience)",
  ]],
  ["a threshold with nobody to tell", { budgetMonthlyUsd: 100, thresholds: [{ amountUsd: 10 }], forecast: { enabled: false }, spikes: { enabled: false } }, [
    "thresholds[0] must list at least one email, slack or webhook recipient (or set top-level recipients)",
  ]],
  ["forecast and spikes enabled by default with nobody to tell", { budgetMonthlyUsd: 100, thresholds: [{ amountUsd: 10, webhook: [SECRET_WEBHOOK] }] }, [
    "forecast must list recipients (or set top-level recipients), or set forecast.enabled to false",
    "spikes must list recipients (or set top-level recipients), or set spikes.enabled to false",
  ]],
  ["an enabled report with nobody to tell", { budgetMonthlyUsd: 100, thresholds: [{ amountUsd: 10, webhook: [SECRET_WEBHOOK] }], forecast: { enabled: false }, spikes: { enabled: false }, reports: { weekly: {} } }, [
    "reports.weekly must list recipients (or set top-level recipients)",
  ]],
];

it.each(AUDIENCE_RULES)("reports %s", (_rule, input, problems) => {
  expect(problemsOf(input)).toEqual(problems);
});

it("refuses a config that is not a JSON object", () => {
  // Quoted values are cut at 60 characters: 57 of the JSON and "...".
  const quoted = `${JSON.stringify([MINIMAL]).slice(0, 57)}...`;
  expect(problemsOf([MINIMAL])).toEqual([`the config must be an object (got ${quoted})`]);
  expect(problemsOf(null)).toEqual(["the config must be an object (got null)"]);
});

it("reports every shape problem and the ladder's order at once in one error message, then who-hears-it rules once the shape is right", () => {
  const input = {
    budgetMonthlyUsd: -1,
    recipients: { email: ["nobody"], slack: [{ channel: "costs room", url: "hooks.slack.com/services/T0SECRET" }] },
    thresholds: [{ amountUsd: 150 }, { amountUsd: 10 }],
    spikes: { windowDays: 1 },
    colour: "red",
  };
  const problems = [
    "budgetMonthlyUsd must be a positive number of US dollars (got -1)",
    'recipients.email[0] must be an email address like ops@example.com (got "nobody")',
    'recipients.slack[0].channel must be a Slack channel name like #billing (got "costs room")',
    "recipients.slack[0].url must be a Slack incoming-webhook URL (an https:// URL)",
    // The ladder's order is checked alongside its entries' shapes.
    "thresholds[1].amountUsd must be > thresholds[0].amountUsd (got 10 after 150)",
    "the config has unknown key colour (allowed: budgetMonthlyUsd, recipients, thresholds, forecast, spikes, reports, units, email, accountUrn, organizationUrn, organization, teams, dashboardUrl, timeZone, runbookUrl, apps, advice, cleanup, calibration)",
  ];
  expect(problemsOf(input)).toEqual(problems);
  expect(() => parseTrackerConfig(input)).toThrow(`tracker config is invalid (6 problems):\n  - ${problems.join("\n  - ")}`);

  const shapedRight = { budgetMonthlyUsd: 100, thresholds: [{ amountUsd: 10 }, { amountUsd: 150 }], spikes: { windowDays: 1 } };
  expect(problemsOf(shapedRight)).toEqual([
    "thresholds[0] must list at least one email, slack or webhook recipient (or set top-level recipients)",
    "thresholds[1] must list at least one email, slack or webhook recipient (or set top-level recipients)",
    "forecast must list recipients (or set top-level recipients), or set forecast.enabled to false",
    "spikes must list recipients (or set top-level recipients), or set spikes.enabled to false",
    "spikes.windowDays must be a whole number >= 3 (got 1)",
  ]);
});

it("never echoes a Slack or webhook URL, whatever is wrong around it", () => {
  // Every recipient list holds a secret URL, and every section is broken somehow.
  const input = {
    budgetMonthlyUsd: "lots",
    recipients: { slack: [{ channel: "#costs", url: "hooks.slack.com/services/T0SECRET/B0SECRET/xoxsecretpath" }, SECRET_SLACK], webhook: ["ops.example/hooks/secret-token-4242", 42], email: SECRET_WEBHOOK },
    thresholds: [{ amountUsd: SECRET_WEBHOOK, webhook: SECRET_WEBHOOK }],
    forecast: { enabled: SECRET_SLACK, slack: { url: SECRET_SLACK } },
    reports: { daily: SECRET_SLACK },
    accountUrn: SECRET_WEBHOOK,
  };
  const message = (() => {
    try {
      parseTrackerConfig(input);
    } catch (error) {
      return (error as Error).message;
    }
    throw new Error("expected the config to be rejected");
  })();
  expect(message).toContain("recipients.slack[1] must be an object (got a value that looks secret (not shown))");
  expect(message).toContain("thresholds[0].amountUsd must be a positive number of US dollars (got a value that looks secret (not shown))");
  // A URL inside an object is hidden too, while the rest of the object is still shown.
  expect(message).toContain('forecast.slack must be a list (got {"url":"(not shown)"})');
  expect(message).toContain("recipients.slack[0].url must be a Slack incoming-webhook URL (an https:// URL)");
  expect(message).toContain("recipients.webhook[0] must be a webhook URL (an https:// URL)");
  for (const secret of ["T0SECRET", "xoxsecretpath", "secret-token-4242", "hooks.slack.com", "ops.example"]) expect(message).not.toContain(secret);
});

// Issue 8, item 6: each found by probing the parser before the schema.
describe("bounded and secret-free refusals", () => {
  it("caps each recipient list at 50: 51 emails, Slack channels or webhooks are refused, 50 accepted", () => {
    const emails = (n: number) => Array.from({ length: n }, (_, i) => `ops${i}@restaurant.example`);
    const webhooks = (n: number) => Array.from({ length: n }, (_, i) => `https://hooks.restaurant.example/${i}`);
    const slacks = (n: number) => Array.from({ length: n }, (_, i) => ({ channel: `#c${i}`, url: `https://hooks.slack.com/services/T/${i}` }));
    expect(parseTrackerConfig({ ...MINIMAL, thresholds: [{ amountUsd: 10, email: emails(50), slack: slacks(50), webhook: webhooks(50) }] }).thresholds[0]!.recipients.email).toHaveLength(50);
    expect(problemsOf({ ...MINIMAL, thresholds: [{ amountUsd: 10, email: emails(51), slack: slacks(51), webhook: webhooks(51) }] })).toEqual([
      "thresholds[0].email must list at most 50 email addresses",
      "thresholds[0].slack must list at most 50 Slack channels",
      "thresholds[0].webhook must list at most 50 webhook URLs",
    ]);
    // The 100,000-address body that used to be accepted: one short line, not 100,000.
    const refused = problemsOf({ ...MINIMAL, recipients: { email: emails(100_000) } });
    expect(refused).toEqual(["recipients.email must list at most 50 email addresses"]);
  });

  it.each([
    ["http://hooks.slack.com/services/T0/B0/secret", false],
    ["http://127.0.0.1.evil.example/hook", false],
    ["http://localhost.evil.example/hook", false],
    ["http://127.0.0.1:8080/hook", true],
    ["http://127.3.2.1/hook", true],
    ["http://[::1]:9000/hook", true],
    ["http://localhost:9000/hook", true],
    ["https://hooks.slack.com/services/T0/B0/secret", true],
  ])("Slack and webhook URL %s accepted: %s", (url, accepted) => {
    const config = { budgetMonthlyUsd: 10, recipients: { slack: [{ channel: "#costs", url }], webhook: [url] } };
    if (accepted) expect(parseTrackerConfig(config).forecast.recipients.webhook).toEqual([url]);
    else {
      const problems = problemsOf(config);
      expect(problems).toEqual([
        "recipients.slack[0].url must use https:// (plain http:// is allowed only to 127.0.0.1, ::1 or localhost)",
        "recipients.webhook[0] must use https:// (plain http:// is allowed only to 127.0.0.1, ::1 or localhost)",
      ]);
    }
  });

  it("never prints the password of a postgres URL given as units.source, nor in units.source.databaseUrl", () => {
    const url = "postgres://reader:PASSWORD-4242@db.restaurant.example:25060/app";
    for (const source of [url, { kind: "sql", databaseUrl: url.replace("postgres:", "mysql:"), query: "select 1" }, { kind: "guess", databaseUrl: url }]) {
      const message = (() => {
        try {
          parseTrackerConfig({ ...MINIMAL, units: { name: "restaurant", source } });
        } catch (error) {
          return (error as Error).message;
        }
        throw new Error("expected the config to be rejected");
      })();
      expect(message).toMatch(/units\.source/);
      expect(message).not.toContain("PASSWORD-4242");
    }
  });

  it("keeps a line about a 10 MiB unknown key or 200,000 unknown keys short", () => {
    const hugeKey = "k".repeat(10 * 1024 * 1024);
    const [oneLine] = problemsOf({ ...MINIMAL, [hugeKey]: 1 });
    expect(oneLine!.length).toBeLessThan(400);
    expect(oneLine).toContain("the config has unknown key kkkk");
    const manyKeys: Record<string, unknown> = { ...MINIMAL };
    for (let i = 0; i < 200_000; i += 1) manyKeys[`x${i}`] = i;
    const lines = problemsOf(manyKeys);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^the config has unknown keys x0, x1, x2 and 199997 more \(allowed: /);
    expect(lines[0]!.length).toBeLessThan(400);
  });

  it("lists at most 20 problems and counts the rest", () => {
    const problems = problemsOf({ ...MINIMAL, recipients: { email: Array.from({ length: 30 }, (_, i) => `bad${i}`) } });
    expect(problems).toHaveLength(21);
    expect(problems[20]).toBe("and 10 more problems");
  });
});

describe("defaults of a minimal config", () => {
  let config: TrackerConfig;
  beforeAll(() => {
    config = parseTrackerConfig(MINIMAL);
  });
  const everyone = { email: [OPS], slack: [], webhook: [] };

  it("sends the default ladder $10/$50/$150/$200 to the top-level recipients", () => {
    expect(config.thresholds).toEqual([10, 50, 150, 200].map((amountUsd) => ({ id: `mtd-${amountUsd}`, amountUsd, recipients: everyone })));
  });

  it("enables the forecast and spikes with the default options, to the top-level recipients", () => {
    expect(config.forecast).toEqual({ enabled: true, recipients: everyone });
    expect(config.spikes).toEqual({ enabled: true, options: DEFAULT_SPIKE_OPTIONS, recipients: everyone });
    // The defaults written out, so a changed default is a deliberate edit here too.
    expect(config.spikes.options).toEqual({ windowDays: 14, minIncreasePct: 0.2, minIncreaseUsd: 1, seasonalWeeks: 4 });
  });

  it("leaves reports off until a section asks for them, then sends them to the top-level recipients", () => {
    expect(config.reports).toEqual({ daily: { enabled: false, recipients: everyone }, weekly: { enabled: false, recipients: everyone } });
    const withDaily = parseTrackerConfig({ ...MINIMAL, reports: { daily: {} } });
    expect(withDaily.reports.daily).toEqual({ enabled: true, recipients: everyone });
  });
});

it("uses a local sender when nobody is emailed and leaves optional sections out", () => {
  const config = parseTrackerConfig({ budgetMonthlyUsd: 50, recipients: { webhook: [SECRET_WEBHOOK] } });
  expect(config.email.from).toBe("do-cost-guard <do-cost-guard@localhost>");
  expect("units" in config || "accountUrn" in config || "dashboardUrl" in config).toBe(false);
});

it("returns a deeply frozen config, so no task can change another's view of it", () => {
  const config = parseTrackerConfig(complete());
  expect(Object.isFrozen(config)).toBe(true);
  expect(Object.isFrozen(config.thresholds[0]!.recipients.email)).toBe(true);
  expect(() => (config.thresholds as ThresholdList).push(config.thresholds[0]!)).toThrow(TypeError);
});
type ThresholdList = TrackerConfig["thresholds"][number][];

describe("advice, cleanup and calibration settings", () => {
  const base = { budgetMonthlyUsd: 100, recipients: { webhook: ["http://127.0.0.1:9/hook"] } };

  it("defaults: advice and calibration on with cited thresholds, clean-up off, and the top-level recipients as the default audience", () => {
    const config = parseTrackerConfig(base);
    expect(config.advice).toMatchObject({ enabled: true, requestBudget: 1200, poweredOffDays: 7, snapshotMaxAgeDays: 90, snapshotRetentionDays: 30, dismissalTolerancePct: 10, lookbackDays: 14 });
    expect(config.advice.requireTags.requiredKeys).toEqual(["env", "service", "owner"]);
    expect(config.cleanup).toMatchObject({ enabled: false, apply: false, tagKey: "expires", noticeDays: 3, graceDays: 2, protectedTag: "protected", dropletAction: "snapshot-then-destroy" });
    expect(config.calibration).toEqual({ enabled: true });
    expect(config.recipients.webhook).toEqual(["http://127.0.0.1:9/hook"]);
  });

  it("overrides each setting and the tag requirement", () => {
    const config = parseTrackerConfig({
      ...base,
      advice: { requestBudget: 200, poweredOffDays: 14, snapshotRetentionDays: 45, dismissalTolerancePct: 5, requireTags: { requiredKeys: ["team"], allowedValues: { team: ["a", "b"] } } },
      cleanup: { enabled: true, apply: true, tagKey: "ttl", denyList: ["ledger"], dropletAction: "power-off" },
      calibration: { enabled: false },
    });
    expect(config.advice).toMatchObject({ requestBudget: 200, poweredOffDays: 14, snapshotRetentionDays: 45, dismissalTolerancePct: 5, volumeUnattachedDays: 7, requireTags: { requiredKeys: ["team"], allowedValues: { team: ["a", "b"] } } });
    expect(config.cleanup).toMatchObject({ enabled: true, apply: true, tagKey: "ttl", denyList: ["ledger"], dropletAction: "power-off", graceDays: 2 });
    expect(config.calibration.enabled).toBe(false);
  });

  it("refuses clean-up apply with no one to hear the notice that must precede every act", () => {
    // Thresholds with their own audience and every other section off: nobody is left for clean-up notices.
    const silent = { budgetMonthlyUsd: 100, thresholds: [{ amountUsd: 50, webhook: ["http://127.0.0.1:9/t50"] }], forecast: { enabled: false }, spikes: { enabled: false } };
    expect(problemsOf({ ...silent, cleanup: { enabled: true, apply: true } })).toEqual([
      "cleanup.apply is true but no one would get the notice that must precede every act: list recipients (or set apply to false)",
    ]);
    // A preview needs no audience; apply with one is fine.
    expect(parseTrackerConfig({ ...silent, cleanup: { enabled: true } }).cleanup.apply).toBe(false);
    expect(parseTrackerConfig({ ...silent, recipients: { webhook: ["http://127.0.0.1:9/hook"] }, cleanup: { enabled: true, apply: true } }).cleanup.apply).toBe(true);
  });

  it.each([
    [{ advice: { requestBudget: 6000 } }, "advice.requestBudget must be at most 5000, DigitalOcean's hourly limit (got 6000)"],
    [{ advice: { poweredOffDays: 1.5 } }, "advice.poweredOffDays must be a whole number of days (got 1.5)"],
    [{ advice: { snapshotRetentionDays: -1 } }, "advice.snapshotRetentionDays must be a whole number of days (got -1)"],
    [{ advice: { dismissalTolerancePct: 150 } }, "advice.dismissalTolerancePct must be percentage points from 0 to 100 (got 150)"],
    [{ advice: { requireTags: { requiredKeys: ["not a key"] } } }, 'advice.requireTags.requiredKeys[0] must be a tag key: letters, digits, - and _ (got "not a key")'],
    [{ cleanup: { dropletAction: "explode" } }, 'cleanup.dropletAction must be one of snapshot-then-destroy, power-off (got "explode")'],
    [{ cleanup: { protectedTag: "no spaces" } }, 'cleanup.protectedTag must be a DigitalOcean tag (letters, digits, _, -, :) (got "no spaces")'],
    [{ calibration: { enabled: "yes" } }, 'calibration.enabled must be true or false (got "yes")'],
  ])("refuses %j", (extra, problem) => {
    expect(() => parseTrackerConfig({ ...base, ...extra })).toThrow(problem);
  });
});
