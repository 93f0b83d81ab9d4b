// `npm run bench [-- --quick] [--scenario NAME] [--runs N] [--duration S]`
// Runs the benchmark scenarios, writes bench/results/<date>-<name>.json (every raw figure
// and the machine) and prints a markdown table of medians.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from '../src/cli/args.js';
import { machineInfo } from './lib/machine.js';
import type { Row, Scenario } from './lib/scenario.js';
import { xdsScale } from './scenarios/xds-scale.js';
import { translate } from './scenarios/translate.js';
import { setLogLevel } from '../src/shared/log.js';

if (!process.env.RIG_LOG_LEVEL) setLogLevel('warn');

const scenarios: Scenario[] = [translate, xdsScale];

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2), [
    { name: 'quick', type: 'boolean', description: 'smoke run: small sizes, one repetition' },
    { name: 'scenario', type: 'list', description: 'run only these scenarios' },
    { name: 'runs', type: 'number', description: 'repetitions per measurement (default 3, quick 1)' },
    { name: 'duration', type: 'number', description: 'seconds per load run' },
    { name: 'list', type: 'boolean', description: 'list scenarios' },
  ]);
  if (args.flags.list) {
    for (const s of scenarios) console.log(`${s.name.padEnd(16)} ${s.description}`);
    return 0;
  }
  const quick = Boolean(args.flags.quick);
  const opts = { quick, runs: (args.flags.runs as number | undefined) ?? (quick ? 1 : 3), durationS: (args.flags.duration as number | undefined) ?? (quick ? 3 : 30) };
  const only = args.flags.scenario as string[] | undefined;
  const unknown = (only ?? []).filter((n) => !scenarios.some((s) => s.name === n));
  if (unknown.length) {
    console.error(`unknown scenario ${unknown.join(', ')}; known: ${scenarios.map((s) => s.name).join(', ')}`);
    return 1;
  }
  const chosen = scenarios.filter((s) => !only || only.includes(s.name));
  const rows: Row[] = [];
  const raw: Record<string, unknown> = {};
  for (const s of chosen) {
    console.error(`bench: ${s.name} …`);
    const r = await s.run(opts);
    rows.push(...r.rows);
    raw[s.name] = r.raw;
  }
  const stamp = new Date().toISOString().replace(/[:]/g, '-').replace(/\..*/, '');
  const name = quick ? 'quick' : chosen.map((s) => s.name).join('+');
  const dir = join(import.meta.dirname, 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${stamp}-${name}.json`);
  writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), machine: machineInfo(), options: opts, rows, raw }, null, 2) + '\n');
  console.log('| scenario | case | metric | median | unit |\n| --- | --- | --- | ---: | --- |');
  for (const r of rows) console.log(`| ${r.scenario} | ${r.case} | ${r.metric} | ${r.value} | ${r.unit} |`);
  console.log(`\nraw figures: ${file}`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
