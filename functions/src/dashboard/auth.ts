/**
 * Who may read the dashboard, and what: HTTP Basic (what a browser prompts for) or a bearer
 * token (what scripts send), with the dashboard's own password (every view) or a team's own
 * password (that team's view only). Every comparison runs in constant time over SHA-256
 * digests, and every configured password is compared on every request, so neither the length
 * nor a matching prefix of a secret, nor which password matched, leaks through response timing.
 */
import { createHash, timingSafeEqual } from "node:crypto";

/**
 * The dashboard's credentials. With a username and password, Basic auth checks both and a
 * bearer token equal to the password is accepted too (the stack documents the password as
 * usable either way); with only a token, just `Authorization: Bearer <token>` is accepted.
 */
export type DashboardAuth = { username: string; password: string } | { token: string };

/** Who a request is: the dashboard's own password (everything) or one team's password (that team only). */
export type DashboardViewer = { kind: "all" } | { kind: "team"; team: string };

/** The realm browsers show in their login prompt. */
export const AUTH_REALM = "do-cost-guard";

function digest(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}

// Equal-length digests make timingSafeEqual applicable to secrets of any length.
function sameSecret(supplied: string, expected: string): boolean {
  return timingSafeEqual(digest(supplied), digest(expected));
}

/** The secret a request offers and whether its username (Basic) is the dashboard's; undefined when the header is not one we accept. */
function offered(header: string | undefined, auth: DashboardAuth): { secret: string; userMatches: boolean } | undefined {
  if (header === undefined) return undefined;
  const match = /^(\w+)\s+(\S+)\s*$/.exec(header.trim());
  if (!match) return undefined;
  const scheme = match[1]!.toLowerCase();
  const credentials = match[2]!;
  if (scheme === "bearer") return { secret: credentials, userMatches: true };
  if (scheme !== "basic" || "token" in auth) return undefined;
  const decoded = Buffer.from(credentials, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return undefined;
  return { secret: decoded.slice(colon + 1), userMatches: sameSecret(decoded.slice(0, colon), auth.username) };
}

/**
 * Who an `Authorization` header value says the request is, or undefined when it carries no
 * configured credentials. A team's password opens that team's view with the same username
 * (Basic) or alone (bearer). Every secret is compared, whatever matched first: a wrong
 * username costs the same time as a wrong password, and a team's password as the main one.
 */
export function authenticate(header: string | undefined, auth: DashboardAuth, teamPasswords: ReadonlyMap<string, string> = new Map()): DashboardViewer | undefined {
  const request = offered(header, auth);
  if (!request) return undefined;
  const expected = "token" in auth ? auth.token : auth.password;
  const main = sameSecret(request.secret, expected);
  let team: string | undefined;
  for (const [name, password] of teamPasswords) if (sameSecret(request.secret, password)) team = name;
  if (!request.userMatches) return undefined;
  if (main) return { kind: "all" };
  return team === undefined ? undefined : { kind: "team", team };
}
