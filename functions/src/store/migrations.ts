import type { SqlClient } from "./sql-client";

/**
 * Versioned schema changes, applied in order and recorded in `schema_migrations`.
 * Kept as TypeScript (not .sql files) so the esbuild bundle deployed to DigitalOcean
 * Functions carries them without any file system access. A migration is never edited once
 * released: change the schema with a new version.
 *
 * Money columns are `numeric(12,2)`: exact decimal dollars that people and SQL aggregates
 * (SUM over a month) read directly. The store writes them from integer cents as decimal
 * strings and reads them back as decimal text, so no float ever reaches the database.
 */
export interface Migration {
  version: number;
  name: string;
  /** One statement per entry: the extended query protocol (parameters) runs one statement at a time, and a failing one is named. */
  statements: readonly string[];
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "tracker_tables",
    statements: [
      `CREATE TABLE spend_snapshots (
         id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
         taken_at timestamptz NOT NULL,
         month_to_date_usd numeric(12,2) NOT NULL,
         account_balance_usd numeric(12,2) NOT NULL,
         generated_at timestamptz NOT NULL,
         invoice_preview_usd numeric(12,2)
       )`,
      `CREATE INDEX spend_snapshots_taken_at ON spend_snapshots (taken_at DESC)`,
      `CREATE TABLE billing_history (
         date date PRIMARY KEY,
         total_cost_usd numeric(12,2) NOT NULL,
         month_to_date_usd numeric(12,2) NOT NULL,
         cost_by_service jsonb NOT NULL DEFAULT '{}'::jsonb,
         cost_by_project jsonb NOT NULL DEFAULT '{}'::jsonb,
         cost_by_tag jsonb NOT NULL DEFAULT '{}'::jsonb
       )`,
      `CREATE TABLE resource_daily_cost (
         date date NOT NULL,
         resource_uuid text NOT NULL,
         product text NOT NULL,
         project_name text,
         amount_usd numeric(12,2) NOT NULL,
         PRIMARY KEY (date, resource_uuid, product)
       )`,
      `CREATE TABLE cost_alerts (
         id text PRIMARY KEY,
         kind text NOT NULL CHECK (kind IN ('threshold', 'forecast')),
         threshold_usd numeric(12,2) NOT NULL CHECK (threshold_usd > 0),
         recipients jsonb NOT NULL,
         enabled boolean NOT NULL DEFAULT true,
         source text NOT NULL CHECK (source IN ('config', 'api')),
         last_triggered_at timestamptz
       )`,
      `CREATE TABLE alert_events (
         id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
         alert_key text NOT NULL,
         billing_month text NOT NULL CHECK (billing_month ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
         fired_at timestamptz NOT NULL,
         payload jsonb NOT NULL,
         UNIQUE (alert_key, billing_month)
       )`,
      `CREATE TABLE notification_outbox (
         id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
         dedupe_key text NOT NULL UNIQUE,
         channel text NOT NULL CHECK (channel IN ('email', 'slack', 'webhook')),
         destination text NOT NULL,
         payload jsonb NOT NULL,
         status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered')),
         attempts integer NOT NULL DEFAULT 0,
         next_attempt_at timestamptz NOT NULL,
         last_error text,
         created_at timestamptz NOT NULL,
         delivered_at timestamptz,
         alert_event_id integer REFERENCES alert_events (id)
       )`,
      // The delivery loop's only query shape: due pending rows, oldest first.
      `CREATE INDEX notification_outbox_due ON notification_outbox (next_attempt_at, id) WHERE status = 'pending'`,
    ],
  },
  {
    version: 2,
    name: "advice_and_cleanup",
    statements: [
      // Since when a resource has been in a billable-but-unused state (a droplet off, a volume or
      // reserved IP without a droplet): the API says what is, not since when, so advise records it.
      `CREATE TABLE resource_states (
         resource_kind text NOT NULL,
         resource_id text NOT NULL,
         state text NOT NULL,
         since timestamptz NOT NULL,
         last_seen_at timestamptz NOT NULL,
         PRIMARY KEY (resource_kind, resource_id)
       )`,
      // The latest utilisation fetched per resource; a large account is covered over several runs.
      `CREATE TABLE resource_utilisation (
         resource_kind text NOT NULL,
         resource_id text NOT NULL,
         analysed_at timestamptz NOT NULL,
         utilisation jsonb NOT NULL,
         PRIMARY KEY (resource_kind, resource_id)
       )`,
      `CREATE TABLE advice_suggestions (
         id text PRIMARY KEY,
         rule text NOT NULL,
         resource jsonb NOT NULL,
         action text NOT NULL,
         reason text NOT NULL,
         monthly_savings_usd numeric(12,2),
         evidence jsonb NOT NULL,
         first_seen_at timestamptz NOT NULL,
         last_seen_at timestamptz NOT NULL,
         -- The evidence it was dismissed on; a suggestion shows again once its evidence differs.
         dismissed_evidence jsonb
       )`,
      // The clean-up audit: one row per resource, step and expiry date, whoever runs first.
      `CREATE TABLE cleanup_actions (
         id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
         resource_kind text NOT NULL,
         resource_id text NOT NULL,
         resource_name text NOT NULL,
         step text NOT NULL,
         expires date NOT NULL,
         state text NOT NULL CHECK (state IN ('claimed', 'requested', 'done', 'failed', 'unconfirmed')),
         request_id text,
         detail text,
         created_at timestamptz NOT NULL,
         updated_at timestamptz NOT NULL,
         UNIQUE (resource_kind, resource_id, step, expires)
       )`,
    ],
  },
  {
    version: 3,
    name: "calibration_and_stack_reconciliation",
    statements: [
      // What DigitalOcean billed per unit of a size against the catalog, one row per month, product and slug (issue 11).
      `CREATE TABLE price_calibration (
         billing_month text NOT NULL CHECK (billing_month ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
         product text NOT NULL,
         slug text NOT NULL,
         catalog_monthly_usd numeric(12,2),
         invoiced_monthly_usd numeric(12,2) NOT NULL,
         drift_pct numeric(9,2),
         drift_monthly_usd numeric(12,2),
         resources integer NOT NULL,
         verdict text NOT NULL CHECK (verdict IN ('ok', 'drift', 'unknown-in-catalog')),
         recorded_at timestamptz NOT NULL,
         PRIMARY KEY (billing_month, product, slug)
       )`,
      // The plan's estimate against the month's bill, per stack tag and planned resource.
      `CREATE TABLE stack_reconciliation (
         billing_month text NOT NULL CHECK (billing_month ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
         stack_tag text NOT NULL,
         estimated_usd numeric(12,2) NOT NULL,
         billed_usd numeric(12,2) NOT NULL,
         unplanned_billed_usd numeric(12,2) NOT NULL,
         resources jsonb NOT NULL,
         recorded_at timestamptz NOT NULL,
         PRIMARY KEY (billing_month, stack_tag)
       )`,
    ],
  },
  {
    version: 4,
    name: "cleanup_notice_before_act",
    statements: [
      // The audit's step states (core/cleanup/states.ts CLEANUP_STEP_STATES as of this version):
      // notices are `queued` with their outbox rows; refusals after a snapshot need a person;
      // a re-read that finds the resource changed stops the step.
      `ALTER TABLE cleanup_actions DROP CONSTRAINT cleanup_actions_state_check`,
      `ALTER TABLE cleanup_actions ADD CONSTRAINT cleanup_actions_state_check
         CHECK (state IN ('queued', 'claimed', 'requested', 'done', 'failed', 'unconfirmed', 'needs-attention', 'stopped'))`,
      // Notices recorded before this version were marked done before any send, so whether one
      // reached anyone is unknown: they no longer count, and the next run sends a notice that does.
      `UPDATE cleanup_actions SET step = 'legacy-notice' WHERE step = 'notice'`,
      // A notice is delivered when one of its outbox rows is: the link the planner's clock reads.
      `ALTER TABLE notification_outbox ADD COLUMN cleanup_action_id integer REFERENCES cleanup_actions (id)`,
      `CREATE INDEX notification_outbox_cleanup_action ON notification_outbox (cleanup_action_id) WHERE cleanup_action_id IS NOT NULL`,
      // Every marked resource as the latest run saw it, for the dashboard: state, date, grace.
      `CREATE TABLE cleanup_marks (
         resource_kind text NOT NULL,
         resource_id text NOT NULL,
         resource_name text NOT NULL,
         expires date,
         action text,
         state text NOT NULL CHECK (state IN ('marked', 'notice-delivered', 'due', 'acted', 'needs-attention', 'skipped')),
         grace_days integer NOT NULL CHECK (grace_days >= 0),
         reason text NOT NULL,
         updated_at timestamptz NOT NULL,
         PRIMARY KEY (resource_kind, resource_id)
       )`,
    ],
  },
  {
    version: 5,
    name: "run_leases",
    statements: [
      // Work only one run may do at a time, such as reading metrics (the daily task and the hourly
      // check start together; both would read the same least recently analysed resources with the
      // same token). A lease lapses at `expires_at`, so a run killed while holding it blocks nobody for long.
      `CREATE TABLE run_leases (
         name text PRIMARY KEY,
         holder text NOT NULL,
         expires_at timestamptz NOT NULL
       )`,
    ],
  },
  {
    version: 6,
    name: "kept_snapshots_and_sticky_dismissals",
    statements: [
      // Snapshots taken after a "snapshot, then …" suggestion for their droplet or volume (issue 14):
      // kept on purpose. Recorded once, so the fact outlives the suggestion (gone with its resource).
      `CREATE TABLE advised_snapshots (
         snapshot_id text PRIMARY KEY,
         suggestion_id text NOT NULL,
         advised_since timestamptz NOT NULL,
         recorded_at timestamptz NOT NULL
       )`,
      // A dismissal is now judged against the action and evidence it was given on, with a
      // tolerance for measured figures, and lifted only by a material change.
      `ALTER TABLE advice_suggestions ADD COLUMN dismissed_action text`,
      // A dismissed suggestion that is not found for a while (a p95 crossing the rule's line) is
      // kept, not current, so its dismissal still holds if it comes back unchanged.
      `ALTER TABLE advice_suggestions ADD COLUMN current boolean NOT NULL DEFAULT true`,
      // Under version 2's rule a dismissal ended as soon as the evidence differed at all.
      `UPDATE advice_suggestions SET dismissed_evidence = NULL WHERE dismissed_evidence IS DISTINCT FROM evidence`,
      `UPDATE advice_suggestions SET dismissed_action = action WHERE dismissed_evidence IS NOT NULL`,
    ],
  },
  {
    version: 7,
    name: "unit_counts",
    statements: [
      // Each reading of the configured unit count (active restaurants, orders …) and when it was
      // read, so the dashboard divides a day's cost by that day's count and can tell a stale or
      // failed count from a real one. `units` is null when the source could not be read.
      `CREATE TABLE unit_counts (
         id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
         read_at timestamptz NOT NULL,
         unit_name text NOT NULL,
         units numeric CHECK (units IS NULL OR units >= 0),
         source_kind text NOT NULL CHECK (source_kind IN ('count', 'sql', 'url'))
       )`,
      `CREATE INDEX unit_counts_read_at ON unit_counts (read_at DESC)`,
    ],
  },
  {
    version: 8,
    name: "rows_per_team",
    statements: [
      // Many teams, one deployment (issue 15): every per-account row names its team. Rows written
      // before are the one implicit team's, `default`. The default is dropped once they are
      // filled, so a write that forgets its team fails instead of landing under `default`.
      ...[
        "spend_snapshots", "billing_history", "resource_daily_cost", "cost_alerts", "alert_events", "resource_states", "resource_utilisation",
        "advice_suggestions", "cleanup_actions", "cleanup_marks", "run_leases", "advised_snapshots", "price_calibration", "stack_reconciliation", "unit_counts",
      ].flatMap((table) => [
        `ALTER TABLE ${table} ADD COLUMN team text NOT NULL DEFAULT 'default'`,
        `ALTER TABLE ${table} ALTER COLUMN team DROP DEFAULT`,
        // A team name (core/tracker-settings TEAM_NAME_PATTERN as of this version) or a reserved `@` label.
        `ALTER TABLE ${table} ADD CONSTRAINT ${table}_team_check CHECK (team ~ '^([a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?|@organization|@unassigned)$')`,
      ]),
      // Every key gains the team, so each team's facts (and its exactly-once alert events) are its own.
      `DROP INDEX spend_snapshots_taken_at`,
      `CREATE INDEX spend_snapshots_team_taken_at ON spend_snapshots (team, taken_at DESC)`,
      `ALTER TABLE billing_history DROP CONSTRAINT billing_history_pkey, ADD PRIMARY KEY (team, date)`,
      `ALTER TABLE resource_daily_cost DROP CONSTRAINT resource_daily_cost_pkey, ADD PRIMARY KEY (team, date, resource_uuid, product)`,
      `ALTER TABLE cost_alerts DROP CONSTRAINT cost_alerts_pkey, ADD PRIMARY KEY (team, id)`,
      `ALTER TABLE alert_events DROP CONSTRAINT alert_events_alert_key_billing_month_key, ADD CONSTRAINT alert_events_team_alert_key_billing_month_key UNIQUE (team, alert_key, billing_month)`,
      `ALTER TABLE resource_states DROP CONSTRAINT resource_states_pkey, ADD PRIMARY KEY (team, resource_kind, resource_id)`,
      `ALTER TABLE resource_utilisation DROP CONSTRAINT resource_utilisation_pkey, ADD PRIMARY KEY (team, resource_kind, resource_id)`,
      `ALTER TABLE advice_suggestions DROP CONSTRAINT advice_suggestions_pkey, ADD PRIMARY KEY (team, id)`,
      `ALTER TABLE cleanup_actions DROP CONSTRAINT cleanup_actions_resource_kind_resource_id_step_expires_key,
         ADD CONSTRAINT cleanup_actions_team_step_key UNIQUE (team, resource_kind, resource_id, step, expires)`,
      `ALTER TABLE cleanup_marks DROP CONSTRAINT cleanup_marks_pkey, ADD PRIMARY KEY (team, resource_kind, resource_id)`,
      `ALTER TABLE run_leases DROP CONSTRAINT run_leases_pkey, ADD PRIMARY KEY (team, name)`,
      `ALTER TABLE advised_snapshots DROP CONSTRAINT advised_snapshots_pkey, ADD PRIMARY KEY (team, snapshot_id)`,
      `ALTER TABLE price_calibration DROP CONSTRAINT price_calibration_pkey, ADD PRIMARY KEY (team, billing_month, product, slug)`,
      `ALTER TABLE stack_reconciliation DROP CONSTRAINT stack_reconciliation_pkey, ADD PRIMARY KEY (team, billing_month, stack_tag)`,
      `DROP INDEX unit_counts_read_at`,
      `CREATE INDEX unit_counts_team_read_at ON unit_counts (team, read_at DESC)`,
      // A team's month to date now also comes from the organisation's nightly billing insights,
      // which have no account balance; the fresher of the two figures (by their own timestamps) wins.
      `ALTER TABLE spend_snapshots ADD COLUMN source text NOT NULL DEFAULT 'balance' CHECK (source IN ('balance', 'insights'))`,
      `ALTER TABLE spend_snapshots ALTER COLUMN source DROP DEFAULT`,
      `ALTER TABLE spend_snapshots ALTER COLUMN account_balance_usd DROP NOT NULL`,
      // When each team's hourly check last finished: a run that cannot check every team before its
      // deadline starts with the ones that waited longest, so no team is starved by a slow one.
      `CREATE TABLE team_checks (
         team text PRIMARY KEY CHECK (team ~ '^([a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?|@organization|@unassigned)$'),
         checked_at timestamptz NOT NULL
       )`,
    ],
  },
  {
    version: 9,
    name: "team_upkeep_turns",
    statements: [
      // With teams, a run checks every team first and then gives the upkeep (the advisor's slice,
      // daily calibration and clean-up) to one team after another while its deadline allows; the
      // next run starts with the teams whose upkeep waited longest, so a large team never starves the rest.
      `ALTER TABLE team_checks ADD COLUMN upkept_at timestamptz`,
    ],
  },
  {
    version: 10,
    name: "insights_days",
    statements: [
      // The organisation's billing insights as read, one row per label and day, so a read too big
      // for one run (50 teams × 2,000 SKUs is 500 pages a day) is split across runs: each day is
      // committed as it is read, the next run reads only the days missing or still changing, and
      // the month to date adds the stored days up. The organisation's row (its total) is written
      // for every day read, data or not, and says when the day was read. `data_points` tells a day
      // without data yet (the night has not arrived) from one that cost nothing; `unknown_urns`
      // (the unassigned row's) names the teams the config does not list.
      `CREATE TABLE insights_days (
         team text NOT NULL CHECK (team ~ '^([a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?|@organization|@unassigned)$'),
         date date NOT NULL,
         total_usd numeric(12,2) NOT NULL,
         by_sku jsonb NOT NULL DEFAULT '{}'::jsonb,
         data_points integer NOT NULL CHECK (data_points >= 0),
         unknown_urns jsonb NOT NULL DEFAULT '[]'::jsonb,
         read_at timestamptz NOT NULL,
         PRIMARY KEY (team, date)
       )`,
    ],
  },
];

/**
 * Brings the schema up to date and returns the versions it applied (empty when current).
 * Runs in one transaction that first takes a transaction-scoped advisory lock, so two
 * processes starting at once serialise: the second waits, then sees nothing left to do.
 * A failing statement rolls the whole batch back, leaving the previous version intact.
 */
export async function migrate(client: SqlClient, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  return client.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('do-cost-guard:schema_migrations'))`);
    await tx.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
         version integer PRIMARY KEY,
         name text NOT NULL,
         applied_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
    const rows = await tx.query<{ version: number }>(`SELECT version FROM schema_migrations`);
    const applied = new Set(rows.map((row) => row.version));
    const newlyApplied: number[] = [];
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (applied.has(migration.version)) continue;
      for (const statement of migration.statements) {
        try {
          await tx.query(statement);
        } catch (error) {
          throw new Error(`migration ${migration.version} (${migration.name}) failed: ${(error as Error).message}`);
        }
      }
      await tx.query(`INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, [migration.version, migration.name]);
      newlyApplied.push(migration.version);
    }
    return newlyApplied;
  });
}
