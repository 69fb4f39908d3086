/**
 * `npm run plan` — the offline plan: runs a Pulumi program in-process under mocks (no Pulumi
 * CLI, no DigitalOcean account) and prints the resources it would create.
 */
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { ProgramError, ProgramRun, runProgram } from "./lib/program-runner";
import { shortType, summarizeInputs } from "./lib/resource-summary";
import { loadStackConfig, StackConfigError } from "./lib/stack-config";
import { formatTable } from "./lib/table";

const REPO_ROOT = path.resolve(__dirname, "..");

const HELP = `Usage: npm run plan -- [options]

Runs a Pulumi TypeScript program offline, under Pulumi's mocks, and prints the resources it
would create. Nothing is deployed and no cloud API is called.

Options:
  --program DIR   Pulumi project directory (default: this repository, the do-cost-guard stack)
  --stack NAME    stack whose Pulumi.<NAME>.yaml supplies the configuration (default: prod)
  --json FILE     also write the plan as JSON: {"version": 1, "program", "stack", "resources":
                  [{"urn", "type", "name", "inputs"}], "outputs"}; secrets are written as "[secret]"
  --verbose       print stack traces for program errors
  -h, --help      show this help

Secrets: encrypted config values (and secret keys the stack has not set) cannot be decrypted
offline; the plan substitutes placeholders and says so on stderr.

Exit codes: 0 planned; 2 the program or its configuration failed (the message says why).
`;

interface PlanOptions {
  programDir: string;
  stack: string;
  jsonFile?: string;
  verbose: boolean;
}

/** The JSON written by --json; later fields (cost, policies) extend it, `version` stays 1 while compatible. */
export interface PlanDocument {
  version: 1;
  program: string;
  stack: string;
  resources: { urn: string; type: string; name: string; inputs: Record<string, unknown> }[];
  outputs: Record<string, unknown>;
}

function parseOptions(argv: string[]): PlanOptions | "help" {
  const { values } = parseArgs({
    args: argv,
    options: {
      program: { type: "string" },
      stack: { type: "string", default: "prod" },
      json: { type: "string" },
      verbose: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  if (values.help) return "help";
  return {
    programDir: path.resolve(values.program ?? REPO_ROOT),
    stack: values.stack as string,
    jsonFile: values.json,
    verbose: values.verbose as boolean,
  };
}

export function toPlanDocument(run: ProgramRun, programDir: string): PlanDocument {
  return {
    version: 1,
    program: path.relative(process.cwd(), programDir) || ".",
    stack: run.stack,
    resources: run.resources.filter((r) => r.custom).map((r) => ({ urn: r.urn, type: r.type, name: r.name, inputs: r.inputs })),
    outputs: run.outputs,
  };
}

function printPlan(plan: PlanDocument, project: string): void {
  const rows = plan.resources.map((r) => [shortType(r.type), r.name, summarizeInputs(r.type, r.inputs)]);
  console.log(`Plan for ${project} (stack ${plan.stack}): ${plan.resources.length} resource${plan.resources.length === 1 ? "" : "s"} to create\n`);
  console.log(formatTable(["TYPE", "NAME", "KEY SETTINGS"], rows));
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
  try {
    const stackConfig = loadStackConfig(options.programDir, options.stack);
    for (const warning of stackConfig.warnings) console.error(`warning: ${warning}`);
    const run = await runProgram({
      main: stackConfig.main,
      project: stackConfig.project,
      stack: options.stack,
      config: stackConfig.config,
      secretKeys: stackConfig.secretKeys,
    });
    const plan = toPlanDocument(run, options.programDir);
    printPlan(plan, stackConfig.project);
    if (options.jsonFile) {
      writeFileAtomically(options.jsonFile, JSON.stringify(plan, null, 2) + "\n");
      console.log(`\nWrote ${options.jsonFile}`);
    }
    return 0;
  } catch (err) {
    const cause = err instanceof ProgramError ? err.cause : err;
    if (err instanceof StackConfigError || err instanceof ProgramError) {
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
