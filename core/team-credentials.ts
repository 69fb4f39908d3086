/**
 * The tokens a multi-team deployment reads DigitalOcean with, checked against the resolved
 * settings' teams: the stack (config.ts), the tracker action and the CLI each gather them from
 * their own place (stack secrets, action parameters, environment variables) and hand them to
 * {@link resolveTeamCredentials}, which applies the one set of rules and names every problem
 * in that place's words. No token ever appears in a problem.
 *
 * What each token is for (vendored spec, `security` of each operation):
 * - the organisation token (`organization:read` for `GET /v2/organizations/teams`,
 *   `billing:read` for `GET /v2/billing/{account_urn}/insights/…` with the `do:teamgroup:` URN)
 *   reads every team's nightly spend at once;
 * - a team's read token (`billing:read` for its balance and invoice preview, plus the resource
 *   read scopes) gives that team hourly month-to-date, inventory, advice and app watches;
 * - a team's clean-up token is write-scoped and used for nothing else.
 * A DigitalOcean token belongs to one team, so no token stands in for another team's.
 */
import { isSecretShaped } from "./validators";
import type { TrackerConfig } from "./tracker-settings";

/** What a team without a read token of its own gets: said on its dashboard and wherever it is listed. */
export const INSIGHTS_ONLY_NOTE = "tracked from organisation insights only (daily), no advice or clean-up";

/** One team's tokens. Holds secrets: never log, print or return it. */
export interface TeamCredential {
  /** The team's name (TeamConfig.name). */
  readonly team: string;
  /** The team's own read token: hourly month-to-date, inventory, advice, app watches. */
  readonly readToken?: string;
  /** The team's write-scoped token for clean-up; only where clean-up applies. */
  readonly cleanupToken?: string;
  /**
   * Derived: the team has no read token of its own, so it is {@link INSIGHTS_ONLY_NOTE}
   * (its spend comes from the organisation's billing insights, read with the organisation token).
   */
  readonly insightsOnly: boolean;
}

/** Every token a deployment runs with, per team in the settings' order. Holds secrets: never log it. */
export interface TeamCredentials {
  /** Reads organisation insights and lists teams; present exactly when the settings name an organizationUrn. */
  readonly organizationToken?: string;
  /** One entry per TrackerConfig.teams entry, in the same order. */
  readonly teams: readonly TeamCredential[];
}

/** Where each credential comes from, in the words of that place (a stack key, an action parameter, an environment variable). */
export interface CredentialPlaces {
  organizationToken: string;
  /** The read tokens as a whole, e.g. `do-cost-guard:trackerTeamTokens`. */
  readTokens: string;
  /** One team's read token, e.g. `do-cost-guard:trackerTeamTokens.staging` or `DIGITALOCEAN_TOKEN_STAGING`. */
  readToken(team: string): string;
  cleanupTokens: string;
  cleanupToken(team: string): string;
  /** The settings entry of team `index`, e.g. `do-cost-guard:billing.teams[1]`. */
  team(index: number): string;
  /** When clean-up writes, as a phrase, e.g. `do-cost-guard:billing.cleanup.apply is true`. */
  cleanupApply: string;
  /** The settings key of the organisation URN, e.g. `do-cost-guard:billing.organizationUrn`. */
  organizationUrn: string;
}

/** The tokens as gathered, before they are checked against the teams. Empty strings count as unset. */
export interface GatheredTokens {
  organizationToken?: string;
  readTokens: ReadonlyMap<string, string>;
  cleanupTokens: ReadonlyMap<string, string>;
}

/** The team's credential, by name; undefined for a name the settings do not have. */
export function credentialOf(credentials: TeamCredentials, team: string): TeamCredential | undefined {
  return credentials.teams.find((credential) => credential.team === team);
}

/**
 * A key of a name → secret map as it may be shown in a problem: a mistyped team name is
 * shown, anything that could be the secret itself (a token or password pasted as the key,
 * a reversed map) is not.
 */
export function shownKey(key: string): string {
  return isShowableKey(key) ? `"${key}"` : "a key that is not a team name (not shown: it may be a secret)";
}

function isShowableKey(key: string): boolean {
  return /^[A-Za-z0-9-]{1,40}$/.test(key) && !isSecretShaped(key);
}

/**
 * A map of team name → secret (tokens, passwords) from a JSON object, or from its JSON text
 * as Pulumi config and bound parameters carry it. Problems name `place` and the key, never a
 * value: the text is not quoted even when it does not parse. Undefined (and problems) when the
 * shape is wrong; entries with empty values are left out, like unset secrets.
 */
export function parseSecretMap(value: unknown, place: string, problems: string[]): Map<string, string> | undefined {
  let parsed = value;
  if (typeof value === "string") {
    if (value.trim() === "") return new Map();
    try {
      parsed = JSON.parse(value);
    } catch {
      problems.push(`${place} is not valid JSON: it must be an object of team name → secret`);
      return undefined;
    }
  }
  if (parsed === undefined || parsed === null) return new Map();
  if (typeof parsed !== "object" || Array.isArray(parsed)) {
    problems.push(`${place} must be an object of team name → secret (got ${kindOf(parsed)})`);
    return undefined;
  }
  const map = new Map<string, string>();
  let valid = true;
  for (const [key, secret] of Object.entries(parsed as Record<string, unknown>)) {
    if (typeof secret !== "string") {
      problems.push(`${place} entry ${shownKey(key)} must be a string (got ${kindOf(secret)})`);
      valid = false;
    } else if (secret.trim() !== "") map.set(key, secret.trim());
  }
  return valid ? map : undefined;
}

/**
 * One problem per key of a name → secret map that is not one of `teams`: the key is named
 * when it could only be a mistyped name, and never when it could be the secret itself.
 */
export function unknownKeyProblems(map: ReadonlyMap<string, string>, teams: readonly string[], mapPlace: string, entryPlace: (team: string) => string): string[] {
  const problems: string[] = [];
  const listed = `(teams: ${teams.join(", ")})`;
  for (const [key, secret] of map) {
    if (teams.includes(key)) continue;
    // A reversed map (secret → name) puts the secret in the key: never show the key then.
    if (teams.includes(secret)) problems.push(`${mapPlace} has a key that is not a team name (not shown: the map looks reversed; it must be team name → secret) ${listed}`);
    else if (isShowableKey(key)) problems.push(`${entryPlace(key)} names no team ${listed}`);
    else problems.push(`${mapPlace} has ${shownKey(key)} ${listed}`);
  }
  return problems;
}

/** Where the dashboard's passwords come from, in the words of that place. */
export interface PasswordPlaces {
  /** The per-team passwords as a whole, e.g. `do-cost-guard:dashboardTeamPasswords`. */
  teamPasswords: string;
  teamPassword(team: string): string;
  /** The dashboard's own password, e.g. `do-cost-guard:dashboardPassword`. */
  password: string;
}

/**
 * Per-team dashboard passwords checked: each names a team and passes `passwordProblem` (the
 * dashboard password rule), and each is distinct from every other and from the dashboard's own
 * password: a bearer token says which team it opens by the password alone.
 */
export function teamPasswordProblems(
  passwords: ReadonlyMap<string, string>,
  teams: readonly string[],
  mainPassword: string | undefined,
  places: PasswordPlaces,
  passwordProblem: (value: unknown) => string | undefined,
): string[] {
  const problems = unknownKeyProblems(passwords, teams, places.teamPasswords, places.teamPassword);
  const firstWith = new Map<string, string>();
  for (const [team, password] of passwords) {
    if (!teams.includes(team)) continue;
    const problem = passwordProblem(password);
    if (problem) problems.push(`${places.teamPassword(team)} ${problem}`);
    else if (password === mainPassword) problems.push(`${places.teamPassword(team)} must differ from ${places.password}: one password must open one view`);
    else if (firstWith.has(password)) problems.push(`${places.teamPassword(team)} must differ from ${places.teamPassword(firstWith.get(password)!)}: one password must open one team's view`);
    else firstWith.set(password, team);
  }
  return problems;
}

/**
 * Checks gathered tokens against the settings' teams and returns them per team, or every
 * problem: a key that names no team; an organizationUrn without the organisation token; a
 * team that cannot be read at all (no token of its own and no organisation); with clean-up
 * applying, a readable team without its write token, or a write token for a team that cannot
 * be read. A team without a read token is {@link TeamCredential.insightsOnly}.
 *
 * For a config without `teams` the implicit team's read token is required; adapters keep
 * their own wording for that one case (it is today's single-token deployment).
 */
export function resolveTeamCredentials(
  config: TrackerConfig,
  tokens: GatheredTokens,
  places: CredentialPlaces,
  cleanupApplies: boolean,
): { ok: true; credentials: TeamCredentials } | { ok: false; problems: string[] } {
  const names = config.teams.map((team) => team.name);
  const problems = [
    ...unknownKeyProblems(tokens.readTokens, names, places.readTokens, places.readToken),
    ...unknownKeyProblems(tokens.cleanupTokens, names, places.cleanupTokens, places.cleanupToken),
  ];
  const organizationToken = config.organizationUrn !== undefined ? blankToUndefined(tokens.organizationToken) : undefined;
  if (config.organizationUrn !== undefined && organizationToken === undefined) {
    problems.push(`${places.organizationToken} is required when ${places.organizationUrn} is set (organization:read and billing:read)`);
  }
  const teams = config.teams.map((team, index): TeamCredential => {
    const readToken = blankToUndefined(tokens.readTokens.get(team.name));
    const cleanupToken = cleanupApplies ? blankToUndefined(tokens.cleanupTokens.get(team.name)) : undefined;
    if (readToken === undefined && config.organizationUrn === undefined) {
      problems.push(`${places.team(index)} (${team.name}) cannot be read: set ${places.readToken(team.name)}, or ${places.organizationUrn} with ${places.organizationToken}`);
    }
    if (cleanupApplies && readToken !== undefined && cleanupToken === undefined) {
      problems.push(`${places.cleanupToken(team.name)} is required when ${places.cleanupApply} (a write-scoped token for team ${team.name})`);
    }
    if (cleanupApplies && readToken === undefined && cleanupToken !== undefined) {
      problems.push(`${places.cleanupToken(team.name)} is set but team ${team.name} has no ${places.readToken(team.name)}: clean-up reads a resource before it writes`);
    }
    return { team: team.name, ...(readToken === undefined ? {} : { readToken }), ...(cleanupToken === undefined ? {} : { cleanupToken }), insightsOnly: readToken === undefined };
  });
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, credentials: Object.freeze({ ...(organizationToken === undefined ? {} : { organizationToken }), teams: Object.freeze(teams.map((t) => Object.freeze(t))) }) };
}

/** The credentials of a single-team config: the implicit team's read token (required by the caller) and its clean-up token. */
export function singleTeamCredentials(config: TrackerConfig, readToken: string, cleanupToken: string | undefined): TeamCredentials {
  const team = config.teams[0]!;
  return Object.freeze({ teams: Object.freeze([Object.freeze({ team: team.name, readToken, ...(cleanupToken ? { cleanupToken } : {}), insightsOnly: false })]) });
}

/** What a value is, without quoting it (it may be a secret). */
function kindOf(value: unknown): string {
  if (Array.isArray(value)) return "a list";
  if (value === null) return "null";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

function blankToUndefined(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === "" ? undefined : trimmed;
}
