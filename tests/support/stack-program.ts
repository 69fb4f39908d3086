/**
 * Runs this repository's Pulumi program (index.ts) under the recording mocks of the offline
 * plan, with a stack file's configuration or a given one. One run per test file: Pulumi's
 * runtime state is per process (jest gives each test file its own).
 */
import * as path from "path";
import { ProgramRun, RecordedResource, runProgram } from "../../scripts/lib/program-runner";
import { loadStackConfig } from "../../scripts/lib/stack-config";

export const REPO_ROOT = path.resolve(__dirname, "../..");

/** Runs index.ts with Pulumi.<stack>.yaml, plus `overrides` (un-namespaced keys, JSON-encoded if not strings). */
export async function runStackProgram(stack = "prod", overrides: Record<string, unknown> = {}): Promise<ProgramRun> {
  const resolved = loadStackConfig(REPO_ROOT, stack);
  const config = { ...resolved.config };
  for (const [key, value] of Object.entries(overrides)) {
    config[`${resolved.project}:${key}`] = typeof value === "string" ? value : JSON.stringify(value);
  }
  return runProgram({ main: resolved.main, project: resolved.project, stack, config, secretKeys: resolved.secretKeys });
}

export function resourcesOfType(run: ProgramRun, type: string): RecordedResource[] {
  return run.resources.filter((r) => r.type === type);
}

export const MONITOR_ALERT = "digitalocean:index/monitorAlert:MonitorAlert";
