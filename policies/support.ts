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
   * The inputs, each copied out the first time it is read; an input that is unknown until deploy
   * reads as undefined (and so does the unknown part of one).
   */
  inputs: Record<string, unknown>;
  /** Where the unknowns were, among the inputs read so far: reading `inputs.spec` records those under `spec`. */
  unknownPaths: string[];
}

const OMITTED = Symbol("unknown until deploy");

/**
 * What a value unknown until deploy arrives as, one marker per kind (boolean, number, string,
 * array, asset, archive, object): the engine's RPC marshalling puts them where it cannot give a
 * value yet, and the policy SDK's deserializer passes them through as these strings
 * (@pulumi/policy 1.21.0 proxy.js `unknown*Value`; the string one is @pulumi/pulumi's
 * `runtime.unknownValue`). tests/policies/support.test.ts checks they still match the SDK's.
 */
const UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const UNKNOWN_MARKERS: ReadonlySet<string> = new Set([
  "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",
  "3eeb2bf0-c639-47a8-9e75-3b44932eb421",
  UNKNOWN_STRING,
  "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",
  "030794c1-ac77-496b-92df-f27374a8bd58",
  "e48ece36-62e2-4504-bad9-02848725956a",
  "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",
]);

/**
 * `container[key]` as the SDK deserialized it, read past its unknown-checking proxy: the proxy
 * traps only `get`, so a property's descriptor comes from the proxy's target. Reading through
 * `get` costs a new proxy per object and an exception per unknown value, which on a 5,000-resource
 * stack was most of what the pack spent reading inputs; UNKNOWN_MARKERS say what is unknown instead.
 * Should a later SDK trap descriptors and throw for unknowns, that is honoured too.
 */
function rawValue(container: object, key: string): unknown {
  try {
    const descriptor = Object.getOwnPropertyDescriptor(container, key);
    if (descriptor === undefined) return undefined;
    return "value" in descriptor ? descriptor.value : (container as Record<string, unknown>)[key];
  } catch (error) {
    // Passed on as a marker, so copyKnown records it like any other unknown.
    if (error instanceof UnknownValueError) return UNKNOWN_STRING;
    throw error;
  }
}

/**
 * Reads `container[key]` (at path `where`) and copies it out, dropping unknown values and recording
 * their paths: reading an unknown through the SDK's proxy would throw and abort the whole policy
 * with "can't run during preview", and the estimator must see a missing input, never a marker.
 */
function readKnown(container: object, key: string, where: string, unknownPaths: string[]): unknown {
  return copyKnown(rawValue(container, key), where, unknownPaths);
}

/** Copies a deserialized value without its unknowns; a child's path is built only when it is unknown or has children. */
function copyKnown(value: unknown, where: string, unknownPaths: string[]): unknown {
  if (typeof value === "string") {
    if (!UNKNOWN_MARKERS.has(value)) return value;
    unknownPaths.push(where);
    return OMITTED;
  }
  if (typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) {
    const items: unknown[] = [];
    for (let index = 0; index < value.length; index++) {
      const item = value[index] as unknown;
      if (typeof item === "string" && !UNKNOWN_MARKERS.has(item)) items.push(item);
      else {
        const copy = copyKnown(item, `${where}[${index}]`, unknownPaths);
        if (copy !== OMITTED) items.push(copy);
      }
    }
    return items;
  }
  const record: Record<string, unknown> = {};
  for (const child of Object.keys(value)) {
    const item = (value as Record<string, unknown>)[child];
    if (typeof item === "string" && !UNKNOWN_MARKERS.has(item)) record[child] = item;
    else {
      const copy = copyKnown(item, `${where}.${child}`, unknownPaths);
      if (copy !== OMITTED) record[child] = copy;
    }
  }
  return record;
}

/**
 * The inputs as a plain object without the values that are unknown until deploy: the estimator
 * treats a missing input as unknown (never as 0), so this is what it should see.
 *
 * Each input is copied out when first read, not all of them up front: a policy or the estimator
 * reads a few inputs of each resource, not its tags, user data or the unknown outputs it does not
 * price, and only the inputs read are named among the unknowns.
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
