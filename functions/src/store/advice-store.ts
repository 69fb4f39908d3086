/**
 * What the savings advisor and the clean-up keep between runs: since when each resource has
 * been in its current state, the latest utilisation per resource, the current suggestions with
 * first/last seen and dismissals, and the clean-up audit. Same SQL on Postgres and PGlite;
 * lists travel as one JSON parameter (`jsonb_to_recordset`) because PGlite binds no arrays.
 */
import { DEFAULT_ADVICE_SETTINGS, type AdvisedSnapshot, type ResourceKind, type Suggestion, type Utilisation } from "../../../core/advice";
import { dismissalHolds } from "../../../core/advice/dismissal";
import type { SqlClient } from "./sql-client";

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

export type CleanupState = "claimed" | "requested" | "done" | "failed" | "unconfirmed";

/** One audit row: a notice or an action on one resource for one expiry date. */
export interface CleanupRecord {
  id: number;
  resourceKind: string;
  resourceId: string;
  resourceName: string;
  step: string;
  expires: string;
  state: CleanupState;
  requestId: string | null;
  detail: string | null;
  createdAt: Date;
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
  resource_kind: string;
  resource_id: string;
  resource_name: string;
  step: string;
  expires: string;
  state: CleanupState;
  request_id: string | null;
  detail: string | null;
  created_at: Date;
  updated_at: Date;
}

const asDate = (value: Date | string): Date => (value instanceof Date ? value : new Date(value));

export class AdviceStore {
  constructor(private readonly db: SqlClient) {}

  /**
   * Records each resource's current state and returns since when it has been in it: unchanged
   * states keep their start, changed ones start now. The first sighting starts now too — the API
   * says what is, not since when, so "off for 7 days" is only claimed once seen for 7 days.
   */
  async observeStates(kind: ResourceKind, observations: readonly { id: string; state: string }[], now: Date): Promise<Map<string, Date>> {
    if (observations.length === 0) return new Map();
    const rows = await this.db.query<{ resource_id: string; since: Date }>(
      `INSERT INTO resource_states (resource_kind, resource_id, state, since, last_seen_at)
       SELECT $1, o.id, o.state, $3::timestamptz, $3::timestamptz FROM jsonb_to_recordset($2::jsonb) AS o(id text, state text)
       ON CONFLICT (resource_kind, resource_id) DO UPDATE SET
         since = CASE WHEN resource_states.state = EXCLUDED.state THEN resource_states.since ELSE EXCLUDED.since END,
         state = EXCLUDED.state,
         last_seen_at = EXCLUDED.last_seen_at
       RETURNING resource_id, since`,
      [kind, JSON.stringify(observations), now],
    );
    return new Map(rows.map((row) => [row.resource_id, asDate(row.since)]));
  }

  /** The latest stored utilisation of every resource of a kind, with when it was fetched. */
  async utilisation(kind: ResourceKind): Promise<Map<string, { analysedAt: Date; utilisation: Utilisation }>> {
    const rows = await this.db.query<{ resource_id: string; analysed_at: Date; utilisation: Utilisation }>(
      `SELECT resource_id, analysed_at, utilisation FROM resource_utilisation WHERE resource_kind = $1`,
      [kind],
    );
    return new Map(rows.map((row) => [row.resource_id, { analysedAt: asDate(row.analysed_at), utilisation: row.utilisation }]));
  }

  async saveUtilisation(kind: ResourceKind, resourceId: string, utilisation: Utilisation, analysedAt: Date): Promise<void> {
    await this.db.query(
      `INSERT INTO resource_utilisation (resource_kind, resource_id, analysed_at, utilisation) VALUES ($1, $2, $3, $4::jsonb)
       ON CONFLICT (resource_kind, resource_id) DO UPDATE SET analysed_at = EXCLUDED.analysed_at, utilisation = EXCLUDED.utilisation`,
      [kind, resourceId, analysedAt, JSON.stringify(utilisation)],
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
        `SELECT id, dismissed_action, dismissed_evidence FROM advice_suggestions WHERE dismissed_evidence IS NOT NULL FOR UPDATE`,
      );
      const byId = new Map(current.map((s) => [s.id, s]));
      const lifted = dismissed
        .filter((row) => {
          const latest = byId.get(row.id);
          return latest !== undefined && !dismissalHolds({ action: row.dismissed_action, evidence: row.dismissed_evidence }, latest, tolerance);
        })
        .map((row) => row.id);
      await tx.query(
        `INSERT INTO advice_suggestions (id, rule, resource, action, reason, monthly_savings_usd, evidence, first_seen_at, last_seen_at, current)
         SELECT s.id, s.rule, s.resource, s.action, s.reason, s.savings, s.evidence, $2::timestamptz, $2::timestamptz, true
         FROM jsonb_to_recordset($1::jsonb) AS s(id text, rule text, resource jsonb, action text, reason text, savings numeric, evidence jsonb)
         ON CONFLICT (id) DO UPDATE SET rule = EXCLUDED.rule, resource = EXCLUDED.resource, action = EXCLUDED.action, reason = EXCLUDED.reason,
           monthly_savings_usd = EXCLUDED.monthly_savings_usd, evidence = EXCLUDED.evidence, last_seen_at = EXCLUDED.last_seen_at, current = true`,
        [JSON.stringify(current.map((s) => ({ id: s.id, rule: s.rule, resource: s.resource, action: s.action, reason: s.reason, savings: s.monthlySavingsUsd, evidence: s.evidence }))), now],
      );
      if (lifted.length > 0) {
        await tx.query(`UPDATE advice_suggestions SET dismissed_evidence = NULL, dismissed_action = NULL WHERE id IN (SELECT jsonb_array_elements_text($1::jsonb))`, [JSON.stringify(lifted)]);
      }
      const found = JSON.stringify(current.map((s) => s.id));
      await tx.query(
        `DELETE FROM advice_suggestions WHERE id NOT IN (SELECT jsonb_array_elements_text($1::jsonb))
           AND (dismissed_evidence IS NULL OR last_seen_at < $2::timestamptz - make_interval(days => $3::int))`,
        [found, now, DISMISSAL_MEMORY_DAYS],
      );
      await tx.query(`UPDATE advice_suggestions SET current = false WHERE current AND id NOT IN (SELECT jsonb_array_elements_text($1::jsonb))`, [found]);
    });
    return this.listSuggestions();
  }

  /** The current suggestions (those the last advise run found), largest saving first. */
  async listSuggestions(): Promise<StoredSuggestion[]> {
    const rows = await this.db.query<SuggestionRow>(
      `SELECT id, rule, resource, action, reason, monthly_savings_usd::text AS savings, evidence, first_seen_at, last_seen_at,
              dismissed_evidence IS NOT NULL AS dismissed
       FROM advice_suggestions WHERE current ORDER BY monthly_savings_usd DESC NULLS LAST, id`,
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
    const rows = await this.db.query(`UPDATE advice_suggestions SET dismissed_evidence = evidence, dismissed_action = action WHERE id = $1 AND current RETURNING id`, [id]);
    return rows.length > 0;
  }

  /**
   * Remembers the snapshots taken after a "snapshot, then …" suggestion (core/advice
   * `findAdvisedSnapshots`) and forgets those no longer in `existingSnapshotIds`; returns every
   * remembered one by snapshot id. A match is recorded once and never moved to a later advice.
   */
  async recordAdvisedSnapshots(found: readonly AdvisedSnapshot[], existingSnapshotIds: readonly string[], now: Date): Promise<Map<string, { suggestionId: string; advisedSince: Date }>> {
    const rows = await this.db.transaction(async (tx) => {
      await tx.query(`DELETE FROM advised_snapshots WHERE snapshot_id NOT IN (SELECT jsonb_array_elements_text($1::jsonb))`, [JSON.stringify(existingSnapshotIds)]);
      if (found.length > 0) {
        await tx.query(
          `INSERT INTO advised_snapshots (snapshot_id, suggestion_id, advised_since, recorded_at)
           SELECT f.snapshot_id, f.suggestion_id, f.advised_since, $2::timestamptz FROM jsonb_to_recordset($1::jsonb) AS f(snapshot_id text, suggestion_id text, advised_since timestamptz)
           ON CONFLICT (snapshot_id) DO NOTHING`,
          [JSON.stringify(found.map((f) => ({ snapshot_id: f.snapshotId, suggestion_id: f.suggestionId, advised_since: f.advisedSince.toISOString() }))), now],
        );
      }
      return tx.query<{ snapshot_id: string; suggestion_id: string; advised_since: Date }>(`SELECT snapshot_id, suggestion_id, advised_since FROM advised_snapshots`);
    });
    return new Map(rows.map((row) => [row.snapshot_id, { suggestionId: row.suggestion_id, advisedSince: asDate(row.advised_since) }]));
  }

  /**
   * Claims a clean-up step for this run: its row id for exactly one caller per resource, step
   * and expiry date, however many runs race (the unique key decides); undefined when another run
   * has it. A step that `failed` (DigitalOcean refused it, so nothing happened) can be claimed
   * again; one left `unconfirmed` (its answer was lost) never is: a second destroy is never sent.
   */
  async claimCleanupStep(step: { resourceKind: string; resourceId: string; resourceName: string; step: string; expires: string }, now: Date): Promise<number | undefined> {
    const rows = await this.db.query<{ id: number }>(
      `INSERT INTO cleanup_actions (resource_kind, resource_id, resource_name, step, expires, state, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5::date, 'claimed', $6, $6)
       ON CONFLICT (resource_kind, resource_id, step, expires) DO UPDATE SET state = 'claimed', updated_at = EXCLUDED.updated_at
         WHERE cleanup_actions.state = 'failed'
       RETURNING id`,
      [step.resourceKind, step.resourceId, step.resourceName, step.step, step.expires, now],
    );
    return rows[0]?.id;
  }

  async updateCleanupStep(id: number, update: { state: CleanupState; requestId?: string | null; detail?: string | null }, now: Date): Promise<void> {
    await this.db.query(
      `UPDATE cleanup_actions SET state = $2, request_id = COALESCE($3, request_id), detail = COALESCE($4, detail), updated_at = $5 WHERE id = $1`,
      [id, update.state, update.requestId ?? null, update.detail ?? null, now],
    );
  }

  /** The audit, oldest first; `states` narrows it (e.g. the unconfirmed deletes to re-check). */
  async cleanupRecords(states?: readonly CleanupState[]): Promise<CleanupRecord[]> {
    const rows = await this.db.query<CleanupRow>(
      `SELECT id, resource_kind, resource_id, resource_name, step, expires::text AS expires, state, request_id, detail, created_at, updated_at
       FROM cleanup_actions WHERE $1::jsonb IS NULL OR state IN (SELECT jsonb_array_elements_text($1::jsonb)) ORDER BY id`,
      [states ? JSON.stringify(states) : null],
    );
    return rows.map((row) => ({
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
    }));
  }
}
