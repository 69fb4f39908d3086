/**
 * A deployment with teams for the dashboard's tests: a throw-away Postgres database holding an
 * organisation's November as the tracker files it (rows per team, migration 8), served by the
 * handler with the production wiring of web-action.ts (`dashboardTeams`, team passwords).
 *
 * - `shop` (own token, budget $200): $5.00 a day; an insights reading of $95.00 from last night
 *   and a fresher balance check of $97.10 (the fresher figure wins); two savings ($31.20), an
 *   untagged droplet, a clean-up mark, a stack, a fired threshold.
 * - `lab` (own token, budget $400): $4.00 a day to the 12th, then $0.50; a balance of $51.70; a
 *   $48.00 saving; a clean-up mark.
 * - `client-a` (no token: insights only, budget $300): $0.50 a day to the 12th, then $6.00; its
 *   insights reading of $48.00; a fired threshold; no advice, no clean-up.
 * - `@unassigned`: $0.25 a day of a team the config does not list; insights $4.75.
 * - `@organization`: its own fired threshold ($200) and the unit counts (units are the business's).
 *
 * The five sort keys give five different orders (see {@link SORTED}). Every team's rows carry
 * markers of its own (project, resource and app names) so a test can tell whose data a body holds.
 */
import { addDays } from "../../../core/calendar";
import type { Suggestion } from "../../../core/advice";
import { fromCents, sumUsd, toCents } from "../../../core/money";
import { ORGANIZATION_LABEL, UNASSIGNED_LABEL, type DashboardSettings } from "../../../core/tracker-settings";
import type { DashboardDeps } from "../../../functions/src/dashboard/handle";
import { dashboardTeams } from "../../../functions/src/dashboard/web-action";
import { AdviceStore } from "../../../functions/src/store/advice-store";
import { CalibrationStore } from "../../../functions/src/store/calibration-store";
import { CostStore } from "../../../functions/src/store/cost-store";
import { createPostgresClient } from "../../../functions/src/store/pg-client";
import type { BillingHistoryDay } from "../../../functions/src/store/types";
import { createTestDatabase, type TestDatabase } from "../../support/postgres";
import { NOW, PASSWORD, SEEDED_SUGGESTIONS, serveDashboard, USERNAME } from "./dashboard-fixture";
import type { Server } from "node:http";

export { NOW, PASSWORD, USERNAME };

/** Each team's own dashboard password (DASHBOARD_TEAM_PASSWORDS); lab has none. */
export const TEAM_PASSWORDS = { shop: "shop-team-password-4711-abcd", "client-a": "client-a-password-0815-wxyz" } as const;

/** The settings the stack binds (DASHBOARD_SETTINGS), as the dashboard reads them. */
export const TEAMS_SETTINGS: Pick<DashboardSettings, "teams" | "organization"> = {
  teams: [
    { name: "shop", budgetMonthlyUsd: 200, thresholds: [{ id: "mtd-100", amountUsd: 100 }], insightsOnly: false },
    { name: "lab", budgetMonthlyUsd: 400, thresholds: [{ id: "mtd-20", amountUsd: 20 }, { id: "mtd-60", amountUsd: 60 }], insightsOnly: false },
    { name: "client-a", budgetMonthlyUsd: 300, thresholds: [{ id: "mtd-5", amountUsd: 5 }, { id: "mtd-20", amountUsd: 20 }], insightsOnly: true },
  ],
  organization: { budgetMonthlyUsd: 500, thresholds: [{ id: "mtd-200", amountUsd: 200 }] },
};

/** Strings only one team's rows hold: a body that holds them holds that team's data. */
export const MARKERS = {
  shop: ["shop-web", "old-batch", "shop-checkout"],
  lab: ["lab-gpu", "lab-notebook", "lab-training-box"],
  "client-a": ["client-a-site", "client-a-blog"],
  [UNASSIGNED_LABEL]: ["marketing-site"],
} as const;

/** Each sort key's order of the teams (ties never happen in this seed). */
export const SORTED = {
  spend: ["shop", "lab", "client-a"],
  budget: ["lab", "client-a", "shop"],
  projection: ["shop", "client-a", "lab"],
  savings: ["lab", "shop", "client-a"],
  name: ["client-a", "lab", "shop"],
} as const;

/**
 * What the seed gives at NOW (20 Nov 15:00 UTC, 249 hours left: 10.375 days): each month to
 * date, and each projection = month to date + the mean of the last 7 complete days × 10.375,
 * rounded to the cent (core/forecast).
 */
export const EXPECTED = {
  shop: { monthToDateUsd: 97.1, projectedUsd: sumUsd([97.1, 51.88]), savingsUsd: 31.2 },
  lab: { monthToDateUsd: 51.7, projectedUsd: sumUsd([51.7, 5.19]), savingsUsd: 48 },
  "client-a": { monthToDateUsd: 48, projectedUsd: sumUsd([48, 62.25]), savingsUsd: null },
  [UNASSIGNED_LABEL]: { monthToDateUsd: 4.75, projectedUsd: sumUsd([4.75, 2.59]), savingsUsd: null },
} as const;

/** The organisation's figures: the sum of every row above, in cents. */
export function expectedTotal(field: "monthToDateUsd" | "projectedUsd"): number {
  return fromCents(Object.values(EXPECTED).reduce((sum, row) => sum + toCents(row[field]), 0));
}

/** November 1–19 at `rate(day)` a day, filed under `project` (and `app:<project>`) for the service given. */
function month(rate: (day: number) => number, service: string, project: string): BillingHistoryDay[] {
  const days: BillingHistoryDay[] = [];
  let cents = 0;
  for (let day = 1, date = "2026-11-01"; day <= 19; day++, date = addDays(date, 1)) {
    const usd = rate(day);
    cents += toCents(usd);
    days.push({ date, totalCostUsd: usd, monthToDateUsd: fromCents(cents), costByService: { [service]: usd }, costByProject: { [project]: usd }, costByTag: { [`app:${project}`]: usd } });
  }
  return days;
}

const LAB_SUGGESTION: Suggestion = {
  id: "droplet-idle:droplet:901",
  rule: "droplet-idle",
  resource: { kind: "droplet", id: "901", name: "lab-training-box" },
  action: "resize to s-1vcpu-1gb",
  reason: "CPU under 5% for 14 days",
  monthlySavingsUsd: 48,
  evidence: { cpuP95: 3 },
};

export interface TeamsFixture {
  database: TestDatabase;
  deps: DashboardDeps;
  baseUrl: string;
  server: Server;
  /** Each label's cost store, for checking what a POST wrote where. */
  storeOf(label: string): CostStore;
  adviceOf(label: string): AdviceStore;
  close(): Promise<void>;
}

/** Seeds the organisation and serves the dashboard over it with the dashboard's and the teams' passwords. */
export async function startTeamsDashboard(testFile: string): Promise<TeamsFixture> {
  const database = await createTestDatabase(testFile);
  const client = createPostgresClient({ connectionString: database.url, maxConnections: 3 });
  const base = await CostStore.open(client);
  const storeOf = (label: string) => base.forTeam(label);
  const adviceOf = (label: string) => new AdviceStore(client, label);
  const reading = (source: "balance" | "insights", monthToDateUsd: number, generatedAt: string) => ({
    takenAt: new Date(source === "balance" ? "2026-11-20T14:00:00Z" : "2026-11-20T06:00:00Z"),
    source,
    monthToDateUsd,
    accountBalanceUsd: source === "balance" ? 0 : null,
    generatedAt: new Date(generatedAt),
    invoicePreviewUsd: null,
  });
  const lastNight = "2026-11-20T00:00:00Z";

  await storeOf("shop").upsertBillingHistory(month(() => 5, "Droplets", "shop-web"));
  await storeOf("shop").insertSpendSnapshot(reading("insights", 95, lastNight));
  await storeOf("shop").insertSpendSnapshot(reading("balance", 97.1, "2026-11-20T13:58:00Z"));
  await adviceOf("shop").replaceSuggestions(SEEDED_SUGGESTIONS, new Date("2026-11-20T07:00:00Z"));
  await adviceOf("shop").recordCleanupMarks(
    [{ resource: { kind: "droplet", id: "301", name: "shop-checkout" }, state: "marked", expires: "2026-12-01", action: "power-off", reason: "expires 2026-12-01; the notice goes out from 2026-11-28" }],
    2,
    new Date("2026-11-20T07:00:00Z"),
  );
  await new CalibrationStore(client, "shop").saveStackReconciliation(
    { stackTag: "stack:shop-web-prod", billingMonth: "2026-10", estimatedUsd: 150, billedUsd: 152.5, differenceUsd: 2.5, unplannedBilledUsd: 0, resources: [] },
    new Date("2026-11-02T07:00:00Z"),
  );
  await storeOf("shop").recordAlertEventOnce({
    alertKey: "threshold:mtd-100:2026-11",
    billingMonth: "2026-11",
    firedAt: new Date("2026-11-19T09:00:00Z"),
    payload: { kind: "threshold", thresholdUsd: 100, monthToDateUsd: 100.4 },
    notifications: [],
  });

  await storeOf("lab").upsertBillingHistory(month((day) => (day <= 12 ? 4 : 0.5), "GPU Droplets", "lab-gpu"));
  await storeOf("lab").insertSpendSnapshot(reading("balance", 51.7, "2026-11-20T13:57:00Z"));
  await adviceOf("lab").replaceSuggestions([LAB_SUGGESTION], new Date("2026-11-20T07:00:00Z"));
  await adviceOf("lab").recordCleanupMarks(
    [{ resource: { kind: "volume", id: "vol-lab", name: "lab-notebook" }, state: "needs-attention", expires: "2026-11-10", action: "snapshot-then-delete", reason: "expired 2026-11-10; refused: 409 conflict" }],
    2,
    new Date("2026-11-20T07:00:00Z"),
  );

  await storeOf("client-a").upsertBillingHistory(month((day) => (day <= 12 ? 0.5 : 6), "App Platform", "client-a-site"));
  await storeOf("client-a").insertSpendSnapshot(reading("insights", 48, lastNight));
  await storeOf("client-a").recordAlertEventOnce({
    alertKey: "threshold:mtd-20:2026-11",
    billingMonth: "2026-11",
    firedAt: new Date("2026-11-15T06:00:00Z"),
    payload: { kind: "threshold", thresholdUsd: 20, monthToDateUsd: 21.5 },
    notifications: [],
  });

  await storeOf(UNASSIGNED_LABEL).upsertBillingHistory(month(() => 0.25, "Spaces", "marketing-site"));
  await storeOf(UNASSIGNED_LABEL).insertSpendSnapshot(reading("insights", 4.75, lastNight));

  const organization = storeOf(ORGANIZATION_LABEL);
  await organization.insertSpendSnapshot(reading("insights", 195.75, lastNight));
  await organization.recordAlertEventOnce({
    alertKey: "threshold:mtd-200:2026-11",
    billingMonth: "2026-11",
    firedAt: new Date("2026-11-20T14:00:00Z"),
    payload: { kind: "threshold", thresholdUsd: 200, monthToDateUsd: 201.55 },
    notifications: [],
  });
  for (let day = 1; day <= 20; day++) {
    await organization.recordUnitCount({ readAt: new Date(`2026-11-${String(day).padStart(2, "0")}T07:00:00Z`), unitName: "active restaurant", units: 50, sourceKind: "url" });
  }

  const deps: DashboardDeps = {
    // A deployment with teams reads every team through `teams`; these are not read.
    store: base,
    budgetMonthlyUsd: 400,
    auth: { username: USERNAME, password: PASSWORD },
    now: NOW,
    cleanupMode: { enabled: true, apply: false },
    teams: dashboardTeams(TEAMS_SETTINGS, client),
    teamPasswords: new Map(Object.entries(TEAM_PASSWORDS)),
  };
  const { server, baseUrl } = await serveDashboard(() => deps);
  return {
    database,
    deps,
    baseUrl,
    server,
    storeOf,
    adviceOf,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await client.close();
      await database.drop();
    },
  };
}
