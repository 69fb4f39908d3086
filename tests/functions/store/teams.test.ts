/**
 * Rows per team (issue 15, point 2), on both store backends: a store is one team's, so the same
 * threshold fires once per team per month (also with 8 runs racing per team, and for the
 * organisation's own label), a team never reads another team's rows, and the organisation view
 * reads across them. A team's month to date is the fresher of its latest balance and its latest
 * insights reading, by the data's own timestamps.
 */
import { CostStore } from "../../../functions/src/store/cost-store";
import { AdviceStore } from "../../../functions/src/store/advice-store";
import { CalibrationStore } from "../../../functions/src/store/calibration-store";
import type { BillingHistoryDay, OutgoingNotification, SpendSnapshot } from "../../../functions/src/store/types";
import { IMPLICIT_TEAM_NAME, ORGANIZATION_LABEL, UNASSIGNED_LABEL } from "../../../core/tracker-settings";
import { openBackend, STORE_BACKENDS, type BackendFixture } from "./backends";

const RACERS = 8;
const LABELS = ["shop", "lab", ORGANIZATION_LABEL] as const;
const SHARED: OutgoingNotification[] = [{ channel: "email", destination: "shared@example.com", payload: { subject: "MTD passed $20" } }];
const NOW = new Date("2026-03-15T06:00:00Z");

function day(date: string, totalCostUsd: number, monthToDateUsd: number): BillingHistoryDay {
  return { date, totalCostUsd, monthToDateUsd, costByService: { Droplets: totalCostUsd }, costByProject: {}, costByTag: {} };
}

function reading(source: SpendSnapshot["source"], takenAt: string, generatedAt: string, monthToDateUsd: number): SpendSnapshot {
  return { takenAt: new Date(takenAt), source, monthToDateUsd, accountBalanceUsd: source === "balance" ? 0 : null, generatedAt: new Date(generatedAt), invoicePreviewUsd: null };
}

async function emptyTables(fixture: BackendFixture): Promise<void> {
  await fixture.client.query(`TRUNCATE spend_snapshots, billing_history, alert_events, notification_outbox, cost_alerts, team_checks, advice_suggestions, run_leases, price_calibration RESTART IDENTITY CASCADE`);
}

describe.each(STORE_BACKENDS)("teams' rows on %s", (backend) => {
  let fixture: BackendFixture;
  beforeAll(async () => {
    fixture = await openBackend(backend, __filename);
    await CostStore.open(fixture.client);
  });
  afterAll(() => fixture.dispose());
  beforeEach(() => emptyTables(fixture));

  it(`fires the same threshold once per team (and once for the organisation), with ${RACERS} runs racing for each`, async () => {
    // One single-connection client per racer, as separate activations would have.
    const racers = LABELS.flatMap((label) => Array.from({ length: RACERS }, (_, i) => ({ label, store: new CostStore(fixture.connectAnother(1), label), i })));
    const outcomes = await Promise.all(
      racers.map(({ label, store, i }) =>
        store
          .recordAlertEventOnce({ alertKey: "threshold:mtd-20:2026-03", billingMonth: "2026-03", firedAt: new Date(NOW.getTime() + i), payload: { label }, notifications: SHARED })
          .then((outcome) => ({ label, outcome })),
      ),
    );
    for (const label of LABELS) expect(outcomes.filter((entry) => entry.label === label && entry.outcome.fired)).toHaveLength(1);
    const events = await fixture.client.query<{ team: string; alert_key: string }>(`SELECT team, alert_key FROM alert_events ORDER BY team`);
    expect(events).toEqual([...LABELS].sort().map((team) => ({ team, alert_key: "threshold:mtd-20:2026-03" })));
    // The shared recipient hears each team's crossing: three outbox rows, one per label.
    const outbox = await new CostStore(fixture.client).listOutbox();
    expect(outbox.map((row) => row.destination)).toEqual(["shared@example.com", "shared@example.com", "shared@example.com"]);
    expect(new Set(outbox.map((row) => row.dedupeKey)).size).toBe(3);
    for (const label of LABELS) expect(await new CostStore(fixture.client, label).firedAlertKeys("2026-03")).toEqual(["threshold:mtd-20:2026-03"]);
  });

  it("keeps a single-team deployment's outbox keys as they were before teams", async () => {
    await new CostStore(fixture.client).recordAlertEventOnce({ alertKey: "threshold:mtd-10:2026-03", billingMonth: "2026-03", firedAt: NOW, payload: {}, notifications: SHARED });
    const [row] = await new CostStore(fixture.client).listOutbox();
    expect(row!.dedupeKey).toMatch(/^alert:threshold:mtd-10:2026-03:2026-03:email:[0-9a-f]{16}$/);
  });

  it("never shows a team another team's rows, and shows the organisation all of them", async () => {
    const shop = new CostStore(fixture.client, "shop");
    const lab = shop.forTeam("lab");
    await shop.upsertBillingHistory([day("2026-03-01", 10, 10), day("2026-03-02", 11, 21)]);
    await lab.upsertBillingHistory([day("2026-03-01", 3, 3)]);
    await new CostStore(fixture.client, UNASSIGNED_LABEL).upsertBillingHistory([day("2026-03-02", 1.5, 1.5)]);
    expect((await shop.listBillingHistory("2026-03-01", "2026-03-31")).map((d) => d.totalCostUsd)).toEqual([10, 11]);
    expect((await lab.listBillingHistory("2026-03-01", "2026-03-31")).map((d) => d.totalCostUsd)).toEqual([3]);
    expect(await new CostStore(fixture.client).listBillingHistory("2026-03-01", "2026-03-31")).toEqual([]);
    const all = await shop.listBillingHistoryByTeam("2026-03-01", "2026-03-31");
    expect(all.map((d) => [d.team, d.date, d.totalCostUsd])).toEqual([
      [UNASSIGNED_LABEL, "2026-03-02", 1.5],
      ["lab", "2026-03-01", 3],
      ["shop", "2026-03-01", 10],
      ["shop", "2026-03-02", 11],
    ]);
    expect((await shop.listBillingHistoryByTeam("2026-03-01", "2026-03-31", ["lab"])).map((d) => d.team)).toEqual(["lab"]);

    // The same API alert id, suggestion id, lease name and calibration slug in two teams are two rows.
    const alert = { id: "api-30", kind: "threshold" as const, thresholdUsd: 30, recipients: { email: ["a@example.com"], slack: [], webhook: [] }, enabled: true };
    await shop.upsertApiAlert(alert);
    await lab.upsertApiAlert({ ...alert, thresholdUsd: 40 });
    expect((await shop.listAlerts()).map((a) => a.thresholdUsd)).toEqual([30]);
    expect((await lab.listAlerts()).map((a) => a.thresholdUsd)).toEqual([40]);
    const suggestion = { id: "droplet-off:droplet:1", rule: "droplet-off", resource: { kind: "droplet" as const, id: "1", name: "one" }, action: "delete", reason: "off", monthlySavingsUsd: 6, evidence: {} };
    await new AdviceStore(fixture.client, "shop").replaceSuggestions([suggestion], NOW);
    expect(await new AdviceStore(fixture.client, "lab").replaceSuggestions([], NOW)).toEqual([]);
    expect((await new AdviceStore(fixture.client, "shop").listSuggestions()).map((s) => s.id)).toEqual([suggestion.id]);
    expect(await new AdviceStore(fixture.client, "shop").takeLease("metric-reads", 60_000, NOW.getTime())).toBeDefined();
    expect(await new AdviceStore(fixture.client, "lab").takeLease("metric-reads", 60_000, NOW.getTime())).toBeDefined();
    expect(await new AdviceStore(fixture.client, "shop").takeLease("metric-reads", 60_000, NOW.getTime())).toBeUndefined();
    const calibration = { product: "Droplets", slug: "s-1vcpu-1gb", catalogMonthlyUsd: 6, invoicedMonthlyUsd: 6, driftPct: 0, driftMonthlyUsd: 0, resources: 1, verdict: "ok" as const };
    await new CalibrationStore(fixture.client, "shop").recordCalibration("2026-02", [calibration], NOW);
    expect(await new CalibrationStore(fixture.client, "lab").listCalibration()).toEqual([]);
    expect(await new CalibrationStore(fixture.client, "shop").listCalibration()).toHaveLength(1);
  });

  it.each<[string, SpendSnapshot[], { source: SpendSnapshot["source"]; usd: number }]>([
    ["a fresh balance beats last night's insights", [reading("insights", "2026-03-15T02:00:00Z", "2026-03-15T00:00:00Z", 60), reading("balance", "2026-03-15T06:00:00Z", "2026-03-15T05:58:00Z", 64.6)], { source: "balance", usd: 64.6 }],
    ["insights beat a balance generated before their night ended", [reading("balance", "2026-03-15T06:00:00Z", "2026-03-14T12:00:00Z", 64.6), reading("insights", "2026-03-15T02:00:00Z", "2026-03-15T00:00:00Z", 63.5)], { source: "insights", usd: 63.5 }],
    ["a tie goes to the balance", [reading("balance", "2026-03-15T06:00:00Z", "2026-03-15T00:00:00Z", 64.6), reading("insights", "2026-03-15T02:00:00Z", "2026-03-15T00:00:00Z", 63.5)], { source: "balance", usd: 64.6 }],
    ["only the latest balance counts, however its generated_at compares", [reading("balance", "2026-03-15T05:00:00Z", "2026-03-15T04:59:00Z", 64), reading("balance", "2026-03-15T06:00:00Z", "2026-03-15T04:00:00Z", 64.6)], { source: "balance", usd: 64.6 }],
    ["last month's readings do not count", [reading("insights", "2026-02-28T23:00:00Z", "2026-02-28T00:00:00Z", 250), reading("balance", "2026-03-15T06:00:00Z", "2026-03-15T05:58:00Z", 64.6)], { source: "balance", usd: 64.6 }],
  ])("takes the fresher month to date: %s", async (_case, readings, expected) => {
    const lab = new CostStore(fixture.client, "lab");
    for (const snapshot of readings) await lab.insertSpendSnapshot(snapshot);
    const current = await lab.currentSpend("2026-03");
    expect({ source: current?.source, usd: current?.monthToDateUsd }).toEqual(expected);
    expect((await lab.currentSpendByTeam("2026-03")).get("lab")).toEqual(current);
  });

  it("orders teams never checked first, then the longest since their last check", async () => {
    const store = new CostStore(fixture.client, "shop");
    expect(await store.teamsByLastTurn("check", ["shop", "lab", "client"])).toEqual(["shop", "lab", "client"]);
    await store.recordTeamTurn("check", new Date("2026-03-15T06:00:00Z"));
    await store.forTeam("client").recordTeamTurn("check", new Date("2026-03-15T05:00:00Z"));
    expect(await store.teamsByLastTurn("check", ["shop", "lab", "client"])).toEqual(["lab", "client", "shop"]);
  });

  it("keeps the upkeep's rotation apart from the checks': a team checked every run waits its turn for upkeep", async () => {
    const store = new CostStore(fixture.client, "shop");
    for (const team of ["shop", "lab", "client"]) await store.forTeam(team).recordTeamTurn("check", new Date("2026-03-15T06:00:00Z"));
    expect(await store.teamsByLastTurn("upkeep", ["shop", "lab", "client"])).toEqual(["shop", "lab", "client"]);
    await store.recordTeamTurn("upkeep", new Date("2026-03-15T06:01:00Z"));
    await store.forTeam("lab").recordTeamTurn("check", new Date("2026-03-15T07:00:00Z"));
    expect(await store.teamsByLastTurn("upkeep", ["shop", "lab", "client"])).toEqual(["lab", "client", "shop"]);
    expect(await store.teamsByLastTurn("check", ["shop", "lab", "client"])).toEqual(["shop", "client", "lab"]);
    // A team whose first turn is an upkeep (never checked before) still gets a row.
    await store.forTeam("new-team").recordTeamTurn("upkeep", new Date("2026-03-15T06:02:00Z"));
    expect(await store.teamsByLastTurn("upkeep", ["new-team", "client"])).toEqual(["client", "new-team"]);
  });

  it("refuses a label that is not a team name, in the store and in the database", async () => {
    expect(() => new CostStore(fixture.client, "Staging")).toThrow('team must be a team name or a reserved @ label (got "Staging")');
    expect(() => new AdviceStore(fixture.client, "@elsewhere")).toThrow(/team must be a team name/);
    await expect(fixture.client.query(`INSERT INTO billing_history (team, date, total_cost_usd, month_to_date_usd) VALUES ('no_underscores', '2026-03-01', 1, 1)`)).rejects.toThrow(/billing_history_team_check/);
    await expect(fixture.client.query(`INSERT INTO billing_history (date, total_cost_usd, month_to_date_usd) VALUES ('2026-03-01', 1, 1)`)).rejects.toThrow(/team/);
    expect(new CostStore(fixture.client).team).toBe(IMPLICIT_TEAM_NAME);
  });
});
