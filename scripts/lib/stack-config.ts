/**
 * Reads a Pulumi project's configuration the way the Pulumi CLI assembles it for a stack:
 * project defaults from Pulumi.yaml, overridden by Pulumi.<stack>.yaml. Secrets cannot be
 * decrypted offline (that needs the stack's key), so encrypted values — and secret keys the
 * stack has not set yet — are replaced by placeholders, each with a warning.
 */
import * as fs from "fs";
import { CORE_SCHEMA, load as loadYaml, mergeTag } from "js-yaml";
import * as path from "path";

export interface ResolvedStackConfig {
  project: string;
  /** Entry point of the program (absolute path). */
  main: string;
  /** Full keys ("project:key") → values as Pulumi hands them to programs (objects JSON-encoded). */
  config: Record<string, string>;
  /** Full keys whose values are secrets (placeholders offline). */
  secretKeys: string[];
  warnings: string[];
}

export class StackConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StackConfigError";
  }
}

interface ProjectFile {
  name?: unknown;
  main?: unknown;
  config?: Record<string, unknown>;
  /** `pulumi new`'s prompts: keys a stack may set, none required; secrets among them are placeholdered offline. */
  template?: { config?: Record<string, unknown> };
}

interface ConfigDeclaration {
  /** From template.config: no stack must set it. */
  optional?: boolean;
  type?: string;
  default?: unknown;
  secret?: boolean;
  description?: string;
}

/**
 * Placeholder for a secret the plan cannot decrypt. Shaped like the value it stands for, so a
 * program's own validation (e.g. "must be a Slack webhook URL") still passes offline.
 */
export function secretPlaceholder(key: string): string {
  // A map of secrets by name (trackerTeamTokens, dashboardTeamPasswords): none set.
  if (/(tokens|passwords)$/i.test(key)) return "{}";
  if (/slack/i.test(key) && /url$/i.test(key)) return "https://hooks.slack.com/services/OFFLINE/PLAN/PLACEHOLDER";
  if (/database/i.test(key) && /url$/i.test(key)) return "postgres://offline-plan:placeholder@offline-plan.invalid:5432/placeholder";
  if (/smtp/i.test(key) && /url$/i.test(key)) return "smtp://offline-plan:placeholder@offline-plan.invalid:587";
  if (/url$/i.test(key)) return "https://offline-plan.invalid/placeholder";
  // Named after its key, so two placeholders never look like the same secret (passwords must differ).
  return `offline-plan-placeholder-${key.replace(/^.*:/, "")}`;
}

/** Loads the project's and the stack's configuration from `programDir`. */
export function loadStackConfig(programDir: string, stack: string): ResolvedStackConfig {
  const projectPath = path.join(programDir, "Pulumi.yaml");
  const project = readYaml<ProjectFile>(projectPath);
  if (!project) throw new StackConfigError(`${projectPath} not found: --program must be a Pulumi project directory`);
  if (typeof project.name !== "string" || project.name === "") throw new StackConfigError(`${projectPath}: name must be set`);
  const projectName = project.name;
  if (project.config !== undefined && project.config !== null && !isRecord(project.config)) {
    throw new StackConfigError(`${projectPath}: config must be a map of keys to declarations (got ${describeYaml(project.config)})`);
  }
  const fullKey = (key: string) => (key.includes(":") ? key : `${projectName}:${key}`);

  const config: Record<string, string> = {};
  const secretKeys = new Set<string>();
  const warnings: string[] = [];
  const declarations = new Map<string, ConfigDeclaration>();
  for (const [key, raw] of Object.entries(project.config ?? {})) {
    // A declaration is an object with type/default/secret/description; anything else is a plain project value.
    const isDeclaration = isRecord(raw) && ["type", "default", "secret", "description", "items", "value"].some((k) => k in raw);
    if (!isDeclaration) {
      config[fullKey(key)] = encode(raw);
      continue;
    }
    const declaration = raw as ConfigDeclaration & { value?: unknown };
    declarations.set(fullKey(key), declaration);
    if ("value" in declaration) config[fullKey(key)] = encode(declaration.value);
    else if ("default" in declaration) config[fullKey(key)] = encode(declaration.default);
  }

  const stackPath = path.join(programDir, `Pulumi.${stack}.yaml`);
  const stackFile = readYaml<unknown>(stackPath);
  if (stackFile !== undefined && !isRecord(stackFile)) throw new StackConfigError(`${stackPath} must be a map with a config: key (got ${describeYaml(stackFile)})`);
  const stackConfig = stackFile?.config ?? {};
  // Iterating a list or a string here would turn its indexes into keys and plan a stack nobody configured.
  if (!isRecord(stackConfig)) throw new StackConfigError(`${stackPath}: config must be a map of keys to values (got ${describeYaml(stackConfig)})`);
  for (const [key, raw] of Object.entries(stackConfig)) {
    const full = fullKey(key);
    if (containsSecure(raw)) {
      secretKeys.add(full);
      warnings.push(`${full} is encrypted in ${path.basename(stackPath)}; the offline plan uses a placeholder`);
      config[full] = encode(replaceSecure(raw, full));
    } else {
      config[full] = encode(raw);
    }
  }

  // Optional secrets (template.config): required of no stack, so unset ones only get a placeholder,
  // which the program reads only when the stack's settings need it.
  const templateConfig = isRecord(project.template) && isRecord(project.template.config) ? project.template.config : {};
  for (const [key, raw] of Object.entries(templateConfig)) {
    if (!isRecord(raw) || raw.secret !== true || declarations.has(fullKey(key))) continue;
    declarations.set(fullKey(key), { secret: true, optional: true });
  }

  const missing: string[] = [];
  for (const [key, declaration] of declarations) {
    if (declaration.secret) secretKeys.add(key);
    if (key in config) continue;
    if (declaration.secret) {
      config[key] = secretPlaceholder(key);
      warnings.push(
        declaration.optional
          ? `${key} is an optional secret the stack has not set; where its settings need it, the offline plan uses a placeholder (pulumi config set --secret ${key.split(":")[1]} …)`
          : `${key} is a secret the stack has not set (pulumi config set --secret ${key.split(":")[1]} …); the offline plan uses a placeholder`,
      );
    } else {
      missing.push(key);
    }
  }
  if (missing.length > 0) {
    throw new StackConfigError(`Stack '${stack}' is missing configuration value${missing.length > 1 ? "s" : ""} ${missing.map((k) => `'${k}'`).join(", ")}`);
  }

  return { project: projectName, main: resolveMain(programDir, project.main), config, secretKeys: [...secretKeys], warnings };
}

function resolveMain(programDir: string, main: unknown): string {
  const candidates: string[] = [];
  if (typeof main === "string") {
    const target = path.resolve(programDir, main);
    candidates.push(target, path.join(target, "index.ts"), path.join(target, "index.js"));
  } else {
    const pkgPath = path.join(programDir, "package.json");
    if (fs.existsSync(pkgPath)) {
      const pkgMain = (JSON.parse(fs.readFileSync(pkgPath, "utf8")) as { main?: unknown }).main;
      if (typeof pkgMain === "string") candidates.push(path.resolve(programDir, pkgMain));
    }
    candidates.push(path.join(programDir, "index.ts"), path.join(programDir, "index.js"));
  }
  const found = candidates.find((file) => fs.existsSync(file) && fs.statSync(file).isFile());
  if (!found) throw new StackConfigError(`no program entry point in ${programDir} (looked for ${candidates.map((c) => path.relative(programDir, c)).join(", ")})`);
  return found;
}

/**
 * The YAML the Pulumi CLI reads (Go's yaml.v3): the YAML 1.2 core schema, so a date-like value
 * stays the text it was (yaml.v3 hands timestamps to untyped config as strings), plus `<<` merge
 * keys, which yaml.v3 honours and js-yaml 5's core schema leaves out.
 */
const PULUMI_YAML_SCHEMA = CORE_SCHEMA.withTags(mergeTag);

function readYaml<T>(file: string): T | undefined {
  if (!fs.existsSync(file)) return undefined;
  try {
    return (loadYaml(fs.readFileSync(file, "utf8"), { schema: PULUMI_YAML_SCHEMA }) ?? {}) as T;
  } catch (err) {
    throw new StackConfigError(`${file} is not valid YAML: ${(err as Error).message}`);
  }
}

/** "a list", "the string \"x\"", … — what a YAML value is, without echoing a possibly long or secret value whole. */
function describeYaml(value: unknown): string {
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (value === null) return "an empty value";
  return `a ${typeof value}`;
}

function encode(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function containsSecure(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(containsSecure);
  if (!isRecord(value)) return false;
  if (Object.keys(value).length === 1 && typeof value.secure === "string") return true;
  return Object.values(value).some(containsSecure);
}

function replaceSecure(value: unknown, key: string): unknown {
  if (Array.isArray(value)) return value.map((item) => replaceSecure(item, key));
  if (!isRecord(value)) return value;
  if (Object.keys(value).length === 1 && typeof value.secure === "string") return secretPlaceholder(key);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceSecure(v, k)]));
}
