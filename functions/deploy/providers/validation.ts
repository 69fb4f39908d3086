/**
 * Shared pieces of the providers' `check` methods: Pulumi's placeholder for values not known
 * until apply, and the failure shape `check` returns.
 */
import type * as pulumi from "@pulumi/pulumi";

/**
 * What a dynamic provider sees during preview for an input that is not known yet
 * (`unknownValue` in @pulumi/pulumi/runtime/rpc.js); such inputs are checked at update time.
 */
export const UNKNOWN_INPUT = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Whether an input is Pulumi's not-yet-known placeholder. */
export function isUnknown(value: unknown): boolean {
  return value === UNKNOWN_INPUT;
}

/** Collects check failures; each reason names the property and shows the bad value. */
export class CheckFailures {
  readonly failures: pulumi.dynamic.CheckFailure[] = [];

  add(property: string, reason: string): void {
    this.failures.push({ property, reason });
  }

  /** Adds a failure unless `value` is a non-empty string (or still unknown). */
  requireString(property: string, value: unknown): value is string {
    if (isUnknown(value)) return false;
    if (typeof value === "string" && value.trim() !== "" && value === value.trim()) return true;
    this.add(property, `${property} must be a non-empty string without surrounding spaces (got ${JSON.stringify(value)})`);
    return false;
  }
}

/** Property names whose values differ (compared as JSON, so nested objects count). */
export function changedProperties<T extends object>(olds: Partial<T>, news: Partial<T>, keys: readonly (keyof T & string)[]): string[] {
  return keys.filter((key) => JSON.stringify(olds[key] ?? null) !== JSON.stringify(news[key] ?? null));
}

/** Whether a DigitalOcean or OpenWhisk error means "not found". */
export function isNotFound(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { status?: unknown }).status === 404;
}
