/**
 * Who may read the dashboard: HTTP Basic (what a browser prompts for) or a bearer token
 * (what scripts send). Every comparison runs in constant time over SHA-256 digests, so
 * neither the length nor a matching prefix of the secret leaks through response timing.
 */
import { createHash, timingSafeEqual } from "node:crypto";

/**
 * The dashboard's credentials. With a username and password, Basic auth checks both and a
 * bearer token equal to the password is accepted too (the stack documents the password as
 * usable either way); with only a token, just `Authorization: Bearer <token>` is accepted.
 */
export type DashboardAuth = { username: string; password: string } | { token: string };

/** The realm browsers show in their login prompt. */
export const AUTH_REALM = "do-cost-guard";

function digest(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}

// Equal-length digests make timingSafeEqual applicable to secrets of any length.
function sameSecret(supplied: string, expected: string): boolean {
  return timingSafeEqual(digest(supplied), digest(expected));
}

/** Whether an `Authorization` header value carries the configured credentials. */
export function isAuthorized(header: string | undefined, auth: DashboardAuth): boolean {
  if (header === undefined) return false;
  const match = /^(\w+)\s+(\S+)\s*$/.exec(header.trim());
  if (!match) return false;
  const scheme = match[1]!.toLowerCase();
  const credentials = match[2]!;
  const expectedToken = "token" in auth ? auth.token : auth.password;
  if (scheme === "bearer") return sameSecret(credentials, expectedToken);
  if (scheme !== "basic" || "token" in auth) return false;
  const decoded = Buffer.from(credentials, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return false;
  // Both halves are always compared, so a wrong username costs the same time as a wrong password.
  const userMatches = sameSecret(decoded.slice(0, colon), auth.username);
  const passwordMatches = sameSecret(decoded.slice(colon + 1), auth.password);
  return userMatches && passwordMatches;
}
