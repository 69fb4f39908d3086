/**
 * `npm run tracker -- <task> [options]`: runs a tracker task locally, against the real
 * DigitalOcean API (or DIGITALOCEAN_API_URL) and Postgres or an embedded PGlite database.
 * The same `handle` the scheduled function runs; this file only adapts argv and environment.
 */
import { readFileSync } from "node:fs";
import { DigitalOceanApiError, DigitalOceanClient } from "./digitalocean/client";
import { createSlackTransport } from "./notify/slack";
import { createSmtpTransport } from "./notify/email";
import { createWebhookTransport } from "./notify/webhook";
import type { Transports } from "./notify/outbox";
import { configuredRecipients, formatTestReport, renderTestNotification, sendTestNotifications } from "./notify/test-notify";
import { migrate } from "./store/migrations";
import { DEFAULT_PGLITE_DIR, connectStoreClient } from "./store/open-store";
import type { SqlClient } from "./store/sql-client";
import { parseTrackerConfig, TrackerConfigError, type TrackerConfig } from "./tracker/config";
import { handle, TRACKER_TASKS, type TaskResult, type TrackerTask } from "./tracker/handle";
import type { TrackerLog } from "./tracker/ingest";

const HELP = `Usage: npm run tracker -- <task> [options]

Tasks:
  check     ingest balance, invoice preview and resources; fire thresholds, forecast and
            spike alerts (each once per billing month); deliver pending notifications
  daily     check, then yesterday's report (once per date)
  weekly    check, then last week's report (once per ISO week)
  history   back-fill daily history from invoices (and billing insights with accountUrn)
  test-notify
            send one test message to every recipient in the config and report each
            (see npm run tracker -- test-notify --help)

Options:
  --config FILE         tracker JSON config (see examples/tracker-config.json); required
  --database-url URL    Postgres to use (else DATABASE_URL, else embedded PGlite in ${DEFAULT_PGLITE_DIR})
  --now ISO             run as if it were this instant (replays), e.g. 2026-03-15T06:00:00Z
  -h, --help            this text

Environment:
  DIGITALOCEAN_TOKEN    read-scoped API token (required; never printed)
  DIGITALOCEAN_API_URL  default https://api.digitalocean.com
  SMTP_URL              smtp://user:pass@host:port for email recipients
  DATABASE_URL          see --database-url
  PGLITE_DIR            embedded database directory ("memory" for a throwaway one)

Exit status: 0 done, 1 DigitalOcean/database/delivery setup failed (nothing half-written;
the next run catches up), 2 bad arguments or config.`;

const TEST_NOTIFY_HELP = `Usage: npm run tracker -- test-notify --config FILE [--now ISO]

Sends one message marked "[TEST]" to every distinct recipient the config names (each email
address, Slack channel and webhook, from thresholds, forecast, spikes, reports and app
watches), right away and not through the outbox, and prints one line per recipient:
delivered or FAILED with the reason. Slack recipients are shown by channel and webhooks by
origin only; their URLs carry secrets and are never printed. Needs no DigitalOcean token and
no database.

Options:
  --config FILE   tracker JSON config; required
  --now ISO       the "sent at" time shown in the message (default: now)
  -h, --help      this text

Environment:
  SMTP_URL        smtp://user:pass@host:port; without it every email recipient is reported FAILED

Exit status: 0 every recipient delivered, 1 at least one failed, 2 bad arguments or config
(including a config without any recipient).`;

class UsageError extends Error {}

/** The one command that is not a tracker task: it sends, it does not read DigitalOcean. */
const TEST_NOTIFY = "test-notify";

interface CliArgs {
  task: TrackerTask | typeof TEST_NOTIFY;
  configPath: string;
  databaseUrl?: string;
  now?: Date;
}

function parseArgs(argv: readonly string[]): CliArgs | "help" | "test-notify-help" {
  if (argv.length === 0 || argv.includes("--help") || argv.includes("-h")) return argv.includes(TEST_NOTIFY) ? "test-notify-help" : "help";
  let task: CliArgs["task"] | undefined;
  let configPath: string | undefined;
  let databaseUrl: string | undefined;
  let now: Date | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => {
      const next = argv[++i];
      if (next === undefined || next.startsWith("--")) throw new UsageError(`${arg} needs a value`);
      return next;
    };
    if (arg === "--config") configPath = value();
    else if (arg === "--database-url") databaseUrl = value();
    else if (arg === "--now") {
      const text = value();
      now = new Date(text);
      if (Number.isNaN(now.getTime())) throw new UsageError(`--now must be an ISO instant like 2026-03-15T06:00:00Z (got ${JSON.stringify(text)})`);
    } else if (arg.startsWith("-")) throw new UsageError(`unknown option ${arg} (see --help)`);
    else if (task !== undefined) throw new UsageError(`only one task at a time (got ${task} and ${arg})`);
    else if ((TRACKER_TASKS as readonly string[]).includes(arg) || arg === TEST_NOTIFY) task = arg as CliArgs["task"];
    else throw new UsageError(`unknown task ${JSON.stringify(arg)} (tasks: ${[...TRACKER_TASKS, TEST_NOTIFY].join(", ")})`);
  }
  if (task === undefined) throw new UsageError(`name a task: ${[...TRACKER_TASKS, TEST_NOTIFY].join(", ")}`);
  if (configPath === undefined) throw new UsageError("--config FILE is required");
  if (task === TEST_NOTIFY && databaseUrl !== undefined) throw new UsageError("test-notify uses no database; drop --database-url");
  return { task, configPath, ...(databaseUrl ? { databaseUrl } : {}), ...(now ? { now } : {}) };
}

function loadConfig(path: string): TrackerConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new UsageError(`cannot read --config ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--config ${path} is not valid JSON: ${(error as Error).message}`);
  }
  return parseTrackerConfig(json);
}

/**
 * `test-notify`: the config's recipients, one test message each, a line per outcome. Email
 * goes through SMTP_URL; without it email recipients fail with that reason instead of the
 * whole command failing, so Slack and webhooks are still tested.
 */
async function testNotify(config: TrackerConfig, env: NodeJS.ProcessEnv, now: Date, out: (line: string) => void): Promise<number> {
  const recipients = configuredRecipients(config);
  if (recipients.length === 0) throw new UsageError("the config names no recipient (email, slack or webhook): nothing to test");
  const transports: Transports = {
    slack: createSlackTransport(),
    webhook: createWebhookTransport(),
    email: async () => {
      throw new Error("SMTP_URL is not set (export smtp://user:pass@host:port to reach email recipients)");
    },
  };
  let smtp: ReturnType<typeof createSmtpTransport> | undefined;
  if (env.SMTP_URL?.trim()) {
    try {
      smtp = createSmtpTransport({ url: env.SMTP_URL.trim(), from: config.email.from });
    } catch (error) {
      // The transport's messages name the problem, never the URL's password.
      throw new UsageError((error as Error).message);
    }
    transports.email = smtp.send;
  }
  try {
    out(`test-notify: sending a test message to ${recipients.length} recipient${recipients.length === 1 ? "" : "s"}`);
    const message = renderTestNotification({ sentAt: now, recipientCount: recipients.length, ...(config.dashboardUrl ? { dashboardUrl: config.dashboardUrl } : {}) });
    const deliveries = await sendTestNotifications(recipients, message, transports);
    for (const line of formatTestReport(deliveries)) out(line);
    return deliveries.every((delivery) => delivery.delivered) ? 0 : 1;
  } finally {
    smtp?.close();
  }
}

function summary(result: TaskResult): string {
  if (result.task === "history") return `history: ${result.history.daysWritten} days written for ${result.history.months.join(", ") || "no month"}`;
  const { check } = result;
  const fired = [...check.fired.thresholds, ...(check.fired.forecast ? [check.fired.forecast] : []), ...check.fired.spikes];
  const lines = [
    `month to date: $${check.ingest.monthToDateUsd.toFixed(2)} (${check.ingest.billingMonth})`,
    `projected month end: $${check.forecast.projectedUsd.toFixed(2)} (${check.forecast.method})`,
    `alerts fired: ${fired.length === 0 ? "none" : fired.join(", ")}`,
    `notifications: ${check.delivery.delivered} delivered, ${check.delivery.failed} failed, ${check.delivery.pending} pending`,
  ];
  if (result.task !== "check") lines.push(`${result.task} report: ${result.reportRowsEnqueued} notification(s) enqueued; ${result.delivery.delivered} delivered, ${result.delivery.pending} pending`);
  return lines.join("\n");
}

/** Runs the CLI; returns the exit status. Exported for in-process tests. */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv, out: (line: string) => void, err: (line: string) => void): Promise<number> {
  let db: SqlClient | undefined;
  let smtpClose: (() => void) | undefined;
  try {
    const args = parseArgs(argv);
    if (args === "help" || args === "test-notify-help") {
      out(args === "help" ? HELP : TEST_NOTIFY_HELP);
      return 0;
    }
    const config = loadConfig(args.configPath);
    if (args.task === TEST_NOTIFY) return await testNotify(config, env, args.now ?? new Date(), out);
    const token = env.DIGITALOCEAN_TOKEN?.trim();
    if (!token) throw new UsageError("DIGITALOCEAN_TOKEN is not set: create a read-scoped token (billing:read plus the resource read scopes) and export it");
    const log: TrackerLog = { info: (line) => err(`tracker: ${line}`), warn: (line) => err(`tracker: warning: ${line}`) };
    const client = new DigitalOceanClient({
      token,
      baseUrl: env.DIGITALOCEAN_API_URL?.trim() || "https://api.digitalocean.com",
      onProgress: (event) => {
        if (event.kind === "page" && event.page > 1) log.info(`${event.path}: page ${event.page}, ${event.itemsSoFar}${event.total ? `/${event.total}` : ""} items`);
        if (event.kind === "retry") log.warn(`${event.method} ${event.path}: ${event.reason}, retry ${event.attempt} in ${event.delayMs} ms`);
      },
    });
    const transports: Transports = { slack: createSlackTransport(), webhook: createWebhookTransport() };
    if (env.SMTP_URL?.trim()) {
      const smtp = createSmtpTransport({ url: env.SMTP_URL.trim(), from: config.email.from });
      transports.email = smtp.send;
      smtpClose = smtp.close;
    }
    const databaseUrl = args.databaseUrl ?? env.DATABASE_URL;
    db = await connectStoreClient({ ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}), ...(env.PGLITE_DIR ? { PGLITE_DIR: env.PGLITE_DIR } : {}) });
    await migrate(db);
    const result = await handle(args.task, { client, db, transports, now: args.now ?? new Date(), config, log });
    out(summary(result));
    return 0;
  } catch (error) {
    if (error instanceof UsageError || error instanceof TrackerConfigError) {
      err(`tracker: ${error.message}`);
      return 2;
    }
    if (error instanceof DigitalOceanApiError) {
      err(`tracker: could not read DigitalOcean (${error.message}). Nothing from this run was written; the next run catches up. Check DIGITALOCEAN_API_URL, the token's scopes and https://status.digitalocean.com.`);
      return 1;
    }
    err(`tracker: the run failed: ${(error as Error).message}. Nothing half-written was kept (the ingest commits in one transaction); fix the cause and rerun.`);
    return 1;
  } finally {
    smtpClose?.();
    await db?.close().catch(() => undefined);
  }
}

if (require.main === module) {
  main(process.argv.slice(2), process.env, (line) => process.stdout.write(`${line}\n`), (line) => process.stderr.write(`${line}\n`)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`tracker: ${(error as Error).message}\n`);
      process.exit(1);
    },
  );
}
