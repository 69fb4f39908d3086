/**
 * core/tracker-settings: the pieces other modules build on — the exported sub-schemas, the
 * problem formatter's bounds, and the dashboard's own settings schema.
 */
import type { z } from "zod";
import {
  dashboardSettingsSchema,
  formatPath,
  formatSettingsIssues,
  MAX_PROBLEM_LINES,
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

it("keeps the dashboard's settings to the budget, ids that match their amounts, a time zone (UTC by default) and the runbook", () => {
  expect(dashboardSettingsSchema.parse({ budgetMonthlyUsd: 450, thresholds: [{ id: "mtd-10", amountUsd: 10 }] })).toEqual({ budgetMonthlyUsd: 450, thresholds: [{ id: "mtd-10", amountUsd: 10 }], timeZone: "UTC" });
  expect(dashboardSettingsSchema.parse({ budgetMonthlyUsd: 450, thresholds: [], timeZone: "Asia/Kolkata", runbookUrl: "https://wiki.example.com/runbook" })).toEqual({
    budgetMonthlyUsd: 450,
    thresholds: [],
    timeZone: "Asia/Kolkata",
    runbookUrl: "https://wiki.example.com/runbook",
  });
  expect(problems(dashboardSettingsSchema, { budgetMonthlyUsd: 450, thresholds: [{ id: "mtd-11", amountUsd: 10 }] })).toEqual(["thresholds[0] id must be mtd-<amountUsd> (core/validators thresholdId)"]);
  // A tracker secret handed to the dashboard by mistake is refused, not carried along.
  expect(problems(dashboardSettingsSchema, { budgetMonthlyUsd: 450, thresholds: [], recipients: { slack: [] } })).toEqual([
    "the config has unknown key recipients (allowed: budgetMonthlyUsd, thresholds, timeZone, runbookUrl)",
  ]);
});
