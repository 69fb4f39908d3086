/**
 * The exactly-once guarantee under real concurrency: many tracker runs (separate Postgres
 * connections, as separate processes would have) race to record the same alert event.
 */
import { CostStore } from "../../../functions/src/store/cost-store";
import type { OutgoingNotification } from "../../../functions/src/store/types";
import { openBackend, STORE_BACKENDS, truncateTrackerTables, type BackendFixture } from "./backends";

const RACERS = 10;
const NOTIFICATIONS: OutgoingNotification[] = [
  { channel: "email", destination: "ops@example.com", payload: { subject: "MTD passed $150" } },
  { channel: "email", destination: "cfo@example.com", payload: { subject: "MTD passed $150" } },
  { channel: "slack", destination: "https://hooks.slack.com/services/T/B/X", payload: { text: "MTD passed $150" } },
];

describe.each(STORE_BACKENDS)("recordAlertEventOnce racing on %s", (backend) => {
  let fixture: BackendFixture;
  let stores: CostStore[];
  beforeAll(async () => {
    fixture = await openBackend(backend, __filename);
    await CostStore.open(fixture.client);
    // One single-connection client per racer: no two racers share a connection or a pool queue.
    stores = Array.from({ length: RACERS }, () => new CostStore(fixture.connectAnother(1)));
  });
  afterAll(() => fixture.dispose());
  beforeEach(() => truncateTrackerTables(fixture.client));

  it.each([1, 2, 3])(`round %i: of ${RACERS} simultaneous calls exactly one fires and one set of outbox rows exists`, async () => {
    const outcomes = await Promise.all(
      stores.map((store, racer) =>
        store.recordAlertEventOnce({
          alertKey: "threshold:mtd-150:2026-11",
          billingMonth: "2026-11",
          firedAt: new Date(Date.UTC(2026, 10, 27, 6, 0, racer)),
          payload: { racer },
          notifications: NOTIFICATIONS,
        }),
      ),
    );

    const fired = outcomes.filter((outcome) => outcome.fired);
    expect(fired).toHaveLength(1);
    expect(fired[0]!.enqueued).toBe(NOTIFICATIONS.length);
    expect(outcomes.filter((outcome) => !outcome.fired).every((outcome) => outcome.enqueued === 0 && outcome.eventId === null)).toBe(true);

    const events = await fixture.client.query<{ id: number; n: number }>(`SELECT id, count(*) OVER ()::int AS n FROM alert_events`);
    expect(events).toEqual([{ id: fired[0]!.eventId, n: 1 }]);
    const outbox = await fixture.client.query<{ destination: string; alert_event_id: number }>(
      `SELECT destination, alert_event_id FROM notification_outbox ORDER BY id`,
    );
    expect(outbox).toEqual(NOTIFICATIONS.map((n) => ({ destination: n.destination, alert_event_id: fired[0]!.eventId })));
  });

  it("lets a waiting racer fire when the first inserter rolls back (a crashed run loses no alert)", async () => {
    const alertKey = "forecast:2026-11";
    const holder = fixture.connectAnother(1);
    let racing: Promise<Array<{ fired: boolean }>> | undefined;
    let blocked = 0;
    const crash = new Error("tracker crashed before commit");
    await expect(
      holder.transaction(async (tx) => {
        await tx.query(`INSERT INTO alert_events (team, alert_key, billing_month, fired_at, payload) VALUES ('default', $1, '2026-11', now(), '{}')`, [alertKey]);
        racing = Promise.all(
          stores.slice(0, 4).map((store, racer) =>
            store.recordAlertEventOnce({ alertKey, billingMonth: "2026-11", firedAt: new Date("2026-11-27T06:00:00Z"), payload: { racer }, notifications: NOTIFICATIONS }),
          ),
        );
        // Wait until all four are blocked on the uncommitted row's unique-index entry.
        for (let waited = 0; waited < 100; waited++) {
          const [row] = await fixture.client.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
          );
          blocked = row!.n;
          if (blocked === 4) break;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        throw crash;
      }),
    ).rejects.toBe(crash);

    expect(blocked).toBe(4);
    const outcomes = await racing!;
    expect(outcomes.filter((outcome) => outcome.fired)).toHaveLength(1);
    expect(await fixture.client.query(`SELECT 1 FROM alert_events`)).toHaveLength(1);
    expect(await fixture.client.query(`SELECT 1 FROM notification_outbox`)).toHaveLength(NOTIFICATIONS.length);
  });
});
