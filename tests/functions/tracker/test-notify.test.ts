/**
 * `npm run tracker -- test-notify`: one "[TEST]" message to each configured recipient over
 * real protocols (an SMTP peer, a Slack receiver, a webhook receiver), one recipient with
 * nothing listening reported FAILED without stopping the others, per-recipient lines without
 * any secret, and the exit code saying whether everything arrived.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../../functions/src/cli";
import { configuredRecipients, formatTestReport, webhookLabel } from "../../../functions/src/notify/test-notify";
import { parseTrackerConfig } from "../../../functions/src/tracker/config";
import { slackShapeProblems, startHttpReceiver, type HttpReceiver } from "../../support/http-receiver";
import { startSmtpPeer, type SmtpPeer } from "../../support/smtp-peer";
import { runCli } from "./run-cli";

// One subprocess compiles the CLI with ts-node, which takes tens of seconds on a busy machine.
jest.setTimeout(150_000);

const SLACK_SECRET = "T0SECRET/B0SECRET/slack-webhook-secret";
const WEBHOOK_SECRET = "hook-secret-4f1c";

let smtp: SmtpPeer;
let slack: HttpReceiver;
let webhook: HttpReceiver;
let deadPort: number;
let dir: string;

/** A loopback port that was free a moment ago: connecting to it is refused. */
async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", () => done()));
  const { port } = server.address() as { port: number };
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

beforeAll(async () => {
  [smtp, slack, webhook, deadPort] = await Promise.all([startSmtpPeer(), startHttpReceiver(), startHttpReceiver(), unusedPort()]);
  dir = mkdtempSync(join(tmpdir(), "dcg-test-notify-"));
});

afterAll(async () => {
  await Promise.all([smtp?.close(), slack?.close(), webhook?.close()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  smtp.messages.length = 0;
  slack.requests.length = 0;
  webhook.requests.length = 0;
});

/** A config with recipients spread over sections, some repeated, one webhook that cannot be reached. */
function settings() {
  const slackTarget = { channel: "#costs", url: `${slack.baseUrl}/services/${SLACK_SECRET}` };
  const liveHook = `${webhook.baseUrl}/ingest/${WEBHOOK_SECRET}?sig=abc`;
  const deadHook = `http://127.0.0.1:${deadPort}/dead/${WEBHOOK_SECRET}`;
  return {
    budgetMonthlyUsd: 450,
    recipients: { email: ["ops@restaurant.example"] },
    thresholds: [
      { amountUsd: 100, email: ["ops@restaurant.example"], slack: [slackTarget] },
      { amountUsd: 300, email: ["cto@restaurant.example"], webhook: [liveHook] },
    ],
    forecast: { enabled: true, slack: [slackTarget], webhook: [deadHook] },
    spikes: { enabled: false },
    reports: { daily: { enabled: false }, weekly: { enabled: true, email: ["finance@restaurant.example", "cto@restaurant.example"] } },
    email: { from: "do-cost-guard <billing@restaurant.example>" },
  };
}

function writeConfig(name: string, config: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(config));
  return path;
}

async function inProcess(args: string[], env: Record<string, string> = {}) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await main(args, env, (line) => stdout.push(line), (line) => stderr.push(line));
  return { code, stdout: stdout.join("\n"), stderr: stderr.join("\n") };
}

describe("npm run tracker -- test-notify", () => {
  it("reaches the SMTP peer, the Slack receiver and the webhook receiver, reports the dead webhook FAILED and exits 1", async () => {
    const config = writeConfig("spread.json", settings());
    const run = await runCli(["test-notify", "--config", config, "--now", "2026-11-29T09:30:00Z"], { SMTP_URL: smtp.url });

    // Three distinct addresses, one message each, though ops@ and cto@ are named twice.
    expect(smtp.messages.map((mail) => mail.to).flat().sort()).toEqual(["cto@restaurant.example", "finance@restaurant.example", "ops@restaurant.example"]);
    for (const mail of smtp.messages) {
      expect(mail.headers.subject).toBe("[TEST] do-cost-guard test notification");
      expect(mail.parts["text/plain"]).toContain("No threshold was crossed and nothing needs doing.");
      expect(mail.parts["text/plain"]).toContain("Sent at: 2026-11-29T09:30:00.000Z");
      expect(mail.parts["text/html"]).toContain("[TEST] do-cost-guard test notification");
    }
    // One Slack post for the channel both sections use, in Block Kit shape, marked as a test.
    expect(slack.requests).toHaveLength(1);
    expect(slack.requests[0]!.path).toBe(`/services/${SLACK_SECRET}`);
    expect(slackShapeProblems(slack.requests[0]!.body)).toEqual([]);
    expect(slack.requests[0]!.body).toMatchObject({ text: expect.stringMatching(/^\[TEST\] do-cost-guard test notification: This is a test message/) });
    // The webhook gets a body receivers can filter on.
    expect(webhook.requests).toHaveLength(1);
    expect(webhook.requests[0]!.body).toMatchObject({ type: "test_notification", test: true, title: "[TEST] do-cost-guard test notification" });

    expect(run.code).toBe(1);
    const lines = run.stdout.trim().split("\n");
    expect(lines).toEqual([
      "test-notify: sending a test message to 6 recipients",
      "  delivered  email    ops@restaurant.example",
      "  delivered  email    cto@restaurant.example",
      "  delivered  email    finance@restaurant.example",
      "  delivered  slack    #costs",
      `  delivered  webhook  ${webhook.baseUrl}/…`,
      expect.stringMatching(new RegExp(`^  FAILED     webhook  http://127\\.0\\.0\\.1:${deadPort}/…: webhook request failed: fetch failed \\(ECONNREFUSED\\)$`)),
      "test-notify: 5 delivered, 1 failed",
    ]);
    for (const secret of [SLACK_SECRET, WEBHOOK_SECRET, "s3cret-pass", "sig=abc"]) {
      expect(run.stdout).not.toContain(secret);
      expect(run.stderr).not.toContain(secret);
    }
  });

  it("exits 0 when every recipient is reached", async () => {
    const all = settings();
    all.forecast.webhook = [];
    const run = await inProcess(["test-notify", "--config", writeConfig("reachable.json", all)], { SMTP_URL: smtp.url });
    expect(run.stdout).toContain("test-notify: 5 delivered, 0 failed");
    expect(run.code).toBe(0);
  });

  it("reports a rejected email and the email recipients without SMTP_URL as FAILED, still reaching Slack and webhooks", async () => {
    const all = settings();
    all.forecast.webhook = [];
    smtp.rejectNext(1, 550, "mailbox unavailable");
    const rejected = await inProcess(["test-notify", "--config", writeConfig("rejected.json", all)], { SMTP_URL: smtp.url });
    expect(rejected.code).toBe(1);
    expect(rejected.stdout).toMatch(/FAILED {5}email {4}\S+@restaurant\.example: SMTP delivery to \S+ failed: .*550/);
    expect(rejected.stdout).toContain("test-notify: 4 delivered, 1 failed");
    expect(rejected.stdout).not.toContain("s3cret-pass");

    const noSmtp = await inProcess(["test-notify", "--config", writeConfig("no-smtp.json", all)]);
    expect(noSmtp.code).toBe(1);
    expect(noSmtp.stdout).toContain("  FAILED     email    ops@restaurant.example: SMTP_URL is not set");
    expect(noSmtp.stdout).toContain("  delivered  slack    #costs");
    expect(noSmtp.stdout).toContain("test-notify: 2 delivered, 3 failed");
  });

  it("a failing Slack receiver does not stop the webhook, and its answer is reported without the URL", async () => {
    const all = settings();
    all.forecast.webhook = [];
    slack.failNext(1, 500);
    const run = await inProcess(["test-notify", "--config", writeConfig("slack-down.json", all)], { SMTP_URL: smtp.url });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("  FAILED     slack    #costs: Slack answered 500: internal_error");
    expect(webhook.requests).toHaveLength(1);
    expect(run.stdout).not.toContain(SLACK_SECRET);
  });

  it("--help explains the command, needs no config and exits 0", async () => {
    const run = await inProcess(["test-notify", "--help"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Usage: npm run tracker -- test-notify --config FILE");
    expect(run.stdout).toMatch(/Exit status: 0 every recipient delivered, 1 at least one failed/);
    const general = await inProcess(["--help"]);
    expect(general.stdout).toMatch(/test-notify\s+send one test message to every recipient/);
  });

  it.each([
    [["test-notify"], "--config FILE is required"],
    [["test-notify", "--config", "x.json", "--database-url", "postgres://127.0.0.1/x"], "test-notify uses no database"],
    [["test-notify", "--config", "/nonexistent/tracker.json"], "cannot read --config /nonexistent/tracker.json"],
  ])("%j exits 2: %s", async (args, message) => {
    const run = await inProcess(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
  });

  it("refuses a bad SMTP_URL with exit 2 and no password in the message", async () => {
    const run = await inProcess(["test-notify", "--config", writeConfig("bad-smtp.json", settings())], { SMTP_URL: "http://user:pw-secret@127.0.0.1:25" });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("SMTP_URL must use smtp:// or smtps://");
    expect(run.stderr).not.toContain("pw-secret");
    expect(smtp.messages).toEqual([]);
  });
});

describe("configuredRecipients", () => {
  it("lists each destination once, email then Slack then webhooks, labelled without secrets", () => {
    const config = parseTrackerConfig({
      budgetMonthlyUsd: 300,
      thresholds: [{ amountUsd: 50, email: ["a@x.example"], slack: [{ channel: "#costs", url: "https://hooks.slack.com/services/T1/B1/one" }] }],
      forecast: { enabled: true, slack: [{ channel: "#costs", url: "https://hooks.slack.com/services/T2/B2/two" }], webhook: ["https://user:pw@hooks.example.com:8443/p/secret?k=v"] },
      spikes: { enabled: false, email: ["a@x.example"] },
      reports: { daily: { enabled: false, email: ["b@x.example"] }, weekly: { enabled: false, email: ["a@x.example"] } },
      email: { from: "billing@x.example" },
    });
    expect(configuredRecipients(config).map(({ channel, label }) => [channel, label])).toEqual([
      ["email", "a@x.example"],
      ["email", "b@x.example"],
      ["slack", "#costs"],
      // Same channel name, another webhook (another workspace): told apart, still no URL.
      ["slack", "#costs (2)"],
      ["webhook", "https://hooks.example.com:8443/…"],
    ]);
  });

  it("includes the default audience even when every section names its own (calibration drift and clean-up notices go there)", () => {
    const own = { email: ["own@x.example"] };
    const config = parseTrackerConfig({
      budgetMonthlyUsd: 300,
      recipients: { email: ["defaults@x.example"] },
      thresholds: [{ amountUsd: 50, ...own }],
      forecast: { enabled: true, ...own },
      spikes: { enabled: true, ...own },
      reports: { daily: { enabled: true, ...own }, weekly: { enabled: true, ...own } },
      email: { from: "billing@x.example" },
    });
    expect(configuredRecipients(config).map(({ label }) => label)).toEqual(["own@x.example", "defaults@x.example"]);
  });

  it.each([
    ["https://hooks.example.com/services/secret", "https://hooks.example.com/…"],
    ["http://127.0.0.1:9/x?token=1", "http://127.0.0.1:9/…"],
    ["not a url", "(an unparseable URL)"],
  ])("webhookLabel(%j) is %j", (url, label) => {
    expect(webhookLabel(url)).toBe(label);
  });

  it("formatTestReport ends with the totals", () => {
    expect(
      formatTestReport([
        { channel: "email", label: "a@x.example", destination: "a@x.example", delivered: true },
        { channel: "webhook", label: "https://h.example/…", destination: "https://h.example/s", delivered: false, error: "webhook answered 404" },
      ]),
    ).toEqual(["  delivered  email    a@x.example", "  FAILED     webhook  https://h.example/…: webhook answered 404", "test-notify: 1 delivered, 1 failed"]);
  });
});
