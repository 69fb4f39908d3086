/**
 * What the savings advisor and the clean-up keep between runs: since when each resource has
 * been in its current state, the latest utilisation per resource, the current suggestions with
 * first/last seen and dismissals, the clean-up audit and the marked resources' states. Same SQL on a Postgres server and the embedded one;
 * lists travel as one JSON parameter (`jsonb_to_recordset`).
 */
import { randomUUID } from "node:crypto";
import { DEFAULT_ADVICE_SETTINGS, type AdvisedSnapshot, type ResourceKind, type Suggestion, type Utilisation } from "../../../core/advice";
import { dismissalHolds } from "../../../core/advice/dismissal";
import { isoDate, type IsoDate } from "../../../core/calendar";
import { actOnDate, noticeKey, type CleanupKind } from "../../../core/cleanup/plan";
import {
  FINAL_CLEANUP_STATES,
  NOTICE_STEP,
  PREVIEW_NOTICE_STEP,
  RECLAIMABLE_STEP_STATES,
  type CleanupAction,
  type CleanupState,
  type CleanupStep,
  type CleanupStepState,
} from "../../../core/cleanup/states";
import { checkedStoreLabel, IMPLICIT_TEAM_NAME } from "../../../core/tracker-settings";
import { enqueueNotificationsIn } from "./cost-store";
import type { SqlClient } from "./sql-client";
import type { QueuedNotification } from "./types";

/**
 * Days a dismissed suggestion that is no longer found stays stored (hidden), so it comes back
 * still dismissed if it was only a figure crossing its rule's line. A quarter, as long as the
 * longest lookback window the settings allow: past it, the resource has most likely changed.
 */
export const DISMISSAL_MEMORY_DAYS = 90;

/** A suggestion as stored: the advice plus when it was first and last seen, and whether it is dismissed. */
export interface StoredSuggestion extends Suggestion {
  firstSeenAt: Date;
  lastSeenAt: Date;
  /** Dismissed, and neither its advice nor its evidence has changed materially since. */
  dismissed: boolean;
}

/** The key of one audit row: a step on one resource for one expiry date. */
export interface CleanupStepKey {
  resourceKind: CleanupKind;
  resourceId: string;
  resourceName: string;
  step: CleanupStep;
  expires: IsoDate;
}

/** One audit row: a notice or an action on one resource for one expiry date. */
export interface CleanupRecord {
  id: number;
  resourceKind: CleanupKind;
  resourceId: string;
  resourceName: string;
  /** A {@link CleanupStep}, or `legacy-notice` for a notice recorded before notices had to be delivered to count. */
  step: CleanupStep | "legacy-notice";
  expires: IsoDate;
  state: CleanupStepState;
  requestId: string | null;
  detail: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A marked resource as a run saw it, for {@link AdviceStore.recordCleanupMarks}. */
export interface CleanupMarkInput {
  resource: { kind: CleanupKind; id: string; name: string };
  state: CleanupState;
  expires: IsoDate | null;
  action: CleanupAction | null;
  reason: string;
}

/**
 * One marked resource where clean-up has it: what the dashboard shows ("marked, notice sent,
 * acts on"). The state is the latest run's, brought up to date with the outbox: a notice
 * delivered since then moves `marked` on to `notice-delivered` (or `due` once `actOn` has come).
 */
export interface CleanupMark {
  resource: { kind: CleanupKind; id: string; name: string };
  state: CleanupState;
  /** The `expires:` date; null when the tag does not read as one date (then `skipped`). */
  expires: IsoDate | null;
  action: CleanupAction | null;
  /** The UTC date the notice for this date first reached a recipient (previews never count); null until then. */
  noticeDeliveredOn: IsoDate | null;
  /**
   * The UTC date a preview for this date (clean-up with apply off) first reached a recipient;
   * null when none has. A preview never starts the clock: it only shows the owners were told.
   */
  previewDeliveredOn: IsoDate | null;
  /** The first day clean-up may act: `graceDays` after the later of `expires` and `noticeDeliveredOn`; null until the notice is delivered. */
  actOn: IsoDate | null;
  /** The latest run's words, e.g. "expired 2026-11-20; notice sent 2026-11-29, acts on 2026-12-01". */
  reason: string;
  /** When a run last recorded it. */
  updatedAt: Date;
}

interface SuggestionRow {
  id: string;
  rule: string;
  resource: Suggestion["resource"];
  action: string;
  reason: string;
  savings: string | null;
  evidence: Suggestion["evidence"];
  first_seen_at: Date;
  last_seen_at: Date;
  dismissed: boolean;
}

interface CleanupRow {
  id: number;
  resource_kind: CleanupKind;
  resource_id: string;
  resource_name: string;
  step: CleanupRecord["step"];
  expires: string;
  state: CleanupStepState;
  request_id: string | null;
  detail: string | null;
  created_at: Date;
  updated_at: Date;
}

interface MarkRow {
  resource_kind: CleanupKind;
  resource_id: string;
  resource_name: string;
  expires: string | null;
  action: CleanupAction | null;
  state: CleanupState;
  grace_days: number;
  reason: string;
  updated_at: Date;
  delivered_at: Date | string | null;
  preview_delivered_at: Date | string | null;
}

const asDate = (value: Date | string): Date => (value instanceof Date ? value : new Date(value));
const CLEANUP_COLUMNS = `id, resource_kind, resource_id, resource_name, step, expires::text AS expires, state, request_id, detail, created_at, updated_at`;
// The first delivered outbox row of each notice of one step and team: the only evidence that it reached anyone.
// For noticeDeliveries, $1 is the notice step and $2 the team.
const DELIVERED_NOTICES = deliveredNotices("$1", "$2");

function deliveredNotices(stepParameter: string, teamParameter: string): string {
  return `SELECT c.resource_kind, c.resource_id, c.expires, min(o.delivered_at) AS delivered_at
  FROM cleanup_actions c JOIN notification_outbox o ON o.cleanup_action_id = c.id
  WHERE c.team = ${teamParameter} AND c.step = ${stepParameter} AND o.status = 'delivered'
  GROUP BY c.resource_kind, c.resource_id, c.expires`;
}

function toCleanupRecord(row: CleanupRow): CleanupRecord {
  return {
    id: row.id,
    resourceKind: row.resource_kind,
    resourceId: row.resource_id,
    resourceName: row.resource_name,
    step: row.step,
    expires: row.expires,
    state: row.state,
    requestId: row.request_id,
    detail: row.detail,
    createdAt: asDate(row.created_at),
    updatedAt: asDate(row.updated_at),
  };
}

/**
 * One team's advice and clean-up records: every row it writes is filed under {@link team} and
 * every read returns that team's rows only (the implicit team `default` when none is named).
 */
export class AdviceStore {
  /** The team whose resources these records are about. */
  readonly team: string;

  constructor(
    private readonly db: SqlClient,
    team: string = IMPLICIT_TEAM_NAME,
  ) {
    this.team = checkedStoreLabel(team);
  }

  /**
   * Records each resource's current state and returns since when it has been in it: unchanged
   * states keep their start, changed ones start now. The first sighting starts now too — the API
   * says what is, not since when, so "off for 7 days" is only claimed once seen for 7 days.
   */
  async observeStates(kind: ResourceKind, observations: readonly { id: string; state: string }[], now: Date): Promise<Map<string, Date>> {
    if (observations.length === 0) return new Map();
    const rows = await this.db.query<{ resource_id: string; since: Date }>(
      `INSERT INTO resource_states (team, resource_kind, resource_id, state, since, last_seen_at)
       SELECT $4, $1, o.id, o.state, $3::timestamptz, $3::timestamptz FROM jsonb_to_recordset($2::jsonb) AS o(id text, state text)
       ON CONFLICT (team, resource_kind, resource_id) DO UPDATE SET
         since = CASE WHEN resource_states.state = EXCLUDED.state THEN resource_states.since ELSE EXCLUDED.since END,
         state = EXCLUDED.state,
         last_seen_at = EXCLUDED.last_seen_at
       RETURNING resource_id, since`,
      [kind, JSON.stringify(observations), now, this.team],
    );
    return new Map(rows.map((row) => [row.resource_id, asDate(row.since)]));
  }

  /**
   * Takes the lease `name` for `holdMs` (wall-clock milliseconds from `nowMs`) unless another
   * run holds it unexpired; returns its release, or undefined when it is taken. Atomic on both
   * drivers (one upsert), so of two runs starting together exactly one gets it.
   */
  async takeLease(name: string, holdMs: number, nowMs = Date.now()): Promise<(() => Promise<void>) | undefined> {
    const holder = randomUUID();
    const rows = await this.db.query<{ holder: string }>(
      `INSERT INTO run_leases (team, name, holder, expires_at) VALUES ($5, $1, $2, $3)
       ON CONFLICT (team, name) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
       WHERE run_leases.expires_at <= $4
       RETURNING holder`,
      [name, holder, new Date(nowMs + holdMs), new Date(nowMs), this.team],
    );
    if (rows[0]?.holder !== holder) return undefined;
    return async () => {
      await this.db.query(`DELETE FROM run_leases WHERE team = $3 AND name = $1 AND holder = $2`, [name, holder, this.team]);
    };
  }

  /** The latest stored utilisation of every resource of a kind, with when it was fetched. */
  async utilisation(kind: ResourceKind): Promise<Map<string, { analysedAt: Date; utilisation: Utilisation }>> {
    const rows = await this.db.query<{ resource_id: string; analysed_at: Date; utilisation: Utilisation }>(
      `SELECT resource_id, analysed_at, utilisation FROM resource_utilisation WHERE team = $2 AND resource_kind = $1`,
      [kind, this.team],
    );
    return new Map(rows.map((row) => [row.resource_id, { analysedAt: asDate(row.analysed_at), utilisation: row.utilisation }]));
  }

  async saveUtilisation(kind: ResourceKind, resourceId: string, utilisation: Utilisation, analysedAt: Date): Promise<void> {
    await this.db.query(
      `INSERT INTO resource_utilisation (team, resource_kind, resource_id, analysed_at, utilisation) VALUES ($5, $1, $2, $3, $4::jsonb)
       ON CONFLICT (team, resource_kind, resource_id) DO UPDATE SET analysed_at = EXCLUDED.analysed_at, utilisation = EXCLUDED.utilisation`,
      [kind, resourceId, analysedAt, JSON.stringify(utilisation), this.team],
    );
  }

  /**
   * Makes `current` the stored suggestions: new ones first seen now, known ones last seen now,
   * and ones no longer found removed — except dismissed ones, kept (not current) for
   * {@link DISMISSAL_MEMORY_DAYS}, so a suggestion that flickers across its rule's line comes back
   * still dismissed. A dismissal is lifted only by a material change of the action or evidence it
   * was given on (core/advice/dismissal.ts, figures within `dismissalTolerancePct` points).
   */
  async replaceSuggestions(current: readonly Suggestion[], now: Date, options: { dismissalTolerancePct?: number } = {}): Promise<StoredSuggestion[]> {
    const tolerance = options.dismissalTolerancePct ?? DEFAULT_ADVICE_SETTINGS.dismissalTolerancePct;
    await this.db.transaction(async (tx) => {
      const dismissed = await tx.query<{ id: string; dismissed_action: string; dismissed_evidence: Suggestion["evidence"] }>(
        `SELECT id, dismissed_action, dismissed_evidence FROM advice_suggestions WHERE team = $1 AND dismissed_evidence IS NOT NULL FOR UPDATE`,
        [this.team],
      );
      const byId = new Map(current.map((s) => [s.id, s]));
      const lifted = dismissed
        .filter((row) => {
          const latest = byId.get(row.id);
          return latest !== undefined && !dismissalHolds({ action: row.dismissed_action, evidence: row.dismissed_evidence }, latest, tolerance);
        })
        .map((row) => row.id);
      await tx.query(
        `INSERT INTO advice_suggestions (team, id, rule, resource, action, reason, monthly_savings_usd, evidence, first_seen_at, last_seen_at, current)
         SELECT $3, s.id, s.rule, s.resource, s.action, s.reason, s.savings, s.evidence, $2::timestamptz, $2::timestamptz, true
         FROM jsonb_to_recordset($1::jsonb) AS s(id text, rule text, resource jsonb, action text, reason text, savings numeric, evidence jsonb)
         ON CONFLICT (team, id) DO UPDATE SET rule = EXCLUDED.rule, resource = EXCLUDED.resource, action = EXCLUDED.action, reason = EXCLUDED.reason,
           monthly_savings_usd = EXCLUDED.monthly_savings_usd, evidence = EXCLUDED.evidence, last_seen_at = EXCLUDED.last_seen_at, current = true`,
        [JSON.stringify(current.map((s) => ({ id: s.id, rule: s.rule, resource: s.resource, action: s.action, reason: s.reason, savings: s.monthlySavingsUsd, evidence: s.evidence }))), now, this.team],
      );
      if (lifted.length > 0) {
        await tx.query(`UPDATE advice_suggestions SET dismissed_evidence = NULL, dismissed_action = NULL WHERE team = $2 AND id IN (SELECT jsonb_array_elements_text($1::jsonb))`, [JSON.stringify(lifted), this.team]);
      }
      const found = JSON.stringify(current.map((s) => s.id));
      await tx.query(
        `DELETE FROM advice_suggestions WHERE team = $4 AND id NOT IN (SELECT jsonb_array_elements_text($1::jsonb))
           AND (dismissed_evidence IS NULL OR last_seen_at < $2::timestamptz - make_interval(days => $3::int))`,
        [found, now, DISMISSAL_MEMORY_DAYS, this.team],
      );
      await tx.query(`UPDATE advice_suggestions SET current = false WHERE team = $2 AND current AND id NOT IN (SELECT jsonb_array_elements_text($1::jsonb))`, [found, this.team]);
    });
    return this.listSuggestions();
  }

  /** The current suggestions (those the last advise run found), largest saving first. */
  async listSuggestions(): Promise<StoredSuggestion[]> {
    const rows = await this.db.query<SuggestionRow>(
      `SELECT id, rule, resource, action, reason, monthly_savings_usd::text AS savings, evidence, first_seen_at, last_seen_at,
              dismissed_evidence IS NOT NULL AS dismissed
       FROM advice_suggestions WHERE team = $1 AND current ORDER BY monthly_savings_usd DESC NULLS LAST, id`,
      [this.team],
    );
    return rows.map((row) => ({
      id: row.id,
      rule: row.rule,
      resource: row.resource,
      action: row.action,
      reason: row.reason,
      monthlySavingsUsd: row.savings === null ? null : Number(row.savings),
      evidence: row.evidence,
      firstSeenAt: asDate(row.first_seen_at),
      lastSeenAt: asDate(row.last_seen_at),
      dismissed: row.dismissed,
    }));
  }

  /** Hides a current suggestion until its advice or evidence changes materially; false when there is no such suggestion. */
  async dismissSuggestion(id: string): Promise<boolean> {
    const rows = await this.db.query(`UPDATE advice_suggestions SET dismissed_evidence = evidence, dismissed_action = action WHERE team = $2 AND id = $1 AND current RETURNING id`, [id, this.team]);
    return rows.length > 0;
  }

  /**
   * Remembers the snapshots taken after a "snapshot, then …" suggestion (core/advice
   * `findAdvisedSnapshots`) and forgets those no longer in `existingSnapshotIds`; returns every
   * remembered one by snapshot id. A match is recorded once and never moved to a later advice.
   */
  async recordAdvisedSnapshots(found: readonly AdvisedSnapshot[], existingSnapshotIds: readonly string[], now: Date): Promise<Map<string, { suggestionId: string; advisedSince: Date }>> {
    const rows = await this.db.transaction(async (tx) => {
      await tx.query(`DELETE FROM advised_snapshots WHERE team = $2 AND snapshot_id NOT IN (SELECT jsonb_array_elements_text($1::jsonb))`, [JSON.stringify(existingSnapshotIds), this.team]);
      if (found.length > 0) {
        await tx.query(
          `INSERT INTO advised_snapshots (team, snapshot_id, suggestion_id, advised_since, recorded_at)
           SELECT $3, f.snapshot_id, f.suggestion_id, f.advised_since, $2::timestamptz FROM jsonb_to_recordset($1::jsonb) AS f(snapshot_id text, suggestion_id text, advised_since timestamptz)
           ON CONFLICT (team, snapshot_id) DO NOTHING`,
          [JSON.stringify(found.map((f) => ({ snapshot_id: f.snapshotId, suggestion_id: f.suggestionId, advised_since: f.advisedSince.toISOString() }))), now, this.team],
        );
      }
      return tx.query<{ snapshot_id: string; suggestion_id: string; advised_since: Date }>(`SELECT snapshot_id, suggestion_id, advised_since FROM advised_snapshots WHERE team = $1`, [this.team]);
    });
    return new Map(rows.map((row) => [row.snapshot_id, { suggestionId: row.suggestion_id, advisedSince: asDate(row.advised_since) }]));
  }

  /**
   * Records a notice for one resource and date together with its outbox rows, in one
   * transaction: both exist or neither does, so a run that dies after this leaves the rows for
   * the next delivery (this run's, the next run's or the hourly check's) to send, exactly once
   * per recipient. Returns the audit row's id, or undefined when the notice was recorded before
   * (by this or a concurrent run): a notice is never queued twice. Delivered is the outbox's word.
   */
  async queueCleanupNotice(key: CleanupStepKey & { step: typeof NOTICE_STEP | typeof PREVIEW_NOTICE_STEP }, notifications: readonly QueuedNotification[], now: Date): Promise<number | undefined> {
    return this.db.transaction(async (tx) => {
      const rows = await tx.query<{ id: number }>(
        `INSERT INTO cleanup_actions (team, resource_kind, resource_id, resource_name, step, expires, state, created_at, updated_at)
         VALUES ($8, $1, $2, $3, $4, $5::date, $6, $7, $7)
         ON CONFLICT (team, resource_kind, resource_id, step, expires) DO NOTHING
         RETURNING id`,
        [key.resourceKind, key.resourceId, key.resourceName, key.step, key.expires, "queued" satisfies CleanupStepState, now, this.team],
      );
      const id = rows[0]?.id;
      if (id !== undefined) await enqueueNotificationsIn(tx, notifications, now, { cleanupActionId: id });
      return id;
    });
  }

  /**
   * The UTC date each counting notice was first delivered (accepted by one recipient's
   * transport), by core/cleanup/plan `noticeKey`: what the planner's clock starts from.
   * Queued and failed sends are not here; previews never are.
   */
  async noticeDeliveries(): Promise<Map<string, IsoDate>> {
    const rows = await this.db.query<{ resource_kind: CleanupKind; resource_id: string; expires: string; delivered_at: Date | string }>(
      `SELECT resource_kind, resource_id, expires::text AS expires, delivered_at FROM (${DELIVERED_NOTICES}) AS d`,
      [NOTICE_STEP, this.team],
    );
    return new Map(rows.map((row) => [noticeKey(row.resource_kind, row.resource_id, row.expires), isoDate(asDate(row.delivered_at))]));
  }

  /**
   * Claims an action for this run: its row id for exactly one caller per resource, action and
   * expiry date, however many runs race (the unique key decides); undefined when another run
   * has it. A step that `failed` or was `stopped` (nothing changed) can be claimed again; one
   * left `unconfirmed` or `needs-attention` never is: a second destroy is never sent.
   */
  async claimCleanupStep(key: CleanupStepKey, now: Date): Promise<number | undefined> {
    const rows = await this.db.query<{ id: number }>(
      `INSERT INTO cleanup_actions (team, resource_kind, resource_id, resource_name, step, expires, state, created_at, updated_at)
       VALUES ($9, $1, $2, $3, $4, $5::date, $6, $7, $7)
       ON CONFLICT (team, resource_kind, resource_id, step, expires) DO UPDATE SET state = EXCLUDED.state, request_id = NULL, updated_at = EXCLUDED.updated_at
         WHERE cleanup_actions.state IN (SELECT jsonb_array_elements_text($8::jsonb))
       RETURNING id`,
      [key.resourceKind, key.resourceId, key.resourceName, key.step, key.expires, "claimed" satisfies CleanupStepState, now, JSON.stringify(RECLAIMABLE_STEP_STATES), this.team],
    );
    return rows[0]?.id;
  }

  /**
   * Takes over a step an earlier run left `requested` (stopped at its deadline, or killed), so
   * exactly one later run carries it on: true for that run. A row touched after `staleBefore`
   * may belong to a run still working on it and is left alone.
   */
  async takeOverCleanupStep(id: number, staleBefore: Date, now: Date): Promise<boolean> {
    const rows = await this.db.query<{ id: number }>(
      `UPDATE cleanup_actions SET updated_at = $3 WHERE team = $5 AND id = $1 AND state = $4 AND updated_at <= $2 RETURNING id`,
      [id, staleBefore, now, "requested" satisfies CleanupStepState, this.team],
    );
    return rows.length > 0;
  }

  async updateCleanupStep(id: number, update: { state: CleanupStepState; requestId?: string | null; detail?: string | null }, now: Date): Promise<void> {
    await this.db.query(
      `UPDATE cleanup_actions SET state = $2, request_id = COALESCE($3, request_id), detail = COALESCE($4, detail), updated_at = $5 WHERE team = $6 AND id = $1`,
      [id, update.state, update.requestId ?? null, update.detail ?? null, now, this.team],
    );
  }

  /** The audit row of one step, if any. */
  async cleanupRecord(key: Omit<CleanupStepKey, "resourceName">): Promise<CleanupRecord | undefined> {
    const rows = await this.db.query<CleanupRow>(
      `SELECT ${CLEANUP_COLUMNS} FROM cleanup_actions WHERE team = $5 AND resource_kind = $1 AND resource_id = $2 AND step = $3 AND expires = $4::date`,
      [key.resourceKind, key.resourceId, key.step, key.expires, this.team],
    );
    return rows[0] && toCleanupRecord(rows[0]);
  }

  /** The audit, oldest first; `states` narrows it (e.g. the steps a run re-checks). */
  async cleanupRecords(states?: readonly CleanupStepState[]): Promise<CleanupRecord[]> {
    const rows = await this.db.query<CleanupRow>(
      `SELECT ${CLEANUP_COLUMNS} FROM cleanup_actions WHERE team = $2 AND ($1::jsonb IS NULL OR state IN (SELECT jsonb_array_elements_text($1::jsonb))) ORDER BY id`,
      [states ? JSON.stringify(states) : null, this.team],
    );
    return rows.map(toCleanupRecord);
  }

  /**
   * Makes `marks` what the store shows for every marked resource (one statement each for the
   * upsert and the removal, in one transaction). An `acted` or `needs-attention` resource keeps
   * that state for its date unless this run says it is final too or skipped, so a slower
   * concurrent run cannot move it back; resources no longer marked are removed, except those
   * final ones, which stay as the record of what clean-up did.
   */
  async recordCleanupMarks(marks: readonly CleanupMarkInput[], graceDays: number, now: Date): Promise<void> {
    const rows = marks.map((m) => ({ kind: m.resource.kind, id: m.resource.id, name: m.resource.name, expires: m.expires, action: m.action, state: m.state, reason: m.reason }));
    const final = JSON.stringify(FINAL_CLEANUP_STATES);
    await this.db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO cleanup_marks (team, resource_kind, resource_id, resource_name, expires, action, state, grace_days, reason, updated_at)
         SELECT $6, m.kind, m.id, m.name, m.expires, m.action, m.state, $2, m.reason, $3::timestamptz
         FROM jsonb_to_recordset($1::jsonb) AS m(kind text, id text, name text, expires date, action text, state text, reason text)
         ON CONFLICT (team, resource_kind, resource_id) DO UPDATE SET resource_name = EXCLUDED.resource_name, expires = EXCLUDED.expires,
           action = EXCLUDED.action, state = EXCLUDED.state, grace_days = EXCLUDED.grace_days, reason = EXCLUDED.reason, updated_at = EXCLUDED.updated_at
         WHERE cleanup_marks.state NOT IN (SELECT jsonb_array_elements_text($4::jsonb))
            OR cleanup_marks.expires IS DISTINCT FROM EXCLUDED.expires
            OR EXCLUDED.state IN (SELECT jsonb_array_elements_text($4::jsonb))
            OR EXCLUDED.state = $5`,
        [JSON.stringify(rows), graceDays, now, final, "skipped" satisfies CleanupState, this.team],
      );
      await tx.query(
        `DELETE FROM cleanup_marks WHERE team = $3 AND state NOT IN (SELECT jsonb_array_elements_text($2::jsonb))
           AND (resource_kind || ':' || resource_id) NOT IN (SELECT m.kind || ':' || m.id FROM jsonb_to_recordset($1::jsonb) AS m(kind text, id text))`,
        [JSON.stringify(rows), final, this.team],
      );
    });
  }

  /**
   * Every marked resource with its state, the day its notice (or, with apply off, its preview)
   * was delivered and the day clean-up may act on it, as of `now` (the dashboard's "marked,
   * notice sent, acts on"); ordered by kind and name.
   */
  async cleanupMarks(now: Date): Promise<CleanupMark[]> {
    const rows = await this.db.query<MarkRow>(
      `SELECT m.resource_kind, m.resource_id, m.resource_name, m.expires::text AS expires, m.action, m.state, m.grace_days, m.reason, m.updated_at,
         d.delivered_at, p.delivered_at AS preview_delivered_at
       FROM cleanup_marks m
       LEFT JOIN (${deliveredNotices("$1", "$3")}) AS d ON d.resource_kind = m.resource_kind AND d.resource_id = m.resource_id AND d.expires = m.expires
       LEFT JOIN (${deliveredNotices("$2", "$3")}) AS p ON p.resource_kind = m.resource_kind AND p.resource_id = m.resource_id AND p.expires = m.expires
       WHERE m.team = $3
       ORDER BY m.resource_kind, m.resource_name, m.resource_id`,
      [NOTICE_STEP, PREVIEW_NOTICE_STEP, this.team],
    );
    const today = isoDate(now);
    return rows.map((row) => {
      const deliveredOn = (at: Date | string | null) => (at === null ? null : isoDate(asDate(at)));
      const noticeDeliveredOn = deliveredOn(row.delivered_at);
      const actOn = row.expires !== null && noticeDeliveredOn !== null ? actOnDate(row.expires, noticeDeliveredOn, row.grace_days) : null;
      // A run records what it saw; a delivery since then moves the clock on without waiting for the next run.
      const pending: readonly CleanupState[] = ["marked", "notice-delivered", "due"];
      const state: CleanupState = !pending.includes(row.state) || actOn === null ? row.state : today >= actOn ? "due" : "notice-delivered";
      return {
        resource: { kind: row.resource_kind, id: row.resource_id, name: row.resource_name },
        state,
        expires: row.expires,
        action: row.action,
        noticeDeliveredOn,
        previewDeliveredOn: deliveredOn(row.preview_delivered_at),
        actOn,
        reason: row.reason,
        updatedAt: asDate(row.updated_at),
      };
    });
  }
}
