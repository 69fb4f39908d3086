/**
 * The dashboard's Clean-up: `GET /api/v1/billing/cleanup` (every marked resource with its state,
 * expiry, action, notice sent and acts on) and the page's section, over the seeded store: the
 * states in core/cleanup/states.ts's words, the dates the outbox's deliveries give, and an empty
 * state that says whether clean-up is off or nothing is marked.
 */
import { CLEANUP_STATES } from "../../../core/cleanup/states";
import { handleDashboardRequest, type DashboardDeps } from "../../../functions/src/dashboard/handle";
import { basic, PASSWORD, SEEDED_CLEANUP, signedInGet, startDashboard, USERNAME, type DashboardFixture } from "./dashboard-fixture";

let dashboard: DashboardFixture;
beforeAll(async () => void (dashboard = await startDashboard(__filename)));
afterAll(() => dashboard?.close());

const auth = { Authorization: basic(USERNAME, PASSWORD) };
const get = (path: string) => signedInGet(dashboard, path);

/** The page's Clean-up section as the handler draws it with `change` applied to the fixture's deps. */
async function sectionWith(change: Partial<DashboardDeps>): Promise<string> {
  const answer = await handleDashboardRequest({ method: "GET", path: "/", headers: auth, query: {}, body: undefined }, { ...dashboard.deps, ...change });
  expect(answer.statusCode).toBe(200);
  return /<section id="cleanup">([\s\S]*?)<\/section>/.exec(answer.body)?.[1] ?? "(no Clean-up section)";
}

it("GET /api/v1/billing/cleanup lists every marked resource: state, expiry, action, notice sent, acts on and reason, the ones needing a person first", async () => {
  const { status, body } = await get("/api/v1/billing/cleanup");
  expect(status).toBe(200);
  expect(Object.keys(body).sort()).toEqual(["marks", "runbookUrl", "settings"]);
  expect(body.settings).toEqual({ enabled: true, apply: true });
  expect(body.runbookUrl).toBeNull();
  expect(body.marks.map((m: { resource: { name: string }; state: string }) => [m.resource.name, m.state])).toEqual([
    ["attached-logs", "needs-attention"],
    // Recorded as notice-delivered; its acts-on day (20 Nov) has come, so the store says due.
    ["old-data", "due"],
    ["staging-box", "notice-delivered"],
    ["sales-demo", "marked"],
    ["pre-upgrade", "marked"],
    ["keep-me", "skipped"],
  ]);
  for (const mark of body.marks) expect(CLEANUP_STATES).toContain(mark.state);
  expect(body.marks[1]).toEqual({
    resource: { kind: "volume", id: "vol-1", name: "old-data" },
    state: "due",
    expires: "2026-11-18",
    action: "snapshot-then-delete",
    noticeSentOn: "2026-11-17",
    previewSentOn: null,
    actsOn: "2026-11-20",
    reason: SEEDED_CLEANUP[0]!.mark.reason,
    updatedAt: "2026-11-20T07:00:00.000Z",
  });
  // A preview reached someone, but it does not start the clock.
  expect(body.marks[3]).toMatchObject({ resource: { kind: "droplet", id: "202" }, noticeSentOn: null, previewSentOn: "2026-11-20", actsOn: null });
  expect(body.marks[4]).toMatchObject({ noticeSentOn: null, previewSentOn: null, actsOn: null });
  expect(body.marks[5]).toMatchObject({ expires: "2026-11-01", action: null, reason: "tagged protected" });
});

it("refuses the clean-up API without credentials, answers 405 to anything but GET, and 503 when the store fails", async () => {
  const anonymous = await fetch(`${dashboard.baseUrl}/api/v1/billing/cleanup`);
  expect(anonymous.status).toBe(401);
  expect(await anonymous.json()).toEqual({ error: "authentication required" });
  expect((await fetch(`${dashboard.baseUrl}/api/v1/billing/cleanup`, { method: "POST", headers: auth })).status).toBe(405);
  const failing = { cleanupMarks: () => Promise.reject(new Error('relation "cleanup_marks" does not exist')) };
  for (const path of ["/api/v1/billing/cleanup", "/"]) {
    const answer = await handleDashboardRequest({ method: "GET", path, headers: auth, query: {}, body: undefined }, { ...dashboard.deps, cleanup: failing, log: () => undefined });
    expect([path, answer.statusCode, answer.body]).toEqual([path, 503, JSON.stringify({ error: "the cost database is unavailable right now; try again in a minute" })]);
  }
});

it("the page's Clean-up section, between Savings and Stacks, shows each mark: expiry, action, notice sent, acts on and the state in words", async () => {
  const { text } = await get("/");
  expect(text.indexOf(`<section id="savings">`)).toBeLessThan(text.indexOf(`<section id="cleanup"><h2>Clean-up</h2>`));
  expect(text.indexOf(`<section id="cleanup">`)).toBeLessThan(text.indexOf(`<section id="stacks">`));
  const section = await sectionWith({});
  expect(section).toContain(`<p id="cleanup-mode">Clean-up is on: nothing is acted on before its notice has reached someone. 6 resources marked.</p>`);
  const row = (resource: string) => new RegExp(`<tr data-state="[a-z-]+" data-resource="${resource}">(.*?)</tr>`).exec(section)?.[1]?.replace(/<[^>]+>/g, "|").replace(/\|+/g, "|");
  expect(row("volume:vol-1")).toBe("|volume old-data|18 Nov|snapshot, then delete|17 Nov|20 Nov|Due: the next daily run acts|Why|expired 2026-11-18; notice sent 2026-11-17, acts on 2026-11-20|");
  expect(row("droplet:201")).toBe("|droplet staging-box|22 Nov|snapshot, then destroy|19 Nov|24 Nov|Notice delivered: waiting for its date|Why|expires 2026-11-22; notice sent 2026-11-19, acts on 2026-11-24|");
  expect(row("droplet:202")).toMatch(/^\|droplet sales-demo\|23 Nov\|power off\|preview 20 Nov \(does not count\)\|set when the notice is delivered\|Marked: no notice delivered yet\|/);
  expect(row("snapshot:snap-9")).toMatch(/^\|snapshot pre-upgrade\|15 Dec\|delete\|not yet\|set when the notice is delivered\|Marked: no notice delivered yet\|/);
  expect(row("volume:vol-2")).toMatch(/^\|volume attached-logs\|10 Nov\|snapshot, then delete\|9 Nov\|12 Nov\|Needs attention: a person decides\|Why\|expired 2026-11-10; refused after the snapshot/);
  expect(row("droplet:203")).toBe("|droplet keep-me|1 Nov|–|–|never|Skipped: left alone|Why|tagged protected|");
  // Phone-ready: the shared stacked table, each cell labelled.
  expect(section).toContain(`<table id="cleanup-marks" class="stack">`);
  expect(section).toContain(`<td data-label="Notice sent"><div>17 Nov</div></td><td data-label="Acts on"><div>20 Nov</div></td>`);
});

it("in a dry run (apply off) says so, and that nothing acts while apply is off", async () => {
  const section = await sectionWith({ cleanupMode: { enabled: true, apply: false } });
  expect(section).toContain("Clean-up runs as a dry run (<code>cleanup.apply</code> is off): owners get previews, which never count as the notice, and nothing is changed. 6 resources marked.");
  expect(section).toMatch(/data-resource="droplet:202">.*?<td data-label="Acts on"><div>not while apply is off<\/div>/);
  expect(section).toContain("Due, but nothing is changed while apply is off");
});

it("links the runbook's clean-up section when billing.runbookUrl is set, and says when a list is left from before clean-up was turned off", async () => {
  const section = await sectionWith({ runbookUrl: "https://wiki.example.com/runbook" });
  expect(section).toContain(`<a href="https://wiki.example.com/runbook#cleanup" rel="noreferrer">What to do</a>`);
  // A leftover list while clean-up is off says where it came from.
  expect(await sectionWith({ cleanupMode: { enabled: false, apply: false } })).toContain(`<p id="cleanup-mode">Clean-up is off (<code>cleanup.enabled</code>): these are from its last run. 6 resources marked.</p>`);
});

it("with nothing marked, says whether clean-up is off or nothing carries an expiry date", async () => {
  const none = { cleanup: { cleanupMarks: async () => [] } };
  expect(await sectionWith({ ...none, cleanupMode: { enabled: false, apply: false } })).toBe(
    `<h2>Clean-up</h2><p class="empty">Clean-up is off: set <code>cleanup.enabled</code> and droplets, volumes and snapshots tagged <code>expires:YYYY-MM-DD</code> get a notice before anything is done to them.</p>`,
  );
  expect(await sectionWith({ ...none, cleanupMode: { enabled: true, apply: false } })).toBe(
    `<h2>Clean-up</h2><p class="empty">Nothing is marked: clean-up is on, and no droplet, volume or snapshot carries an <code>expires:</code> date.</p>`,
  );
  // Settings bound before the dashboard knew the mode: both possibilities, in one sentence.
  expect(await sectionWith({ ...none, cleanupMode: undefined })).toContain("Nothing is marked for clean-up. It is off unless <code>cleanup.enabled</code> is set");
  const answer = await handleDashboardRequest({ method: "GET", path: "/api/v1/billing/cleanup", headers: auth, query: {}, body: undefined }, { ...dashboard.deps, cleanup: undefined, cleanupMode: undefined });
  expect(JSON.parse(answer.body)).toEqual({ settings: null, marks: [], runbookUrl: null });
});

it("escapes what came from DigitalOcean in names and reasons", async () => {
  const hostile = `<img src=x onerror="alert(1)">`;
  const marks = [{ resource: { kind: "droplet" as const, id: "1", name: hostile }, state: "marked" as const, expires: "2026-12-01", action: "power-off" as const, noticeDeliveredOn: null, previewDeliveredOn: null, actOn: null, reason: hostile, updatedAt: new Date() }];
  const section = await sectionWith({ cleanup: { cleanupMarks: async () => marks } });
  expect(section).not.toContain("<img");
  expect(section).toContain("droplet &lt;img src=x onerror=&quot;alert(1)&quot;&gt;");
});
