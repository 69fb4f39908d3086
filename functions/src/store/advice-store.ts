/**
 * What the savings advisor and the clean-up keep between runs: since when each resource has
 * been in its current state, the latest utilisation per resource, the current suggestions with
 * first/last seen and dismissals, and the clean-up audit. Same SQL on Postgres and PGlite;
 * lists travel as one JSON parameter (`jsonb_to_recordset`) because PGlite binds no arrays.
 */
import { randomUUID } from "node:crypto";
import type { ResourceKind, Suggestion, Utilisation } from "../../../core/advice";
import type { SqlClient } from "./sql-client";

/** A suggestion as stored: the advice plus when it was first and last seen, and whether it is dismissed. */
export interface StoredSuggestion extends Suggestion {
  firstSeenAt: Date;
  lastSeenAt: Date;
  /** Dismissed, and its evidence has not changed since. */
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

  /**
   * Takes the lease `name` for `holdMs` (wall-clock milliseconds from `nowMs`) unless another
   * run holds it unexpired; returns its release, or undefined when it is taken. Atomic on both
   * drivers (one upsert), so of two runs starting together exactly one gets it.
   */
  async takeLease(name: string, holdMs: number, nowMs = Date.now()): Promise<(() => Promise<void>) | undefined> {
    const holder = randomUUID();
    const rows = await this.db.query<{ holder: string }>(
      `INSERT INTO run_leases (name, holder, expires_at) VALUES ($1, $2, $3)
       ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
       WHERE run_leases.expires_at <= $4
       RETURNING holder`,
      [name, holder, new Date(nowMs + holdMs), new Date(nowMs)],
    );
    if (rows[0]?.holder !== holder) return undefined;
    return async () => {
      await this.db.query(`DELETE FROM run_leases WHERE name = $1 AND holder = $2`, [name, holder]);
    };
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
   * Makes `current` the stored suggestions: new ones first seen now, known ones last seen now
   * (a dismissal holds while the evidence is the same), and ones no longer found removed.
   */
  async replaceSuggestions(current: readonly Suggestion[], now: Date): Promise<StoredSuggestion[]> {
    await this.db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO advice_suggestions (id, rule, resource, action, reason, monthly_savings_usd, evidence, first_seen_at, last_seen_at)
         SELECT s.id, s.rule, s.resource, s.action, s.reason, s.savings, s.evidence, $2::timestamptz, $2::timestamptz
         FROM jsonb_to_recordset($1::jsonb) AS s(id text, rule text, resource jsonb, action text, reason text, savings numeric, evidence jsonb)
         ON CONFLICT (id) DO UPDATE SET rule = EXCLUDED.rule, resource = EXCLUDED.resource, action = EXCLUDED.action, reason = EXCLUDED.reason,
           monthly_savings_usd = EXCLUDED.monthly_savings_usd, evidence = EXCLUDED.evidence, last_seen_at = EXCLUDED.last_seen_at`,
        [JSON.stringify(current.map((s) => ({ id: s.id, rule: s.rule, resource: s.resource, action: s.action, reason: s.reason, savings: s.monthlySavingsUsd, evidence: s.evidence }))), now],
      );
      await tx.query(`DELETE FROM advice_suggestions WHERE id NOT IN (SELECT jsonb_array_elements_text($1::jsonb))`, [JSON.stringify(current.map((s) => s.id))]);
    });
    return this.listSuggestions();
  }

  /** Every stored suggestion, largest saving first. */
  async listSuggestions(): Promise<StoredSuggestion[]> {
    const rows = await this.db.query<SuggestionRow>(
      `SELECT id, rule, resource, action, reason, monthly_savings_usd::text AS savings, evidence, first_seen_at, last_seen_at,
              (dismissed_evidence IS NOT NULL AND dismissed_evidence = evidence) AS dismissed
       FROM advice_suggestions ORDER BY monthly_savings_usd DESC NULLS LAST, id`,
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

  /** Hides a suggestion until its evidence changes; false when there is no such suggestion. */
  async dismissSuggestion(id: string): Promise<boolean> {
    const rows = await this.db.query(`UPDATE advice_suggestions SET dismissed_evidence = evidence WHERE id = $1 RETURNING id`, [id]);
    return rows.length > 0;
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
