// Markdown tables of one results file, one per scenario: a line per case, a column per
// metric (`npm run bench -- --report [FILE]`; docs/performance.md quotes this output).
import type { Row } from './lib/scenario.js';
import type { ResultFile } from './check.js';

const COLUMNS = 5;

export function pivot(rows: Row[]): string {
  const out: string[] = [];
  for (const scenario of [...new Set(rows.map((r) => r.scenario))]) {
    const mine = rows.filter((r) => r.scenario === scenario);
    const allMetrics = [...new Set(mine.map((r) => `${r.metric} (${r.unit})`))];
    const cases = [...new Set(mine.map((r) => r.case))];
    out.push(`**${scenario}**\n`);
    // At most COLUMNS metrics per table, so the tables stay readable; a case with no figure in a table is left out of it.
    for (let i = 0; i < allMetrics.length; i += COLUMNS) {
      const metrics = allMetrics.slice(i, i + COLUMNS);
      out.push(`| case | ${metrics.join(' | ')} |`, `| --- |${metrics.map(() => ' ---: |').join('')}`);
      for (const c of cases) {
        const cells = metrics.map((m) => mine.find((r) => r.case === c && `${r.metric} (${r.unit})` === m)?.value);
        if (cells.every((x) => x === undefined)) continue;
        out.push(`| ${c} | ${cells.map((x) => x ?? '').join(' | ')} |`);
      }
      out.push('');
    }
  }
  return out.join('\n');
}

export function report(r: ResultFile): string {
  const m = r.machine ?? {};
  const head = [
    `Run ${r.date} (${r.file}): ${r.options.quick ? 'quick, ' : ''}${r.options.runs} run(s) per figure, medians${r.elapsedS ? `, ${Math.round(r.elapsedS / 60)} min` : ''}.`,
    `Machine: ${m.cpuModel ?? '?'}, ${m.cores ?? '?'} cores, ${m.memoryGiB ?? '?'} GiB, Node ${m.node ?? '?'}, ${m.os ?? '?'}.`,
    ...(r.loadAvg ? [`Load average (1/5/15 min) at start and end: ${JSON.stringify(r.loadAvg)}.`] : []),
    ...(r.proxyBuild ? [`rig proxy ran from: ${r.proxyBuild}.`] : []),
  ];
  return `${head.map((l) => `- ${l}`).join('\n')}\n\n${pivot(r.rows)}`;
}
