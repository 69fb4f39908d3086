/**
 * `npm run plan` — the offline plan: runs a Pulumi program in-process under mocks (no Pulumi
 * CLI, no DigitalOcean account) and prints the resources it would create.
 */
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { formatSignedUsd, formatUsd } from "../core/money";
import type { PlanDocument } from "./lib/plan-document";
import { AnalyzerResource, PolicyPackConfigError, PolicyPackHost, PolicyViolation, startPolicyPack } from "./lib/policy-pack-host";
import { ProgramError, RecordedResource, runProgram } from "./lib/program-runner";
import { shortType, summarizeInputs } from "./lib/resource-summary";
import { loadStackConfig, StackConfigError } from "./lib/stack-config";
import { formatTable } from "./lib/table";

const REPO_ROOT = path.resolve(__dirname, "..");
const DEFAULT_POLICY_PACK = path.join(REPO_ROOT, "policies");
const DEFAULT_POLICY_CONFIG = path.join(REPO_ROOT, "policy-config.json");
const BUDGET_POLICY = "do-stack-monthly-budget";

const HELP = `Usage: npm run plan -- [options]

Runs a Pulumi TypeScript program offline, under Pulumi's mocks, prices every resource it would
create, and runs the cost guard policy pack over it through the analyzer gRPC protocol the Pulumi
CLI uses — the same checks as \`pulumi preview --policy-pack policies\`. Nothing is deployed and no
cloud API is called.

Options:
  --program DIR          Pulumi project directory (default: this repository, the do-cost-guard stack)
  --stack NAME           stack whose Pulumi.<NAME>.yaml supplies the configuration (default: prod)
  --policy-pack DIR      CrossGuard policy pack to run (default: policies/ of do-cost-guard, whose
                         bundle policies/dist/index.js is rebuilt first when its sources changed)
  --policy-config FILE   policy pack config, as for --policy-pack-config (default: policy-config.json
                         of do-cost-guard, if present; otherwise the pack's schema defaults)
  --json FILE            also write the plan as JSON: {"version": 1, "program", "stack", "resources":
                         [{"urn", "type", "name", "inputs", "monthlyUsd", "components"}], "outputs",
                         "totalMonthlyUsd", "budgetMonthlyUsd", "violations", "blocked", "diff"?};
                         secrets are written as "[secret]"
  --markdown FILE        also write the plan as a pull-request comment (Markdown)
  --compare-to FILE      a --json plan from before the change: adds what was added, removed and
                         changed, and the monthly delta
  --verbose              print stack traces for program errors
  -h, --help             show this help

Secrets: encrypted config values (and secret keys the stack has not set) cannot be decrypted
offline; the plan substitutes placeholders and says so on stderr.

Exit codes: 0 planned; 1 a mandatory policy blocks the plan; 2 the program, its configuration or
the policy pack failed (the message says why).
`;

/** A failure whose message is the whole story for the user (no stack trace needed). */
class PlanFailure extends Error {}

type PlanDocumentModule = typeof import("./lib/plan-document");

/**
 * Loads the plan document module, and with it core/pricing and its JSON catalog. Loaded here
 * rather than imported at the top so that a malformed catalog is reported as a plan failure
 * (exit 2, one line), not as a crash with a stack trace before main runs.
 */
async function loadPlanDocumentModule(): Promise<PlanDocumentModule> {
  try {
    return await import("./lib/plan-document");
  } catch (err) {
    throw new PlanFailure(`cannot load the price catalog (core/pricing): ${firstLine(err)}`);
  }
}

/** The first line of an error's message: the reason, without the code frame or stack that may follow. */
function firstLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split("\n").find((line) => line.trim() !== "") ?? message;
}

function readEarlierPlan(planDocument: PlanDocumentModule, file: string): PlanDocument {
  try {
    return planDocument.parsePlanDocument(fs.readFileSync(file, "utf8"), file);
  } catch (err) {
    throw new PlanFailure(`--compare-to: ${(err as Error).message}`);
  }
}

interface PlanOptions {
  programDir: string;
  stack: string;
  policyPack: string;
  policyConfig?: string;
  jsonFile?: string;
  markdownFile?: string;
  compareTo?: string;
  verbose: boolean;
}

function parseOptions(argv: string[]): PlanOptions | "help" {
  const { values } = parseArgs({
    args: argv,
    options: {
      program: { type: "string" },
      stack: { type: "string", default: "prod" },
      "policy-pack": { type: "string" },
      "policy-config": { type: "string" },
      json: { type: "string" },
      markdown: { type: "string" },
      "compare-to": { type: "string" },
      verbose: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  if (values.help) return "help";
  return {
    programDir: path.resolve(values.program ?? REPO_ROOT),
    stack: values.stack as string,
    policyPack: path.resolve(values["policy-pack"] ?? DEFAULT_POLICY_PACK),
    policyConfig: values["policy-config"] ?? (fs.existsSync(DEFAULT_POLICY_CONFIG) ? DEFAULT_POLICY_CONFIG : undefined),
    jsonFile: values.json,
    markdownFile: values.markdown,
    compareTo: values["compare-to"],
    verbose: values.verbose as boolean,
  };
}

/**
 * Starts the policy pack as the CLI would. This repository's own pack is bundled first when its
 * sources changed since the last build (its `main` is the esbuild bundle policies/dist/index.js,
 * which is not committed), so the plan always runs the pack built from the sources beside it.
 */
async function startPack(options: PlanOptions, project: string): Promise<PolicyPackHost> {
  try {
    if (options.policyPack === DEFAULT_POLICY_PACK) {
      const { ensurePolicyPackBuilt } = await import("../policies/build");
      await ensurePolicyPackBuilt();
    }
    return await startPolicyPack(options.policyPack, {
      config: options.policyConfig,
      env: { PULUMI_PROJECT: project, PULUMI_STACK: options.stack },
    });
  } catch (err) {
    throw new PlanFailure(err instanceof PolicyPackConfigError ? err.message : `policy pack ${options.policyPack} failed: ${firstLine(err)}`);
  }
}

/**
 * Runs the pack as \`pulumi preview\` would: \`Analyze\` with each resource's inputs, then one
 * \`AnalyzeStack\` with every resource's state after (mocked) creation.
 */
async function runPolicies(host: PolicyPackHost, resources: readonly RecordedResource[]): Promise<{ violations: PolicyViolation[]; budgetMonthlyUsd: number | null }> {
  try {
    const asAnalyzed = (r: RecordedResource, properties: Record<string, unknown>): AnalyzerResource => ({ urn: r.urn, type: r.type, name: r.name, properties, parent: r.parentUrn });
    const perResource = await Promise.all(resources.map((r) => host.analyze(asAnalyzed(r, r.engineInputs))));
    const stack = await host.analyzeStack(resources.map((r) => asAnalyzed(r, r.engineOutputs)));
    const budget = host.config[BUDGET_POLICY];
    const budgetMonthlyUsd = budget && budget.enforcementLevel !== "disabled" && typeof budget.properties.maxMonthlyUsd === "number" ? budget.properties.maxMonthlyUsd : null;
    return { violations: [...perResource.flat(), ...stack], budgetMonthlyUsd };
  } finally {
    await host.close();
  }
}

function printPlan(planDocument: PlanDocumentModule, plan: PlanDocument, project: string): void {
  const { formatMonthly, violationsToShow } = planDocument;
  const rows = plan.resources.map((r) => [shortType(r.type), r.name, formatMonthly(r), summarizeInputs(r.type, r.inputs)]);
  console.log(`Plan for ${project} (stack ${plan.stack}): ${plan.resources.length} resource${plan.resources.length === 1 ? "" : "s"} to create\n`);
  console.log(formatTable(["TYPE", "NAME", "MONTHLY", "KEY SETTINGS"], rows));
  // The pack's stack budget (do-stack-monthly-budget maxMonthlyUsd), not the account budget the tracker watches.
  const budget = plan.budgetMonthlyUsd === null ? "" : ` (stack budget ${formatUsd(plan.budgetMonthlyUsd)})`;
  console.log(`\nEstimated monthly cost: ${formatUsd(plan.totalMonthlyUsd)}${budget}`);
  for (const r of plan.resources.filter((r) => r.unknowns.length > 0)) console.log(`  ${r.name}: ${r.unknowns.join("; ")}`);
  if (plan.diff) {
    const d = plan.diff;
    console.log(`Change since the compared plan: ${formatSignedUsd(d.monthlyDeltaUsd)}/month (${d.added.length} added, ${d.removed.length} removed, ${d.changed.length} changed)`);
  }
  const shown = violationsToShow(plan);
  if (shown.length > 0) {
    console.log("\nPolicy violations:");
    for (const v of shown) {
      const where = v.urn ? v.urn.slice(v.urn.lastIndexOf("::") + 2) : "stack";
      console.log(`  [${v.enforcementLevel}] ${v.policy} (${where}): ${v.message.replace(/\n/g, "\n      ")}`);
    }
  }
  console.log(plan.blocked ? "\nBLOCKED: mandatory policy violations would stop pulumi up." : "\nNo mandatory policy violations.");
  const outputs = Object.entries(plan.outputs);
  if (outputs.length > 0) {
    console.log("\nOutputs:");
    for (const [name, value] of outputs) console.log(`  ${name}: ${JSON.stringify(value)}`);
  }
}

async function main(argv: string[]): Promise<number> {
  let options: PlanOptions | "help";
  try {
    options = parseOptions(argv);
  } catch (err) {
    console.error(`plan: ${(err as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (options === "help") {
    console.log(HELP);
    return 0;
  }
  let packStarting: Promise<PolicyPackHost> | undefined;
  try {
    const stackConfig = loadStackConfig(options.programDir, options.stack);
    for (const warning of stackConfig.warnings) console.error(`warning: ${warning}`);
    // The pack starts in its own process while the program runs in this one: the two take about
    // as long, and a preview's wall time should be the longer of them, not their sum.
    packStarting = startPack(options, stackConfig.project);
    // Settled here so a failed start is reported where it is awaited, not as an unhandled rejection.
    packStarting.catch(() => undefined);
    const planDocument = await loadPlanDocumentModule();
    const run = await runProgram({
      main: stackConfig.main,
      project: stackConfig.project,
      stack: options.stack,
      config: stackConfig.config,
      secretKeys: stackConfig.secretKeys,
    });
    const previous = options.compareTo ? readEarlierPlan(planDocument, options.compareTo) : undefined;
    const host = await packStarting;
    packStarting = undefined;
    const { violations, budgetMonthlyUsd } = await runPolicies(host, run.resources).catch((err: Error) => {
      throw new PlanFailure(`policy pack ${options.policyPack} failed: ${firstLine(err)}`);
    });
    const { buildPlanDocument, diffPlans, renderMarkdown } = planDocument;
    const plan = buildPlanDocument({
      program: path.relative(process.cwd(), options.programDir) || ".",
      stack: options.stack,
      resources: run.resources,
      outputs: run.outputs,
      violations,
      budgetMonthlyUsd,
    });
    if (previous) plan.diff = diffPlans(previous, plan);
    printPlan(planDocument, plan, stackConfig.project);
    if (options.jsonFile) {
      writeFileAtomically(options.jsonFile, JSON.stringify(plan, null, 2) + "\n");
      console.log(`\nWrote ${options.jsonFile}`);
    }
    if (options.markdownFile) {
      writeFileAtomically(options.markdownFile, renderMarkdown(plan));
      console.log(`Wrote ${options.markdownFile}`);
    }
    return plan.blocked ? 1 : 0;
  } catch (err) {
    // A pack still starting when the program failed: stop it, or its process outlives the plan.
    if (packStarting) await packStarting.then((host) => host.close(), () => undefined);
    const cause = err instanceof ProgramError ? err.cause : err;
    if (err instanceof StackConfigError || err instanceof ProgramError || err instanceof PlanFailure) {
      console.error(`plan failed: ${(cause as Error)?.message ?? String(cause)}`);
      if (options.verbose && cause instanceof Error && cause.stack) console.error(cause.stack);
      return 2;
    }
    throw err;
  }
}

/** Writes via a temporary file and rename, so a failed run never leaves half a JSON file. */
function writeFileAtomically(file: string, content: string): void {
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, content);
  fs.renameSync(temporary, file);
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      console.error(err instanceof Error ? err.stack : err);
      process.exit(2);
    },
  );
}
