/**
 * A month replayed hour by hour, 744 scheduled checks from 2026-03-01T00:00Z to
 * 2026-03-31T23:00Z, against the fake DigitalOcean API, a real SMTP server, an HTTP receiver
 * for Slack and webhooks, and both stores (a Postgres server by URL, and the CLI's embedded
 * PostgreSQL): every threshold is sent exactly once to its own
 * recipients (two of them in the same hour), the forecast alert once, the spikes as labelled,
 * and reruns send nothing new.
 *
 * Each run is `handle` at that hour's clock, which is what `npm run tracker -- check --now`
 * runs. The hours that decide something (the back-fill, the first check, the jump and its
 * retry, the first check of the 13th that fires the spikes, the reruns of the last hour) go
 * through the CLI itself, in process: argv, the config file, its own pool and migration check
 * (on the embedded store, the CLI opens the store's directory and joins the running server). Every hour through the CLI would cost ~60 ms a run instead of ~17 ms, most
 * of it opening and closing a Postgres connection (≈ 21 ms each on the CI machine), which
 * says nothing about the tracker.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main as runCli } from "../../../functions/src/cli";
import { CostStore } from "../../../functions/src/store/cost-store";
import { connectStoreClient } from "../../../functions/src/store/open-store";
import { createPostgresClient } from "../../../functions/src/store/pg-client";
import type { SqlClient } from "../../../functions/src/store/sql-client";
import { handle, type TrackerDeps } from "../../../functions/src/tracker/handle";
import { startFakeDigitalOcean, type FakeDigitalOcean } from "../../support/fake-do-api";
import { slackShapeProblems, startHttpReceiver, type HttpReceiver } from "../../support/http-receiver";
import { createTestDatabase, type TestDatabase } from "../../support/postgres";
import { startSmtpPeer, type SmtpPeer } from "../../support/smtp-peer";
import {
  BUDGET_USD,
  JUMP_AT,
  MONTH,
  MONTH_START,
  RECIPIENTS,
  everyHourOfTheMonth,
  fakeClient,
  memoryLog,
  peerTransports,
  prepareAccount,
  scenarioConfig,
  scenarioConfigJson,
  scenarioMtdUsd,
  setHour,
} from "./month-scenario";

/** The hours the replay runs through the CLI (see the module comment). */
const CLI_HOURS = new Set([MONTH_START, JUMP_AT, new Date("2026-03-13T00:00:00Z"), new Date("2026-03-31T23:00:00Z")].map((d) => d.toISOString()));

/** Runs one task at one instant and returns the alert keys that run fired. */
type Runner = (task: "check" | "history", now: Date) => Promise<string[]>;

/** Declares the replay's tests for one database backend; each backend has its own test file so they run in parallel. */
export function describeMonthReplay(backend: "postgres" | "embedded-postgres", testFile: string): void {
  describe(`a month of hourly checks on ${backend}`, () => {
    let fake: FakeDigitalOcean;
    let smtp: SmtpPeer;
    let receiver: HttpReceiver;
    let database: TestDatabase | undefined;
    let db: SqlClient;
    let closeTransports: (() => void) | undefined;
    let configDir: string | undefined;
    let storeDir: string | undefined;
    let run: Runner;
    const lines = () => prepared;
    let prepared: ReturnType<typeof prepareAccount>;
    const instants = everyHourOfTheMonth();
    /** Which run fired each alert key (ISO instant), as the run itself reported it. */
    const firedBy: [string, string][] = [];

    /** The operator's replay: the CLI with --now, its own pool per run, exit status and summary checked. */
    function cliRunner(store: { DATABASE_URL: string } | { EMBEDDED_POSTGRES_DIR: string }): Runner {
      configDir = mkdtempSync(join(tmpdir(), "dcg-replay-"));
      const configPath = join(configDir, "tracker.json");
      writeFileSync(configPath, JSON.stringify(scenarioConfigJson(receiver.baseUrl)));
      const env = { DIGITALOCEAN_TOKEN: fake.token, DIGITALOCEAN_API_URL: fake.url, ...store, SMTP_URL: smtp.url };
      return async (task, now) => {
        const out: string[] = [];
        const err: string[] = [];
        const code = await runCli([task, "--config", configPath, "--now", now.toISOString()], env, (line) => out.push(line), (line) => err.push(line));
        if (code !== 0) throw new Error(`tracker ${task} --now ${now.toISOString()} exited ${code}:\n${err.join("\n")}`);
        const fired = /^alerts fired: (.*)$/m.exec(out.join("\n"))?.[1];
        return fired === undefined || fired === "none" ? [] : fired.split(", ");
      };
    }

    /** The same task through `handle` on one open database. */
    function handleRunner(): Runner {
      const config = scenarioConfig(receiver.baseUrl);
      const peer = peerTransports(smtp.url);
      closeTransports = peer.close;
      const client = fakeClient(fake);
      const deps = (now: Date): TrackerDeps => ({ client, db, transports: peer.transports, now, config, log: memoryLog() });
      return async (task, now) => {
        const result = await handle(task, deps(now));
        if (result.task !== "check") return [];
        const { fired } = result.check;
        return [...fired.thresholds, ...(fired.forecast ? [fired.forecast] : []), ...fired.spikes];
      };
    }

    beforeAll(async () => {
      [fake, smtp, receiver] = await Promise.all([startFakeDigitalOcean(), startSmtpPeer(), startHttpReceiver()]);
      let cli: Runner;
      if (backend === "postgres") {
        database = await createTestDatabase(testFile);
        db = createPostgresClient({ connectionString: database.url });
        cli = cliRunner({ DATABASE_URL: database.url });
      } else {
        storeDir = mkdtempSync(join(tmpdir(), "dcg-replay-store-"));
        db = await connectStoreClient({ EMBEDDED_POSTGRES_DIR: storeDir }, { durable: false });
        cli = cliRunner({ EMBEDDED_POSTGRES_DIR: storeDir });
      }
      const direct = handleRunner();
      run = (task, now) => (CLI_HOURS.has(now.toISOString()) ? cli(task, now) : direct(task, now));
      await CostStore.open(db);
      prepared = prepareAccount(fake.state);

      setHour(fake.state, lines(), MONTH_START);
      await run("history", MONTH_START);
      for (const now of instants) {
        setHour(fake.state, lines(), now);
        for (const key of await run("check", now)) firedBy.push([key, now.toISOString()]);
        // The hour of the jump runs twice, as a retried schedule would.
        if (now.getTime() === JUMP_AT.getTime()) for (const key of await run("check", now)) firedBy.push([key, now.toISOString()]);
      }
    });

    afterAll(async () => {
      closeTransports?.();
      if (configDir) rmSync(configDir, { recursive: true, force: true });
      await db?.close();
      await database?.drop();
      if (storeDir) rmSync(storeDir, { recursive: true, force: true });
      await Promise.all([fake?.close(), smtp?.close(), receiver?.close()]);
    });

    /** The first replayed instant at which the scenario's month-to-date spend exceeds `usd`. */
    function firstInstantAbove(usd: number): Date {
      const at = instants.find((now) => scenarioMtdUsd(lines(), now) > usd);
      if (!at) throw new Error(`the scenario never exceeds ${usd}`);
      return at;
    }

    it("ran every hour of March: 744 checks", () => {
      expect(instants).toHaveLength(31 * 24);
      expect([instants[0]!.toISOString(), instants[743]!.toISOString()]).toEqual(["2026-03-01T00:00:00.000Z", "2026-03-31T23:00:00.000Z"]);
    });

    it("had each alert fired by exactly one run, which said so, at the hour stored", async () => {
      const events = await new CostStore(db).listAlertEvents(MONTH);
      expect(firedBy.map(([key]) => key).sort()).toEqual(events.map((event) => event.alertKey).sort());
      expect(Object.fromEntries(firedBy)).toEqual(Object.fromEntries(events.map((event) => [event.alertKey, event.firedAt.toISOString()])));
    });

    it("fires each threshold, the forecast and the spikes exactly once, at the hour they happened", async () => {
      const events = await new CostStore(db).listAlertEvents(MONTH);
      const firedAt = Object.fromEntries(events.map((event) => [event.alertKey, event.firedAt.toISOString()]));
      expect(Object.keys(firedAt).sort()).toEqual(
        [
          `forecast:${MONTH}`,
          "spike:(total):2026-03-12",
          "spike:Bandwidth:2026-03-12",
          `threshold:mtd-10:${MONTH}`,
          `threshold:mtd-150:${MONTH}`,
          `threshold:mtd-200:${MONTH}`,
          `threshold:mtd-50:${MONTH}`,
        ].sort(),
      );
      // $254/month of fixed resources accrue $254/672 ≈ $0.378 an hour: $10 after 27 h, $50 after 133 h.
      expect(firedAt[`threshold:mtd-10:${MONTH}`]).toBe(firstInstantAbove(10).toISOString());
      expect(firedAt[`threshold:mtd-50:${MONTH}`]).toBe(firstInstantAbove(50).toISOString());
      // At 2026-03-12T14:00 MTD jumps from ≈ $104.7 to ≈ $205.1: $150 and $200 in the same hour.
      expect(firedAt[`threshold:mtd-150:${MONTH}`]).toBe(JUMP_AT.toISOString());
      expect(firedAt[`threshold:mtd-200:${MONTH}`]).toBe(JUMP_AT.toISOString());
      // Before the jump the projection is ≈ $254 of fixed cost (< $320 budget); after it, $100 of
      // usage in 11.58 days runs at ≈ $8.6/day for 19.4 more days: ≈ $254 + $100 + $168 > $320.
      expect(firedAt[`forecast:${MONTH}`]).toBe(JUMP_AT.toISOString());
      // Spikes are judged on complete days, so the 12th's are fired by the first check of the 13th.
      expect(firedAt["spike:Bandwidth:2026-03-12"]).toBe("2026-03-13T00:00:00.000Z");
      const bandwidth = events.find((event) => event.alertKey === "spike:Bandwidth:2026-03-12")!;
      expect(bandwidth.payload).toMatchObject({ kind: "new-service", usd: 100 });
      const total = events.find((event) => event.alertKey === "spike:(total):2026-03-12")!;
      expect(total.payload).toMatchObject({ kind: "spike" });
    });

    it("sends every email once, to its own threshold's recipients only", () => {
      const subjectsByRecipient = new Map<string, string[]>();
      for (const mail of smtp.messages) for (const to of mail.to) subjectsByRecipient.set(to, [...(subjectsByRecipient.get(to) ?? []), mail.headers.subject ?? ""]);
      expect(Object.fromEntries(subjectsByRecipient)).toEqual({
        [RECIPIENTS.t10]: [`DigitalOcean spend passed $10.00 in ${MONTH}`],
        [RECIPIENTS.t150]: [`DigitalOcean spend passed $150.00 in ${MONTH}`],
        [RECIPIENTS.t200]: [`DigitalOcean spend passed $200.00 in ${MONTH}`],
        [RECIPIENTS.forecast]: [expect.stringMatching(/^DigitalOcean spend projected to reach \$\d{3}\.\d\d in 2026-03$/)],
      });
      for (const mail of smtp.messages) {
        expect(mail.parts["text/plain"]).toContain("Month to date");
        expect(mail.parts["text/html"]).toContain("<h1>");
      }
    });

    it("posts each Slack and webhook notification once, to its own URL, in a valid shape", () => {
      const byPath = new Map<string, unknown[]>();
      for (const request of receiver.requests) byPath.set(request.path, [...(byPath.get(request.path) ?? []), request.body]);
      expect([...byPath.keys()].sort()).toEqual(["/slack/forecast", "/slack/t150", "/spikes", "/t200", "/t50"]);
      expect(byPath.get("/t50")).toEqual([expect.objectContaining({ type: "threshold_crossed", thresholdUsd: 50, billingMonth: MONTH })]);
      expect(byPath.get("/t200")).toEqual([expect.objectContaining({ type: "threshold_crossed", thresholdUsd: 200 })]);
      for (const path of ["/slack/t150", "/slack/forecast"]) {
        expect(byPath.get(path)).toHaveLength(1);
        expect(slackShapeProblems(byPath.get(path)![0])).toEqual([]);
      }
      const spikes = byPath.get("/spikes") as { type: string; key: string; date: string }[];
      expect(spikes.map((s) => `${s.type}:${s.key}:${s.date}`).sort()).toEqual(["spike:(total):2026-03-12", "spike:Bandwidth:2026-03-12"]);
      const forecast = (byPath.get("/slack/forecast")![0] as { text: string }).text;
      expect(forecast).toContain(`$${BUDGET_USD}.00 budget`);
    });

    it("keeps a daily history whose days add up to the month's invoice, with the jump on its day", async () => {
      const store = new CostStore(db);
      const march = await store.listBillingHistory("2026-03-01", "2026-03-31");
      expect(march.map((day) => day.date)).toEqual(Array.from({ length: 31 }, (_, i) => `2026-03-${String(i + 1).padStart(2, "0")}`));
      const last = instants[instants.length - 1]!;
      const totalCents = march.reduce((sum, day) => sum + Math.round(day.totalCostUsd * 100), 0);
      expect(totalCents).toBe(Math.round(scenarioMtdUsd(lines(), last) * 100));
      const jumpDay = march.find((day) => day.date === "2026-03-12")!;
      expect(jumpDay.costByService.Bandwidth).toBe(100);
      // An ordinary day is 24 h of $254/672 ≈ $9.07 of fixed cost (give or take cents of rounding).
      expect(Math.abs(jumpDay.totalCostUsd - 100 - (254 * 24) / 672)).toBeLessThan(0.1);
      // February came from `history`: 28 evenly spread days of the February invoice.
      const february = await store.listBillingHistory("2026-02-01", "2026-02-28");
      expect(february).toHaveLength(28);
    });

    it("sends nothing new when the last hour is checked again, twice", async () => {
      const store = new CostStore(db);
      const outboxBefore = (await store.listOutbox()).length;
      const sentBefore = smtp.messages.length + receiver.requests.length;
      const last = instants[instants.length - 1]!;
      setHour(fake.state, lines(), last);
      expect(await run("check", last)).toEqual([]);
      expect(await run("check", last)).toEqual([]);
      expect((await store.listOutbox()).length).toBe(outboxBefore);
      expect(smtp.messages.length + receiver.requests.length).toBe(sentBefore);
      expect(await store.outboxCounts()).toEqual({ pending: 0, delivered: outboxBefore });
    });

    it("spoke to the fake only in ways DigitalOcean's spec allows", () => {
      expect(fake.validationErrors).toEqual([]);
    });
  });
}
