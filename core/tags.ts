/**
 * DigitalOcean tag rules, shared by the policy pack (which polices tags before deploy) and the
 * tracker (which allocates invoice lines by tag). Tags are flat strings; by convention a tag
 * `env:prod` carries the key `env` and the value `prod`.
 *
 * Source of the name rules: DigitalOcean OpenAPI spec, `specification/resources/tags/models/tags.yml`
 * (`name.pattern` and `name.maxLength`), commit 7c1300c of 2026-08-07.
 */

/** The pattern every DigitalOcean tag name must match (tags.yml `name.pattern`). */
export const DO_TAG_PATTERN = /^[a-zA-Z0-9_\-:]+$/;

/** The longest tag name DigitalOcean accepts, in characters (tags.yml `name.maxLength`). */
export const DO_TAG_MAX_LENGTH = 255;

/** A tag split at its first colon; `value` is null for a bare tag such as `web`. */
export interface ParsedTag {
  key: string;
  value: string | null;
}

/** Why one tag is not a valid DigitalOcean tag name. */
export interface InvalidTag {
  tag: string;
  reason: string;
}

/** A `key:value` tag whose value is outside the allowed list for its key. */
export interface DisallowedTagValue {
  key: string;
  value: string;
  allowed: readonly string[];
}

/**
 * Splits a tag at its first colon, so `team:web:blue` has key `team` and value `web:blue`
 * (the pattern allows further colons, and the key is what allocation groups by).
 */
export function parseTag(tag: string): ParsedTag {
  const colon = tag.indexOf(":");
  if (colon === -1) return { key: tag, value: null };
  return { key: tag.slice(0, colon), value: tag.slice(colon + 1) };
}

/**
 * Whether `tags` carry the tag `name` as DigitalOcean stores it. Tag names are case-stable in
 * DigitalOcean (creating `protected` when `Protected` exists gives `Protected`; tags.yml), so
 * the match ignores case; `name:<anything>` counts too, so `protected:until-q3` is `protected`.
 */
export function hasTagName(tags: readonly string[], name: string): boolean {
  const wanted = name.toLowerCase();
  return tags.some((tag) => {
    const lower = tag.toLowerCase();
    return lower === wanted || lower.startsWith(`${wanted}:`);
  });
}

/** The values of the `key:value` tags whose key is `key`, compared case-insensitively (see {@link hasTagName}). */
export function tagValuesOf(tags: readonly string[], key: string): string[] {
  const wanted = key.toLowerCase();
  return tags.map(parseTag).filter((tag) => tag.value !== null && tag.key.toLowerCase() === wanted).map((tag) => tag.value as string);
}

/** The distinct keys of `key:value` tags, in first-seen order; bare tags carry no key. */
export function tagKeys(tags: readonly string[]): string[] {
  const keys = new Set<string>();
  for (const tag of tags) {
    const { key, value } = parseTag(tag);
    if (value !== null) keys.add(key);
  }
  return [...keys];
}

/**
 * The required keys that no tag supplies with a non-empty value. `env:` and a bare `env` do not
 * count: an empty value allocates nothing. Keys compare exactly, because the tracker groups
 * invoice lines by the exact key.
 */
export function missingRequiredKeys(tags: readonly string[], required: readonly string[]): string[] {
  const present = new Set<string>();
  for (const tag of tags) {
    const { key, value } = parseTag(tag);
    if (value) present.add(key);
  }
  return required.filter((key) => !present.has(key));
}

/** Every tag that DigitalOcean would reject, with the rule it breaks. */
export function invalidTags(tags: readonly string[]): InvalidTag[] {
  const invalid: InvalidTag[] = [];
  for (const tag of tags) {
    if (tag.length === 0) {
      invalid.push({ tag, reason: "is empty" });
    } else if (tag.length > DO_TAG_MAX_LENGTH) {
      invalid.push({ tag, reason: `is ${tag.length} characters long (max ${DO_TAG_MAX_LENGTH})` });
    } else if (!DO_TAG_PATTERN.test(tag)) {
      const badCharacters = [...new Set(tag.replace(/[a-zA-Z0-9_\-:]/g, ""))].map((c) => JSON.stringify(c));
      invalid.push({ tag, reason: `contains ${badCharacters.join(", ")} (allowed: letters, digits, "_", "-", ":")` });
    }
  }
  return invalid;
}

/** `key:value` tags whose key has an allow-list in `allowedValues` that does not include the value. */
export function disallowedTagValues(
  tags: readonly string[],
  allowedValues: Readonly<Record<string, readonly string[]>>,
): DisallowedTagValue[] {
  const disallowed: DisallowedTagValue[] = [];
  for (const tag of tags) {
    const { key, value } = parseTag(tag);
    const allowed = Object.prototype.hasOwnProperty.call(allowedValues, key) ? allowedValues[key] : undefined;
    if (value !== null && allowed !== undefined && !allowed.includes(value)) disallowed.push({ key, value, allowed });
  }
  return disallowed;
}

/**
 * The tag requirement both the policy pack (`do-resource-require-tags`, before deploy) and the
 * tracker's runtime hygiene report (`untagged`, for what bypassed the pack) enforce: one shape,
 * one default, one verdict, so the two can never disagree on what "tagged" means.
 */
export interface RequireTagsConfig {
  /** Keys every taggable resource needs as `key:value` tags. */
  requiredKeys: string[];
  /** Optional allow-list of values per key, e.g. `{ "env": ["prod", "staging"] }`. */
  allowedValues: Record<string, string[]>;
}

/**
 * Defaults: env/service/owner are the three keys the tracker allocates spend by
 * (do-cost-guard convention, 2026-11-27); no value allow-lists until a stack's config sets them.
 */
export const REQUIRE_TAGS_DEFAULTS: Readonly<RequireTagsConfig> = Object.freeze({
  requiredKeys: ["env", "service", "owner"],
  allowedValues: {},
});

/** What is wrong with a resource's tags under a requirement; both lists empty when it complies. */
export interface TagRequirementVerdict {
  missingKeys: string[];
  disallowed: DisallowedTagValue[];
}

/** Judges `tags` against `config`: the required keys no tag supplies, and the values an allow-list refuses. */
export function checkRequiredTags(tags: readonly string[], config: Readonly<RequireTagsConfig>): TagRequirementVerdict {
  return { missingKeys: missingRequiredKeys(tags, config.requiredKeys), disallowed: disallowedTagValues(tags, config.allowedValues) };
}

/**
 * The tags as they should read: each tag with a disallowed value becomes a placeholder, and a
 * placeholder is appended for each missing key, so a violation message can show the line to
 * paste, e.g. `["env:prod", "service:<service>"]` or `["env:<prod|staging>"]`.
 */
export function suggestedTags(
  tags: readonly string[],
  missingKeys: readonly string[],
  allowedValues: Readonly<Record<string, readonly string[]>> = {},
): string[] {
  const allowedFor = (key: string): readonly string[] | undefined =>
    Object.prototype.hasOwnProperty.call(allowedValues, key) ? allowedValues[key] : undefined;
  const placeholder = (key: string): string => `${key}:<${allowedFor(key)?.join("|") ?? key}>`;
  const kept = tags.map((tag) => {
    const { key, value } = parseTag(tag);
    const allowed = allowedFor(key);
    return value !== null && allowed !== undefined && !allowed.includes(value) ? placeholder(key) : tag;
  });
  return [...kept, ...missingKeys.map(placeholder)];
}

const token = (module: string, name: string): string => `digitalocean:index/${module}:${name}`;

/**
 * `@pulumi/digitalocean` 4.80.1 resource types whose `tags` input labels the resource itself and
 * which DigitalOcean bills. Firewall and MonitorAlert also have a `tags` input, but there it
 * selects the droplets they act on, so requiring `env`/`owner` there would be wrong.
 */
export const TAGGABLE_RESOURCE_TYPES: ReadonlySet<string> = new Set([
  token("droplet", "Droplet"),
  token("databaseCluster", "DatabaseCluster"),
  token("databaseReplica", "DatabaseReplica"),
  token("volume", "Volume"),
  token("volumeSnapshot", "VolumeSnapshot"),
  token("customImage", "CustomImage"),
  token("kubernetesCluster", "KubernetesCluster"),
  token("kubernetesNodePool", "KubernetesNodePool"),
  token("nfs", "Nfs"),
]);

/**
 * Cost-bearing `@pulumi/digitalocean` types with no `tags` input: invoice lines for them can only
 * be allocated through the DigitalOcean Project they belong to (`project_name` on invoice items).
 */
export const UNTAGGABLE_COST_BEARING_TYPES: ReadonlySet<string> = new Set([
  token("app", "App"),
  token("loadBalancer", "LoadBalancer"),
  token("spacesBucket", "SpacesBucket"),
  token("reservedIp", "ReservedIp"),
  token("floatingIp", "FloatingIp"),
  token("reservedIpv6", "ReservedIpv6"),
  token("cdn", "Cdn"),
  token("containerRegistry", "ContainerRegistry"),
  token("containerRegistries", "ContainerRegistries"),
  token("dropletSnapshot", "DropletSnapshot"),
  token("vpcNatGateway", "VpcNatGateway"),
]);

/** True when resources of this Pulumi type carry their own DigitalOcean tags. */
export function isTaggableType(resourceType: string): boolean {
  return TAGGABLE_RESOURCE_TYPES.has(resourceType);
}

/** True when resources of this Pulumi type cost money but cannot carry tags. */
export function isUntaggableCostBearingType(resourceType: string): boolean {
  return UNTAGGABLE_COST_BEARING_TYPES.has(resourceType);
}
