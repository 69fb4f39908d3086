/**
 * Clean-up over the spec-validated fake and a real Postgres: dry-run sends no write; apply with
 * four racing runs destroys exactly the expired, unprotected resources, each once, with the
 * audit rows to show it; a delete whose answer is lost is checked, never sent again.
 */
import { DEFAULT_CLEANUP_SETTINGS } from "../../../core/cleanup/plan";
import { DigitalOceanClient } from "../../../functions/src/digitalocean/client";
import { AdviceStore } from "../../../functions/src/store/advice-store";
import { migrate } from "../../../functions/src/store/migrations";
import { createPostgresClient } from "../../../functions/src/store/pg-client";
import type { SqlClient } from "../../../functions/src/store/sql-client";
import { cleanup } from "../../../functions/src/tracker/cleanup";
import { startFakeDigitalOcean, type FakeDigitalOcean } from "../../support/fake-do-api";
import { ADVICE_IDS as ids, ADVICE_NOW, seedAdviceAccount } from "../../support/fake-do-api/advice-account";
import { createTestDatabase, type TestDatabase } from "../../support/postgres";

let fake: FakeDigitalOcean;
let database: TestDatabase;
const clients: SqlClient[] = [];

/** Reads may be retried; the write client never retries, as `cleanup --apply` builds it. */
const readClient = () => new DigitalOceanClient({ token: fake.token, baseUrl: fake.url, sleep: async () => undefined, random: () => 0, retryBaseDelayMs: 1, timeoutMs: 15_000, maxRetries: 2 });
const writeClient = (timeoutMs = 15_000) =>
  new DigitalOceanClient({ token: fake.token, baseUrl: fake.url, sleep: async () => undefined, random: () => 0, retryBaseDelayMs: 1, timeoutMs, maxRetries: 0 });
const storeOn = (db: SqlClient) => new AdviceStore(db);
const run = (store: AdviceStore, apply: boolean, now = ADVICE_NOW, writeTimeoutMs?: number) =>
  cleanup({ read: readClient(), ...(apply ? { write: writeClient(writeTimeoutMs) } : {}), store, settings: DEFAULT_CLEANUP_SETTINGS, now, sleep: async () => undefined });
const writes = () => fake.requests.filter((r) => r.method !== "GET");

async function freshAccount(): Promise<void> {
  await fake?.close();
  fake = await startFakeDigitalOcean({ state: seedAdviceAccount(), now: () => ADVICE_NOW });
  await clients[0].query(`DELETE FROM cleanup_actions`);
}

beforeAll(async () => {
  database = await createTestDatabase(__filename);
  for (let i = 0; i < 4; i++) clients.push(createPostgresClient({ connectionString: database.url }));
  await migrate(clients[0]);
});

beforeEach(freshAccount);

afterAll(async () => {
  await Promise.all(clients.map((db) => db.close()));
  await database?.drop();
  await fake?.close();
});

describe("cleanup", () => {
  it("dry-run reads only and says what apply would do", async () => {
    const report = await run(storeOn(clients[0]), false);
    expect(writes()).toEqual([]);
    expect(report.mode).toBe("dry-run");
    const byId = Object.fromEntries(report.actions.map((a) => [a.resource.id, [a.action, a.state]]));
    expect(byId).toEqual({
      [String(ids.expiredDroplet)]: ["snapshot-then-destroy", "planned"],
      [String(ids.protectedDroplet)]: ["skip", "skipped"],
      [String(ids.noticeDroplet)]: ["notice", "notified"],
      [ids.expiredVolume]: ["snapshot-then-delete", "planned"],
    });
    expect(fake.validationErrors).toEqual([]);
  });

  it("apply in four racing runs acts on each expired, unprotected resource exactly once", async () => {
    const reports = await Promise.all(clients.map((db) => run(storeOn(db), true)));
    expect(fake.state.droplets.map((d) => d.id)).not.toContain(ids.expiredDroplet);
    expect(fake.state.droplets.map((d) => d.id)).toEqual(expect.arrayContaining([ids.protectedDroplet, ids.noticeDroplet, ids.busyDroplet]));
    expect(fake.state.volumes.map((v) => v.id)).not.toContain(ids.expiredVolume);
    expect(writes().map((r) => `${r.method} ${r.path}`).sort()).toEqual(
      [`DELETE /v2/droplets/${ids.expiredDroplet}`, `DELETE /v2/volumes/${ids.expiredVolume}`, `POST /v2/droplets/${ids.expiredDroplet}/actions`, `POST /v2/volumes/${ids.expiredVolume}/snapshots`].sort(),
    );
    // The snapshots taken first are there to restore from.
    expect(fake.state.snapshots.filter((s) => s.name.includes("before-cleanup")).map((s) => s.resource_id).sort()).toEqual([String(ids.expiredDroplet), ids.expiredVolume].sort());
    const done = reports.flatMap((r) => r.actions).filter((a) => a.state === "done").map((a) => a.resource.id);
    expect(done.sort()).toEqual([String(ids.expiredDroplet), ids.expiredVolume].sort());
    const audit = await storeOn(clients[0]).cleanupRecords();
    expect(audit.map((row) => [row.resourceId, row.step, row.state]).sort()).toEqual(
      [[String(ids.expiredDroplet), "snapshot-then-destroy", "done"], [ids.expiredVolume, "snapshot-then-delete", "done"], [String(ids.noticeDroplet), "notice", "done"]].sort(),
    );
    expect(audit.find((row) => row.step === "snapshot-then-destroy")?.requestId).toMatch(/^action \d+$/);

    // A later run finds nothing left to do and sends nothing.
    fake.reset();
    const later = await run(storeOn(clients[0]), true, new Date(ADVICE_NOW.getTime() + 3_600_000));
    expect(writes()).toEqual([]);
    expect(later.actions.filter((a) => a.state === "done")).toEqual([]);
  });

  it("never repeats a delete whose answer was lost and which did not happen", async () => {
    fake.injectFault({ kind: "timeout", method: "DELETE", path: `/v2/droplets/${ids.expiredDroplet}` });
    const first = await run(storeOn(clients[0]), true, ADVICE_NOW, 300);
    expect(first.actions.find((a) => a.resource.id === String(ids.expiredDroplet))?.state).toBe("unconfirmed");
    fake.reset();
    const second = await run(storeOn(clients[0]), true, new Date(ADVICE_NOW.getTime() + 3_600_000));
    expect(writes().filter((r) => r.path === `/v2/droplets/${ids.expiredDroplet}`)).toEqual([]);
    expect(second.actions.find((a) => a.resource.id === String(ids.expiredDroplet))).toMatchObject({ state: "unconfirmed", reason: expect.stringContaining("never sends a second destroy") });
  });

  it("confirms a lost delete once the resource is gone, without sending it again", async () => {
    fake.injectFault({ kind: "timeout", method: "DELETE", path: `/v2/droplets/${ids.expiredDroplet}` });
    await run(storeOn(clients[0]), true, ADVICE_NOW, 300);
    // DigitalOcean finished it late (or a person did): the fake cannot apply an abandoned request itself.
    fake.state.droplets = fake.state.droplets.filter((d) => d.id !== ids.expiredDroplet);
    fake.reset();
    const second = await run(storeOn(clients[0]), true, new Date(ADVICE_NOW.getTime() + 3_600_000));
    expect(writes()).toEqual([]);
    expect(second.actions.find((a) => a.resource.id === String(ids.expiredDroplet))).toMatchObject({ state: "done" });
    const audit = await storeOn(clients[0]).cleanupRecords();
    expect(audit.find((row) => row.resourceId === String(ids.expiredDroplet))?.state).toBe("done");
  });
});
