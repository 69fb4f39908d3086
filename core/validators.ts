/**
 * The one home of each input rule the stack, the tracker and the dashboard share: email
 * address, Slack incoming-webhook URL, webhook URL, Postgres URL, threshold id, dashboard
 * password length, recipients per list, and how a value may be quoted in an error.
 *
 * Plain functions with no dependencies, so the zod schema (core/tracker-settings.ts), the
 * stack config (config.ts) and the dashboard's settings reader all call the same code and
 * cannot drift apart again (issue 8: the Slack rule had three different answers).
 *
 * A `…Problem(value)` function returns undefined when the value is acceptable, else a short
 * reason. Reasons never contain the value: URLs carry secrets in their path or credentials.
 */

/** Shortest dashboard password accepted (stack `dashboardPassword`, action `DASHBOARD_PASSWORD`). */
export const MIN_DASHBOARD_PASSWORD_LENGTH = 16;

/**
 * Most recipients one list (a threshold's `email`, `slack` or `webhook`) may hold. Each
 * recipient is one queued delivery per alert; 50 covers a team's mailing list while refusing
 * the 100,000-address body that was accepted before (issue 8, item 6).
 */
export const MAX_RECIPIENTS_PER_LIST = 50;

// Deliberately loose: one @, no spaces or angle brackets, a dot in the domain. The SMTP
// server is the judge of deliverability; this only catches typos and pasted display names.
const EMAIL_PATTERN = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;
// RFC 5321: a path (address) is at most 256 octets including the angle brackets.
const MAX_EMAIL_LENGTH = 254;

/** True for a plain address like `ops@example.com` (no display name, at most 254 characters). */
export function isEmailAddress(value: unknown): value is string {
  return typeof value === "string" && value.length <= MAX_EMAIL_LENGTH && EMAIL_PATTERN.test(value);
}

/**
 * True for hostnames that can only mean this machine: `localhost`, 127.0.0.0/8 and ::1
 * (bracketed as `URL.hostname` gives it, or bare). Plain http is allowed to these only, so
 * tests can run real receivers without TLS while a deployed config cannot leak a secret URL
 * over the network in clear text.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[(.*)\]$/, "$1");
  if (host === "localhost" || host === "::1" || host === "0:0:0:0:0:0:0:1") return true;
  const octets = host.split(".");
  return octets.length === 4 && octets[0] === "127" && octets.every((part) => /^\d{1,3}$/.test(part) && Number(part) <= 255);
}

function parseUrl(value: unknown): URL | undefined {
  if (typeof value !== "string") return undefined;
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/** The transport rule shared by Slack and webhook URLs: https, or http to a loopback host. */
function notificationUrlProblem(value: unknown, what: string): string | undefined {
  const url = parseUrl(value);
  if (!url || url.hostname === "") return `must be ${what} (an https:// URL)`;
  if (url.protocol === "https:") return undefined;
  if (url.protocol === "http:") return isLoopbackHost(url.hostname) ? undefined : "must use https:// (plain http:// is allowed only to 127.0.0.1, ::1 or localhost)";
  return `must be ${what} (an https:// URL)`;
}

/**
 * Why `value` is not a usable Slack incoming-webhook URL, or undefined. Any https host is
 * accepted (Slack Enterprise Grid and proxies use other hosts than hooks.slack.com).
 */
export function slackWebhookUrlProblem(value: unknown): string | undefined {
  return notificationUrlProblem(value, "a Slack incoming-webhook URL");
}

/** Why `value` is not a usable webhook URL (JSON POST target), or undefined. */
export function webhookUrlProblem(value: unknown): string | undefined {
  return notificationUrlProblem(value, "a webhook URL");
}

/** Why `value` is not a `postgres://` or `postgresql://` connection URL with a host, or undefined. */
export function postgresUrlProblem(value: unknown): string | undefined {
  const url = parseUrl(value);
  if (!url || (url.protocol !== "postgres:" && url.protocol !== "postgresql:")) return "must be a postgres:// or postgresql:// URL";
  if (url.hostname === "") return "must name a host (postgres://user:password@host:5432/database)";
  return undefined;
}

/** Why `value` is not an `smtp://` or `smtps://` URL, or undefined. */
export function smtpUrlProblem(value: unknown): string | undefined {
  const url = parseUrl(value);
  if (!url || (url.protocol !== "smtp:" && url.protocol !== "smtps:") || url.hostname === "") return "must be an smtp:// or smtps:// URL";
  return undefined;
}

// An IANA zone name as the tz database spells them: "UTC", "Europe/Berlin", "America/Argentina/Buenos_Aires", "Etc/GMT+5".
const TIME_ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+){0,2}$/;

/**
 * Why `value` is not an IANA time zone name this runtime knows ("UTC", "Europe/Berlin"), or
 * undefined. The runtime's own Intl data is the list (what formats the dates must accept the
 * name); offsets like "+01:00" are refused because they ignore daylight saving time.
 */
export function timeZoneProblem(value: unknown): string | undefined {
  const problem = `must be an IANA time zone name like "UTC" or "Europe/Berlin" (got ${describeValue(value)})`;
  if (typeof value !== "string" || !TIME_ZONE_NAME.test(value)) return problem;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: value });
  } catch {
    return problem;
  }
  return undefined;
}

/**
 * Why `value` is not the URL of a page links can point into (an http(s) URL without a
 * `#fragment`, since the caller appends one per section), or undefined.
 */
export function pageUrlProblem(value: unknown): string | undefined {
  const url = parseUrl(value);
  if (!url || (url.protocol !== "https:" && url.protocol !== "http:") || url.hostname === "") return "must be an http(s) URL";
  if (typeof value === "string" && value.includes("#")) return "must not carry a #fragment: each alert appends its own section's";
  return undefined;
}

/** Why `value` is not a dashboard password (at least {@link MIN_DASHBOARD_PASSWORD_LENGTH} characters), or undefined. */
export function dashboardPasswordProblem(value: unknown): string | undefined {
  if (typeof value !== "string" || value.length < MIN_DASHBOARD_PASSWORD_LENGTH) return `must be at least ${MIN_DASHBOARD_PASSWORD_LENGTH} characters`;
  return undefined;
}

/**
 * The stable id of a month-to-date threshold, `mtd-<amount>`: part of the exactly-once
 * delivery key, so the same amount never fires twice in a month whether it came from the
 * config or the dashboard API.
 */
export function thresholdId(amountUsd: number): string {
  return `mtd-${amountUsd}`;
}

const URL_LIKE = /^[a-z][a-z0-9+.-]*:\/\//i;
// A DigitalOcean personal access token (dop_v1_ + 64 hex), an OAuth token (doo_v1_) or refresh token (dor_v1_).
const DO_TOKEN = /\bdo[por]_v1_[0-9a-f]{16,}/i;
// Long unbroken runs of token alphabet (base64/hex) are more likely keys than words; a UUID
// (an app or database id) is an identifier the user needs to see, not a secret.
const TOKEN_LIKE = /^[A-Za-z0-9+/_=-]{32,}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * True when a string should never be quoted in an error or log: any URL (Slack and webhook
 * URLs carry their secret in the path, database URLs in their credentials), a DigitalOcean
 * token, or a long token-alphabet string.
 */
export function isSecretShaped(value: string): boolean {
  // Judged on a bounded prefix: a 10 MiB string overflows the regex engine's stack, and is never shown whole anyway.
  const text = value.slice(0, 1024).trim();
  return URL_LIKE.test(text) || DO_TOKEN.test(text) || (TOKEN_LIKE.test(text) && !UUID.test(text));
}

/**
 * `text` with every URL's `user:password@` replaced by `user:***@` and DigitalOcean tokens by
 * `dop_v1_***`, for messages that must mention a URL (a driver error quoting its connection string).
 */
export function redactUrlCredentials(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)([^\s:/@]*):[^\s@/]*@/gi, "$1$2:***@").replace(/\b(do[por]_v1_)[0-9a-f]{16,}/gi, "$1***");
}

/** Longest quoted value in an error message, in characters. */
export const MAX_SHOWN_VALUE_LENGTH = 60;

/**
 * A value as it may appear in an error message: JSON, cut to {@link MAX_SHOWN_VALUE_LENGTH}
 * characters, and with every secret-shaped string (at any depth) replaced by a placeholder,
 * so a misplaced Slack URL or password is never printed back.
 */
export function describeValue(value: unknown, maxLength = MAX_SHOWN_VALUE_LENGTH): string {
  if (value === undefined) return "nothing";
  if (typeof value === "string" && isSecretShaped(value)) return "a value that looks secret (not shown)";
  let text: string | undefined;
  try {
    text = JSON.stringify(value, (_key, inner: unknown) => (typeof inner === "string" && isSecretShaped(inner) ? "(not shown)" : inner));
  } catch {
    text = undefined;
  }
  if (text === undefined) text = typeof value === "bigint" ? `${value}` : typeof value;
  return text.length > maxLength ? `${text.slice(0, maxLength - 3)}...` : text;
}
