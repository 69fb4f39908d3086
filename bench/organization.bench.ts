/**
 * `npm run bench:organization [-- --teams N --resources M --timeout S --max-old-space-size MB]`
 * (default 50 × 2,000 under the deployed 600 s, issue 15 point 7): the hourly check of a deployment with many teams, run the way DigitalOcean Functions runs
 * it (bench/support/activation.ts: the uploaded bundle, a fresh Node process per activation,
 * `__OW_DEADLINE` the 600 s the stack deploys the tracker with), against a fake organisation on
 * the spec-validated fake: N teams, each its own token and M resources (droplets beside the
 * seeded platform's databases, volume, load balancer, cluster and app), its invoice preview (an
 * item per resource) and the organisation's billing insights (a data point per resource per
 * complete day, each with its team's `usage_team_urn`: DigitalOcean's insights are "based on
 * nightly invoice items", one per billed resource, the spec's `billing_data_point.description`).
 * The deployment's parameters are a deployment with teams: TRACKER_CONFIG listing the teams and
 * `organizationUrn`, DIGITALOCEAN_ORGANIZATION_TOKEN, DIGITALOCEAN_TEAM_TOKENS. Alerts are set
 * out of reach (a budget and a threshold of $10M) so the figures are the check's own work.
 *
 * The clock is 2026-03-15T06:00Z for the month's first check (an empty database, 14 complete
 * days of insights), then hourly. Each run prints its wall time (on the activation's clock:
 * the per-minute pacer's waits are skipped and added to it, bench/support/activation.ts) against
 * the deployed deadline and DigitalOcean's 15-minute maximum, the teams done and waiting, the
 * requests of each token (teams' max and median, the organisation token's apart) and each
 * token's busiest minute against DigitalOcean's 250 a minute and 5,000 an hour per token, and the
 * peak RSS of the activation and of the Postgres backends serving it. Runs continue hourly until
 * every team has been checked (teams a run cannot reach wait, least recently checked first in
 * the next run), or a run checks none, and while the organisation's insights read (a day at a
 * time, resumed from the store) has days left and progresses.
 *
 * Loopback has no network latency: each run also prints an estimate at {@link LATENCY_MS} ms a
 * request ({@link withLatency}: the run replayed with every request waited for in turn, its
 * latency absorbed only by the pacer's waits; an upper bound, since a team's lists are read side
 * by side), for the part that must fit (the organisation's read and every team's check, up to the
 * upkeep's first read) and for the whole run (the upkeep then takes turns until the deadline's
 * margin, so with latency it reads less, not later). Baseline, measured in the same run: the same
 * deployment with one team (the same M resources).
 *
 * `--timeout` sets a shorter activation timeout, to see runs leave teams waiting and the runs it
 * takes to check them all; `--max-old-space-size` holds the activation's V8 heap to a container's
 * size (by default V8 sizes it to this machine's memory and collects late). Every answer of the
 * fake is validated against the spec; its CPU time is printed per run, so a slow fake would show.
 */
import { DEFAULT_REQUESTS_PER_MINUTE, DIGITALOCEAN_REQUESTS_PER_HOUR } from "../core/advice/request-budget";
import { DEFAULT_TRACKER_TIMEOUT_SECONDS, FUNCTIONS_LIMITS } from "../core/functions-limits";
import { generateDroplets, startFakeDigitalOcean, type FakeAccountState, type FakeDigitalOcean, type FakeTeamAccount } from "../tests/support/fake-do-api";
import { billTeamAt, teamAccount, teamLines } from "../tests/support/fake-do-api/organization";
import { activate, bareNodePeakBytes, withTrackerAction, type Activation, type BenchPostgres } from "./support/activation";
import { processCpuMs } from "./support/cpu";
import { MB } from "./support/memory";

/** DigitalOcean's per-token burst limit (the OpenAPI spec's `description.yml`, "Rate Limit"). */
const DIGITALOCEAN_REQUESTS_PER_MINUTE = 250;
/** The latency the estimate assumes per request (our assumption, 2026-12-06: a round trip to api.digitalocean.com from a Functions region). */
const LATENCY_MS = 100;
/** Runs after which the bench stops even if some team was never checked. */
const MAX_RUNS = 24;
const NOW = new Date("2026-03-15T06:00:00Z");
const HOUR_MS = 3_600_000;
const ORGANIZATION_URN = "do:teamgroup:0b7e4d2a-6c1f-4e8b-9a35-d2c7f1e6a904";
const ORGANIZATION_LABEL = "organization";
/** Out of reach, so no alert fires and the figures are the check's own work. */
const QUIET_USD = 10_000_000;

/** The action's answer with teams (functions/packages/cost-tracker/tracker TrackerActionSummary). */
interface TeamsAnswer {
  task: string;
  monthToDateUsd: number;
  requests: number;
  teams?: { team: string; status: "done" | "failed" | "waiting"; requests?: number; why?: string }[];
  error?: string;
}

interface Options {
  teams: number;
  resources: number;
  /** The activation's timeout in seconds (default the deployed one): a shorter one shows a run leaving teams for the next. */
  timeout: number;
  /** The activation's V8 old space in MB (`--max-old-space-size`); V8's own default (from this machine's memory) when absent. */
  maxOldSpaceSize?: number;
}

function parseOptions(argv: readonly string[]): Options {
  const options: Options = { teams: 50, resources: 2_000, timeout: DEFAULT_TRACKER_TIMEOUT_SECONDS };
  for (let index = 0; index < argv.length; index += 2) {
    const [flag, value] = [argv[index] as string, Number(argv[index + 1])];
    const key = ({ "--teams": "teams", "--resources": "resources", "--timeout": "timeout", "--max-old-space-size": "maxOldSpaceSize" } as const)[flag];
    if (key === undefined || !Number.isInteger(value) || value < 1) {
      throw new Error(`usage: bench:organization [--teams N] [--resources M] [--timeout SECONDS] [--max-old-space-size MB] (whole numbers ≥ 1; got ${argv.slice(index, index + 2).join(" ")})`);
    }
    options[key] = value;
  }
  if (options.timeout > FUNCTIONS_LIMITS.maxTimeoutSeconds) throw new Error(`--timeout must be at most ${FUNCTIONS_LIMITS.maxTimeoutSeconds} s, DigitalOcean's maximum (got ${options.timeout})`);
  return options;
}

/** What the fake's accounts hold, by team. */
function resourcesOf(state: FakeAccountState): number {
  return state.droplets.length + state.databases.length + state.volumes.length + state.loadBalancers.length + state.apps.length + state.kubernetesClusters.length;
}

/** N teams of M resources each, billed as they stand at NOW (balance, invoice preview, 14 days of insights). */
function fakeOrganization(teams: number, resources: number): FakeTeamAccount[] {
  return Array.from({ length: teams }, (_, index) => {
    const name = `team-${String(index + 1).padStart(2, "0")}`;
    const state = teamAccount(`do:team:7e2f9a41-0c3d-4b5e-9f61-${String(index + 1).padStart(12, "0")}`);
    const extra = resources - resourcesOf(state);
    if (extra < 0) throw new Error(`--resources must be at least ${resourcesOf(state)} (the seeded platform's own)`);
    state.droplets = [...state.droplets, ...generateDroplets(extra, 600_000_000 + index * 100_000)];
    billTeamAt(state, teamLines(state, 1), NOW);
    return { label: name, name, token: `dop_v1_bench-organization-${name}`, state };
  });
}

/** One deployment: its fake, its database, and the parameters OpenWhisk passes its action. */
interface Deployment {
  teams: FakeTeamAccount[];
  fake: FakeDigitalOcean;
  database: { url: string; name: string; drop(): Promise<void> };
  params: Record<string, unknown>;
  tokenLabels: Record<string, string>;
}

async function deploy(postgres: BenchPostgres, teams: FakeTeamAccount[], name: string): Promise<Deployment> {
  const organizationToken = "dop_v1_bench-organization-token";
  const fake = await startFakeDigitalOcean({ now: () => NOW, teams, organization: { urn: ORGANIZATION_URN, token: organizationToken, label: ORGANIZATION_LABEL } });
  const database = await postgres.database(name);
  const config = {
    budgetMonthlyUsd: QUIET_USD,
    thresholds: [{ amountUsd: QUIET_USD }],
    recipients: { webhook: ["http://127.0.0.1:9/bench"] },
    organizationUrn: ORGANIZATION_URN,
    teams: teams.map((team) => ({ name: team.name!, urn: team.state.accountUrn })),
  };
  return {
    teams,
    fake,
    database,
    params: {
      DATABASE_URL: database.url,
      DIGITALOCEAN_API_URL: fake.url,
      TRACKER_CONFIG: JSON.stringify(config),
      DIGITALOCEAN_ORGANIZATION_TOKEN: organizationToken,
      DIGITALOCEAN_TEAM_TOKENS: JSON.stringify(Object.fromEntries(teams.map((team) => [team.name!, team.token!]))),
      name: "check",
    },
    tokenLabels: Object.fromEntries([...teams.map((team) => [team.token!, team.label]), [organizationToken, ORGANIZATION_LABEL]]),
  };
}

/** A token's requests in one run: how many, the most in any 60-second window, and that window's span (first to last send). */
interface TokenLoad {
  requests: number;
  busiestMinute: number;
  busiestSpanMs: number;
}

const NO_LOAD: TokenLoad = { requests: 0, busiestMinute: 0, busiestSpanMs: 0 };

/** Each token's load, by label, from the times the activation sent its requests. */
function tokenLoad(activation: Activation<TeamsAnswer>): Map<string, TokenLoad> {
  const times = new Map<string, number[]>();
  for (const request of activation.requests) (times.get(request.label) ?? times.set(request.label, []).get(request.label)!).push(request.atMs);
  const load = new Map<string, TokenLoad>();
  for (const [label, at] of times) {
    at.sort((a, b) => a - b);
    let busiest = { busiestMinute: 0, busiestSpanMs: 0 };
    for (let start = 0, end = 0; end < at.length; end++) {
      while (at[end]! - at[start]! >= 60_000) start++;
      if (end - start + 1 > busiest.busiestMinute) busiest = { busiestMinute: end - start + 1, busiestSpanMs: at[end]! - at[start]! };
    }
    load.set(label, { requests: at.length, ...busiest });
  }
  return load;
}

/**
 * The run's wall time had every request taken `latencyMs` more, one after another: the run is
 * replayed request by request, each starting `latencyMs` plus the work gap measured before it
 * after the previous one; except a request the pacer held (its token's request `perMinute` before
 * it went a minute earlier, within 50 ms), which starts a minute after that request's replayed
 * start, or later if the requests before it ran late: the latency fills the pacer's wait first.
 */
function withLatency(activation: Activation<TeamsAnswer>, latencyMs: number, perMinute: number): number {
  const sentByToken = new Map<string, number[]>();
  const replayedByToken = new Map<string, number[]>();
  let [lastSent, lastReplayed] = [0, 0];
  for (const [index, request] of [...activation.requests].sort((a, b) => a.atMs - b.atMs).entries()) {
    const sent = sentByToken.get(request.label) ?? sentByToken.set(request.label, []).get(request.label)!;
    const replayed = replayedByToken.get(request.label) ?? replayedByToken.set(request.label, []).get(request.label)!;
    const aMinuteBefore = sent.length - perMinute;
    const held = aMinuteBefore >= 0 && request.atMs - sent[aMinuteBefore]! >= 60_000 && request.atMs - sent[aMinuteBefore]! < 60_050;
    const afterPrevious = index === 0 ? request.atMs : lastReplayed + latencyMs + (request.atMs - lastSent);
    const start = held ? Math.max(replayed[aMinuteBefore]! + 60_000, lastReplayed + latencyMs) : afterPrevious;
    sent.push(request.atMs);
    replayed.push(start);
    [lastSent, lastReplayed] = [request.atMs, start];
  }
  return lastReplayed + (activation.requests.length > 0 ? latencyMs : 0) + (activation.ms - lastSent);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return 0;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const mb = (bytes: number) => `${Math.round(bytes / MB)} MB`;

/** What one run measured, for the table and the summary. */
interface RunFigures {
  label: string;
  activation: Activation<TeamsAnswer>;
  done: string[];
  waiting: string[];
  failed: string[];
  teamLoads: TokenLoad[];
  teamRequests: number[];
  teamBusiest: number[];
  organization: TokenLoad;
  /** The action's log line about the organisation's insights. */
  insights: string;
  fakeCpuMs: number;
  /**
   * From the start to the first team's request (the organisation's read and the run's setup), from
   * there to the upkeep's first droplet-metrics read (every team's check: the alerts), and the
   * upkeep after it, which by design runs until the deadline's margin.
   */
  phases: { organizationMs: number; teamsMs: number; upkeepMs: number };
  /** The run up to the end of the teams' checks at {@link LATENCY_MS} ms a request: the part that must fit the deadline. */
  checksAtLatencyMs: number;
}

/** The advisor's reads: the first of them starts the run's upkeep (no check reads a droplet's metrics). */
const UPKEEP_READ = /^\/v2\/monitoring\/metrics\/droplet\//;

/** One hourly activation of a deployment, and what it did. */
async function run(bundle: string, deployment: Deployment, at: Date, label: string, options: Options): Promise<RunFigures> {
  const cpuBefore = processCpuMs("self");
  const logged = deployment.fake.requests.length;
  const activation = await activate<TeamsAnswer>(bundle, deployment.params, at, {
    timeoutSeconds: options.timeout,
    skipWaits: true,
    tokenLabels: deployment.tokenLabels,
    database: deployment.database,
    ...(options.maxOldSpaceSize ? { nodeFlags: [`--max-old-space-size=${options.maxOldSpaceSize}`] } : {}),
  });
  const fakeCpuMs = processCpuMs("self") - cpuBefore;
  if (deployment.fake.validationErrors.length > 0) throw new Error(`the fake saw answers outside DigitalOcean's spec: ${deployment.fake.validationErrors[0]}`);
  const teams = activation.answer.teams ?? [];
  const load = tokenLoad(activation);
  const byTeam = deployment.teams.map((team) => load.get(team.label) ?? NO_LOAD);
  // The activation's count by token must be the action's own (its meters') and the fake's log.
  const received = new Map<string, number>();
  for (const request of deployment.fake.requests.slice(logged)) received.set(request.token, (received.get(request.token) ?? 0) + 1);
  for (const [label, { requests }] of load) {
    if (label !== "(other)" && received.get(label) !== requests) throw new Error(`${label}: the activation sent ${requests} requests, the fake received ${received.get(label) ?? 0}`);
  }
  for (const team of teams) {
    const sent = load.get(team.team)?.requests ?? 0;
    if (team.requests !== undefined && team.requests !== sent) throw new Error(`team ${team.team}: the action counted ${team.requests} requests, the activation sent ${sent}`);
  }
  const teamLabels = new Set(deployment.teams.map((team) => team.label));
  const firstTeamAt = Math.min(activation.ms, ...activation.requests.filter((request) => teamLabels.has(request.label)).map((request) => request.atMs));
  const upkeepAt = Math.min(activation.ms, ...activation.requests.filter((request) => UPKEEP_READ.test(request.path)).map((request) => request.atMs));
  const checks = { ...activation, ms: upkeepAt, requests: activation.requests.filter((request) => request.atMs < upkeepAt) };
  const insights = activation.logs.find((line) => /organisation insights/.test(line)) ?? "(no line about the organisation's insights)";
  return {
    label,
    activation,
    done: teams.filter((team) => team.status === "done").map((team) => team.team),
    waiting: teams.filter((team) => team.status === "waiting").map((team) => team.team),
    failed: teams.filter((team) => team.status === "failed").map((team) => `${team.team}: ${team.why}`),
    teamLoads: byTeam,
    // Teams that sent nothing (waiting, or read from insights only) are left out of the median.
    teamRequests: byTeam.map((entry) => entry.requests).filter((requests) => requests > 0),
    teamBusiest: byTeam.map((entry) => entry.busiestMinute),
    organization: load.get(ORGANIZATION_LABEL) ?? NO_LOAD,
    insights: insights.replace(/^tracker: (warning: )?/, ""),
    fakeCpuMs,
    phases: { organizationMs: firstTeamAt, teamsMs: upkeepAt - firstTeamAt, upkeepMs: activation.ms - upkeepAt },
    checksAtLatencyMs: withLatency(checks, LATENCY_MS, DEFAULT_REQUESTS_PER_MINUTE),
  };
}

/** Whether the run's insights read stopped with days left for the next run, having read some (organization.ts's log line). */
function insightsLeft(figures: RunFigures): boolean {
  return / left for the next run/.test(figures.insights) && !/ 0 day\(s\) read/.test(figures.insights);
}

/** Runs hourly from NOW until every team was checked once, or a run checks none; the runs' figures. */
async function hourlyUntilCovered(bundle: string, deployment: Deployment, options: Options): Promise<RunFigures[]> {
  const unchecked = new Set(deployment.teams.map((team) => team.label));
  const runs: RunFigures[] = [];
  for (let hour = 0; hour < MAX_RUNS; hour++) {
    const label = hour === 0 ? "month's first check" : hour === 1 ? "next hour" : `hour ${hour + 1}`;
    const figures = await run(bundle, deployment, new Date(NOW.getTime() + hour * HOUR_MS), label, options);
    runs.push(figures);
    for (const team of figures.done) unchecked.delete(team);
    // Two runs at least (the first check and the hourly steady state); more only while teams wait
    // and runs progress, or while the organisation's insights read has days left and progresses.
    if (hour >= 1 && (unchecked.size === 0 || figures.done.length === 0) && !insightsLeft(figures)) break;
  }
  return runs;
}

function printRuns(title: string, runs: readonly RunFigures[], teams: number, timeoutSeconds: number): void {
  const deadlineMs = timeoutSeconds * 1000;
  const maxMs = FUNCTIONS_LIMITS.maxTimeoutSeconds * 1000;
  console.log(`\n${title}`);
  console.log(
    `| run | wall time (pacer waits) | inside ${timeoutSeconds} s deadline / 15 min max | at ${LATENCY_MS} ms a request: every team checked, whole run (the upkeep stops at the deadline) | teams done / waiting / failed | requests: organisation; team max, median | busiest minute: organisation; team max (cap ${DEFAULT_REQUESTS_PER_MINUTE}, DO ${DIGITALOCEAN_REQUESTS_PER_MINUTE}) | peak RSS: action, Postgres backends |`,
  );
  console.log("| --- | --- | --- | --- | --- | --- | --- | --- |");
  for (const figures of runs) {
    const { activation } = figures;
    const estimateMs = withLatency(activation, LATENCY_MS, DEFAULT_REQUESTS_PER_MINUTE);
    const fits = (ms: number) => `${ms <= deadlineMs ? "yes" : "NO"} / ${ms <= maxMs ? "yes" : "NO"}`;
    console.log(
      `| ${figures.label} | ${seconds(activation.ms)} (${seconds(activation.skippedMs)}) | ${fits(activation.ms)} | ${seconds(figures.checksAtLatencyMs)}: ${fits(figures.checksAtLatencyMs)}; ${seconds(estimateMs)} | ` +
        `${figures.done.length} / ${figures.waiting.length} / ${figures.failed.length} of ${teams} | ${figures.organization.requests}; ${Math.max(0, ...figures.teamRequests)}, ${median(figures.teamRequests)} | ` +
        `${figures.organization.busiestMinute}; ${Math.max(0, ...figures.teamBusiest)} | ${mb(activation.peakBytes)}, ${activation.postgresPeakBytes === undefined ? "?" : mb(activation.postgresPeakBytes)} |`,
    );
  }
  for (const figures of runs) {
    console.log(`  ${figures.label}: ${figures.insights}`);
    const { organizationMs, teamsMs, upkeepMs } = figures.phases;
    console.log(
      `  ${figures.label}: up to the first team's request (the organisation's read) ${seconds(organizationMs)}; the teams' checks ${seconds(teamsMs)}, ${seconds(teamsMs / Math.max(1, figures.done.length))} a team done; then the teams' upkeep in turns ${seconds(upkeepMs)}`,
    );
    if (figures.failed.length > 0) console.log(`  ${figures.label}: failed: ${figures.failed.join("; ")}`);
    console.log(`  ${figures.label}: ${seconds(figures.activation.realMs)} here; the fake's CPU (this process) ${seconds(figures.fakeCpuMs)}`);
  }
  const perHour = Math.max(...runs.map((figures) => Math.max(figures.organization.requests, ...figures.teamRequests)));
  const busiest = runs.flatMap((figures) => [figures.organization, ...figures.teamLoads]).reduce((most, load) => (load.busiestMinute > most.busiestMinute ? load : most), NO_LOAD);
  console.log(
    `  per token: at most ${busiest.busiestMinute} requests sent in a minute (DigitalOcean allows ${DIGITALOCEAN_REQUESTS_PER_MINUTE}; the pacer's cap ${DEFAULT_REQUESTS_PER_MINUTE}) and ${perHour} in a run, one run an hour (DigitalOcean allows ${DIGITALOCEAN_REQUESTS_PER_HOUR.toLocaleString("en-US")} an hour)`,
  );
  // The pacer counts a request when it grants its slot, a minute after the slot it frees; the send
  // follows a moment later, sooner for some requests than others: a window of sends can hold one more.
  if (busiest.busiestMinute > DEFAULT_REQUESTS_PER_MINUTE) console.log(`  (the first and the last of those ${busiest.busiestMinute} were sent ${busiest.busiestSpanMs} ms apart: the pacer's minute runs from the slots it grants, each send a few ms after its slot)`);
  if (busiest.busiestMinute > DIGITALOCEAN_REQUESTS_PER_MINUTE || perHour > DIGITALOCEAN_REQUESTS_PER_HOUR) throw new Error("a token went over DigitalOcean's rate limit");
  const peak = Math.max(...runs.map((figures) => figures.activation.peakBytes));
  const memoryMb = FUNCTIONS_LIMITS.defaultMemoryMb;
  console.log(`  the action's peak RSS ${mb(peak)}: ${peak <= memoryMb * MB ? "under" : "OVER"} the ${memoryMb} MB the stack deploys it with`);
  const checked = new Set(runs.flatMap((figures) => figures.done));
  const covering = runs.findIndex((_, index) => new Set(runs.slice(0, index + 1).flatMap((figures) => figures.done)).size === teams);
  const insightsRead = runs.findIndex((figures) => /^organisation insights: \d+ day/.test(figures.insights) && !/ left for the next run/.test(figures.insights));
  console.log(insightsRead >= 0 ? `  runs to read the organisation's insights of the month so far: ${insightsRead + 1}` : `  the organisation's insights NOT all read in ${runs.length} runs`);
  console.log(covering >= 0 ? `  runs to check all ${teams} teams: ${covering + 1}` : `  all ${teams} teams NOT checked: ${checked.size} checked in ${runs.length} runs (the last checked ${runs.at(-1)!.done.length})`);
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  await withTrackerAction(async (built, postgres) => {
    console.log(
      `bundle ${(built.bytes / 1024).toFixed(0)} KiB; each activation a fresh Node ${process.version} process calling main(params) as OpenWhisk does, ` +
        `__OW_DEADLINE ${options.timeout} s (the deployed timeout: ${DEFAULT_TRACKER_TIMEOUT_SECONDS} s; DigitalOcean's maximum ${FUNCTIONS_LIMITS.maxTimeoutSeconds} s); Postgres: ${postgres.describe}; a bare Node process ${mb(bareNodePeakBytes())}` +
        (options.maxOldSpaceSize ? `; the activation's old space held to ${options.maxOldSpaceSize} MB` : "; V8 sizes the activation's heap from this machine's memory"),
    );
    const started = process.hrtime.bigint();
    const organization = fakeOrganization(options.teams, options.resources);
    const first = organization[0]!.state;
    const insightsPages = Math.ceil(organization.reduce((sum, team) => sum + team.state.billingInsights.length, 0) / 200);
    console.log(
      `fake organisation: ${options.teams} teams × ${resourcesOf(first).toLocaleString("en-US")} resources, ${first.invoiceItems.preview!.length.toLocaleString("en-US")} invoice items and ${first.billingInsights.length.toLocaleString("en-US")} insights points each ` +
        `(the organisation's insights: ${(insightsPages * 200).toLocaleString("en-US")} points, ${insightsPages.toLocaleString("en-US")} pages of 200); built in ${seconds(Number(process.hrtime.bigint() - started) / 1e6)}`,
    );
    const tables: [string, RunFigures[], number][] = [];
    for (const [title, teams] of [
      [`baseline: the same deployment with one team (${options.resources.toLocaleString("en-US")} resources)`, organization.slice(0, 1)],
      [`${options.teams} teams × ${options.resources.toLocaleString("en-US")} resources`, organization],
    ] as const) {
      const deployment = await deploy(postgres, [...teams], `bench_organization_${teams.length}`);
      try {
        tables.push([title, await hourlyUntilCovered(built.file, deployment, options), teams.length]);
      } finally {
        await deployment.database.drop();
        await deployment.fake.close();
      }
    }
    for (const [title, runs, teams] of tables) printRuns(title, runs, teams, options.timeout);
    const [baseline, many] = [tables[0]![1], tables[1]![1]];
    const ratio = (index: number, of: (figures: RunFigures) => number) => (many[index] && baseline[index] ? `${(of(many[index]!) / of(baseline[index]!)).toFixed(1)}×` : "?");
    const whole = (figures: RunFigures) => figures.activation.ms;
    const teamsPart = (figures: RunFigures) => figures.phases.teamsMs;
    console.log(`\n${options.teams} teams against one: wall time ${ratio(0, whole)} (month's first check), ${ratio(1, whole)} (next hour); the teams' checks alone ${ratio(0, teamsPart)} and ${ratio(1, teamsPart)}`);
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
