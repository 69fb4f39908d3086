/**
 * Helpers every policy in this pack shares: reading config over schema defaults, reading inputs
 * that may be unknown during `pulumi preview`, and naming a resource in a message.
 */
import { UnknownValueError } from "@pulumi/policy";

/** The pack's config for one policy over its defaults; the engine sends defaults too, direct callers may not. */
export function configOver<T extends object>(defaults: T, given: Partial<T>): T {
  return { ...defaults, ...given };
}

/** A resource's inputs, read on demand, with every unknown value left out, and where the unknowns were. */
export interface KnownInputs {
  /**
   * The inputs, each copied out of the SDK's proxy the first time it is read; an input that is
   * unknown until deploy reads as undefined (and so does the unknown part of one).
   */
  inputs: Record<string, unknown>;
  /** Where the unknowns were, among the inputs read so far: reading `inputs.spec` records those under `spec`. */
  unknownPaths: string[];
}

const OMITTED = Symbol("unknown until deploy");

/** `container[key]` read through the SDK's proxy, or OMITTED when the proxy says it is unknown until deploy. */
function tryRead(container: object, key: string | number): unknown {
  try {
    return (container as Record<string | number, unknown>)[key];
  } catch (error) {
    if (error instanceof UnknownValueError) return OMITTED;
    throw error;
  }
}

/**
 * Reads `container[key]` (at path `where`) through the policy SDK's unknown-checking proxy and
 * copies it out, dropping unknown values and recording their paths. Reading an unknown through the
 * proxy throws, which would abort the whole policy with "can't run during preview"; here it is
 * recorded instead.
 */
function readKnown(container: object, key: string | number, where: string, unknownPaths: string[]): unknown {
  const value = tryRead(container, key);
  if (value === OMITTED) {
    unknownPaths.push(where);
    return OMITTED;
  }
  return copyKnown(value, where, unknownPaths);
}

/**
 * Copies a value read through the proxy. Every read of a proxied object goes through the SDK's
 * checks, so the length of a list is read once, and a child's path is built only when it is
 * unknown or has children of its own: a large stack's tags are read several times per preview.
 */
function copyKnown(value: unknown, where: string, unknownPaths: string[]): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) {
    const items: unknown[] = [];
    const length = value.length;
    for (let index = 0; index < length; index++) {
      const item = tryRead(value, index);
      if (item === OMITTED) unknownPaths.push(`${where}[${index}]`);
      else items.push(typeof item === "object" && item !== null ? copyKnown(item, `${where}[${index}]`, unknownPaths) : item);
    }
    return items;
  }
  const record: Record<string, unknown> = {};
  for (const child of Object.keys(value)) {
    const item = tryRead(value, child);
    if (item === OMITTED) unknownPaths.push(`${where}.${child}`);
    else record[child] = typeof item === "object" && item !== null ? copyKnown(item, `${where}.${child}`, unknownPaths) : item;
  }
  return record;
}

/**
 * The inputs as a plain object without the values that are unknown until deploy: the estimator
 * treats a missing input as unknown (never as 0), so this is what it should see.
 *
 * Each input is copied out when first read, not all of them up front: copying through the SDK's
 * proxy (a new proxy per object, an exception per unknown value) is most of what pricing a large
 * stack costs, and a policy or the estimator reads a few inputs of each resource, not its tags,
 * user data or the unknown outputs it does not price.
 */
export function knownInputs(props: Record<string, unknown>): KnownInputs {
  const unknownPaths: string[] = [];
  const copies = new Map<string, unknown>();
  const read = (key: string): unknown => {
    if (!copies.has(key)) {
      const value = readKnown(props, key, key, unknownPaths);
      copies.set(key, value === OMITTED ? undefined : value);
    }
    return copies.get(key);
  };
  // A proxy rather than a getter per input: defining thousands of accessors cost more than the
  // reads they save. Read-only; enumerating it reads (copies) every input.
  const inputs = new Proxy<Record<string, unknown>>(
    {},
    {
      get: (_target, key) => (typeof key === "string" ? read(key) : undefined),
      has: (_target, key) => typeof key === "string" && read(key) !== undefined,
      ownKeys: () => Object.keys(props).filter((key) => read(key) !== undefined),
      getOwnPropertyDescriptor: (_target, key) => {
        const value = typeof key === "string" ? read(key) : undefined;
        return value === undefined ? undefined : { value, enumerable: true, configurable: true, writable: false };
      },
      set: () => false,
      defineProperty: () => false,
      deleteProperty: () => false,
    },
  );
  return { inputs, unknownPaths };
}

/** A `tags`-like input: its known strings, and whether the list or any entry is unknown until deploy. */
export interface TagInput {
  tags: string[];
  anyUnknown: boolean;
  /** Set when the input is present but not a list of strings. */
  malformed?: string;
}

/** Reads a `tags`-like input that may be absent, unknown, or partly unknown during preview. */
export function readTags(container: object, key: string, where = key): TagInput {
  const unknownPaths: string[] = [];
  const value = readKnown(container, key, where, unknownPaths);
  const anyUnknown = unknownPaths.length > 0;
  if (value === OMITTED || value === undefined || value === null) return { tags: [], anyUnknown };
  if (!Array.isArray(value)) return { tags: [], anyUnknown, malformed: `${where} must be a list of strings (got ${JSON.stringify(value)})` };
  const nonString = value.find((tag) => typeof tag !== "string");
  if (nonString !== undefined) return { tags: [], anyUnknown, malformed: `${where} must hold strings only (got ${JSON.stringify(nonString)})` };
  return { tags: value as string[], anyUnknown };
}

/** `Droplet "web-1"`: the short type name and the Pulumi name, for messages. */
export function describeResource(type: string, name: string): string {
  return `${type.slice(type.lastIndexOf(":") + 1)} "${name}"`;
}

/** True for DigitalOcean resource types (not providers, stacks or components). */
export function isDigitalOceanType(type: string): boolean {
  return type.startsWith("digitalocean:");
}
