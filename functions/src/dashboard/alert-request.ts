/**
 * The body of `POST /api/v1/billing/alerts`, checked by the tracker settings' own zod pieces
 * (core/tracker-settings `thresholdSchema`, whose rules live in core/validators): an address,
 * a Slack target or an amount the tracker config would refuse is refused here with the same
 * words, and one the config accepts is accepted here. Problems are the config's bounded,
 * secret-free lines, so neither a 10 MiB key nor 200,000 unknown keys come back in the answer.
 */
import { z } from "zod";
import { roundUsd } from "../../../core/money";
import { formatSettingsIssues, SETTINGS_PARSE_OPTIONS, thresholdSchema } from "../../../core/tracker-settings";
import { describeValue } from "../../../core/validators";

/** Largest threshold accepted: the store's numeric(12,2) column holds less than $10^10. */
export const MAX_THRESHOLD_USD = 1_000_000_000;

// The API has always taken a lone address or Slack target as well as a list of them.
function oneOrList<T extends z.ZodType>(list: T) {
  return z.preprocess((value) => (value === undefined || Array.isArray(value) ? value : [value]), list);
}

/**
 * A threshold as the dashboard adds or changes it: the config's threshold (amount, email and
 * Slack lists, each capped like the config's) without webhooks, which only the config sets,
 * plus `enabled`. Amounts are also held to whole cents below {@link MAX_THRESHOLD_USD},
 * because the store keeps them as numeric(12,2).
 */
export const alertRequestSchema = z.strictObject({
  amountUsd: thresholdSchema.shape.amountUsd.refine((usd) => usd < MAX_THRESHOLD_USD && roundUsd(usd) === usd, {
    error: (issue) => `must be in whole cents and below ${MAX_THRESHOLD_USD} (got ${describeValue(issue.input)})`,
  }),
  email: oneOrList(thresholdSchema.shape.email.unwrap()).optional(),
  slack: oneOrList(thresholdSchema.shape.slack.unwrap()).optional(),
  enabled: z.boolean().optional(),
});

/** The validated POST body: the threshold and whatever of it the caller chose to set. */
export type AlertRequest = z.output<typeof alertRequestSchema>;

/** The checked request, or one short line naming every problem (at most 20, then a count). */
export type AlertRequestResult = { ok: true; request: AlertRequest } | { ok: false; error: string };

/** Checks a parsed POST body against {@link alertRequestSchema}. */
export function readAlertRequest(body: unknown): AlertRequestResult {
  const result = alertRequestSchema.safeParse(body, SETTINGS_PARSE_OPTIONS);
  if (result.success) return { ok: true, request: result.data };
  return { ok: false, error: formatSettingsIssues(result.error.issues, "", "the request body").join("; ") };
}
