// `npm run bench -- --check`: the proxy targets of the data-plane issue, checked against
// the newest results in bench/results/ that hold each figure (full runs before quick ones);
// prints MET / NOT MET with the figures and the run they come from.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Row } from './lib/scenario.js';
import { SMALL } from './scenarios/proxy-memory.js';

export interface Target {
  scenario: string;
  title: string;
  case: string;
  metric: string;
  /** The figure passes when `value op limit`. */
  op: '>=' | '<=';
  limit: number;
  unit: string;
}

/** ≥ 0.6 × nginx's req/s per core with routing and stats; added p50 ≤ 0.15 ms per proxy at 1,000 req/s; idle RSS ≤ 45 MB. */
export const TARGETS: Target[] = [
  // Per core = requests per CPU-second of the proxy (pinned to one core), which holds steady when other work takes part of that core.
  { scenario: 'proxy-throughput', title: 'requests/s per core ≥ 0.6 × nginx (small response)', case: 'rigging, small response', metric: 'ratio Rigging / nginx, per CPU-second', op: '>=', limit: 0.6, unit: '×' },
  { scenario: 'proxy-throughput', title: 'requests/s per core ≥ 0.6 × nginx (1 KiB response)', case: 'rigging, 1k response', metric: 'ratio Rigging / nginx, per CPU-second', op: '>=', limit: 0.6, unit: '×' },
  { scenario: 'sidecar-latency', title: 'added p50 ≤ 0.15 ms per proxy at 1,000 req/s (16 connections)', case: 'rigging pair, 16 conns', metric: 'added p50 per proxy', op: '<=', limit: 0.15, unit: 'ms' },
  { scenario: 'sidecar-latency', title: 'added p50 ≤ 0.15 ms per proxy at 1,000 req/s (4 connections)', case: 'rigging pair, 4 conns', metric: 'added p50 per proxy', op: '<=', limit: 0.15, unit: 'ms' },
  // 45 MB = 45 × 10^6 bytes ≈ 42.9 MiB.
  { scenario: 'proxy-memory', title: 'idle RSS ≤ 45 MB (small static config)', case: SMALL, metric: 'RSS idle (after 5 s)', op: '<=', limit: round1((45 * 1e6) / 2 ** 20), unit: 'MiB' },
];

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

export interface ResultFile {
  machine?: Record<string, unknown>;
  loadAvg?: unknown;
  proxyBuild?: string;
  elapsedS?: number;
  file: string;
  date: string;
  options: { quick: boolean; runs: number };
  rows: Row[];
}

/** Results files, newest first (their names start with the UTC timestamp). */
export function loadResults(dir: string): ResultFile[] {
  let names: string[] = [];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
  const out: ResultFile[] = [];
  for (const n of names.sort().reverse()) {
    try {
      const j = JSON.parse(readFileSync(join(dir, n), 'utf8')) as Omit<ResultFile, 'file'>;
      if (Array.isArray(j.rows)) out.push({ ...j, file: n });
    } catch {
      /* not a results file */
    }
  }
  return out;
}

export interface Verdict {
  target: Target;
  met: boolean | undefined;
  value?: number;
  from?: ResultFile;
}

export function checkTargets(results: ResultFile[], targets = TARGETS): Verdict[] {
  // Full runs first (newest first), quick smoke runs only when no full run has the figure.
  const ordered = [...results.filter((r) => !r.options.quick), ...results.filter((r) => r.options.quick)];
  return targets.map((t) => {
    for (const r of ordered) {
      const row = r.rows.find((x) => x.scenario === t.scenario && x.case === t.case && x.metric === t.metric);
      if (row) return { target: t, met: t.op === '>=' ? row.value >= t.limit : row.value <= t.limit, value: row.value, from: r };
    }
    return { target: t, met: undefined };
  });
}

/** Scenarios that no results file covers yet. */
export function missingScenarios(results: ResultFile[]): string[] {
  return [...new Set(checkTargets(results).filter((v) => v.met === undefined).map((v) => v.target.scenario))];
}

export function printVerdicts(verdicts: Verdict[]): void {
  console.log('| target | figure | verdict | from |\n| --- | ---: | --- | --- |');
  for (const v of verdicts) {
    const t = v.target;
    const fig = v.value === undefined ? 'no figure' : `${v.value} ${t.unit} (limit ${t.op === '>=' ? '≥' : '≤'} ${t.limit} ${t.unit})`;
    const load = (v.from?.loadAvg as { atStart?: number[] } | undefined)?.atStart?.[0];
    const notes = v.from ? [v.from.options.quick ? 'quick run: 1 repetition, short loads' : `${v.from.options.runs} runs`, ...(load !== undefined ? [`load average ${load} at start`] : [])] : [];
    const from = v.from ? `${v.from.file} (${notes.join(', ')})` : `run npm run bench -- --scenario ${t.scenario}`;
    console.log(`| ${t.title} | ${fig} | ${v.met === undefined ? 'NO DATA' : v.met ? 'MET' : 'NOT MET'} | ${from} |`);
  }
}
