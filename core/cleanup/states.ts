/**
 * The clean-up state machine's names, in one place (Cloud Custodian's mark-for-op, with the
 * owner always hearing first): the planner, the executor, the store, the CLI's table and JSON,
 * the dashboard and the runbook all use these words and nothing else.
 *
 * A marked resource moves
 *
 *     marked ──► notice-delivered ──► due ──► acted
 *        │                             └────► needs-attention
 *        └──► skipped (protected, on the deny list, or its date unreadable)
 *
 * - `marked`: it carries a readable `expires:` date, and no notice for that date has reached
 *   anyone yet (not yet in the notice window, or the notice is queued and not delivered).
 * - `notice-delivered`: a notice for that date was accepted by at least one recipient's
 *   transport; the act waits for `graceDays` after the later of the date and that delivery.
 * - `due`: that day has come; an applied run acts.
 * - `acted`: the action completed.
 * - `needs-attention`: a person decides. A write was refused after a snapshot had been taken, a
 *   snapshot could not be confirmed, or an answer was lost with the resource still there. Never
 *   retried automatically.
 * - `skipped`: clean-up leaves it alone.
 *
 * Changing the date starts again at `marked`: notices and actions are recorded per expiry date.
 */

/** Where a marked resource is in clean-up. */
export const CLEANUP_STATES = ["marked", "notice-delivered", "due", "acted", "needs-attention", "skipped"] as const;
export type CleanupState = (typeof CLEANUP_STATES)[number];

/** States a run never moves a resource out of by itself for the same expiry date. */
export const FINAL_CLEANUP_STATES: readonly CleanupState[] = ["acted", "needs-attention"];

/** What clean-up does to an expired droplet: destroy it after a snapshot, or only power it off. */
export const DROPLET_CLEANUP_ACTIONS = ["snapshot-then-destroy", "power-off"] as const;
export type DropletCleanupAction = (typeof DROPLET_CLEANUP_ACTIONS)[number];
/** Every action: the droplet's, a volume's (`snapshot-then-delete`) and a snapshot's (`delete`). */
export const CLEANUP_ACTIONS = [...DROPLET_CLEANUP_ACTIONS, "snapshot-then-delete", "delete"] as const;
export type CleanupAction = (typeof CLEANUP_ACTIONS)[number];

/** Each action in words, as notices and the dashboard say it. */
export const CLEANUP_ACTION_WORDS: Readonly<Record<CleanupAction, string>> = {
  "snapshot-then-destroy": "snapshot, then destroy",
  "power-off": "power off",
  "snapshot-then-delete": "snapshot, then delete",
  delete: "delete",
};

/**
 * The steps the audit (`cleanup_actions`) records, each once per resource and expiry date:
 * the notice that counts, the preview a dry run sends (it never counts), and the action.
 */
export const NOTICE_STEP = "notice";
export const PREVIEW_NOTICE_STEP = "notice-preview";
export type CleanupStep = typeof NOTICE_STEP | typeof PREVIEW_NOTICE_STEP | CleanupAction;

/**
 * The state of one audit row.
 * - `queued`: a notice, claimed in the same transaction as its outbox rows; whether it was
 *   delivered is the outbox's word (a delivered row), never this row's.
 * - `claimed`: an action this run holds; nothing sent yet.
 * - `requested`: a write was sent; `request_id` names the progress (`action <id>` of a droplet
 *   snapshot or power-off, `snapshot <id>` of a volume snapshot). A run that stops at its
 *   deadline or dies here leaves it for the next run, which re-checks it and carries on.
 * - `done`: the action completed.
 * - `failed`: the first write was refused (a 4xx), so nothing changed; a later run may claim it again.
 * - `unconfirmed`: an answer was lost; the next runs only check whether the resource is gone.
 * - `needs-attention`: refused after a snapshot was taken, or a snapshot that cannot be confirmed:
 *   never retried automatically.
 * - `stopped`: the re-read just before a write found the date changed, `protected` added, or the
 *   resource gone; nothing was done, and a later run may claim it again.
 */
export const CLEANUP_STEP_STATES = ["queued", "claimed", "requested", "done", "failed", "unconfirmed", "needs-attention", "stopped"] as const;
export type CleanupStepState = (typeof CLEANUP_STEP_STATES)[number];

/** Step states that may be claimed again by a later run: nothing was changed. */
export const RECLAIMABLE_STEP_STATES: readonly CleanupStepState[] = ["failed", "stopped"];

/**
 * What one run did about a resource (the report's `run` field and the table's THIS RUN column):
 * an audit step state when it touched a step, or one of these.
 * - `none`: nothing is due yet.
 * - `would-send`: a dry run (the CLI without --apply) would send a notice; it sends nothing.
 * - `notice-queued`: this run queued the notice (delivered by the outbox, now or on a later run).
 * - `notice-pending`: an earlier run queued it and no recipient has accepted it yet.
 * - `planned`: the act is due; a run without apply only reports it.
 * - `deferred`: the run's deadline came first; the next run acts.
 * - `already-handled`: another run holds or finished this step.
 */
export const CLEANUP_RUN_RESULTS = ["none", "would-send", "notice-queued", "notice-pending", "planned", "deferred", "already-handled", ...CLEANUP_STEP_STATES] as const;
export type CleanupRunResult = (typeof CLEANUP_RUN_RESULTS)[number];

/** Where an action's audit state leaves the resource. */
export function stateOfActStep(step: CleanupStepState): CleanupState {
  switch (step) {
    case "done":
      return "acted";
    case "unconfirmed":
    case "needs-attention":
      return "needs-attention";
    default:
      return "due";
  }
}
