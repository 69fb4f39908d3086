/**
 * The GitHub workflows, checked without GitHub: every npm script and repository file they use
 * exists, every third-party action is pinned to a commit, the pull request's code never runs
 * with secrets or a write token, and the shell steps that decide the PR comment are run for real
 * — the baseline step in a depth-1 clone of a throwaway repository (a file:// remote under the
 * system temp directory, no network), with `npm` and `gh` replaced by shims that record their
 * arguments — under the shell GitHub uses for `run:` (`bash --noprofile --norc -eo pipefail`).
 */
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as os from "os";
import * as path from "path";
import * as semver from "semver";
import { ACTIVE_LTS_LINE, END_OF_LIFE_LINE, enginesNode, lowestAdmitted, SUPPORTED_LINES } from "./node-support";

const REPO_ROOT = path.resolve(__dirname, "..", "..");
const WORKFLOW_DIR = path.join(REPO_ROOT, ".github", "workflows");

interface Step {
  name?: string;
  id?: string;
  if?: string;
  uses?: string;
  run?: string;
  shell?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}

interface Job {
  if?: string;
  strategy?: { matrix?: Record<string, unknown>; "fail-fast"?: boolean };
  needs?: string | string[];
  env?: Record<string, string>;
  permissions?: Record<string, string> | string;
  defaults?: unknown;
  steps: Step[];
}

interface Workflow {
  name: string;
  on: Record<string, unknown>;
  permissions?: Record<string, string> | string;
  defaults?: unknown;
  jobs: Record<string, Job>;
}

interface WorkflowFile {
  file: string;
  text: string;
  workflow: Workflow;
}

function readWorkflows(): WorkflowFile[] {
  return fs
    .readdirSync(WORKFLOW_DIR)
    .filter((file) => /\.ya?ml$/.test(file))
    .sort()
    .map((file) => {
      const text = fs.readFileSync(path.join(WORKFLOW_DIR, file), "utf8");
      return { file, text, workflow: yaml.load(text) as Workflow };
    });
}

const workflows = readWorkflows();
const packageJson = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as {
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

// A line of a run script that calls the Pulumi CLI (not a message that mentions it).
const PULUMI_COMMAND = /^\s*pulumi\s+(preview|up)\b/m;

function workflowNamed(file: string): Workflow {
  const found = workflows.find((w) => w.file === file);
  if (!found) throw new Error(`.github/workflows/${file} is missing`);
  return found.workflow;
}

function allSteps(): { file: string; job: string; step: Step }[] {
  return workflows.flatMap(({ file, workflow }) => Object.entries(workflow.jobs).flatMap(([job, { steps }]) => steps.map((step) => ({ file, job, step }))));
}

function stepNamed(workflow: Workflow, job: string, pattern: RegExp): Step {
  const step = workflow.jobs[job]?.steps.find((s) => s.name !== undefined && pattern.test(s.name));
  if (!step?.run) throw new Error(`no run step matching ${pattern} in job ${job}`);
  return step;
}

describe("the workflows use what the repository has", () => {
  test("there are the four workflows, each parsed with jobs and steps", () => {
    expect(workflows.map((w) => w.file)).toEqual(["forward-compat.yml", "preview-comment.yml", "preview.yml", "up.yml"]);
    for (const { file, workflow } of workflows) {
      expect({ file, jobs: Object.keys(workflow.jobs ?? {}).length > 0 }).toEqual({ file, jobs: true });
    }
  });

  test("every npm script a workflow runs is defined in package.json", () => {
    const used = new Set<string>();
    for (const { step } of allSteps()) {
      for (const match of (step.run ?? "").matchAll(/\bnpm\s+(?:run(?:-script)?\s+([\w:.-]+)|(test)\b)/g)) used.add(match[1] ?? match[2]!);
    }
    expect([...used].sort()).toEqual(expect.arrayContaining(["plan", "test"]));
    const missing = [...used].filter((script) => packageJson.scripts[script] === undefined);
    expect(missing).toEqual([]);
  });

  test("every repository path a workflow names exists", () => {
    const paths = new Set<string>(["package-lock.json"]); // setup-node's `cache: npm` keys on it
    for (const { step } of allSteps()) {
      const run = step.run ?? "";
      for (const match of run.matchAll(/--(policy-pack|policy-pack-config|config|program)\s+("?)([^\s"$]+)\2/g)) {
        paths.add(match[3]!);
        if (match[1] === "policy-pack") paths.add(path.join(match[3]!, "PulumiPolicy.yaml"));
      }
      if (PULUMI_COMMAND.test(run)) {
        paths.add("Pulumi.yaml");
        // The stack is `vars.PULUMI_STACK` or the default named in the expression.
        const stackDefault = /PULUMI_STACK\s*\|\|\s*'([\w.-]+)'/.exec(step.env?.STACK ?? "");
        expect(stackDefault).not.toBeNull();
        paths.add(`Pulumi.${stackDefault![1]}.yaml`);
      }
    }
    expect([...paths]).toEqual(expect.arrayContaining(["policies", "policy-config.json", "Pulumi.prod.yaml"]));
    const missing = [...paths].filter((p) => !fs.existsSync(path.join(REPO_ROOT, p)));
    expect(missing).toEqual([]);
  });

  test("every repository script a workflow runs exists and is executable", () => {
    const scripts = new Set<string>();
    for (const { step } of allSteps()) for (const match of (step.run ?? "").matchAll(/(?:^|[\s;&|(])(\.ci\/[\w.-]+)/g)) scripts.add(match[1]!);
    expect([...scripts]).toEqual([".ci/forward-compat"]);
    for (const script of scripts) {
      const mode = fs.statSync(path.join(REPO_ROOT, script)).mode;
      expect({ script, executable: (mode & 0o111) !== 0 }).toEqual({ script, executable: true });
    }
  });

  test("the policy pack the CLI loads is committed, or built earlier in the same job", () => {
    const checked: string[] = [];
    for (const { file, workflow } of workflows) {
      for (const [jobName, job] of Object.entries(workflow.jobs)) {
        job.steps.forEach((step, index) => {
          const pack = /^\s*pulumi\s+(?:preview|up)\b.*--policy-pack\s+(\S+)/m.exec(step.run ?? "")?.[1];
          if (!pack) return;
          const main = (JSON.parse(fs.readFileSync(path.join(REPO_ROOT, pack, "package.json"), "utf8")) as { main?: string }).main ?? "index.js";
          const mainPath = path.posix.join(pack, main);
          const committed = spawnSync("git", ["ls-files", "--error-unmatch", mainPath], { cwd: REPO_ROOT }).status === 0;
          const builtBefore = job.steps.slice(0, index).some((earlier) => /^\s*npm run build:policies\s*$/m.test(earlier.run ?? ""));
          checked.push(`${file} ${jobName}: ${mainPath}`);
          expect({ where: `${file} ${jobName}`, mainPath, committedOrBuilt: committed || (builtBefore && packageJson.scripts["build:policies"] !== undefined) }).toEqual({ where: `${file} ${jobName}`, mainPath, committedOrBuilt: true });
        });
      }
    }
    expect(checked).toHaveLength(2);
  });

  test("every third-party action is pinned to a full commit SHA, the version beside it, the same pin everywhere", () => {
    const pins = new Map<string, Set<string>>();
    const problems: string[] = [];
    for (const { file, text } of workflows) {
      text.split("\n").forEach((line, index) => {
        const uses = /^\s*(?:-\s*)?uses:\s*(\S+)(.*)$/.exec(line);
        if (!uses) return;
        const [, reference, rest] = uses;
        if (reference!.startsWith("./")) return; // an action of this repository
        const pinned = /^([\w.-]+\/[\w.\/-]+)@([0-9a-f]{40})$/.exec(reference!);
        if (!pinned) problems.push(`${file}:${index + 1} ${reference} is not pinned to a 40-hex commit SHA`);
        else if (!/^\s+#\s*v\d+\.\d+\.\d+\s*$/.test(rest!)) problems.push(`${file}:${index + 1} ${reference} has no "# vX.Y.Z" version comment`);
        if (pinned) pins.set(pinned[1]!, new Set([...(pins.get(pinned[1]!) ?? []), pinned[2]!]));
      });
    }
    expect(problems).toEqual([]);
    expect([...pins.keys()].sort()).toEqual(["actions/checkout", "actions/setup-node", "actions/upload-artifact", "marocchino/sticky-pull-request-comment", "pulumi/actions"]);
    for (const [action, shas] of pins) expect({ action, shas: shas.size }).toEqual({ action, shas: 1 });
  });

  test("the Pulumi CLI is pinned to the version of the @pulumi/pulumi SDK in package.json", () => {
    const sdk = packageJson.dependencies["@pulumi/pulumi"];
    expect(sdk).toMatch(/^\d+\.\d+\.\d+$/);
    const installs = allSteps().filter(({ step }) => step.uses?.startsWith("pulumi/actions@"));
    expect(installs.map(({ file }) => file).sort()).toEqual(["preview.yml", "up.yml"]);
    for (const { file, step } of installs) expect({ file, version: String(step.with?.["pulumi-version"]) }).toEqual({ file, version: sdk });
  });

  test("run steps use GitHub's default bash and take every expression through env, never as shell text", () => {
    for (const { file, workflow } of workflows) expect({ file, defaults: workflow.defaults }).toEqual({ file, defaults: undefined });
    const runs = allSteps().filter(({ step }) => step.run !== undefined);
    expect(runs.length).toBeGreaterThan(5);
    for (const { file, job, step } of runs) {
      const where = `${file} ${job} ${step.name ?? step.run!.split("\n")[0]}`;
      expect({ where, shell: step.shell, interpolated: step.run!.includes("${{") }).toEqual({ where, shell: undefined, interpolated: false });
    }
  });

  test("workflows name no host: the tests they run talk to loopback only", () => {
    for (const { file, text } of workflows) expect({ file, urls: text.match(/\b[a-z][a-z0-9+.-]*:\/\/[^\s'"]+/gi) ?? [] }).toEqual({ file, urls: [] });
  });
});

describe("trust: the pull request's code never runs with secrets or a write token", () => {
  const preview = workflowNamed("preview.yml");

  test("preview runs on pull_request (not pull_request_target) with a read-only token", () => {
    expect(Object.keys(preview.on)).toEqual(["pull_request"]);
    expect(preview.permissions).toEqual({ contents: "read" });
    for (const job of Object.values(preview.jobs)) expect(job.permissions).toBeUndefined();
  });

  test("only the cloud preview sees secrets, and only for branches of this repository", () => {
    const withSecrets = Object.entries(preview.jobs).filter(([, job]) => JSON.stringify(job).includes("secrets."));
    expect(withSecrets.map(([name]) => name)).toEqual(["pulumi-preview"]);
    expect(withSecrets[0]![1].if?.replace(/\s+/g, " ")).toBe("github.event.pull_request.head.repo.full_name == github.repository");
  });

  test("the cloud steps are skipped cleanly without credentials, and run only after the offline plan passed", () => {
    const job = preview.jobs["pulumi-preview"]!;
    expect(job.needs).toBe("plan");
    expect(job.env?.HAS_PULUMI_TOKEN).toBe("${{ secrets.PULUMI_ACCESS_TOKEN != '' }}");
    const [notice, ...cloud] = job.steps;
    expect(notice!.if).toBe("env.HAS_PULUMI_TOKEN != 'true'");
    expect(cloud.length).toBeGreaterThan(0);
    for (const step of cloud) expect({ step: step.name ?? step.uses ?? step.run, if: step.if }).toEqual({ step: step.name ?? step.uses ?? step.run, if: "env.HAS_PULUMI_TOKEN == 'true'" });
    const up = workflowNamed("up.yml").jobs.up!;
    const upCloud = up.steps.filter((step) => step.uses?.startsWith("pulumi/actions@") || PULUMI_COMMAND.test(step.run ?? ""));
    expect(upCloud).toHaveLength(2);
    for (const step of upCloud) expect(step.if).toBe("env.HAS_PULUMI_TOKEN == 'true'");
  });

  test("the comment workflow has the write token but never checks out or runs the pull request's code", () => {
    const comment = workflowNamed("preview-comment.yml");
    expect(comment.on).toEqual({ workflow_run: { workflows: [preview.name], types: ["completed"] } });
    expect(comment.permissions).toEqual({ contents: "read", actions: "read", "pull-requests": "write" });
    const steps = Object.values(comment.jobs).flatMap((job) => job.steps);
    expect(steps.filter((step) => step.uses?.startsWith("actions/checkout@"))).toEqual([]);
    for (const step of steps) expect(step.run ?? "").not.toMatch(/\b(npm|npx|node|git|bash|sh|source)\b/);
  });

  test("the plan job uploads the comment after planning, and fails on a blocked plan only after the upload", () => {
    const names = preview.jobs.plan!.steps.map((step) => step.name ?? step.uses ?? step.run);
    const index = (pattern: RegExp) => names.findIndex((name) => pattern.test(String(name)));
    expect(index(/^Plan the base branch/)).toBeLessThan(index(/^Offline plan of this branch/));
    expect(index(/^Offline plan of this branch/)).toBeLessThan(index(/^Keep the comment/));
    expect(index(/^Keep the comment/)).toBeLessThan(index(/^Fail when the plan is blocked/));
    expect(preview.jobs.plan!.steps[index(/^Fail when the plan is blocked/)]!.if).toBe("steps.plan.outputs.exit != '0'");
  });
});

describe("Node.js and dependencies", () => {
  const engines = enginesNode();
  const setups = allSteps().filter(({ step }) => step.uses?.startsWith("actions/setup-node@"));

  /** The Node.js lines a setup-node step installs: its node-version, or its job's matrix values. */
  function linesOf(file: string, job: string, step: Step): number[] {
    const version = step.with?.["node-version"];
    const expression = /^\$\{\{\s*matrix\.(\w+)\s*\}\}$/.exec(String(version));
    if (!expression) return [Number(version)];
    const values = workflowNamed(file).jobs[job]!.strategy?.matrix?.[expression[1]!];
    if (!Array.isArray(values)) throw new Error(`${file} ${job}: matrix.${expression[1]} is not a list`);
    return values.map(Number);
  }

  test("every job installs a Node.js line the engines admit, the active LTS unless it is the test matrix", () => {
    expect(setups.length).toBeGreaterThan(0);
    for (const { file, job, step } of setups) {
      const lines = linesOf(file, job, step);
      for (const line of lines) expect({ file, job, line, admitted: lowestAdmitted(engines, line) !== null }).toEqual({ file, job, line, admitted: true });
      const where = `${file} ${job}`;
      if (where === "preview.yml test") continue;
      expect({ where, lines }).toEqual({ where, lines: [ACTIVE_LTS_LINE] });
    }
  });

  test("the pull request's tests run on every supported line but the end-of-life one (which .ci/run covers), each to the end", () => {
    const test = workflowNamed("preview.yml").jobs.test!;
    const step = test.steps.find((s) => s.uses?.startsWith("actions/setup-node@"))!;
    expect(linesOf("preview.yml", "test", step).sort()).toEqual(SUPPORTED_LINES.filter((line) => line !== END_OF_LIFE_LINE).sort());
    expect(test.strategy?.["fail-fast"]).toBe(false);
    expect(test.steps.map((s) => s.run?.trim()).filter(Boolean)).toEqual(["npm ci --no-audit --no-fund", "npm test"]);
  });

  test("pull requests audit the runtime dependencies in a job of their own, without secrets", () => {
    const preview = workflowNamed("preview.yml");
    const audits = Object.entries(preview.jobs).filter(([, job]) => job.steps.some((step) => /^npm audit --omit=dev$/.test(step.run?.trim() ?? "")));
    expect(audits.map(([name]) => name)).toEqual(["audit"]);
    const [, job] = audits[0]!;
    expect(JSON.stringify(job)).not.toContain("secrets.");
    // npm audit reads package-lock.json; nothing is installed or run from the branch first.
    expect(job.steps.filter((step) => step.run !== undefined).map((step) => step.run!.trim())).toEqual(["npm audit --omit=dev"]);
  });

  test("the forward-compatibility run is weekly or on demand, read-only, without secrets, on the active LTS", () => {
    const forward = workflowNamed("forward-compat.yml");
    expect(Object.keys(forward.on).sort()).toEqual(["schedule", "workflow_dispatch"]);
    expect(forward.permissions).toEqual({ contents: "read" });
    expect(JSON.stringify(forward)).not.toContain("secrets.");
    const steps = Object.values(forward.jobs).flatMap((job) => job.steps);
    expect(steps.filter((step) => /^\s*\.ci\/forward-compat\b/m.test(step.run ?? ""))).toHaveLength(1);
    expect(steps.find((step) => step.uses?.startsWith("actions/checkout@"))?.with).toEqual({ "persist-credentials": false });
  });

  describe(".github/dependabot.yml", () => {
    interface Update {
      "package-ecosystem": string;
      directory?: string;
      directories?: string[];
      schedule: { interval: string };
      ignore?: { "dependency-name": string; versions?: string[]; "update-types"?: string[] }[];
    }
    const dependabot = yaml.load(fs.readFileSync(path.join(REPO_ROOT, ".github", "dependabot.yml"), "utf8")) as { version: number; updates: Update[] };
    const npm = dependabot.updates.find((update) => update["package-ecosystem"] === "npm")!;
    const skipped = (name: string) => npm.ignore?.find((rule) => rule["dependency-name"] === name);

    test("updates npm (the root and the policy pack) and the pinned GitHub Actions every week", () => {
      expect(dependabot.version).toBe(2);
      expect(dependabot.updates.map((update) => [update["package-ecosystem"], update.directories ?? [update.directory], update.schedule.interval])).toEqual([
        ["npm", ["/", "/policies"], "weekly"],
        ["github-actions", ["/"], "weekly"],
      ]);
    });

    test("skips @pulumi/pulumi releases that need Node.js 22 exactly while the engines admit Node.js 20", () => {
      const pinned = packageJson.dependencies["@pulumi/pulumi"]!;
      const rule = skipped("@pulumi/pulumi");
      if (lowestAdmitted(engines, 20) === null) {
        expect(rule).toBeUndefined();
      } else {
        expect(rule?.versions).toEqual([">=3.249.0"]);
        expect(semver.lt(pinned, "3.249.0")).toBe(true);
      }
    });

    test("skips the TypeScript majors that break ts-node or npm, and keeps the pinned one below them", () => {
      expect(skipped("typescript")?.versions).toEqual([">=6.0.0"]);
      expect(semver.minVersion(packageJson.devDependencies.typescript!)!.major).toBeLessThan(6);
    });

    test("skips @types/node majors: the types follow the oldest line the engines admit", () => {
      expect(skipped("@types/node")?.["update-types"]).toEqual(["version-update:semver-major"]);
      const oldest = Math.min(...SUPPORTED_LINES.filter((line) => lowestAdmitted(engines, line) !== null));
      expect(semver.minVersion(packageJson.devDependencies["@types/node"]!)!.major).toBe(oldest);
    });
  });
});

test("up runs the whole test suite before it deploys", () => {
  const steps = workflowNamed("up.yml").jobs.up!.steps;
  const tests = steps.findIndex((step) => /^npm test$/.test(step.run?.trim() ?? ""));
  const deploy = steps.findIndex((step) => /^\s*pulumi\s+up\b/m.test(step.run ?? ""));
  expect(tests).toBeGreaterThan(-1);
  expect(deploy).toBeGreaterThan(tests);
  expect(steps.slice(0, tests).some((step) => /\bnpm ci\b/.test(step.run ?? ""))).toBe(true);
});

// --- running the steps -------------------------------------------------------------------------

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "dcg-workflows-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

// git without the machine's or the user's configuration, and a fixed identity for the fixture commits.
const GIT_ENV = {
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: os.devNull,
  GIT_AUTHOR_NAME: "fixture",
  GIT_AUTHOR_EMAIL: "fixture@localhost",
  GIT_COMMITTER_NAME: "fixture",
  GIT_COMMITTER_EMAIL: "fixture@localhost",
  GIT_TERMINAL_PROMPT: "0",
};

function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", args, { cwd, env: { ...process.env, ...GIT_ENV }, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
}

// Stands in for npm: records "<cwd>\t<args>" and, for `run plan`, writes the --json/--markdown
// files (unless SHIM_PLAN_WRITES=0) and exits SHIM_PLAN_EXIT; `ci` exits SHIM_CI_EXIT.
const NPM_SHIM = `#!/usr/bin/env bash
printf '%s\\t%s\\n' "$PWD" "$*" >> "$SHIM_LOG"
if [ "$1" = ci ]; then exit "\${SHIM_CI_EXIT:-0}"; fi
if [ "$1" = run ] && [ "$2" = plan ]; then
  json=""; markdown=""
  while [ $# -gt 0 ]; do
    case "$1" in --json) json="$2"; shift ;; --markdown) markdown="$2"; shift ;; esac
    shift
  done
  if [ "\${SHIM_PLAN_WRITES:-1}" = 1 ]; then
    if [ -n "$json" ]; then echo '{"version": 1}' > "$json"; fi
    if [ -n "$markdown" ]; then echo '### plan written by the npm shim' > "$markdown"; fi
  fi
  exit "\${SHIM_PLAN_EXIT:-0}"
fi
exit 0
`;

// Stands in for the GitHub CLI: \`run download\` copies SHIM_ARTIFACT into --dir (fails without
// it); \`api repos/…/pulls/N\` prints SHIM_PR_HEAD as the pull request's head SHA.
const GH_SHIM = `#!/usr/bin/env bash
printf 'gh\\t%s\\n' "$*" >> "$SHIM_LOG"
if [ "$1" = run ] && [ "$2" = download ]; then
  dir=""
  while [ $# -gt 0 ]; do case "$1" in --dir) dir="$2"; shift ;; esac; shift; done
  if [ -z "\${SHIM_ARTIFACT:-}" ]; then echo "no artifact" >&2; exit 1; fi
  mkdir -p "$dir" && cp -R "$SHIM_ARTIFACT"/. "$dir"/
  exit 0
fi
if [ "$1" = api ]; then echo "$SHIM_PR_HEAD"; exit 0; fi
exit 2
`;

const shimDir = path.join(tmp, "bin");
fs.mkdirSync(shimDir);
fs.writeFileSync(path.join(shimDir, "npm"), NPM_SHIM, { mode: 0o755 });
fs.writeFileSync(path.join(shimDir, "gh"), GH_SHIM, { mode: 0o755 });

/** Resolves a step's `${{ … }}` env values from `context`; an expression the test does not know fails the test. */
function resolveEnv(step: Step, context: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(step.env ?? {}).map(([name, value]) => [
      name,
      String(value).replace(/\$\{\{\s*(.+?)\s*\}\}/g, (_, expression: string) => {
        if (!(expression in context)) throw new Error(`env ${name}: the test has no value for \${{ ${expression} }}`);
        return context[expression]!;
      }),
    ]),
  );
}

interface StepRun {
  code: number | null;
  stdout: string;
  outputs: Record<string, string>;
  summary: string;
  calls: { cwd: string; args: string }[];
}

let runCount = 0;

/** Runs a step's script as GitHub does on Linux: `bash --noprofile --norc -eo pipefail FILE`, in `cwd`. */
function runStep(step: Step, cwd: string, runnerTemp: string, context: Record<string, string>, env: Record<string, string> = {}): StepRun {
  const scratch = path.join(tmp, `run-${++runCount}`);
  fs.mkdirSync(scratch);
  const files = { script: path.join(scratch, "step.sh"), output: path.join(scratch, "output"), summary: path.join(scratch, "summary"), log: path.join(scratch, "calls") };
  fs.writeFileSync(files.script, step.run!);
  for (const file of [files.output, files.summary, files.log]) fs.writeFileSync(file, "");
  const result = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", files.script], {
    cwd,
    encoding: "utf8",
    timeout: 60_000,
    env: {
      PATH: `${shimDir}${path.delimiter}${process.env.PATH}`,
      HOME: process.env.HOME ?? tmp,
      ...GIT_ENV,
      RUNNER_TEMP: runnerTemp,
      GITHUB_OUTPUT: files.output,
      GITHUB_STEP_SUMMARY: files.summary,
      SHIM_LOG: files.log,
      ...resolveEnv(step, context),
      ...env,
    },
  });
  const outputs: Record<string, string> = {};
  for (const line of fs.readFileSync(files.output, "utf8").split("\n")) {
    const at = line.indexOf("=");
    if (at > 0) outputs[line.slice(0, at)] = line.slice(at + 1);
  }
  const calls = fs
    .readFileSync(files.log, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [where, ...args] = line.split("\t");
      return { cwd: where!, args: args.join("\t") };
    });
  return { code: result.status, stdout: result.stdout + result.stderr, outputs, summary: fs.readFileSync(files.summary, "utf8"), calls };
}

describe("the baseline step on the depth-1 checkout actions/checkout makes", () => {
  const preview = workflowNamed("preview.yml");
  const baselineStep = stepNamed(preview, "plan", /baseline/i);
  const origin = path.join(tmp, "origin");
  let cloneCount = 0;

  beforeAll(() => {
    // main carries the code the baseline must plan; the pull request's branch changes it.
    fs.mkdirSync(origin);
    git(origin, "init", "-q", "-b", "main");
    fs.writeFileSync(path.join(origin, "package.json"), '{ "name": "fixture", "private": true }\n');
    fs.writeFileSync(path.join(origin, "WHICH"), "main\n");
    git(origin, "add", ".");
    git(origin, "commit", "-q", "-m", "main");
    git(origin, "checkout", "-q", "-b", "feature");
    fs.writeFileSync(path.join(origin, "WHICH"), "feature\n");
    git(origin, "commit", "-q", "-am", "feature");
  });

  /** A fresh depth-1, single-branch clone of the feature branch (as actions/checkout fetches a PR) and an empty runner temp. */
  function checkout(): { work: string; runnerTemp: string } {
    const n = ++cloneCount;
    const work = path.join(tmp, `work-${n}`);
    const runnerTemp = path.join(tmp, `runner-${n}`);
    fs.mkdirSync(runnerTemp);
    git(tmp, "clone", "-q", "--depth", "1", "--branch", "feature", `file://${origin}`, work);
    return { work, runnerTemp };
  }

  test("the checkout it runs in has no origin/main: the reason the earlier step failed", () => {
    const { work, runnerTemp } = checkout();
    expect(git(work, "rev-parse", "--is-shallow-repository")).toBe("true");
    expect(() => git(work, "rev-parse", "--verify", "--quiet", "refs/remotes/origin/main")).toThrow();
    // The step as it was: `git worktree add ../base "origin/<base>"` stopped the step under -e before its `|| echo` fallback.
    const before: Step = { run: 'git worktree add ../base "origin/main"\n(cd ../base && npm ci && npm run plan -- --json "$RUNNER_TEMP/base-plan.json") || echo "no baseline plan"\n' };
    const run = runStep(before, work, runnerTemp, {});
    expect(run.code).not.toBe(0);
    expect(run.stdout).not.toContain("no baseline plan");
  });

  test("the step takes the base branch from github.base_ref and fetches it before making its worktree", () => {
    expect(baselineStep.env).toEqual({ BASE_REF: "${{ github.base_ref }}" });
    const script = baselineStep.run!;
    const fetch = script.search(/git fetch\b[^\n]*\borigin\b[^\n]*\$BASE_REF/);
    const worktree = script.search(/git worktree add\b[^\n]*FETCH_HEAD/);
    expect(fetch).toBeGreaterThan(-1);
    expect(worktree).toBeGreaterThan(fetch);
    expect(script).not.toMatch(/origin\/\$/);
  });

  test("plans the base branch's own code in a worktree and leaves base-plan.json", () => {
    const { work, runnerTemp } = checkout();
    const run = runStep(baselineStep, work, runnerTemp, { "github.base_ref": "main" });
    const baseline = path.join(runnerTemp, "base-plan.json");
    const worktree = path.join(runnerTemp, "base");
    expect(run.code).toBe(0);
    expect(run.calls).toEqual([
      { cwd: worktree, args: "ci --no-audit --no-fund" },
      { cwd: worktree, args: `run plan -- --json ${baseline}` },
    ]);
    expect(fs.readFileSync(path.join(worktree, "WHICH"), "utf8")).toBe("main\n");
    expect(fs.readFileSync(path.join(work, "WHICH"), "utf8")).toBe("feature\n");
    expect(fs.existsSync(baseline)).toBe(true);
    expect(run.stdout).toContain(`Baseline: the plan of main is in ${baseline} (plan exit 0)`);
  });

  test("a base blocked by a mandatory policy (plan exit 1) still is the baseline", () => {
    const { work, runnerTemp } = checkout();
    const run = runStep(baselineStep, work, runnerTemp, { "github.base_ref": "main" }, { SHIM_PLAN_EXIT: "1" });
    expect(run.code).toBe(0);
    expect(fs.existsSync(path.join(runnerTemp, "base-plan.json"))).toBe(true);
    expect(run.stdout).toContain("(plan exit 1)");
  });

  test("a base whose plan fails leaves no baseline, says so, and the step succeeds", () => {
    const { work, runnerTemp } = checkout();
    const run = runStep(baselineStep, work, runnerTemp, { "github.base_ref": "main" }, { SHIM_PLAN_EXIT: "2", SHIM_PLAN_WRITES: "0" });
    expect(run.code).toBe(0);
    expect(run.calls.map((call) => call.args.split(" ")[0])).toEqual(["ci", "run"]);
    expect(fs.existsSync(path.join(runnerTemp, "base-plan.json"))).toBe(false);
    expect(run.stdout).toContain("::warning::No baseline plan of main (exit 2)");
  });

  test("a base that cannot be installed is not planned, and the step succeeds", () => {
    const { work, runnerTemp } = checkout();
    const run = runStep(baselineStep, work, runnerTemp, { "github.base_ref": "main" }, { SHIM_CI_EXIT: "1" });
    expect(run.code).toBe(0);
    expect(run.calls.map((call) => call.args)).toEqual(["ci --no-audit --no-fund"]);
    expect(run.stdout).toContain("::warning::No baseline plan of main (exit 1)");
  });

  test("a base branch that does not exist is not planned, and the step succeeds", () => {
    const { work, runnerTemp } = checkout();
    const run = runStep(baselineStep, work, runnerTemp, { "github.base_ref": "no-such-branch" });
    expect(run.code).toBe(0);
    expect(run.calls).toEqual([]);
    expect(run.stdout).toContain("::warning::No baseline plan of no-such-branch");
  });
});

describe("the offline plan step", () => {
  const planStep = stepNamed(workflowNamed("preview.yml"), "plan", /^Offline plan of this branch/);
  const context = { "github.event.pull_request.number": "42", "github.base_ref": "main" };

  function prepare(withBaseline: boolean): { work: string; runnerTemp: string; baseline: string; out: string } {
    const work = fs.mkdtempSync(path.join(tmp, "plan-work-"));
    const runnerTemp = fs.mkdtempSync(path.join(tmp, "plan-runner-"));
    const baseline = path.join(runnerTemp, "base-plan.json");
    if (withBaseline) fs.writeFileSync(baseline, '{"version": 1}\n');
    return { work, runnerTemp, baseline, out: path.join(runnerTemp, "plan-comment") };
  }

  test("compares with the baseline, records the exit code and the PR number, and writes the job summary", () => {
    const { work, runnerTemp, baseline, out } = prepare(true);
    const run = runStep(planStep, work, runnerTemp, context);
    expect(run.code).toBe(0);
    expect(run.calls).toEqual([{ cwd: work, args: `run plan -- --json ${out}/plan.json --markdown ${out}/plan.md --compare-to ${baseline}` }]);
    expect(run.outputs.exit).toBe("0");
    expect(fs.readFileSync(path.join(out, "pr-number"), "utf8")).toBe("42\n");
    expect(fs.readFileSync(path.join(out, "plan.md"), "utf8")).toBe("### plan written by the npm shim\n");
    expect(run.summary).toBe("### plan written by the npm shim\n");
  });

  test("without a baseline: no --compare-to, and the comment says why there is no comparison", () => {
    const { work, runnerTemp, out } = prepare(false);
    const run = runStep(planStep, work, runnerTemp, context);
    expect(run.code).toBe(0);
    expect(run.calls.map((call) => call.args)).toEqual([`run plan -- --json ${out}/plan.json --markdown ${out}/plan.md`]);
    expect(fs.readFileSync(path.join(out, "plan.md"), "utf8")).toContain("No comparison: the base branch `main` could not be planned");
  });

  test("a blocked plan keeps its comment and passes exit 1 on to the failing step", () => {
    const { work, runnerTemp, out } = prepare(true);
    const run = runStep(planStep, work, runnerTemp, context, { SHIM_PLAN_EXIT: "1" });
    expect(run.code).toBe(0);
    expect(run.outputs.exit).toBe("1");
    expect(fs.readFileSync(path.join(out, "plan.md"), "utf8")).toBe("### plan written by the npm shim\n");
  });

  test("a plan that fails without a comment leaves one that says so", () => {
    const { work, runnerTemp, out } = prepare(true);
    const run = runStep(planStep, work, runnerTemp, context, { SHIM_PLAN_EXIT: "2", SHIM_PLAN_WRITES: "0" });
    expect(run.code).toBe(0);
    expect(run.outputs.exit).toBe("2");
    expect(fs.readFileSync(path.join(out, "plan.md"), "utf8")).toContain("The offline plan failed (exit 2)");
  });
});

describe("the comment workflow's check of the artifact", () => {
  const checkStep = stepNamed(workflowNamed("preview-comment.yml"), "comment", /^Fetch and check/);
  const head = "0123456789abcdef0123456789abcdef01234567";
  const context = { "github.token": "token-for-the-test", "github.repository": "owner/repo", "github.event.workflow_run.id": "1001", "github.event.workflow_run.head_sha": head };

  function artifact(prNumber: string, markdown = "### the plan\n"): string {
    const dir = fs.mkdtempSync(path.join(tmp, "artifact-"));
    fs.writeFileSync(path.join(dir, "pr-number"), prNumber);
    fs.writeFileSync(path.join(dir, "plan.md"), markdown);
    return dir;
  }

  function run(env: Record<string, string>): StepRun & { markdown: string | null } {
    const runnerTemp = fs.mkdtempSync(path.join(tmp, "comment-runner-"));
    const result = runStep(checkStep, tmp, runnerTemp, context, env);
    const file = path.join(runnerTemp, "plan-comment", "plan.md");
    return { ...result, markdown: fs.existsSync(file) ? fs.readFileSync(file, "utf8") : null };
  }

  test("posts to the pull request the artifact names when its head is the commit that was planned", () => {
    const result = run({ SHIM_ARTIFACT: artifact("42\n"), SHIM_PR_HEAD: head });
    expect(result.code).toBe(0);
    expect(result.outputs).toEqual({ post: "true", number: "42" });
    expect(result.calls.map((call) => call.args)).toEqual([expect.stringMatching(/^run download 1001 --repo owner\/repo --name plan-comment --dir \S+\/plan-comment$/), "api repos/owner/repo/pulls/42 --jq .head.sha"]);
    expect(result.markdown).toBe("### the plan\n");
  });

  test("does not post when the pull request has moved on to another commit", () => {
    const result = run({ SHIM_ARTIFACT: artifact("42"), SHIM_PR_HEAD: "f".repeat(40) });
    expect(result.code).toBe(0);
    expect(result.outputs).toEqual({ post: "false" });
  });

  test("refuses a pr-number that is not a number, without asking GitHub about it", () => {
    const result = run({ SHIM_ARTIFACT: artifact("42; echo owned"), SHIM_PR_HEAD: head });
    expect(result.code).toBe(1);
    expect(result.outputs).toEqual({ post: "false" });
    expect(result.calls.map((call) => call.args.split(" ")[0])).toEqual(["run"]);
    expect(result.stdout).not.toContain("owned\n");
  });

  test("posts nothing, and succeeds, when the preview run left no artifact", () => {
    const result = run({ SHIM_PR_HEAD: head });
    expect(result.code).toBe(0);
    expect(result.outputs).toEqual({ post: "false" });
  });

  test("replaces a plan too long for a comment with a pointer to the run", () => {
    const result = run({ SHIM_ARTIFACT: artifact("7", "x".repeat(70_000)), SHIM_PR_HEAD: head });
    expect(result.outputs).toEqual({ post: "true", number: "7" });
    expect(result.markdown).toContain("too long for a comment");
    expect(result.markdown).toContain("1001");
  });
});
