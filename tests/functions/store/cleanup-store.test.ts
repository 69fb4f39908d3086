/**
 * The clean-up's store on real Postgres (and the embedded PostgreSQL, the CLI's default): a notice and
 * its outbox rows are written together or not at all; a notice counts only once the outbox
 * delivered it (previews never); steps are claimed once however many runs race; and the
 * dashboard's view of every marked resource (state, notice sent, acts on).
 */
import { CLEANUP_STATES, CLEANUP_STEP_STATES, NOTICE_STEP, PREVIEW_NOTICE_STEP } from "../../../core/cleanup/states";
import { noticeKey } from "../../../core/cleanup/plan";
import { AdviceStore, type CleanupStepKey } from "../../../functions/src/store/advice-store";
import { CostStore } from "../../../functions/src/store/cost-store";
import { MIGRATIONS, migrate } from "../../../functions/src/store/migrations";
import type { SqlClient } from "../../../functions/src/store/sql-client";
import type { QueuedNotification } from "../../../functions/src/store/types";
import { openBackend, STORE_BACKENDS, type BackendFixture } from "./backends";

const NOW = new Date("2026-11-29T12:00:00Z");
const at = (days: number) => new Date(NOW.getTime() + days * 86_400_000);
const key = <S extends CleanupStepKey["step"] = typeof NOTICE_STEP>(id: string, step: S = NOTICE_STEP as S, expires = "2026-11-20"): CleanupStepKey & { step: S } => ({ resourceKind: "droplet", resourceId: id, resourceName: `name-${id}`, step, expires });
const rows = (id: string, ...channels: string[]): QueuedNotification[] =>
  channels.map((channel, i) => ({ channel: channel as QueuedNotification["channel"], destination: `dest-${i}`, payload: { id }, dedupeKey: `cleanup-notice:${id}:${i}` }));

async function deliverAll(outbox: CostStore, now: Date, only?: (destination: string) => boolean): Promise<void> {
  for (const row of await outbox.claimDueNotifications(now, 100, new Date(now.getTime() + 60_000))) {
    if (!only || only(row.destination)) await outbox.markDelivered(row.id, now);
    else await outbox.markFailed(row.id, "refused", now);
  }
}

describe.each(STORE_BACKENDS)("clean-up store on %s", (backend) => {
  let fixture: BackendFixture;
  let db: SqlClient;
  let store: AdviceStore;
  let outbox: CostStore;

  beforeAll(async () => {
    fixture = await openBackend(backend, `${__filename}-${backend}`);
    db = fixture.client;
    await migrate(db);
    store = new AdviceStore(db);
    outbox = new CostStore(db);
  });
  afterAll(() => fixture.dispose());
  beforeEach(async () => {
    await db.query(`DELETE FROM notification_outbox`);
    await db.query(`DELETE FROM cleanup_actions`);
    await db.query(`DELETE FROM cleanup_marks`);
  });

  it("writes a notice's audit row and its outbox rows together, once", async () => {
    const id = await store.queueCleanupNotice(key("1"), rows("1", "email", "webhook"), NOW);
    expect(id).toEqual(expect.any(Number));
    expect(await store.queueCleanupNotice(key("1"), rows("1", "email", "webhook"), at(1))).toBeUndefined();
    expect((await outbox.listOutbox()).map((r) => r.dedupeKey)).toEqual(["cleanup-notice:1:0", "cleanup-notice:1:1"]);
    expect((await store.cleanupRecords()).map((r) => [r.step, r.state])).toEqual([[NOTICE_STEP, "queued"]]);

    // An outbox row the database refuses rolls the audit row back with it: neither exists.
    await expect(store.queueCleanupNotice(key("2"), rows("2", "email", "fax"), NOW)).rejects.toThrow();
    expect((await store.cleanupRecords()).map((r) => r.resourceId)).toEqual(["1"]);
    expect(await outbox.listOutbox()).toHaveLength(2);
  });

  it("counts a notice as delivered only from the outbox's first delivered row, and never a preview", async () => {
    await store.queueCleanupNotice(key("1"), rows("1", "email", "webhook"), NOW);
    await store.queueCleanupNotice(key("2", PREVIEW_NOTICE_STEP), rows("2", "email"), NOW);
    await store.queueCleanupNotice(key("3"), rows("3", "email"), NOW);
    expect(await store.noticeDeliveries()).toEqual(new Map());

    // The first recipient fails today and succeeds tomorrow; the other refuses: one delivery is enough.
    await deliverAll(outbox, NOW, () => false);
    expect(await store.noticeDeliveries()).toEqual(new Map());
    await deliverAll(outbox, at(1), (destination) => destination === "dest-0");
    await deliverAll(outbox, at(2));
    expect(await store.noticeDeliveries()).toEqual(
      new Map([
        [noticeKey("droplet", "1", "2026-11-20"), "2026-11-30"],
        [noticeKey("droplet", "3", "2026-11-20"), "2026-11-30"],
      ]),
    );
  });

  it("claims an action once; only a refused or stopped step may be claimed again", async () => {
    const action = key("1", "snapshot-then-destroy");
    const first = await store.claimCleanupStep(action, NOW);
    expect(first).toEqual(expect.any(Number));
    expect(await store.claimCleanupStep(action, NOW)).toBeUndefined();
    for (const state of ["failed", "stopped"] as const) {
      await store.updateCleanupStep(first!, { state, detail: state }, NOW);
      expect(await store.claimCleanupStep(action, at(1))).toBe(first);
    }
    for (const state of ["requested", "done", "unconfirmed", "needs-attention"] as const) {
      await store.updateCleanupStep(first!, { state, detail: state }, NOW);
      expect(await store.claimCleanupStep(action, at(1))).toBeUndefined();
    }
  });

  it("hands a stale requested step to exactly one later run", async () => {
    const id = (await store.claimCleanupStep(key("1", "snapshot-then-destroy"), NOW))!;
    await store.updateCleanupStep(id, { state: "requested", requestId: "action 7" }, NOW);
    // Still fresh: the run that sent it may be working on it.
    expect(await store.takeOverCleanupStep(id, new Date(NOW.getTime() - 900_000), NOW)).toBe(false);
    const later = at(1);
    const staleBefore = new Date(later.getTime() - 900_000);
    expect(await Promise.all([1, 2, 3].map(() => store.takeOverCleanupStep(id, staleBefore, later)))).toEqual(expect.arrayContaining([true, false, false]));
    expect((await store.cleanupRecords(["requested"]))[0]).toMatchObject({ requestId: "action 7" });
  });

  it("shows every marked resource with its state, notice sent and acts on, the clock moving with the outbox", async () => {
    const mark = (id: string, state: (typeof CLEANUP_STATES)[number], expires: string | null = "2026-11-20") => ({
      resource: { kind: "droplet" as const, id, name: `name-${id}` }, state, expires, action: expires ? ("snapshot-then-destroy" as const) : null, reason: `${state} ${id}`,
    });
    await store.queueCleanupNotice(key("1"), rows("1", "email"), NOW);
    await store.recordCleanupMarks([mark("1", "marked"), mark("2", "marked", "2026-12-20"), mark("3", "skipped", null), mark("4", "acted")], 2, NOW);
    const byId = async (now: Date) => Object.fromEntries((await store.cleanupMarks(now)).map((m) => [m.resource.id, [m.state, m.noticeDeliveredOn, m.actOn]]));
    expect(await byId(NOW)).toEqual({ "1": ["marked", null, null], "2": ["marked", null, null], "3": ["skipped", null, null], "4": ["acted", null, null] });

    // Delivered tomorrow: acts two days later, without waiting for the next run to say so.
    await deliverAll(outbox, at(1));
    expect((await byId(at(1)))["1"]).toEqual(["notice-delivered", "2026-11-30", "2026-12-02"]);
    expect((await byId(at(3)))["1"]).toEqual(["due", "2026-11-30", "2026-12-02"]);

    // A slower concurrent run cannot move an acted resource back; the next run drops what is no
    // longer marked but keeps what clean-up did.
    await store.recordCleanupMarks([mark("1", "marked"), mark("4", "due")], 2, at(1));
    expect(await byId(at(1))).toEqual({ "1": ["notice-delivered", "2026-11-30", "2026-12-02"], "4": ["acted", null, null] });
    const [first] = await store.cleanupMarks(at(1));
    expect(first).toEqual({
      resource: { kind: "droplet", id: "1", name: "name-1" }, state: "notice-delivered", expires: "2026-11-20", action: "snapshot-then-destroy",
      noticeDeliveredOn: "2026-11-30", previewDeliveredOn: null, actOn: "2026-12-02", reason: "marked 1", updatedAt: at(1),
    });
  });

  it("shows the day a preview (apply off) reached someone beside the mark, without starting its clock", async () => {
    await store.recordCleanupMarks([{ resource: { kind: "droplet", id: "1", name: "name-1" }, state: "marked", expires: "2026-11-20", action: "power-off", reason: "expired" }], 2, NOW);
    const fields = async (now: Date) => (await store.cleanupMarks(now)).map((m) => [m.state, m.previewDeliveredOn, m.noticeDeliveredOn, m.actOn]);
    // A preview delivered for an earlier date is not this date's.
    await store.queueCleanupNotice(key("1", PREVIEW_NOTICE_STEP, "2026-10-01"), rows("1-old", "webhook"), NOW);
    await deliverAll(outbox, NOW);
    expect(await fields(NOW)).toEqual([["marked", null, null, null]]);
    await store.queueCleanupNotice(key("1", PREVIEW_NOTICE_STEP), rows("1", "webhook"), NOW);
    await deliverAll(outbox, at(1));
    expect(await fields(at(5))).toEqual([["marked", "2026-11-30", null, null]]);
  });

  it("accepts exactly the state names core/cleanup/states.ts defines", async () => {
    for (const state of CLEANUP_STEP_STATES) {
      await db.query(`INSERT INTO cleanup_actions (team, resource_kind, resource_id, resource_name, step, expires, state, created_at, updated_at) VALUES ('default', 'droplet', $1, 'x', 'delete', '2026-11-20', $1, $2, $2)`, [state, NOW]);
    }
    await expect(db.query(`INSERT INTO cleanup_actions (team, resource_kind, resource_id, resource_name, step, expires, state, created_at, updated_at) VALUES ('default', 'droplet', 'x', 'x', 'delete', '2026-11-20', 'notified', $1, $1)`, [NOW])).rejects.toThrow(/check/i);
    for (const state of CLEANUP_STATES) {
      await db.query(`INSERT INTO cleanup_marks (team, resource_kind, resource_id, resource_name, state, grace_days, reason, updated_at) VALUES ('default', 'droplet', $1, 'x', $1, 2, 'r', $2)`, [state, NOW]);
    }
    await expect(db.query(`INSERT INTO cleanup_marks (team, resource_kind, resource_id, resource_name, state, grace_days, reason, updated_at) VALUES ('default', 'droplet', 'y', 'x', 'done', 2, 'r', $1)`, [NOW])).rejects.toThrow(/check/i);
  });
});

describe("migration 4 on Postgres", () => {
  let fixture: BackendFixture;
  beforeAll(async () => {
    fixture = await openBackend("postgres", `${__filename}-migration`);
  });
  afterAll(() => fixture.dispose());

  it("stops counting notices recorded before it (marked done before any send) and links outbox rows to notices", async () => {
    const db = fixture.client;
    await migrate(db, MIGRATIONS.filter((m) => m.version < 4));
    await db.query(`INSERT INTO cleanup_actions (resource_kind, resource_id, resource_name, step, expires, state, created_at, updated_at) VALUES ('droplet', '1', 'x', 'notice', '2026-11-20', 'done', $1, $1)`, [NOW]);
    expect(await migrate(db)).toContain(4);
    const store = new AdviceStore(db);
    expect((await store.cleanupRecords()).map((r) => r.step)).toEqual(["legacy-notice"]);
    // The new notice for the same date can be queued, and is what will count.
    expect(await store.queueCleanupNotice(key("1"), rows("1", "email"), NOW)).toEqual(expect.any(Number));
  });

  it("claims a notice once however many runs race", async () => {
    const clients = [fixture.client, ...[1, 2, 3].map(() => fixture.connectAnother!(1))];
    const ids = await Promise.all(clients.map((db) => new AdviceStore(db).queueCleanupNotice(key("race"), rows("race", "email"), NOW)));
    expect(ids.filter((id) => id !== undefined)).toHaveLength(1);
    expect((await new CostStore(fixture.client).listOutbox()).filter((r) => r.dedupeKey.startsWith("cleanup-notice:race"))).toHaveLength(1);
  });
});
