/**
 * Clean-up over the spec-validated fake, a real Postgres and a real HTTP receiver for the
 * notices: a notice is delivered before every act (a resource first seen long expired is acted
 * on only graceDays after its notice reached someone); racing runs act and notify once; a run
 * killed after queuing a notice leaves it to be sent once; `Protected` in any case is never
 * touched; the re-read right before a write stops it when the tags changed; a refused write
 * after a snapshot needs a person and is never retried; the deadline leaves a resumable step.
 */
import { DEFAULT_CLEANUP_SETTINGS } from "../../../core/cleanup/plan";
import { runDeadline, type RunDeadline } from "../../../core/deadline";
import { DigitalOceanClient } from "../../../functions/src/digitalocean/client";
import { createWebhookTransport } from "../../../functions/src/notify/webhook";
import { AdviceStore } from "../../../functions/src/store/advice-store";
import { CostStore } from "../../../functions/src/store/cost-store";
import { migrate } from "../../../functions/src/store/migrations";
import { createPostgresClient } from "../../../functions/src/store/pg-client";
import type { SqlClient } from "../../../functions/src/store/sql-client";
import { cleanup, type CleanupOutcome, type CleanupReader, type CleanupReport, type CleanupWriter } from "../../../functions/src/tracker/cleanup";
import { startFakeDigitalOcean, type FakeDigitalOcean } from "../../support/fake-do-api";
import { ADVICE_IDS as ids, ADVICE_NOW, seedAdviceAccount } from "../../support/fake-do-api/advice-account";
import { startHttpReceiver, type HttpReceiver } from "../../support/http-receiver";
import { createTestDatabase, type TestDatabase } from "../../support/postgres";

let fake: FakeDigitalOcean;
let receiver: HttpReceiver;
let database: TestDatabase;
const clients: SqlClient[] = [];

const DAY = 86_400_000;
/** 2026-11-29 12:00 UTC plus `days`. */
const day = (days: number) => new Date(ADVICE_NOW.getTime() + days * DAY);
const EXPIRED_DROPLET = String(ids.expiredDroplet);

/** Reads may be retried; the write client never retries, as `cleanup --apply` builds it. */
const readClient = () => new DigitalOceanClient({ token: fake.token, baseUrl: fake.url, sleep: async () => undefined, random: () => 0, retryBaseDelayMs: 1, timeoutMs: 15_000, maxRetries: 2 });
const writeClient = (timeoutMs = 15_000) =>
  new DigitalOceanClient({ token: fake.token, baseUrl: fake.url, sleep: async () => undefined, random: () => 0, retryBaseDelayMs: 1, timeoutMs, maxRetries: 0 });

interface RunOptions {
  mode?: "apply" | "preview" | "dry-run";
  db?: SqlClient;
  read?: CleanupReader;
  write?: CleanupWriter;
  outbox?: CostStore;
  deadline?: RunDeadline;
  writeTimeoutMs?: number;
}

function run(now: Date, options: RunOptions = {}): Promise<CleanupReport> {
  const db = options.db ?? clients[0]!;
  const mode = options.mode ?? "apply";
  return cleanup({
    read: options.read ?? readClient(),
    ...(mode === "apply" ? { write: options.write ?? writeClient(options.writeTimeoutMs) } : {}),
    ...(mode === "dry-run" ? {} : { send: { outbox: options.outbox ?? new CostStore(db), transports: { webhook: createWebhookTransport() } } }),
    store: new AdviceStore(db),
    settings: DEFAULT_CLEANUP_SETTINGS,
    audience: { recipients: { email: [], slack: [], webhook: [`${receiver.baseUrl}/cleanup`] } },
    now,
    sleep: async () => undefined,
    ...(options.deadline ? { deadline: options.deadline } : {}),
  });
}

const writes = () => fake.requests.filter((r) => r.method !== "GET").map((r) => `${r.method} ${r.path}`);
/** The notices a recipient accepted (the receiver also records the ones it refused). */
const notices = () => receiver.requests.filter((r) => r.status < 300 && (r.body as { type?: string }).type === "cleanup_notice").map((r) => r.body as { id: string; title: string; summary: string; preview: boolean });
const noticeIds = () => notices().map((n) => n.id).sort();
const outcomeOf = (report: CleanupReport, id: string | number): CleanupOutcome | undefined => report.actions.find((a) => a.resource.id === String(id));
const store = () => new AdviceStore(clients[0]!);
/** `target` with one method replaced; the others bound to it (the client keeps its token in a private field). */
function replacing<T extends object>(target: T, name: keyof T, replacement: unknown): T {
  return new Proxy(target, {
    get: (object, key) => {
      if (key === name) return replacement;
      const value = Reflect.get(object, key, object);
      return typeof value === "function" ? value.bind(object) : value;
    },
  });
}

async function freshAccount(): Promise<void> {
  await fake?.close();
  fake = await startFakeDigitalOcean({ state: seedAdviceAccount(), now: () => ADVICE_NOW });
  receiver.requests.length = 0;
  await clients[0]!.query(`DELETE FROM notification_outbox`);
  await clients[0]!.query(`DELETE FROM cleanup_actions`);
  await clients[0]!.query(`DELETE FROM cleanup_marks`);
}

/** The notices of the first applied run, delivered; nothing written to DigitalOcean. */
async function noticeRun(): Promise<CleanupReport> {
  const report = await run(day(0));
  expect(writes()).toEqual([]);
  fake.reset();
  return report;
}

beforeAll(async () => {
  [database, receiver] = await Promise.all([createTestDatabase(__filename), startHttpReceiver()]);
  for (let i = 0; i < 4; i++) clients.push(createPostgresClient({ connectionString: database.url }));
  await migrate(clients[0]!);
});

beforeEach(freshAccount);

afterAll(async () => {
  await Promise.all(clients.map((db) => db.close()));
  await database?.drop();
  await Promise.all([fake?.close(), receiver?.close()]);
});

afterEach(() => {
  expect(fake.validationErrors).toEqual([]);
});

describe("a notice is delivered before every act", () => {
  it("notices a resource first seen long expired on run 1 and acts on it only graceDays after that delivery", async () => {
    const first = await run(day(0));
    expect(writes()).toEqual([]);
    // Expired 9 and 28 days ago, first seen today: a notice, not a destroy.
    expect(noticeIds()).toEqual([EXPIRED_DROPLET, ids.expiredVolume, String(ids.noticeDroplet)].sort());
    expect(outcomeOf(first, EXPIRED_DROPLET)).toMatchObject({ state: "marked", run: "notice-queued", step: "notice", noticeSentOn: null, actsOn: null });
    expect(first.delivery).toMatchObject({ delivered: 3, failed: 0 });

    const next = await run(day(1));
    expect(writes()).toEqual([]);
    expect(notices()).toHaveLength(3);
    expect(outcomeOf(next, EXPIRED_DROPLET)).toMatchObject({ state: "notice-delivered", run: "none", noticeSentOn: "2026-11-29", actsOn: "2026-12-01", reason: expect.stringContaining("notice sent 2026-11-29, acts on 2026-12-01") });

    const due = await run(day(2));
    expect(writes().sort()).toEqual(
      [`POST /v2/droplets/${ids.expiredDroplet}/actions`, `DELETE /v2/droplets/${ids.expiredDroplet}`, `POST /v2/volumes/${ids.expiredVolume}/snapshots`, `DELETE /v2/volumes/${ids.expiredVolume}`].sort(),
    );
    expect(outcomeOf(due, EXPIRED_DROPLET)).toMatchObject({ state: "acted", run: "done" });
    // Expires 2026-12-01, notice delivered 2026-11-29: the later of the two plus grace.
    expect(outcomeOf(due, ids.noticeDroplet)).toMatchObject({ state: "notice-delivered", actsOn: "2026-12-03" });
    expect(fake.state.snapshots.filter((s) => s.name.includes("-before-cleanup-")).map((s) => s.resource_id).sort()).toEqual([EXPIRED_DROPLET, ids.expiredVolume].sort());

    // The dashboard's view: what is marked, when its notice was sent, when it acts.
    const marks = Object.fromEntries((await store().cleanupMarks(day(2))).map((m) => [m.resource.id, [m.state, m.noticeDeliveredOn, m.actOn]]));
    expect(marks).toEqual({
      [EXPIRED_DROPLET]: ["acted", "2026-11-29", "2026-12-01"],
      [ids.expiredVolume]: ["acted", "2026-11-29", "2026-12-01"],
      [String(ids.noticeDroplet)]: ["notice-delivered", "2026-11-29", "2026-12-03"],
      [String(ids.protectedDroplet)]: ["skipped", null, null],
    });
  });

  it("does not act while the notice has not reached anyone, and starts the clock when it does", async () => {
    // The recipient refuses the first run's notices and the retries five days later.
    receiver.failNext(6);
    await run(day(0));
    const blocked = await run(day(5));
    expect(notices()).toEqual([]);
    expect(writes()).toEqual([]);
    expect(outcomeOf(blocked, EXPIRED_DROPLET)).toMatchObject({ state: "marked", run: "notice-pending" });
    // Delivered on day 6 (2026-12-05): the act waits two days from then.
    const delivered = await run(day(6));
    expect(noticeIds()).toHaveLength(3);
    expect(outcomeOf(delivered, EXPIRED_DROPLET)).toMatchObject({ state: "marked", run: "notice-pending" });
    expect(outcomeOf(await run(day(7)), EXPIRED_DROPLET)).toMatchObject({ state: "notice-delivered", noticeSentOn: "2026-12-05", actsOn: "2026-12-07" });
    expect(writes()).toEqual([]);
    await run(day(8));
    expect(writes()).toContain(`DELETE /v2/droplets/${ids.expiredDroplet}`);
  });

  it("four racing applied runs notify once and act once", async () => {
    await Promise.all(clients.map((db) => run(day(0), { db })));
    expect(noticeIds()).toEqual([EXPIRED_DROPLET, ids.expiredVolume, String(ids.noticeDroplet)].sort());
    expect(writes()).toEqual([]);

    const reports = await Promise.all(clients.map((db) => run(day(2), { db })));
    expect(writes().sort()).toEqual(
      [`DELETE /v2/droplets/${ids.expiredDroplet}`, `DELETE /v2/volumes/${ids.expiredVolume}`, `POST /v2/droplets/${ids.expiredDroplet}/actions`, `POST /v2/volumes/${ids.expiredVolume}/snapshots`].sort(),
    );
    const done = reports.flatMap((r) => r.actions).filter((a) => a.run === "done").map((a) => a.resource.id);
    expect(done.sort()).toEqual([EXPIRED_DROPLET, ids.expiredVolume].sort());
    const audit = await store().cleanupRecords();
    expect(audit.filter((r) => r.step !== "notice").map((r) => [r.resourceId, r.step, r.state]).sort()).toEqual(
      [[EXPIRED_DROPLET, "snapshot-then-destroy", "done"], [ids.expiredVolume, "snapshot-then-delete", "done"]].sort(),
    );
    expect(audit.find((row) => row.step === "snapshot-then-destroy")?.requestId).toMatch(/^action \d+$/);

    fake.reset();
    const later = await run(day(2.1));
    expect(writes()).toEqual([]);
    expect(later.actions.filter((a) => a.run === "done")).toEqual([]);
  });

  it("a run killed between queuing a notice and sending it leaves it to be sent exactly once by the next run", async () => {
    const outbox = new CostStore(clients[0]!);
    const killed = replacing(outbox, "claimDueNotifications", () => Promise.reject(new Error("killed")));
    await expect(run(day(0), { outbox: killed })).rejects.toThrow("killed");
    expect(notices()).toEqual([]);
    expect((await store().cleanupRecords()).map((r) => [r.step, r.state])).toEqual([["notice", "queued"], ["notice", "queued"], ["notice", "queued"]]);

    const next = await run(day(0.05));
    expect(noticeIds()).toEqual([EXPIRED_DROPLET, ids.expiredVolume, String(ids.noticeDroplet)].sort());
    expect(outcomeOf(next, EXPIRED_DROPLET)).toMatchObject({ run: "notice-pending" });
    await run(day(0.1));
    expect(notices()).toHaveLength(3);
  });
});

describe("what is never touched", () => {
  it("never touches a resource tagged Protected in any case, or protected:<anything>", async () => {
    const ledger = fake.state.droplets.find((d) => d.id === ids.protectedDroplet)!;
    ledger.tags = ledger.tags.map((t) => (t === "protected" ? "Protected" : t));
    fake.state.droplets.find((d) => d.id === ids.expiredDroplet)!.tags.push("PROTECTED:until-q3");
    for (const when of [day(0), day(3), day(30)]) await run(when);
    // Clean-up ran (the unprotected volume went), and neither protected droplet was written to or noticed.
    expect(writes()).toContain(`DELETE /v2/volumes/${ids.expiredVolume}`);
    expect(writes().filter((w) => w.includes(EXPIRED_DROPLET) || w.includes(String(ids.protectedDroplet)))).toEqual([]);
    expect(noticeIds()).toEqual([ids.expiredVolume, String(ids.noticeDroplet)].sort());
  });

  it("stops the act when the date moves later between plan and act, and notices the new date", async () => {
    await noticeRun();
    const read = readClient();
    // The account changes while the run works: someone moves the date just before the re-read.
    const racing = replacing(read, "getDroplet", async (id: string) => {
      const droplet = fake.state.droplets.find((d) => String(d.id) === id)!;
      droplet.tags = droplet.tags.map((t) => (t.startsWith("expires:") ? "Expires:2026-12-31" : t));
      return read.getDroplet(id);
    });
    const report = await run(day(2), { read: racing });
    expect(writes().filter((w) => w.includes("/droplets/"))).toEqual([]);
    expect(outcomeOf(report, EXPIRED_DROPLET)).toMatchObject({ run: "stopped", state: "marked", reason: expect.stringContaining("date changed to 2026-12-31 (was 2026-11-20)") });
    expect(fake.state.droplets.map((d) => d.id)).toContain(ids.expiredDroplet);
  });

  it("stops before the destroy when protected appears while the snapshot is taken; the snapshot is kept", async () => {
    await noticeRun();
    const write = writeClient();
    const racing = replacing(write, "getAction", async (actionId: number) => {
      fake.state.droplets.find((d) => d.id === ids.expiredDroplet)!.tags.push("protected");
      return write.getAction(actionId);
    });
    const report = await run(day(2), { write: racing });
    expect(writes().filter((w) => w.includes("/droplets/"))).toEqual([`POST /v2/droplets/${ids.expiredDroplet}/actions`]);
    expect(outcomeOf(report, EXPIRED_DROPLET)).toMatchObject({ run: "stopped", state: "skipped", reason: expect.stringMatching(/it is now tagged protected; nothing destroyed; action \d+ kept/) });
  });
});

describe("a refused write stops the sequence", () => {
  it("marks an attached volume needs-attention when its delete is refused after the snapshot, and never snapshots it again", async () => {
    await noticeRun();
    fake.state.volumes.find((v) => v.id === ids.expiredVolume)!.droplet_ids = [ids.busyDroplet];
    const report = await run(day(2));
    expect(writes().filter((w) => w.includes("/volumes/"))).toEqual([`POST /v2/volumes/${ids.expiredVolume}/snapshots`, `DELETE /v2/volumes/${ids.expiredVolume}`]);
    expect(outcomeOf(report, ids.expiredVolume)).toMatchObject({ state: "needs-attention", run: "needs-attention", reason: expect.stringContaining("refused after the snapshot: 409 conflict") });

    fake.reset();
    const next = await run(day(3));
    expect(writes()).toEqual([]);
    expect(next.actions.filter((a) => a.resource.id === ids.expiredVolume)).toEqual([expect.objectContaining({ state: "needs-attention" })]);
    expect((await store().cleanupMarks(day(3))).find((m) => m.resource.id === ids.expiredVolume)?.state).toBe("needs-attention");
  });

  it("does not delete a volume when the snapshot answer carries no snapshot id", async () => {
    await noticeRun();
    fake.injectFault({ kind: "empty-object", method: "POST", path: `/v2/volumes/${ids.expiredVolume}/snapshots` });
    const report = await run(day(2));
    expect(writes().filter((w) => w.includes("/volumes/"))).toEqual([`POST /v2/volumes/${ids.expiredVolume}/snapshots`]);
    expect(outcomeOf(report, ids.expiredVolume)).toMatchObject({ state: "needs-attention", reason: expect.stringContaining("carried no snapshot id") });
  });

  it("takes a 404 from the action-status check as unknown, not done: no destroy", async () => {
    await noticeRun();
    fake.injectFault({ kind: "404", method: "GET", path: /^\/v2\/actions\// });
    const report = await run(day(2));
    expect(writes().filter((w) => w.includes("/droplets/"))).toEqual([`POST /v2/droplets/${ids.expiredDroplet}/actions`]);
    expect(outcomeOf(report, EXPIRED_DROPLET)).toMatchObject({ state: "needs-attention", reason: expect.stringContaining("(404)") });
  });

  it("never repeats a delete whose answer was lost; confirms it once the resource is gone", async () => {
    await noticeRun();
    fake.injectFault({ kind: "timeout", method: "DELETE", path: `/v2/droplets/${ids.expiredDroplet}` });
    const first = await run(day(2), { writeTimeoutMs: 300 });
    expect(outcomeOf(first, EXPIRED_DROPLET)).toMatchObject({ run: "unconfirmed", state: "needs-attention" });
    fake.reset();
    const second = await run(day(3));
    expect(writes()).toEqual([]);
    expect(outcomeOf(second, EXPIRED_DROPLET)).toMatchObject({ state: "needs-attention", reason: expect.stringContaining("never sends a second destroy") });

    // DigitalOcean finished it late (or a person did): the fake cannot apply an abandoned request itself.
    fake.state.droplets = fake.state.droplets.filter((d) => d.id !== ids.expiredDroplet);
    const third = await run(day(4));
    expect(writes().filter((w) => w.includes(EXPIRED_DROPLET))).toEqual([]);
    expect(outcomeOf(third, EXPIRED_DROPLET)).toMatchObject({ state: "acted", run: "done" });
  });

  it("re-checks a step a killed run left requested without an answer, like a lost one", async () => {
    await noticeRun();
    // What a run killed right after sending the snapshot request leaves: requested, no progress recorded.
    const claim = await store().claimCleanupStep({ resourceKind: "droplet", resourceId: EXPIRED_DROPLET, resourceName: "load-test-rig", step: "snapshot-then-destroy", expires: "2026-11-20" }, day(2));
    await store().updateCleanupStep(claim!, { state: "requested" }, day(2));
    const report = await run(day(3));
    expect(writes().filter((w) => w.includes("/droplets/"))).toEqual([]);
    expect(outcomeOf(report, EXPIRED_DROPLET)).toMatchObject({ state: "needs-attention", run: "unconfirmed" });
    expect((await store().cleanupRecords(["unconfirmed"])).map((r) => r.resourceId)).toEqual([EXPIRED_DROPLET]);
  });
});

describe("the run's deadline", () => {
  /** A deadline that allows the first `allowed` questions and refuses the rest. */
  function deadlineAllowing(allowed: number): RunDeadline {
    let asked = 0;
    const real = runDeadline(Date.now() + 3_600_000);
    return { at: real.at, remainingMs: real.remainingMs, passed: () => asked > allowed, allows: () => ++asked <= allowed };
  }

  it("defers acts it has no time for without claiming them, and the next run acts", async () => {
    await noticeRun();
    const report = await run(day(2), { deadline: runDeadline(Date.now() + 10_000) });
    expect(writes()).toEqual([]);
    expect(outcomeOf(report, EXPIRED_DROPLET)).toMatchObject({ state: "due", run: "deferred" });
    expect(report.stoppedAtDeadline).toContain("2 act(s) not started");
    expect(await store().cleanupRecords(["claimed", "requested"])).toEqual([]);
    await run(day(2.1));
    expect(writes()).toContain(`DELETE /v2/droplets/${ids.expiredDroplet}`);
  });

  it("stops before a snapshot poll it has no time for, and the next run carries on without a second snapshot", async () => {
    await noticeRun();
    // Allowed: the droplet's act; refused: its first poll, then everything after.
    const report = await run(day(2), { deadline: deadlineAllowing(1) });
    expect(writes()).toEqual([`POST /v2/droplets/${ids.expiredDroplet}/actions`]);
    expect(outcomeOf(report, EXPIRED_DROPLET)).toMatchObject({ state: "due", run: "requested", reason: expect.stringMatching(/stopped at the run's deadline.*the next run re-checks action \d+ and carries on/) });
    expect(report.stoppedAtDeadline).toMatch(/1 left mid-way \(droplet load-test-rig \(action \d+\)\)/);

    fake.reset();
    const next = await run(day(2.5));
    expect(writes().filter((w) => w.includes("/droplets/"))).toEqual([`DELETE /v2/droplets/${ids.expiredDroplet}`]);
    expect(outcomeOf(next, EXPIRED_DROPLET)).toMatchObject({ state: "acted", run: "done", reason: expect.stringContaining("carried on from an earlier run") });
  });
});

describe("dry runs never pretend", () => {
  it("a preview (apply off) says so, never counts, and an applied run still sends the real notice before acting", async () => {
    await run(day(0), { mode: "preview" });
    expect(writes()).toEqual([]);
    const previews = notices();
    expect(previews).toHaveLength(3);
    for (const preview of previews) {
      expect(preview.title).toMatch(/^\[Preview\] Clean-up notice: /);
      expect(preview.summary).toContain("does not count as the notice before an act");
      expect(preview.preview).toBe(true);
    }
    // Previews are sent once per date, however often the preview runs.
    await run(day(1), { mode: "preview" });
    expect(notices()).toHaveLength(3);

    // Apply switched on days later: the real notice first, the act graceDays after it.
    await run(day(5));
    expect(writes()).toEqual([]);
    const real = notices().filter((n) => !n.preview);
    expect(real.map((n) => n.id).sort()).toEqual([EXPIRED_DROPLET, ids.expiredVolume, String(ids.noticeDroplet)].sort());
    expect(real.find((n) => n.id === EXPIRED_DROPLET)?.summary).toContain("will snapshot, then destroy it on or after 2026-12-06");
    await run(day(6));
    expect(writes()).toEqual([]);
    await run(day(7));
    expect(writes()).toContain(`DELETE /v2/droplets/${ids.expiredDroplet}`);
  });

  it("a dry run sends nothing at all and reports the notices it would send", async () => {
    const report = await run(day(0), { mode: "dry-run" });
    await run(day(3), { mode: "dry-run" });
    expect(writes()).toEqual([]);
    expect(receiver.requests).toEqual([]);
    expect(await store().cleanupRecords()).toEqual([]);
    expect(report.wouldSend.map((n) => n.resource.id).sort()).toEqual([EXPIRED_DROPLET, ids.expiredVolume, String(ids.noticeDroplet)].sort());
    expect(outcomeOf(report, EXPIRED_DROPLET)).toMatchObject({ state: "marked", run: "would-send" });
  });
});
