/**
 * `npm run tracker -- … --deadline-seconds N` (issue 14, point 7): the CLI stops as the scheduled
 * function does, no request starting in the last 20 s, and keeps its progress; through the
 * CLI's main, on the real clock, against 2,000 droplets whose metrics answer in two seconds.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { main } from "../../../functions/src/cli";
import { runCliInProcess, type InProcessRun } from "./run-cli";
import { createPostgresClient } from "../../../functions/src/store/pg-client";
import { generateDroplets, seedRestaurantPlatformAccount, startFakeDigitalOcean, type FakeDigitalOcean } from "../../support/fake-do-api";
import { createTestDatabase, type TestDatabase } from "../../support/postgres";

let fake: FakeDigitalOcean;
let database: TestDatabase;
const dir = mkdtempSync(path.join(tmpdir(), "dcg-deadline-cli-"));
const configPath = path.join(dir, "tracker.json");

beforeAll(async () => {
  const seed = seedRestaurantPlatformAccount();
  [fake, database] = await Promise.all([startFakeDigitalOcean({ state: { ...seed, droplets: [...seed.droplets, ...generateDroplets(2_000)] } }), createTestDatabase(__filename)]);
  writeFileSync(configPath, JSON.stringify({ budgetMonthlyUsd: 400, recipients: { webhook: ["http://127.0.0.1:9/unused"] } }));
  fake.setLatency(/^\/v2\/monitoring\/metrics\//, 2_000);
});

afterAll(async () => {
  await database?.drop();
  await fake?.close();
});

function tracker(args: string[]): Promise<InProcessRun> {
  return runCliInProcess([...args, "--config", configPath, "--database-url", database.url], { DIGITALOCEAN_TOKEN: fake.token, DIGITALOCEAN_API_URL: fake.url });
}

// 36 s leaves 16 s of reading after the 20 s margin: enough for the inventory of 2,000 droplets on a loaded CI machine.
it("advise --deadline-seconds stops reading at the margin, says so, and keeps what it read", async () => {
  const started = Date.now();
  const run = await tracker(["advise", "--deadline-seconds", "36"]);
  expect(run.err).toBe("");
  expect(run.code).toBe(0);
  expect(Date.now() - started).toBeLessThan(36_000);
  const line = /utilisation read for (\d+) resource\(s\); stopped at the deadline \(--deadline-seconds\), progress saved, (\d+) waiting/.exec(run.out);
  expect(line).not.toBeNull();
  const db = createPostgresClient({ connectionString: database.url });
  try {
    const [{ count }] = await db.query<{ count: string }>(`SELECT count(*)::text AS count FROM resource_utilisation`);
    expect(Number(count)).toBe(Number(line![1]));
    expect(Number(count)).toBeGreaterThan(0);
  } finally {
    await db.close();
  }
  expect(Number(line![2])).toBeGreaterThan(1_000);
}, 60_000);

it("refuses a deadline inside the 20 s margin, and one for test-notify, naming the option", async () => {
  const inside = await tracker(["advise", "--deadline-seconds", "20"]);
  expect(inside.code).toBe(2);
  expect(inside.err).toContain("--deadline-seconds must be a whole number of seconds above the 20 s kept free before the deadline (got \"20\")");
  const err: string[] = [];
  expect(await main(["test-notify", "--deadline-seconds", "60", "--config", configPath], {}, () => undefined, (line) => err.push(line))).toBe(2);
  expect(err.join("\n")).toContain("test-notify reads no DigitalOcean and has no deadline");
});
