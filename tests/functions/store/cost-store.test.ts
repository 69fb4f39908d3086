import { CostStore } from "../../../functions/src/store/cost-store";
import type { BillingHistoryDay, CostAlertDefinition, OutgoingNotification } from "../../../functions/src/store/types";
import { openBackend, STORE_BACKENDS, truncateTrackerTables, type BackendFixture } from "./backends";

const NOV_27 = new Date("2026-11-27T06:00:00Z");

function day(date: string, totalCostUsd: number, monthToDateUsd: number): BillingHistoryDay {
  return { date, totalCostUsd, monthToDateUsd, costByService: { Droplets: totalCostUsd }, costByProject: {}, costByTag: {} };
}

const RECIPIENTS = { email: ["ops@example.com"], slack: [], webhook: [] };

function thresholdAlert(id: string, thresholdUsd: number): CostAlertDefinition {
  return { id, kind: "threshold", thresholdUsd, recipients: RECIPIENTS, enabled: true };
}

describe.each(STORE_BACKENDS)("CostStore on %s", (backend) => {
  let fixture: BackendFixture;
  let store: CostStore;
  beforeAll(async () => {
    fixture = await openBackend(backend, __filename);
    store = await CostStore.open(fixture.client);
  });
  afterAll(() => fixture.dispose());
  beforeEach(() => truncateTrackerTables(fixture.client));

  describe("spend snapshots", () => {
    it("returns null before the first check, then the latest check with cents intact", async () => {
      expect(await store.latestSpendSnapshot()).toBeNull();
      await store.insertSpendSnapshot({
        takenAt: new Date("2026-11-27T05:00:00Z"),
        source: "balance" as const,
        monthToDateUsd: 10,
        accountBalanceUsd: 0,
        generatedAt: new Date("2026-11-27T04:59:00Z"),
        invoicePreviewUsd: null,
      });
      const later = {
        takenAt: new Date("2026-11-27T06:00:00Z"),
        source: "balance" as const,
        monthToDateUsd: 0.1 + 0.2, // 0.30000000000000004 in floating point: stored as exactly 0.30
        accountBalanceUsd: -12.5,
        generatedAt: new Date("2026-11-27T05:59:00Z"),
        invoicePreviewUsd: 1234.56,
      };
      await store.insertSpendSnapshot(later);
      expect(await store.latestSpendSnapshot()).toEqual({ ...later, monthToDateUsd: 0.3 });
    });

    it("rejects an amount that is not finite, naming the field", async () => {
      const bad = { takenAt: NOV_27, source: "balance" as const, monthToDateUsd: Number.NaN, accountBalanceUsd: 0, generatedAt: NOV_27, invoicePreviewUsd: null };
      await expect(store.insertSpendSnapshot(bad)).rejects.toThrow("monthToDateUsd must be a finite dollar amount (got NaN)");
    });
  });

  describe("billing history", () => {
    it("upserts days (a revised day replaces the old figures) and lists an inclusive range in date order", async () => {
      expect(await store.upsertBillingHistory([day("2026-11-02", 3.1, 6.2), day("2026-11-01", 3.1, 3.1), day("2026-11-03", 3.1, 9.3)])).toBe(3);
      // DigitalOcean revised Nov 2: 3.10 → 4.25, so month-to-date 3.10 + 4.25 = 7.35.
      expect(await store.upsertBillingHistory([day("2026-11-02", 4.25, 7.35)])).toBe(1);

      const listed = await store.listBillingHistory("2026-11-02", "2026-11-03");
      expect(listed).toEqual([day("2026-11-02", 4.25, 7.35), day("2026-11-03", 3.1, 9.3)]);
    });

    it("keeps breakdowns as JSON with amounts rounded to cents", async () => {
      await store.upsertBillingHistory([
        { ...day("2026-11-05", 20, 20), costByProject: { shop: 12.345, api: 7.655 }, costByTag: { "env:prod": 20 } },
      ]);
      const [stored] = await store.listBillingHistory("2026-11-05", "2026-11-05");
      // 12.345 → 1234.5 cents → 1235 (half away from zero); 7.655 → 765.5 → 766: 12.35 + 7.66.
      expect(stored!.costByProject).toEqual({ shop: 12.35, api: 7.66 });
      expect(stored!.costByTag).toEqual({ "env:prod": 20 });
    });

    it("writes more rows than one INSERT carries (1,000 per statement) in a single call", async () => {
      const days = Array.from({ length: 1200 }, (_, i) => {
        const date = new Date(Date.UTC(2023, 0, 1 + i)).toISOString().slice(0, 10);
        return day(date, 1, 1);
      });
      expect(await store.upsertBillingHistory(days)).toBe(1200);
      expect(await store.listBillingHistory("2023-01-01", "2026-12-31")).toHaveLength(1200);
    });
  });

  describe("transaction", () => {
    it("commits several writes together, and rolls all of them back when the work throws", async () => {
      const snapshot = { takenAt: NOV_27, source: "balance" as const, monthToDateUsd: 42, accountBalanceUsd: 0, generatedAt: NOV_27, invoicePreviewUsd: null };
      await store.transaction(async (tx) => {
        await tx.insertSpendSnapshot(snapshot);
        await tx.upsertBillingHistory([day("2026-11-26", 2, 42)]);
      });
      const failure = new Error("DigitalOcean went away mid-ingest");
      await expect(
        store.transaction(async (tx) => {
          await tx.insertSpendSnapshot({ ...snapshot, takenAt: new Date("2026-11-27T07:00:00Z"), monthToDateUsd: 99 });
          await tx.upsertBillingHistory([day("2026-11-27", 57, 99)]);
          throw failure;
        }),
      ).rejects.toBe(failure);
      expect((await store.latestSpendSnapshot())!.monthToDateUsd).toBe(42);
      expect((await store.listBillingHistory("2026-11-01", "2026-11-30")).map((d) => d.date)).toEqual(["2026-11-26"]);
    });
  });

  describe("resource daily cost", () => {
    it("upserts by (date, resource, product) and lists by date then resource", async () => {
      await store.upsertResourceDailyCosts([
        { date: "2026-11-02", resourceUuid: "b-droplet", product: "Droplets", projectName: "shop", amountUsd: 0.86 },
        { date: "2026-11-01", resourceUuid: "a-db", product: "Managed Databases", projectName: null, amountUsd: 0.5 },
        { date: "2026-11-02", resourceUuid: "a-db", product: "Managed Databases", projectName: null, amountUsd: 0.5 },
      ]);
      await store.upsertResourceDailyCosts([
        { date: "2026-11-02", resourceUuid: "b-droplet", product: "Droplets", projectName: "shop-v2", amountUsd: 0.9 },
      ]);
      const rows = await store.listResourceDailyCosts("2026-11-02", "2026-11-02");
      expect(rows).toEqual([
        { date: "2026-11-02", resourceUuid: "a-db", product: "Managed Databases", projectName: null, amountUsd: 0.5 },
        { date: "2026-11-02", resourceUuid: "b-droplet", product: "Droplets", projectName: "shop-v2", amountUsd: 0.9 },
      ]);
    });

    it("inserts rows known to be new, and refuses the whole write when one is already stored", async () => {
      const row = { date: "2026-11-03", resourceUuid: "a-db", product: "Managed Databases", projectName: null, amountUsd: 0.5 };
      expect(await store.insertResourceDailyCosts([row, { ...row, resourceUuid: "b-db" }])).toBe(2);
      await expect(store.insertResourceDailyCosts([{ ...row, resourceUuid: "c-db" }, { ...row, amountUsd: 9 }])).rejects.toThrow(/duplicate key/);
      expect((await store.listResourceDailyCosts("2026-11-03", "2026-11-03")).map((r) => [r.resourceUuid, r.amountUsd])).toEqual([
        ["a-db", 0.5],
        ["b-db", 0.5],
      ]);
    });

    it("sums each resource × product over a date range, to the cent", async () => {
      await store.upsertResourceDailyCosts([
        { date: "2026-10-31", resourceUuid: "a-db", product: "Managed Databases", projectName: null, amountUsd: 7 },
        { date: "2026-11-01", resourceUuid: "a-db", product: "Managed Databases", projectName: null, amountUsd: 0.1 },
        { date: "2026-11-02", resourceUuid: "a-db", product: "Managed Databases", projectName: null, amountUsd: 0.2 },
        { date: "2026-11-02", resourceUuid: "a-db", product: "Backups", projectName: null, amountUsd: 0.03 },
        { date: "2026-11-03", resourceUuid: "b-droplet", product: "Droplets", projectName: "shop", amountUsd: 1.01 },
      ]);
      const totals = await store.resourceCostTotals("2026-11-01", "2026-11-02");
      expect(totals.sort((a, b) => `${a.resourceUuid}${a.product}`.localeCompare(`${b.resourceUuid}${b.product}`))).toEqual([
        { resourceUuid: "a-db", product: "Backups", amountUsd: 0.03 },
        { resourceUuid: "a-db", product: "Managed Databases", amountUsd: 0.3 },
      ]);
    });

    it("writes text that array syntax would mangle unchanged, in chunks past 10,000 rows, and counts every row written", async () => {
      const awkward = ['quote"d', "back\\slash", "comma,brace{}", "NULL", "", "spa ce", "ünï©ødé"];
      const rows = Array.from({ length: 10_001 }, (_, i) => ({
        date: "2026-11-05",
        resourceUuid: `${awkward[i % awkward.length]}#${i}`,
        product: awkward[(i + 3) % awkward.length]!,
        projectName: i % 2 === 0 ? null : awkward[i % awkward.length]!,
        amountUsd: (i % 1000) / 100,
      }));
      expect(await store.upsertResourceDailyCosts(rows)).toBe(10_001);
      const stored = await store.listResourceDailyCosts("2026-11-05", "2026-11-05");
      const key = (row: { resourceUuid: string; product: string }) => `${row.resourceUuid}\u0000${row.product}`;
      expect(new Map(stored.map((row) => [key(row), row]))).toEqual(new Map(rows.map((row) => [key(row), row])));
    });
  });

  describe("cost alerts", () => {
    it("makes config rows exactly the config, keeps API rows, and keeps last_triggered_at across syncs", async () => {
      await store.upsertApiAlert(thresholdAlert("api-500", 500));
      expect(await store.syncConfigAlerts([thresholdAlert("mtd-10", 10), thresholdAlert("mtd-50", 50)])).toEqual({ upserted: 2, removed: 0 });
      await store.recordAlertEventOnce({
        alertKey: "threshold:mtd-10:2026-11",
        billingMonth: "2026-11",
        firedAt: NOV_27,
        payload: {},
        notifications: [],
        alertId: "mtd-10",
      });

      // Config now drops mtd-50 and raises nothing else; mtd-10 is re-enabled with new recipients.
      const updated = { ...thresholdAlert("mtd-10", 10), recipients: { email: ["cfo@example.com"], slack: [], webhook: [] } };
      expect(await store.syncConfigAlerts([updated])).toEqual({ upserted: 1, removed: 1 });

      const alerts = await store.listAlerts();
      expect(alerts.map((a) => [a.id, a.source, a.thresholdUsd])).toEqual([
        ["mtd-10", "config", 10],
        ["api-500", "api", 500],
      ]);
      expect(alerts[0]!.recipients).toEqual(updated.recipients);
      expect(alerts[0]!.lastTriggeredAt).toEqual(NOV_27);
    });

    it("lists only enabled alerts when asked", async () => {
      await store.syncConfigAlerts([thresholdAlert("mtd-10", 10), { ...thresholdAlert("mtd-50", 50), enabled: false }]);
      expect((await store.listAlerts({ enabledOnly: true })).map((a) => a.id)).toEqual(["mtd-10"]);
      expect((await store.listAlerts()).map((a) => a.id)).toEqual(["mtd-10", "mtd-50"]);
    });

    it("refuses a config id that an API alert already uses, and an API write to a config id, changing nothing", async () => {
      await store.upsertApiAlert(thresholdAlert("shared", 100));
      await expect(store.syncConfigAlerts([thresholdAlert("shared", 10)])).rejects.toThrow(
        'cost alert id "shared" from config is already used by an API-created alert',
      );
      await store.syncConfigAlerts([thresholdAlert("mtd-10", 10)]);
      await expect(store.upsertApiAlert(thresholdAlert("mtd-10", 99))).rejects.toThrow('cost alert id "mtd-10" is defined by config');
      expect((await store.listAlerts()).map((a) => [a.id, a.thresholdUsd])).toEqual([
        ["mtd-10", 10],
        ["shared", 100],
      ]);
    });

    it("rejects a config list that repeats an id", async () => {
      await expect(store.syncConfigAlerts([thresholdAlert("x", 10), thresholdAlert("x", 20)])).rejects.toThrow('cost alert id "x" is defined twice');
    });

    it("deletes API alerts but not config alerts", async () => {
      await store.syncConfigAlerts([thresholdAlert("mtd-10", 10)]);
      await store.upsertApiAlert(thresholdAlert("api-1", 1));
      expect(await store.deleteApiAlert("mtd-10")).toBe(false);
      expect(await store.deleteApiAlert("api-1")).toBe(true);
      expect((await store.listAlerts()).map((a) => a.id)).toEqual(["mtd-10"]);
    });
  });

  describe("unit counts", () => {
    const read = (iso: string, units: number | null) => ({ readAt: new Date(iso), unitName: "active restaurant", units, sourceKind: "url" as const });

    it("keeps each reading with the time it was read, a failed one (null) too; lists a range and finds the newest at or before an instant", async () => {
      expect(await store.latestUnitCount(NOV_27)).toBeNull();
      await store.recordUnitCount(read("2026-11-25T07:00:00Z", 140));
      await store.recordUnitCount(read("2026-11-26T07:00:00Z", null));
      await store.recordUnitCount(read("2026-11-27T07:00:00Z", 142.5));
      expect(await store.listUnitCounts(new Date("2026-11-25T07:00:00Z"), new Date("2026-11-27T07:00:00Z"))).toEqual([read("2026-11-25T07:00:00Z", 140), read("2026-11-26T07:00:00Z", null)]);
      expect(await store.latestUnitCount(new Date("2026-11-27T06:59:59Z"))).toEqual(read("2026-11-26T07:00:00Z", null));
      expect(await store.latestUnitCount(new Date("2026-11-27T07:00:00Z"))).toEqual(read("2026-11-27T07:00:00Z", 142.5));
      expect(await store.latestUnitCount(new Date("2026-11-28T00:00:00Z"))).toEqual(read("2026-11-27T07:00:00Z", 142.5));
    });

    it("refuses a negative or non-finite count", async () => {
      await expect(store.recordUnitCount(read("2026-11-25T07:00:00Z", -1))).rejects.toThrow("units must be a finite number >= 0 or null (got -1)");
      await expect(store.recordUnitCount(read("2026-11-25T07:00:00Z", Number.NaN))).rejects.toThrow("(got NaN)");
    });
  });

  describe("alert events and the outbox", () => {
    const notifications: OutgoingNotification[] = [
      { channel: "email", destination: "ops@example.com", payload: { subject: "s", text: "t", html: "<p>t</p>" } },
      { channel: "slack", destination: "https://hooks.slack.com/services/T/B/X", payload: { text: "t", blocks: [] } },
    ];
    const event = { alertKey: "threshold:mtd-50:2026-11", billingMonth: "2026-11", firedAt: NOV_27, payload: { mtdUsd: 51.2 }, notifications };

    it("fires once per key and month: the second call records nothing and enqueues nothing", async () => {
      const first = await store.recordAlertEventOnce(event);
      expect(first).toEqual({ fired: true, eventId: expect.any(Number), enqueued: 2 });
      expect(await store.recordAlertEventOnce({ ...event, firedAt: new Date("2026-11-27T07:00:00Z") })).toEqual({ fired: false, eventId: null, enqueued: 0 });

      expect(await store.firedAlertKeys("2026-11")).toEqual(["threshold:mtd-50:2026-11"]);
      expect(await store.listAlertEvents("2026-11")).toEqual([
        { id: first.eventId, alertKey: event.alertKey, billingMonth: "2026-11", firedAt: NOV_27, payload: { mtdUsd: 51.2 } },
      ]);
      const outbox = await store.listOutbox();
      expect(outbox.map((row) => [row.channel, row.destination, row.status, row.attempts])).toEqual([
        ["email", "ops@example.com", "pending", 0],
        ["slack", "https://hooks.slack.com/services/T/B/X", "pending", 0],
      ]);
      // The dedupe key names the destination by digest, so the Slack secret URL is not repeated in it.
      expect(outbox[1]!.dedupeKey).toMatch(/^alert:threshold:mtd-50:2026-11:2026-11:slack:[0-9a-f]{16}$/);
    });

    it("fires the same key again in the next billing month", async () => {
      await store.recordAlertEventOnce(event);
      expect((await store.recordAlertEventOnce({ ...event, billingMonth: "2026-12" })).fired).toBe(true);
      expect(await store.firedAlertKeys("2026-12")).toEqual([event.alertKey]);
    });

    it("finds when each key prefix last fired, over every month, from the same rows listAlertEvents reads", async () => {
      await store.recordAlertEventOnce(event);
      await store.recordAlertEventOnce({ ...event, alertKey: "threshold:mtd-50:2026-10", billingMonth: "2026-10", firedAt: new Date("2026-10-09T08:00:00Z"), notifications: [] });
      await store.recordAlertEventOnce({ ...event, alertKey: "threshold:mtd-500:2026-09", billingMonth: "2026-09", firedAt: new Date("2026-09-30T20:00:00Z"), notifications: [] });
      const last = await store.lastFiredAt(["threshold:mtd-50:", "threshold:mtd-5:", "forecast:"]);
      // mtd-5's prefix does not match mtd-50 or mtd-500: the prefix ends at the id's colon.
      expect([...last]).toEqual([["threshold:mtd-50:", NOV_27]]);
      expect(await store.lastFiredAt([])).toEqual(new Map());
    });

    it("rejects a malformed billing month before touching the database", async () => {
      await expect(store.recordAlertEventOnce({ ...event, billingMonth: "2026-13" })).rejects.toThrow(/2026-13/);
    });

    it("enqueues report notifications idempotently by dedupe key", async () => {
      const report = { dedupeKey: "report:daily:2026-11-27:email:ops", channel: "email" as const, destination: "ops@example.com", payload: { subject: "Daily" } };
      expect(await store.enqueueNotifications([report], NOV_27)).toBe(1);
      expect(await store.enqueueNotifications([report], NOV_27)).toBe(0);
      expect(await store.outboxCounts()).toEqual({ pending: 1, delivered: 0 });
    });

    it("claims only due rows, counts the attempt and leases them; delivered and failed rows are recorded", async () => {
      await store.recordAlertEventOnce(event);
      const leaseUntil = new Date(NOV_27.getTime() + 600_000);
      expect(await store.claimDueNotifications(new Date(NOV_27.getTime() - 1), 10, leaseUntil)).toEqual([]);

      const claimed = await store.claimDueNotifications(NOV_27, 10, leaseUntil);
      expect(claimed.map((row) => [row.channel, row.attempts, row.nextAttemptAt])).toEqual([
        ["email", 1, leaseUntil],
        ["slack", 1, leaseUntil],
      ]);
      // Leased: a second run at the same instant sees nothing due.
      expect(await store.claimDueNotifications(NOV_27, 10, leaseUntil)).toEqual([]);

      const retryAt = new Date(NOV_27.getTime() + 60_000);
      await store.markDelivered(claimed[0]!.id, NOV_27);
      await store.markFailed(claimed[1]!.id, "Slack answered 500", retryAt);
      const [email, slack] = await store.listOutbox();
      expect([email!.status, email!.deliveredAt, email!.lastError]).toEqual(["delivered", NOV_27, null]);
      expect([slack!.status, slack!.nextAttemptAt, slack!.lastError]).toEqual(["pending", retryAt, "Slack answered 500"]);
      expect(await store.outboxCounts()).toEqual({ pending: 1, delivered: 1 });
      expect((await store.claimDueNotifications(retryAt, 10, leaseUntil)).map((row) => [row.channel, row.attempts])).toEqual([["slack", 2]]);
    });

    it("claims at most `limit` rows, oldest due first", async () => {
      const rows = [3, 1, 2].map((n) => ({ dedupeKey: `k${n}`, channel: "webhook" as const, destination: "http://127.0.0.1/x", payload: { n } }));
      for (const row of rows) await store.enqueueNotifications([row], new Date(NOV_27.getTime() + Number(row.payload.n) * 1000));
      const claimed = await store.claimDueNotifications(new Date(NOV_27.getTime() + 10_000), 2, new Date(NOV_27.getTime() + 600_000));
      expect(claimed.map((row) => row.payload.n)).toEqual([1, 2]);
      await expect(store.claimDueNotifications(NOV_27, 0, NOV_27)).rejects.toThrow("limit must be a positive integer (got 0)");
    });
  });
});
