// `npm run bench [-- --quick] [--scenario NAME] [--runs N] [--duration S] [--check] [--report FILE]`
// Runs the benchmark scenarios, writes bench/results/<date>-<name>.json (every raw figure
// and the machine) and prints a markdown table of medians. --check compares the newest
// results with the proxy's targets (running the scenarios that have no results yet).
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { loadavg } from 'node:os';
import { parseArgs } from '../src/cli/args.js';
import { machineInfo } from './lib/machine.js';
import type { BenchOptions, Row, Scenario } from './lib/scenario.js';
import { xdsScale } from './scenarios/xds-scale.js';
import { translate } from './scenarios/translate.js';
import { proxyThroughput } from './scenarios/proxy-throughput.js';
import { sidecarLatency } from './scenarios/sidecar-latency.js';
import { proxyMemory } from './scenarios/proxy-memory.js';
import { proxyH2 } from './scenarios/proxy-h2.js';
import { grpcPair } from './scenarios/grpc-pair.js';
import { meshMemory } from './scenarios/mesh-memory.js';
import { rigProxyBuild } from './lib/candidates.js';
import { report } from './report.js';
import { checkTargets, loadResults, missingScenarios, printVerdicts } from './check.js';
import { setLogLevel } from '../src/shared/log.js';

if (!process.env.RIG_LOG_LEVEL) setLogLevel('warn');

const scenarios: Scenario[] = [sidecarLatency, proxyThroughput, proxyMemory, meshMemory, proxyH2, grpcPair, translate, xdsScale];
const RESULTS = join(import.meta.dirname, 'results');

async function runScenarios(chosen: Scenario[], opts: BenchOptions): Promise<void> {
  const rows: Row[] = [];
  const raw: Record<string, unknown> = {};
  const started = Date.now();
  const buildAtStart = rigProxyBuild();
  // Other work on the machine skews every figure: the load average is kept with the results.
  const loadAvgAtStart = loadavg().map((x) => Math.round(x * 100) / 100);
  console.error(`bench: rig proxy runs from ${buildAtStart}`);
  for (const s of chosen) {
    console.error(`bench: ${s.name} …`);
    const t0 = Date.now();
    const r = await s.run(opts);
    console.error(`bench: ${s.name} took ${Math.round((Date.now() - t0) / 1000)} s`);
    rows.push(...r.rows);
    raw[s.name] = r.raw;
  }
  const buildAtEnd = rigProxyBuild();
  const proxyBuild = buildAtEnd === buildAtStart ? buildAtStart : `at start: ${buildAtStart}; at end: ${buildAtEnd}`;
  const stamp = new Date().toISOString().replace(/[:]/g, '-').replace(/\..*/, '');
  const name = opts.quick ? 'quick' : chosen.map((s) => s.name).join('+');
  mkdirSync(RESULTS, { recursive: true });
  const file = join(RESULTS, `${stamp}-${name}.json`);
  const elapsedS = Math.round((Date.now() - started) / 1000);
  writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), machine: machineInfo(), loadAvg: { atStart: loadAvgAtStart, atEnd: loadavg().map((x) => Math.round(x * 100) / 100) }, proxyBuild, options: opts, elapsedS, rows, raw }, null, 2) + '\n');
  console.log('| scenario | case | metric | median | unit |\n| --- | --- | --- | ---: | --- |');
  for (const r of rows) console.log(`| ${r.scenario} | ${r.case} | ${r.metric} | ${r.value} | ${r.unit} |`);
  console.log(`\nraw figures: ${file} (${elapsedS} s)`);
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2), [
    { name: 'quick', type: 'boolean', description: 'smoke run: small sizes, short loads, one repetition' },
    { name: 'scenario', type: 'list', description: 'run only these scenarios (repeat the flag or separate with commas)' },
    { name: 'runs', type: 'number', description: 'repetitions per measurement (default 3, quick 1)' },
    { name: 'duration', type: 'number', description: 'seconds per load run (default: each scenario its own)' },
    { name: 'list', type: 'boolean', description: 'list scenarios' },
    { name: 'report', type: 'string', description: 'print the tables of a results file (a name in bench/results/, or "latest")' },
    { name: 'check', type: 'boolean', description: 'compare the newest results with the proxy targets (runs the scenarios without results first)' },
  ]);
  if (args.flags.list) {
    for (const s of scenarios) console.log(`${s.name.padEnd(18)} ${s.description}`);
    return 0;
  }
  const quick = Boolean(args.flags.quick);
  const opts: BenchOptions = { quick, runs: (args.flags.runs as number | undefined) ?? (quick ? 1 : 3), durationS: args.flags.duration as number | undefined };
  const only = (args.flags.scenario as string[] | undefined)?.flatMap((x) => x.split(',')).filter(Boolean);
  const unknown = (only ?? []).filter((n) => !scenarios.some((s) => s.name === n));
  if (unknown.length) {
    console.error(`unknown scenario ${unknown.join(', ')}; known: ${scenarios.map((s) => s.name).join(', ')}`);
    return 1;
  }
  if (args.flags.report !== undefined) {
    const want = args.flags.report as string;
    const all = loadResults(RESULTS);
    const r = want === 'latest' || want === '' ? all[0] : all.find((f) => f.file === want || f.file === basename(want));
    if (!r) {
      console.error(`no results file ${want} in ${RESULTS}; run npm run bench first`);
      return 1;
    }
    console.log(report(r));
    return 0;
  }
  if (args.flags.check) {
    // With --scenario, those are run afresh; otherwise only the scenarios with no results.
    const toRun = only ?? missingScenarios(loadResults(RESULTS));
    if (toRun.length) await runScenarios(scenarios.filter((s) => toRun.includes(s.name)), opts);
    console.log('\nProxy targets (data-plane issue):\n');
    const verdicts = checkTargets(loadResults(RESULTS));
    printVerdicts(verdicts);
    return verdicts.every((v) => v.met) ? 0 : 1;
  }
  await runScenarios(scenarios.filter((s) => !only || only.includes(s.name)), opts);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? `bench: ${err.message}` : err);
    process.exit(1);
  },
);
