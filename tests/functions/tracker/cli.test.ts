/**
 * `npm run tracker` as a subprocess: help, a bad config (non-zero exit, the key named, the
 * Slack URL not echoed), and a real `check` against the fake API with the embedded PostgreSQL
 * database in a temporary directory.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startFakeDigitalOcean, type FakeDigitalOcean } from "../../support/fake-do-api";
import { prepareAccount, scenarioMtdUsd, setHour } from "./month-scenario";
import { runCli } from "./run-cli";

// Each run compiles the CLI with ts-node, which takes tens of seconds on a busy machine.
jest.setTimeout(150_000);

let fake: FakeDigitalOcean;
let dir: string;

beforeAll(async () => {
  fake = await startFakeDigitalOcean();
  dir = mkdtempSync(join(tmpdir(), "dcg-cli-"));
  // Run as root, the embedded server runs as another account, which must pass through (0700 from mkdtemp).
  chmodSync(dir, 0o755);
});

afterAll(async () => {
  await fake?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it("prints help and exits 0", async () => {
  const run = await runCli(["--help"], {});
  expect(run.code).toBe(0);
  expect(run.stdout).toContain("Usage: npm run tracker -- <task>");
  expect(run.stdout).toMatch(/check\s+ingest balance/);
});

it("rejects a bad config with exit 2, naming each key and never echoing the Slack URL", async () => {
  const secretUrl = "https://hooks.slack.com/services/T0/B0/very-secret-token";
  const configPath = join(dir, "bad.json");
  writeFileSync(
    configPath,
    JSON.stringify({
      budgetMonthlyUsd: 300,
      thresholds: [
        { amountUsd: 150, slack: [{ channel: "#costs", url: secretUrl }] },
        { amountUsd: 50, slack: [{ channel: "not a channel!", url: secretUrl }] },
      ],
      forecast: { enabled: false },
      spikes: { enabled: false },
    }),
  );
  const run = await runCli(["check", "--config", configPath], { DIGITALOCEAN_TOKEN: "x", EMBEDDED_POSTGRES_DIR: join(dir, "never") });
  expect(run.code).toBe(2);
  expect(run.stderr).toContain("thresholds[1].amountUsd must be > thresholds[0].amountUsd (got 50 after 150)");
  expect(run.stderr).toContain("thresholds[1].slack[0].channel must be a Slack channel name");
  expect(run.stderr).not.toContain("very-secret-token");
});

it("runs check against the fake API on the embedded PostgreSQL in a temporary directory, then fails cleanly when DigitalOcean refuses the token", async () => {
  const lines = prepareAccount(fake.state);
  const now = new Date("2026-03-12T14:00:00Z");
  setHour(fake.state, lines, now);
  const configPath = join(dir, "good.json");
  writeFileSync(configPath, JSON.stringify({ budgetMonthlyUsd: 1000, recipients: { webhook: ["http://127.0.0.1:9/unused"] }, spikes: { enabled: false } }));
  const env = { DIGITALOCEAN_TOKEN: fake.token, DIGITALOCEAN_API_URL: fake.url, EMBEDDED_POSTGRES_DIR: join(dir, "postgres") };
  const run = await runCli(["check", "--config", configPath, "--now", now.toISOString()], env);
  expect(run.stderr).not.toContain(fake.token);
  expect(run.code).toBe(0);
  // 278 h of the $254/month fixed resources (≈ $105), plus the $100 overage.
  expect(run.stdout).toContain(`month to date: $${scenarioMtdUsd(lines, now).toFixed(2)} (2026-03)`);
  expect(run.stdout).toContain("alerts fired: threshold:mtd-10:2026-03, threshold:mtd-50:2026-03, threshold:mtd-150:2026-03, threshold:mtd-200:2026-03");
  // Nothing listens on 127.0.0.1:9: the four webhook rows stay pending for the next run.
  expect(run.stdout).toContain("notifications: 0 delivered, 4 failed, 4 pending");
  expect(fake.validationErrors).toEqual([]);

  // A refused token is not retried (an unreachable host would be, with real backoff for ~15 s).
  const gone = await runCli(["check", "--config", configPath, "--now", now.toISOString()], { ...env, DIGITALOCEAN_TOKEN: "revoked-token" });
  expect(gone.code).toBe(1);
  expect(gone.stderr).toContain("could not read DigitalOcean");
  expect(gone.stderr).toContain("401");
  expect(gone.stderr).toContain("Nothing from this run was written");
  expect(gone.stderr).not.toContain("revoked-token");
});
