import { createHash } from "node:crypto";
import { monthStart, nextBillingMonth, parseBillingMonth, type BillingMonth, type IsoDate } from "../../../core/calendar";
import { parseUsd, toCents } from "../../../core/money";
import { checkedStoreLabel, IMPLICIT_TEAM_NAME } from "../../../core/tracker-settings";
import { migrate } from "./migrations";
import type { SqlClient, SqlExecutor, SqlScalar, SqlValue } from "./sql-client";
import type {
  AlertEvent,
  AlertRecipients,
  BillingHistoryDay,
  CostAlert,
  CostAlertDefinition,
  CostBreakdown,
  JsonObject,
  NotificationChannel,
  OutboxEntry,
  OutgoingNotification,
  QueuedNotification,
  ResourceDailyCost,
  SpendSnapshot,
  TeamBillingHistoryDay,
  UnitCountReading,
} from "./types";

/** What `recordAlertEventOnce` is asked to record. */
export interface AlertEventInput {
  /** Idempotence key, e.g. core/billing-thresholds `thresholdEventKey(id, month)`. */
  alertKey: string;
  billingMonth: BillingMonth;
  firedAt: Date;
  /** What was true when it fired (amounts, thresholds); kept for the dashboard and audits. */
  payload: JsonObject;
  /** Everything to send because it fired; enqueued only if this call is the one that fires. */
  notifications: readonly OutgoingNotification[];
  /** The cost_alerts row that fired, if any: its `last_triggered_at` is set in the same transaction. */
  alertId?: string;
}

/** Outcome of `recordAlertEventOnce`. */
export interface AlertEventOutcome {
  /** True for exactly one call per (alertKey, billingMonth), however many race. */
  fired: boolean;
  /** The event's id when this call fired it, else null. */
  eventId: number | null;
  /** Outbox rows this call added (0 when it did not fire). */
  enqueued: number;
}

/** Counts of outbox rows by status. */
export interface OutboxCounts {
  pending: number;
  delivered: number;
}

// Rows per INSERT: each column travels as one array parameter, so the cap is only how big one
// statement's parameters grow (10,000 rows of a day cost row are about half a megabyte).
const ROWS_PER_INSERT = 10_000;

/** Dollars → the exact decimal text a numeric(12,2) column is written from, via integer cents. */
function usdParam(usd: number, field: string | (() => string)): string {
  if (!Number.isFinite(usd)) throw new RangeError(`${typeof field === "string" ? field : field()} must be a finite dollar amount (got ${usd})`);
  const cents = toCents(usd);
  const sign = cents < 0 ? "-" : "";
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
}

/** numeric column text ("12.30") → dollars. Both drivers return numeric as text, never a float. */
function usdColumn(text: string, field: string): number {
  return parseUsd(text, field);
}

function breakdownParam(breakdown: CostBreakdown, field: string): string {
  const rounded: CostBreakdown = {};
  for (const [key, usd] of Object.entries(breakdown)) rounded[key] = Number(usdParam(usd, `${field}.${key}`));
  return JSON.stringify(rounded);
}

/**
 * Runs `INSERT … SELECT * FROM unnest($1::t1[], $2::t2[], …) <suffix>` in chunks, one array
 * parameter per column, and returns how many rows the database wrote. One small statement per
 * chunk instead of a VALUES list with a placeholder per cell: a 30,000-row month back-fill was
 * 30 statements of 5,000 placeholders each, which Postgres parsed and planned one by one.
 */
async function insertMany(
  tx: SqlExecutor,
  head: string,
  casts: readonly string[],
  rows: readonly SqlValue[][],
  suffix: string,
): Promise<number> {
  const unnest = casts.map((cast, c) => `$${c + 1}::${cast}[]`).join(", ");
  let written = 0;
  for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
    const chunk = rows.slice(start, start + ROWS_PER_INSERT);
    const columns = casts.map((_, c) => chunk.map((row) => row[c] as SqlScalar));
    const result = await tx.query<{ written: number }>(
      `WITH written AS (${head} SELECT * FROM unnest(${unnest}) ${suffix} RETURNING 1) SELECT count(*)::int AS written FROM written`,
      columns,
    );
    written += result[0]?.written ?? 0;
  }
  return written;
}

function checkBillingMonth(month: BillingMonth): void {
  parseBillingMonth(month);
}

/** Short stable digest so dedupe keys can name a destination without spelling out a secret webhook URL. */
function destinationDigest(destination: string): string {
  return createHash("sha256").update(destination).digest("hex").slice(0, 16);
}

/**
 * The outbox dedupe key of one notification of one alert event. The implicit team's keys are
 * those of a single-team deployment before teams existed (so an upgrade re-sends nothing); every
 * other team's name its team, so two teams crossing the same threshold both reach a shared recipient.
 */
export function alertNotificationKey(alertKey: string, billingMonth: BillingMonth, notification: OutgoingNotification, team: string = IMPLICIT_TEAM_NAME): string {
  return `alert:${teamKeyPrefix(team)}${alertKey}:${billingMonth}:${notification.channel}:${destinationDigest(notification.destination)}`;
}

/** What a team's outbox dedupe keys start with: nothing for the implicit team, `<team>/` for the others (names have no `/`). */
export function teamKeyPrefix(team: string): string {
  return team === IMPLICIT_TEAM_NAME ? "" : `${team}/`;
}


/** One snapshot row as read back. */
interface SnapshotRow {
  team: string;
  taken_at: Date;
  source: SpendSnapshot["source"];
  mtd: string;
  balance: string | null;
  generated_at: Date;
  preview: string | null;
}

const SNAPSHOT_COLUMNS = `team, taken_at, source, month_to_date_usd::text AS mtd, account_balance_usd::text AS balance, generated_at, invoice_preview_usd::text AS preview`;

function toSnapshot(row: SnapshotRow): SpendSnapshot {
  return {
    takenAt: row.taken_at,
    source: row.source,
    monthToDateUsd: usdColumn(row.mtd, "spend_snapshots.month_to_date_usd"),
    accountBalanceUsd: row.balance === null ? null : usdColumn(row.balance, "spend_snapshots.account_balance_usd"),
    generatedAt: row.generated_at,
    invoicePreviewUsd: row.preview === null ? null : usdColumn(row.preview, "spend_snapshots.invoice_preview_usd"),
  };
}


interface HistoryRow {
  team: string;
  date: string;
  total: string;
  mtd: string;
  cost_by_service: CostBreakdown;
  cost_by_project: CostBreakdown;
  cost_by_tag: CostBreakdown;
}

const HISTORY_COLUMNS = `team, date::text AS date, total_cost_usd::text AS total, month_to_date_usd::text AS mtd, cost_by_service, cost_by_project, cost_by_tag`;

function toHistoryDay(row: HistoryRow): BillingHistoryDay {
  return {
    date: row.date,
    totalCostUsd: usdColumn(row.total, `billing_history[${row.date}].total_cost_usd`),
    monthToDateUsd: usdColumn(row.mtd, `billing_history[${row.date}].month_to_date_usd`),
    costByService: row.cost_by_service,
    costByProject: row.cost_by_project,
    costByTag: row.cost_by_tag,
  };
}

/** One label's day of the organisation's billing insights, as stored (insights_days, migration 10). */
export interface InsightsDayInput {
  date: IsoDate;
  totalUsd: number;
  /** Dollars by SKU. */
  bySku: CostBreakdown;
  /** Data points the day had (0: nothing yet, or nothing spent). */
  dataPoints: number;
  /** `usage_team_urn`s no configured team has (the unassigned label's row). */
  unknownUrns?: readonly string[];
  readAt: Date;
}

/** A stored insights day without its SKUs, with its label. */
export interface TeamInsightsDayTotal {
  team: string;
  date: IsoDate;
  totalUsd: number;
  dataPoints: number;
  unknownUrns: string[];
  readAt: Date;
}

interface InsightsDayRow {
  team: string;
  date: string;
  total: string;
  data_points: number;
  unknown_urns: string[];
  read_at: Date;
}

const INSIGHTS_DAY_COLUMNS = `team, date::text AS date, total_usd::text AS total, data_points, unknown_urns, read_at`;

function toInsightsDay(row: InsightsDayRow): Omit<TeamInsightsDayTotal, "team"> {
  return {
    date: row.date,
    totalUsd: usdColumn(row.total, `insights_days[${row.team}, ${row.date}].total_usd`),
    dataPoints: row.data_points,
    unknownUrns: row.unknown_urns,
    readAt: row.read_at,
  };
}

/** What a run gives the teams in turn: their hourly check, then (while its deadline allows) their upkeep. */
export type TeamTurn = "check" | "upkeep";

/** The team_checks column that records each turn (migration 9 added upkept_at). */
const TEAM_TURN_COLUMNS: Record<TeamTurn, string> = { check: "checked_at", upkeep: "upkept_at" };

/** `null` (every label) or the labels as one JSON parameter, for `$n::jsonb IS NULL OR team IN (…)`. */
function labelsParam(teams: readonly string[] | undefined): string | null {
  return teams === undefined ? null : JSON.stringify(teams.map(checkedStoreLabel));
}

interface OutboxRow {
  id: number;
  dedupe_key: string;
  channel: NotificationChannel;
  destination: string;
  payload: JsonObject;
  status: "pending" | "delivered";
  attempts: number;
  next_attempt_at: Date;
  last_error: string | null;
  created_at: Date;
  delivered_at: Date | null;
}

function toOutboxEntry(row: OutboxRow): OutboxEntry {
  return {
    id: row.id,
    dedupeKey: row.dedupe_key,
    channel: row.channel,
    destination: row.destination,
    payload: row.payload,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    lastError: row.last_error,
    createdAt: row.created_at,
    deliveredAt: row.delivered_at,
  };
}

const ALERT_COLUMNS = `id, kind, threshold_usd::text AS threshold_usd, recipients, enabled, source, last_triggered_at`;

interface AlertRow {
  id: string;
  kind: CostAlert["kind"];
  threshold_usd: string;
  recipients: AlertRecipients;
  enabled: boolean;
  source: CostAlert["source"];
  last_triggered_at: Date | null;
}

function toCostAlert(row: AlertRow): CostAlert {
  return {
    id: row.id,
    kind: row.kind,
    thresholdUsd: usdColumn(row.threshold_usd, `cost_alerts[${row.id}].threshold_usd`),
    recipients: row.recipients,
    enabled: row.enabled,
    source: row.source,
    lastTriggeredAt: row.last_triggered_at,
  };
}

/**
 * The tracker's repository: every read and write of tracker data goes through here, so SQL
 * lives in one module and the exactly-once rules (alert events, outbox claims) live with it.
 *
 * A store is one team's: every row it writes is filed under {@link team} and every read
 * returns that team's rows only (the implicit team `default` when none is named, which is a
 * single-team deployment's). {@link forTeam} gives another team's store over the same
 * connection; the `…ByTeam` reads span teams for the organisation view. The outbox is shared:
 * delivery does not care whose message it sends.
 */
export class CostStore {
  /** The team (a team name, or a reserved label such as ORGANIZATION_LABEL) this store reads and writes. */
  readonly team: string;

  constructor(
    private readonly db: SqlClient,
    team: string = IMPLICIT_TEAM_NAME,
  ) {
    this.team = checkedStoreLabel(team);
  }

  /** Migrates the database to the current schema, then returns the implicit team's (or `team`'s) store over it. */
  static async open(db: SqlClient, team: string = IMPLICIT_TEAM_NAME): Promise<CostStore> {
    await migrate(db);
    return new CostStore(db, team);
  }

  /** The same connection (and transaction, inside one) as `team`'s store. */
  forTeam(team: string): CostStore {
    return new CostStore(this.db, team);
  }

  /**
   * Runs `work` with a store whose every statement joins one transaction, so several writes
   * (a snapshot, history days, resource days) land together or not at all. Inside, the
   * store's own transactional methods join the outer transaction instead of nesting.
   */
  transaction<T>(work: (store: CostStore) => Promise<T>): Promise<T> {
    return this.db.transaction((tx) => {
      const joined: SqlClient = {
        backend: this.db.backend,
        query: tx.query,
        transaction: (inner) => inner(tx),
        close: () => Promise.reject(new Error("a store inside a transaction cannot close the connection")),
      };
      return work(new CostStore(joined, this.team));
    });
  }

  /**
   * Serialises this team's history writers (the hourly ingest, the back-fill, the organisation's
   * insights) until the enclosing transaction ends, so two runs at once read the same previous
   * run and stored days; other teams' writers are not held up. Call it first inside
   * `transaction(...)`; outside one it holds nothing.
   */
  async lockHistoryWriters(): Promise<void> {
    await this.db.query(`SELECT pg_advisory_xact_lock(hashtext('do-cost-guard:ingest:' || $1))`, [this.team]);
  }

  /** Closes the underlying client. */
  close(): Promise<void> {
    return this.db.close();
  }

  /** Records one reading of the team's month to date (a balance check, or its share of the organisation's insights). */
  async insertSpendSnapshot(snapshot: SpendSnapshot): Promise<void> {
    await this.db.query(
      `INSERT INTO spend_snapshots (team, taken_at, source, month_to_date_usd, account_balance_usd, generated_at, invoice_preview_usd)
       VALUES ($1, $2, $3, $4::numeric, $5::numeric, $6, $7::numeric)`,
      [
        this.team,
        snapshot.takenAt,
        snapshot.source,
        usdParam(snapshot.monthToDateUsd, "monthToDateUsd"),
        snapshot.accountBalanceUsd === null ? null : usdParam(snapshot.accountBalanceUsd, "accountBalanceUsd"),
        snapshot.generatedAt,
        snapshot.invoicePreviewUsd === null ? null : usdParam(snapshot.invoicePreviewUsd, "invoicePreviewUsd"),
      ],
    );
  }

  /** The team's most recent reading of `source` (default: its own balance check), or null before the first one. */
  async latestSpendSnapshot(source: SpendSnapshot["source"] = "balance"): Promise<SpendSnapshot | null> {
    const rows = await this.db.query<SnapshotRow>(
      `SELECT ${SNAPSHOT_COLUMNS} FROM spend_snapshots WHERE team = $1 AND source = $2 ORDER BY taken_at DESC, id DESC LIMIT 1`,
      [this.team, source],
    );
    return rows[0] ? toSnapshot(rows[0]) : null;
  }

  /**
   * The team's month to date for `billingMonth` (readings taken in that month): its latest
   * balance check and its latest insights reading, and of the two the fresher figure, the one
   * whose own data is the later (`generatedAt`; a balance wins a tie). Null when the month has
   * no reading yet. The run loop alerts on this figure and the organisation's total adds these up.
   */
  async currentSpend(billingMonth: BillingMonth): Promise<SpendSnapshot | null> {
    return (await this.currentSpendByTeam(billingMonth, [this.team])).get(this.team) ?? null;
  }

  /** {@link currentSpend} of every team (or of `teams`) that has a reading in `billingMonth`, by team. */
  async currentSpendByTeam(billingMonth: BillingMonth, teams?: readonly string[]): Promise<Map<string, SpendSnapshot>> {
    checkBillingMonth(billingMonth);
    const from = monthStart(billingMonth);
    const to = monthStart(nextBillingMonth(billingMonth));
    const rows = await this.db.query<SnapshotRow>(
      `SELECT DISTINCT ON (team) * FROM (
         SELECT DISTINCT ON (team, source) ${SNAPSHOT_COLUMNS} FROM spend_snapshots
          WHERE taken_at >= $1 AND taken_at < $2 AND ($3::jsonb IS NULL OR team IN (SELECT jsonb_array_elements_text($3::jsonb)))
          ORDER BY team, source, taken_at DESC, id DESC) AS latest
        ORDER BY team, generated_at DESC, (source = 'balance') DESC`,
      [from, to, labelsParam(teams)],
    );
    return new Map(rows.map((row) => [row.team, toSnapshot(row)]));
  }

  /** Inserts or replaces days of the team's billing history (DigitalOcean revises recent days); returns rows written. */
  async upsertBillingHistory(days: readonly BillingHistoryDay[]): Promise<number> {
    const rows = days.map((day): SqlValue[] => [
      this.team,
      day.date,
      usdParam(day.totalCostUsd, `billingHistory[${day.date}].totalCostUsd`),
      usdParam(day.monthToDateUsd, `billingHistory[${day.date}].monthToDateUsd`),
      breakdownParam(day.costByService, `billingHistory[${day.date}].costByService`),
      breakdownParam(day.costByProject, `billingHistory[${day.date}].costByProject`),
      breakdownParam(day.costByTag, `billingHistory[${day.date}].costByTag`),
    ]);
    return this.db.transaction((tx) =>
      insertMany(
        tx,
        `INSERT INTO billing_history (team, date, total_cost_usd, month_to_date_usd, cost_by_service, cost_by_project, cost_by_tag)`,
        ["text", "date", "numeric", "numeric", "jsonb", "jsonb", "jsonb"],
        rows,
        `ON CONFLICT (team, date) DO UPDATE SET total_cost_usd = EXCLUDED.total_cost_usd,
           month_to_date_usd = EXCLUDED.month_to_date_usd, cost_by_service = EXCLUDED.cost_by_service,
           cost_by_project = EXCLUDED.cost_by_project, cost_by_tag = EXCLUDED.cost_by_tag`,
      ),
    );
  }

  /** The team's billing history from `from` to `to` inclusive, oldest first. */
  async listBillingHistory(from: IsoDate, to: IsoDate): Promise<BillingHistoryDay[]> {
    const rows = await this.db.query<HistoryRow>(
      `SELECT ${HISTORY_COLUMNS} FROM billing_history WHERE team = $3 AND date BETWEEN $1::date AND $2::date ORDER BY date`,
      [from, to, this.team],
    );
    return rows.map(toHistoryDay);
  }

  /**
   * Every team's (or `teams`') billing history from `from` to `to` inclusive, by team then date,
   * each day with its label: the organisation view (reserved labels included, e.g. UNASSIGNED_LABEL).
   */
  async listBillingHistoryByTeam(from: IsoDate, to: IsoDate, teams?: readonly string[]): Promise<TeamBillingHistoryDay[]> {
    const rows = await this.db.query<HistoryRow>(
      `SELECT ${HISTORY_COLUMNS} FROM billing_history
        WHERE date BETWEEN $1::date AND $2::date AND ($3::jsonb IS NULL OR team IN (SELECT jsonb_array_elements_text($3::jsonb)))
        ORDER BY team, date`,
      [from, to, labelsParam(teams)],
    );
    return rows.map((row) => ({ team: row.team, ...toHistoryDay(row) }));
  }

  /**
   * Inserts or replaces days of the team's share of the organisation's billing insights, as
   * read (insights_days): each day's total and SKUs in dollars, how many data points it had,
   * and when it was read. Returns rows written.
   */
  async upsertInsightsDays(days: readonly InsightsDayInput[]): Promise<number> {
    const rows = days.map((day): SqlValue[] => [
      this.team,
      day.date,
      usdParam(day.totalUsd, `insightsDays[${day.date}].totalUsd`),
      breakdownParam(day.bySku, `insightsDays[${day.date}].bySku`),
      day.dataPoints,
      JSON.stringify(day.unknownUrns ?? []),
      day.readAt,
    ]);
    return this.db.transaction((tx) =>
      insertMany(
        tx,
        `INSERT INTO insights_days (team, date, total_usd, by_sku, data_points, unknown_urns, read_at)`,
        ["text", "date", "numeric", "jsonb", "integer", "jsonb", "timestamptz"],
        rows,
        `ON CONFLICT (team, date) DO UPDATE SET total_usd = EXCLUDED.total_usd, by_sku = EXCLUDED.by_sku,
           data_points = EXCLUDED.data_points, unknown_urns = EXCLUDED.unknown_urns, read_at = EXCLUDED.read_at`,
      ),
    );
  }

  /**
   * Removes every label's row of `date` from insights_days (not only this team's): a day is
   * read for the whole organisation at once, so before it is written again no label may keep a
   * share the new read does not give it (the unassigned label after its team was configured, a
   * team removed from the config). Returns rows removed.
   */
  async clearInsightsDay(date: IsoDate): Promise<number> {
    const rows = await this.db.query<{ removed: number }>(
      `WITH removed AS (DELETE FROM insights_days WHERE date = $1::date RETURNING 1) SELECT count(*)::int AS removed FROM removed`,
      [date],
    );
    return rows[0]?.removed ?? 0;
  }

  /** The team's stored insights days from `from` to `to` inclusive, oldest first, with their SKUs. */
  async listInsightsDays(from: IsoDate, to: IsoDate): Promise<InsightsDayInput[]> {
    const rows = await this.db.query<InsightsDayRow & { by_sku: CostBreakdown }>(
      `SELECT ${INSIGHTS_DAY_COLUMNS}, by_sku FROM insights_days WHERE team = $3 AND date BETWEEN $1::date AND $2::date ORDER BY date`,
      [from, to, this.team],
    );
    return rows.map((row) => ({ ...toInsightsDay(row), bySku: row.by_sku }));
  }

  /**
   * Every label's stored insights days from `from` to `to` inclusive without their SKUs (a
   * month of 50 teams is 1,550 small rows), by team then date: what the month to date, the read
   * plan and the warnings need.
   */
  async listInsightsDayTotalsByTeam(from: IsoDate, to: IsoDate): Promise<TeamInsightsDayTotal[]> {
    const rows = await this.db.query<InsightsDayRow>(
      `SELECT ${INSIGHTS_DAY_COLUMNS} FROM insights_days WHERE date BETWEEN $1::date AND $2::date ORDER BY team, date`,
      [from, to],
    );
    return rows.map((row) => ({ team: row.team, ...toInsightsDay(row) }));
  }

  /** Inserts or replaces per-resource daily costs, keyed by (date, resourceUuid, product). */
  async upsertResourceDailyCosts(costs: readonly ResourceDailyCost[]): Promise<number> {
    return this.writeResourceDailyCosts(
      costs,
      `ON CONFLICT (team, date, resource_uuid, product) DO UPDATE SET project_name = EXCLUDED.project_name, amount_usd = EXCLUDED.amount_usd`,
    );
  }

  /**
   * Inserts per-resource daily costs the caller knows are not stored yet (it read the days
   * under the history writers' lock): a plain insert skips the conflict check an upsert makes
   * per row, a third of a month back-fill's time. A row that does exist fails the whole write.
   */
  async insertResourceDailyCosts(costs: readonly ResourceDailyCost[]): Promise<number> {
    return this.writeResourceDailyCosts(costs, "");
  }

  private writeResourceDailyCosts(costs: readonly ResourceDailyCost[], onConflict: string): Promise<number> {
    const rows = costs.map((cost): SqlValue[] => [
      this.team,
      cost.date,
      cost.resourceUuid,
      cost.product,
      cost.projectName,
      // The field's name is formatted only for an error: a month back-fill writes 60,000 rows.
      usdParam(cost.amountUsd, () => `resourceDailyCost[${cost.date}/${cost.resourceUuid}/${cost.product}].amountUsd`),
    ]);
    return this.db.transaction((tx) =>
      insertMany(tx, `INSERT INTO resource_daily_cost (team, date, resource_uuid, product, project_name, amount_usd)`, ["text", "date", "text", "text", "text", "numeric"], rows, onConflict),
    );
  }

  /** Per-resource daily costs from `from` to `to` inclusive, by date then resource. */
  async listResourceDailyCosts(from: IsoDate, to: IsoDate): Promise<ResourceDailyCost[]> {
    const rows = await this.db.query<{ date: string; resource_uuid: string; product: string; project_name: string | null; amount: string }>(
      `SELECT date::text AS date, resource_uuid, product, project_name, amount_usd::text AS amount
         FROM resource_daily_cost WHERE team = $3 AND date BETWEEN $1::date AND $2::date ORDER BY date, resource_uuid, product`,
      [from, to, this.team],
    );
    return rows.map((row) => ({
      date: row.date,
      resourceUuid: row.resource_uuid,
      product: row.product,
      projectName: row.project_name,
      amountUsd: usdColumn(row.amount, `resource_daily_cost[${row.date}/${row.resource_uuid}].amount_usd`),
    }));
  }

  /**
   * Per resource × product, what is stored from `from` to `to` inclusive, summed over the days
   * in SQL: the hourly ingest needs each line's month so far, and a month of a big account is
   * 60,000 day rows for 2,000 lines.
   */
  async resourceCostTotals(from: IsoDate, to: IsoDate): Promise<{ resourceUuid: string; product: string; amountUsd: number }[]> {
    const rows = await this.db.query<{ resource_uuid: string; product: string; amount: string }>(
      `SELECT resource_uuid, product, sum(amount_usd)::text AS amount
         FROM resource_daily_cost WHERE team = $3 AND date BETWEEN $1::date AND $2::date GROUP BY resource_uuid, product`,
      [from, to, this.team],
    );
    return rows.map((row) => ({
      resourceUuid: row.resource_uuid,
      product: row.product,
      amountUsd: usdColumn(row.amount, `resource_daily_cost[${row.resource_uuid}].amount_usd`),
    }));
  }

  /**
   * Makes the config-defined alerts exactly `alerts`: rows with source 'config' that are not
   * listed are deleted, listed ones inserted or updated (their `last_triggered_at` survives),
   * API-created rows are untouched. An id already used by an API-created alert is an error,
   * because silently overwriting someone's alert would be worse than stopping the sync.
   */
  async syncConfigAlerts(alerts: readonly CostAlertDefinition[]): Promise<{ upserted: number; removed: number }> {
    const seen = new Set<string>();
    for (const alert of alerts) {
      if (seen.has(alert.id)) throw new Error(`cost alert id ${JSON.stringify(alert.id)} is defined twice in config`);
      seen.add(alert.id);
    }
    return this.db.transaction(async (tx) => {
      // The id list travels as one JSON array parameter: the same SQL on both drivers.
      const idList = JSON.stringify(alerts.map((alert) => alert.id));
      const clashes = await tx.query<{ id: string }>(
        `SELECT id FROM cost_alerts WHERE team = $2 AND source = 'api' AND id IN (SELECT jsonb_array_elements_text($1::jsonb))`,
        [idList, this.team],
      );
      if (clashes.length > 0) {
        throw new Error(`cost alert id ${JSON.stringify(clashes[0]!.id)} from config is already used by an API-created alert`);
      }
      const removed = await tx.query(
        `DELETE FROM cost_alerts WHERE team = $2 AND source = 'config' AND id NOT IN (SELECT jsonb_array_elements_text($1::jsonb)) RETURNING id`,
        [idList, this.team],
      );
      for (const alert of alerts) await upsertAlert(tx, this.team, alert, "config");
      return { upserted: alerts.length, removed: removed.length };
    });
  }

  /** Creates or updates an API-managed alert; refuses an id owned by config. */
  async upsertApiAlert(alert: CostAlertDefinition): Promise<void> {
    await this.db.transaction(async (tx) => {
      const owners = await tx.query<{ source: string }>(`SELECT source FROM cost_alerts WHERE team = $2 AND id = $1 FOR UPDATE`, [alert.id, this.team]);
      if (owners[0]?.source === "config") {
        throw new Error(`cost alert id ${JSON.stringify(alert.id)} is defined by config; change it there`);
      }
      await upsertAlert(tx, this.team, alert, "api");
    });
  }

  /** Deletes an API-managed alert; returns whether one was deleted. Config alerts are not deletable here. */
  async deleteApiAlert(id: string): Promise<boolean> {
    const rows = await this.db.query(`DELETE FROM cost_alerts WHERE team = $2 AND id = $1 AND source = 'api' RETURNING id`, [id, this.team]);
    return rows.length > 0;
  }

  /** All alerts (or only enabled ones), ordered by kind, threshold, id. */
  async listAlerts(options: { enabledOnly?: boolean } = {}): Promise<CostAlert[]> {
    const rows = await this.db.query<AlertRow>(
      `SELECT ${ALERT_COLUMNS} FROM cost_alerts WHERE team = $2 AND (enabled OR NOT $1::boolean) ORDER BY kind, threshold_usd, id`,
      [options.enabledOnly ?? false, this.team],
    );
    return rows.map(toCostAlert);
  }

  /**
   * The exactly-once step, per team. In one transaction: insert the event with ON CONFLICT DO
   * NOTHING on (team, alert_key, billing_month); only if this call inserted it, enqueue its notifications
   * and stamp the alert's last_triggered_at. Concurrent callers block on the unique index
   * until the first commits, then insert nothing; if the first rolls back, one of them
   * fires instead. So one event and one set of outbox rows exist, whatever the interleaving.
   */
  async recordAlertEventOnce(input: AlertEventInput): Promise<AlertEventOutcome> {
    checkBillingMonth(input.billingMonth);
    return this.db.transaction(async (tx) => {
      const inserted = await tx.query<{ id: number }>(
        `INSERT INTO alert_events (team, alert_key, billing_month, fired_at, payload) VALUES ($5, $1, $2, $3, $4::jsonb)
         ON CONFLICT (team, alert_key, billing_month) DO NOTHING RETURNING id`,
        [input.alertKey, input.billingMonth, input.firedAt, JSON.stringify(input.payload), this.team],
      );
      const eventId = inserted[0]?.id;
      if (eventId === undefined) return { fired: false, eventId: null, enqueued: 0 };
      const queued = input.notifications.map((notification) => ({
        ...notification,
        dedupeKey: alertNotificationKey(input.alertKey, input.billingMonth, notification, this.team),
      }));
      const enqueued = await enqueueNotificationsIn(tx, queued, input.firedAt, { alertEventId: eventId });
      if (input.alertId !== undefined) {
        await tx.query(`UPDATE cost_alerts SET last_triggered_at = $2 WHERE team = $3 AND id = $1`, [input.alertId, input.firedAt, this.team]);
      }
      return { fired: true, eventId, enqueued };
    });
  }

  /** Keys of the alerts that already fired in `billingMonth` (to pass to crossedThresholds). */
  async firedAlertKeys(billingMonth: BillingMonth): Promise<string[]> {
    checkBillingMonth(billingMonth);
    const rows = await this.db.query<{ alert_key: string }>(
      `SELECT alert_key FROM alert_events WHERE team = $2 AND billing_month = $1 ORDER BY fired_at, id`,
      [billingMonth, this.team],
    );
    return rows.map((row) => row.alert_key);
  }

  /** The alert events of `billingMonth`, in firing order. */
  async listAlertEvents(billingMonth: BillingMonth): Promise<AlertEvent[]> {
    checkBillingMonth(billingMonth);
    const rows = await this.db.query<{ id: number; alert_key: string; billing_month: string; fired_at: Date; payload: JsonObject }>(
      `SELECT id, alert_key, billing_month, fired_at, payload FROM alert_events WHERE team = $2 AND billing_month = $1 ORDER BY fired_at, id`,
      [billingMonth, this.team],
    );
    return rows.map((row) => ({ id: row.id, alertKey: row.alert_key, billingMonth: row.billing_month, firedAt: row.fired_at, payload: row.payload }));
  }

  /**
   * When an event whose key starts with each prefix last fired, over every month stored
   * (`thresholdEventKeyPrefix(id)` → that threshold's latest crossing). Prefixes that never
   * fired are absent. Reads the same alert_events rows `listAlertEvents` shows, so an alert's
   * "last fired" and the list of fired alerts cannot disagree.
   */
  async lastFiredAt(keyPrefixes: readonly string[]): Promise<Map<string, Date>> {
    if (keyPrefixes.length === 0) return new Map();
    const rows = await this.db.query<{ prefix: string; fired_at: Date }>(
      `SELECT p.prefix, max(e.fired_at) AS fired_at
         FROM jsonb_array_elements_text($1::jsonb) AS p(prefix)
         JOIN alert_events e ON e.team = $2 AND starts_with(e.alert_key, p.prefix)
        GROUP BY p.prefix`,
      [JSON.stringify(keyPrefixes), this.team],
    );
    return new Map(rows.map((row) => [row.prefix, row.fired_at]));
  }

  /** Keeps one reading of the unit count (a failed read too, with `units` null). */
  async recordUnitCount(reading: UnitCountReading): Promise<void> {
    if (reading.units !== null && !(Number.isFinite(reading.units) && reading.units >= 0)) {
      throw new RangeError(`units must be a finite number >= 0 or null (got ${reading.units})`);
    }
    await this.db.query(`INSERT INTO unit_counts (team, read_at, unit_name, units, source_kind) VALUES ($5, $1, $2, $3, $4)`, [
      reading.readAt,
      reading.unitName,
      reading.units === null ? null : String(reading.units),
      reading.sourceKind,
      this.team,
    ]);
  }

  /** Readings taken in [from, to), oldest first. */
  async listUnitCounts(from: Date, to: Date): Promise<UnitCountReading[]> {
    const rows = await this.db.query<UnitCountRow>(`SELECT ${UNIT_COUNT_COLUMNS} FROM unit_counts WHERE team = $3 AND read_at >= $1 AND read_at < $2 ORDER BY read_at, id`, [from, to, this.team]);
    return rows.map(toUnitCount);
  }

  /** The newest reading taken at or before `at`, however old; null when none was ever taken. */
  async latestUnitCount(at: Date): Promise<UnitCountReading | null> {
    const rows = await this.db.query<UnitCountRow>(`SELECT ${UNIT_COUNT_COLUMNS} FROM unit_counts WHERE team = $2 AND read_at <= $1 ORDER BY read_at DESC, id DESC LIMIT 1`, [at, this.team]);
    return rows[0] ? toUnitCount(rows[0]) : null;
  }

  /** Records that this team's turn of `turn` (its check, or its upkeep) started or finished at `at`: the run loop's rotation reads it. */
  async recordTeamTurn(turn: TeamTurn, at: Date): Promise<void> {
    const column = TEAM_TURN_COLUMNS[turn];
    // A team's upkeep follows its check in the same run, so a first row's checked_at is that run's either way.
    const columns = turn === "check" ? "checked_at" : `checked_at, ${column}`;
    const values = turn === "check" ? "$2" : "$2, $2";
    await this.db.query(
      `INSERT INTO team_checks (team, ${columns}) VALUES ($1, ${values}) ON CONFLICT (team) DO UPDATE SET ${column} = EXCLUDED.${column}`,
      [this.team, at],
    );
  }

  /**
   * `teams` in the order a run should give them their `turn`: never had one first, then the
   * longest since their last, ties in the given order. A run cut short by its deadline thus
   * leaves the teams it did not reach at the front of the next run's queue, and no team waits forever.
   */
  async teamsByLastTurn(turn: TeamTurn, teams: readonly string[]): Promise<string[]> {
    const rows = await this.db.query<{ team: string; at: Date | null }>(
      `SELECT team, ${TEAM_TURN_COLUMNS[turn]} AS at FROM team_checks WHERE team IN (SELECT jsonb_array_elements_text($1::jsonb))`,
      [labelsParam(teams)],
    );
    const lastAt = new Map(rows.map((row) => [row.team, row.at?.getTime() ?? -Infinity]));
    return teams
      .map((team, index) => ({ team, index, at: lastAt.get(team) ?? -Infinity }))
      .sort((a, b) => a.at - b.at || a.index - b.index)
      .map((entry) => entry.team);
  }

  /**
   * Enqueues notifications that are not tied to an alert event (daily and weekly reports).
   * A dedupe key already in the outbox is skipped, so a rerun of the same report enqueues
   * nothing; returns how many rows were added.
   */
  async enqueueNotifications(notifications: readonly QueuedNotification[], now: Date): Promise<number> {
    return this.db.transaction((tx) => enqueueNotificationsIn(tx, notifications, now));
  }

  /**
   * Claims up to `limit` pending rows due at `now` for one delivery run: locks them with
   * FOR UPDATE SKIP LOCKED (a concurrent run skips rather than waits), counts the attempt and
   * pushes next_attempt_at to `leaseUntil`, all in one statement. Until the lease expires no
   * other run sees these rows, so sending happens outside any transaction.
   */
  async claimDueNotifications(now: Date, limit: number, leaseUntil: Date): Promise<OutboxEntry[]> {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer (got ${limit})`);
    const rows = await this.db.query<OutboxRow>(
      `WITH due AS (
         SELECT id FROM notification_outbox
          WHERE status = 'pending' AND next_attempt_at <= $1
          ORDER BY next_attempt_at, id
          LIMIT $2
          FOR UPDATE SKIP LOCKED)
       UPDATE notification_outbox AS o
          SET attempts = o.attempts + 1, next_attempt_at = $3
         FROM due WHERE o.id = due.id
       RETURNING o.*`,
      [now, limit, leaseUntil],
    );
    return rows.map(toOutboxEntry).sort((a, b) => a.id - b.id);
  }

  /** Marks a claimed row delivered. */
  async markDelivered(id: number, deliveredAt: Date): Promise<void> {
    await this.db.query(
      `UPDATE notification_outbox SET status = 'delivered', delivered_at = $2, last_error = NULL WHERE id = $1`,
      [id, deliveredAt],
    );
  }

  /** Records a failed attempt on a claimed row and when to retry it; the row stays pending. */
  async markFailed(id: number, error: string, retryAt: Date): Promise<void> {
    await this.db.query(
      `UPDATE notification_outbox SET last_error = $2, next_attempt_at = $3 WHERE id = $1 AND status = 'pending'`,
      [id, error, retryAt],
    );
  }

  /** How many outbox rows are pending and delivered. */
  async outboxCounts(): Promise<OutboxCounts> {
    const rows = await this.db.query<{ pending: number; delivered: number }>(
      `SELECT count(*) FILTER (WHERE status = 'pending')::int AS pending,
              count(*) FILTER (WHERE status = 'delivered')::int AS delivered
         FROM notification_outbox`,
    );
    return rows[0] ?? { pending: 0, delivered: 0 };
  }

  /** Every outbox row, oldest first (for the dashboard and diagnostics). */
  async listOutbox(options: { status?: OutboxEntry["status"] } = {}): Promise<OutboxEntry[]> {
    const rows = await this.db.query<OutboxRow>(
      `SELECT * FROM notification_outbox WHERE $1::text IS NULL OR status = $1 ORDER BY id`,
      [options.status ?? null],
    );
    return rows.map(toOutboxEntry);
  }
}

const UNIT_COUNT_COLUMNS = `read_at, unit_name, units::text AS units, source_kind`;

interface UnitCountRow {
  read_at: Date;
  unit_name: string;
  units: string | null;
  source_kind: UnitCountReading["sourceKind"];
}

function toUnitCount(row: UnitCountRow): UnitCountReading {
  return { readAt: row.read_at, unitName: row.unit_name, units: row.units === null ? null : Number(row.units), sourceKind: row.source_kind };
}

async function upsertAlert(tx: SqlExecutor, team: string, alert: CostAlertDefinition, source: CostAlert["source"]): Promise<void> {
  await tx.query(
    `INSERT INTO cost_alerts (team, id, kind, threshold_usd, recipients, enabled, source) VALUES ($7, $1, $2, $3::numeric, $4::jsonb, $5, $6)
     ON CONFLICT (team, id) DO UPDATE SET kind = EXCLUDED.kind, threshold_usd = EXCLUDED.threshold_usd,
       recipients = EXCLUDED.recipients, enabled = EXCLUDED.enabled`,
    [alert.id, alert.kind, usdParam(alert.thresholdUsd, `costAlerts[${alert.id}].thresholdUsd`), JSON.stringify(alert.recipients), alert.enabled, source, team],
  );
}

/** What an outbox row was sent for: the alert event it announces, or the clean-up notice whose delivery starts the act's clock. */
export interface OutboxLink {
  alertEventId?: number;
  cleanupActionId?: number;
}

/**
 * Adds notifications to the outbox inside the caller's transaction (`tx`), so they exist
 * exactly when what they announce does; a dedupe key already present is skipped. Returns how
 * many rows were added. The outbox module (notify/outbox.ts) delivers them.
 */
export async function enqueueNotificationsIn(tx: SqlExecutor, notifications: readonly QueuedNotification[], now: Date, link: OutboxLink = {}): Promise<number> {
  const rows = notifications.map((n): SqlValue[] => [n.dedupeKey, n.channel, n.destination, JSON.stringify(n.payload), now, now, link.alertEventId ?? null, link.cleanupActionId ?? null]);
  return insertMany(
    tx,
    `INSERT INTO notification_outbox (dedupe_key, channel, destination, payload, next_attempt_at, created_at, alert_event_id, cleanup_action_id)`,
    ["text", "text", "text", "jsonb", "timestamptz", "timestamptz", "integer", "integer"],
    rows,
    `ON CONFLICT (dedupe_key) DO NOTHING`,
  );
}
