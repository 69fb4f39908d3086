/**
 * `npm run tracker -- advise|cleanup` end to end through the CLI's main: the advice account on
 * the spec-validated fake, a real Postgres, and the JSON documents the issue specifies.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { main } from "../../../functions/src/cli";
import { runCliInProcess, type InProcessRun } from "./run-cli";
import { startFakeDigitalOcean, type FakeDigitalOcean } from "../../support/fake-do-api";
import { ADVICE_IDS as ids, ADVICE_NOW, seedAdviceAccount } from "../../support/fake-do-api/advice-account";
import { startHttpReceiver, type HttpReceiver } from "../../support/http-receiver";
import { startSmtpPeer, type SmtpPeer } from "../../support/smtp-peer";
import { createTestDatabase, type TestDatabase } from "../../support/postgres";

let fake: FakeDigitalOcean;
let database: TestDatabase;
let receiver: HttpReceiver;
let smtp: SmtpPeer;
const dir = mkdtempSync(path.join(tmpdir(), "dcg-advise-cli-"));
const configPath = path.join(dir, "tracker.json");

beforeAll(async () => {
  [fake, database, receiver, smtp] = await Promise.all([startFakeDigitalOcean({ state: seedAdviceAccount(), now: () => ADVICE_NOW }), createTestDatabase(__filename), startHttpReceiver(), startSmtpPeer()]);
  writeFileSync(
    configPath,
    JSON.stringify({ budgetMonthlyUsd: 400, recipients: { email: ["ops@example.com"], webhook: [`${receiver.baseUrl}/costs`] }, email: { from: "do-cost-guard <billing@example.com>" }, advice: { requestBudget: 900 } }),
  );
});

afterAll(async () => {
  await database?.drop();
  await Promise.all([fake?.close(), receiver?.close(), smtp?.close()]);
});

function tracker(args: string[], extraEnv: Record<string, string> = {}): Promise<InProcessRun> {
  const env = { DIGITALOCEAN_TOKEN: fake.token, DIGITALOCEAN_API_URL: fake.url, SMTP_URL: smtp.url, ...extraEnv };
  return runCliInProcess([...args, "--config", configPath, "--database-url", database.url], env);
}

describe("tracker advise and cleanup", () => {
  it("advise --json lists every case with its saving, the untagged apart, and the total", async () => {
    const weekBefore = new Date(ADVICE_NOW.getTime() - 8 * 86_400_000).toISOString();
    expect((await tracker(["advise", "--now", weekBefore])).code).toBe(0);
    const jsonPath = path.join(dir, "advice.json");
    const run = await tracker(["advise", "--now", ADVICE_NOW.toISOString(), "--json", jsonPath]);
    expect(run.code).toBe(0);
    const document = JSON.parse(readFileSync(jsonPath, "utf8"));
    expect(document).toMatchObject({ version: 1, generatedAt: ADVICE_NOW.toISOString() });
    expect(document.suggestions.map((s: { rule: string }) => s.rule).sort()).toEqual(
      ["database-oversized", "droplet-idle-downsize", "droplet-powered-off", "load-balancer-idle", "load-balancer-idle", "reserved-ip-unassigned", "snapshot-old", "snapshot-old", "volume-unattached", "volume-unattached"].sort(),
    );
    for (const s of document.suggestions) expect(Object.keys(s).sort()).toEqual(["action", "id", "monthlySavingsUsd", "reason", "resource", "rule"]);
    const total = document.suggestions.reduce((cents: number, s: { monthlySavingsUsd: number | null }) => cents + Math.round((s.monthlySavingsUsd ?? 0) * 100), 0) / 100;
    expect(document.totalMonthlySavingsUsd).toBe(total);
    expect(document.untagged).toEqual([{ kind: "droplet", id: String(ids.untaggedDroplet), name: "console-made", missingKeys: ["owner"], disallowed: [] }]);
    // The table a person reads: each resource with its saving, then the total.
    expect(run.out).toContain(`Potential savings: $${total.toFixed(2)}/month`);
    expect(run.out).toMatch(/droplet idle-api\s+droplet-idle-downsize\s+resize to s-1vcpu-2gb/);
    expect(run.out).not.toContain(fake.token);
    // The config's advice.requestBudget is the run's budget.
    expect(run.out).toMatch(/DigitalOcean requests: \d+ of 900;/);
  });

  it("cleanup without --apply sends nothing and prints the notices it would send; --apply sends them before any act", async () => {
    fake.reset();
    const notices = () => receiver.requests.filter((r) => (r.body as { type?: string }).type === "cleanup_notice");
    const jsonPath = path.join(dir, "cleanup.json");
    const dry = await tracker(["cleanup", "--now", ADVICE_NOW.toISOString(), "--json", jsonPath]);
    expect(dry.code).toBe(0);
    expect(fake.requests.filter((r) => r.method !== "GET")).toEqual([]);
    expect(notices()).toEqual([]);
    expect(smtp.messages).toEqual([]);
    const report = JSON.parse(readFileSync(jsonPath, "utf8"));
    expect(report).toMatchObject({ version: 2, mode: "dry-run", delivery: null });
    // Long expired, but no notice has reached anyone: the next step is the notice, not the destroy.
    expect(report.actions).toContainEqual({
      resource: { kind: "droplet", id: String(ids.expiredDroplet), name: "load-test-rig" }, state: "marked", run: "would-send", step: "notice",
      expires: "2026-11-20", noticeSentOn: null, actsOn: null, reason: expect.stringContaining("expired 2026-11-20; no notice delivered yet, so no act before 2026-12-01"),
    });
    expect(dry.out).toContain("clean-up (dry run: nothing is changed or sent;");
    expect(dry.out).toContain("Would send 3 notice(s), each to 2 recipient(s), with --apply:");
    expect(dry.out).toContain("- Clean-up notice: droplet load-test-rig expires 2026-11-20");
    expect(dry.out).toMatch(/droplet load-test-rig\s+notice\s+marked\s+would-send/);

    const refused = await tracker(["cleanup", "--apply", "--now", ADVICE_NOW.toISOString()]);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain("DIGITALOCEAN_CLEANUP_TOKEN");
    expect(fake.requests.filter((r) => r.method !== "GET")).toEqual([]);

    const applied = await tracker(["cleanup", "--apply", "--now", ADVICE_NOW.toISOString()], { DIGITALOCEAN_CLEANUP_TOKEN: fake.token });
    expect(applied.code).toBe(0);
    expect(fake.requests.filter((r) => r.method !== "GET")).toEqual([]);
    expect(notices().map((r) => (r.body as { id: string }).id).sort()).toEqual([String(ids.expiredDroplet), ids.expiredVolume, String(ids.noticeDroplet)].sort());
    expect(smtp.messages.map((m) => m.headers.subject).sort()).toEqual(notices().map((r) => (r.body as { title: string }).title).sort());
    expect(applied.out).toContain("notifications: 6 delivered, 0 failed");
    const twoDaysLater = await tracker(["cleanup", "--apply", "--now", new Date(ADVICE_NOW.getTime() + 2 * 86_400_000).toISOString()], { DIGITALOCEAN_CLEANUP_TOKEN: fake.token });
    expect(twoDaysLater.out).toMatch(/droplet load-test-rig\s+snapshot-then-destroy\s+acted\s+done\s+expired 2026-11-20; notice sent 2026-11-29, acts on 2026-12-01/);
    expect(fake.validationErrors).toEqual([]);
  });

  it("refuses a config whose clean-up applies with no one to hear the notice, naming the key", async () => {
    const silent = path.join(dir, "silent.json");
    writeFileSync(silent, JSON.stringify({ budgetMonthlyUsd: 100, thresholds: [{ amountUsd: 50, webhook: [`${receiver.baseUrl}/t50`] }], forecast: { enabled: false }, spikes: { enabled: false }, cleanup: { enabled: true, apply: true } }));
    const err: string[] = [];
    const code = await main(["cleanup", "--config", silent, "--database-url", database.url], { DIGITALOCEAN_TOKEN: fake.token, DIGITALOCEAN_API_URL: fake.url }, () => undefined, (line) => err.push(line));
    expect(code).toBe(2);
    expect(err.join("\n")).toContain("cleanup.apply is true but no one would get the notice that must precede every act");
  });

  it("refuses options that belong to another task", async () => {
    expect((await tracker(["check", "--apply"])).code).toBe(2);
    expect((await tracker(["advise", "--budget", "0"])).err).toContain("--budget must be a whole number");
  });
});
