// Output helpers shared by the commands that list things: kubectl-style columns (a header
// row in capitals, each column as wide as its widest cell plus three spaces, no trailing
// blanks), and the `-o json|yaml` forms of the same data.
import { stringify as toYaml } from 'yaml';
import { UsageError } from './args.js';

export type Cell = string | number | undefined | null;

/** Column text: headers, then rows; empty cells print as `blank` (default: nothing). */
export function formatTable(headers: readonly string[], rows: readonly (readonly Cell[])[], opts: { padding?: number; blank?: string } = {}): string {
  const padding = opts.padding ?? 3;
  const blank = opts.blank ?? '';
  const text = (c: Cell) => (c === undefined || c === null || c === '' ? blank : String(c));
  const all = [headers.map(text), ...rows.map((r) => headers.map((_, i) => text(r[i])))];
  const widths = headers.map((_, i) => Math.max(...all.map((r) => [...r[i]!].length)));
  return all
    .map((r) => r.map((c, i) => (i === r.length - 1 ? c : c + ' '.repeat(widths[i]! - [...c].length + padding))).join('').trimEnd())
    .join('\n') + '\n';
}

export type OutputFormat = 'table' | 'json' | 'yaml' | 'wide';

/** Validates `-o`; `allowed` lists the formats a command offers besides its table. */
export function outputFormat(value: unknown, allowed: readonly OutputFormat[] = ['json', 'yaml']): OutputFormat {
  if (value === undefined || value === '') return 'table';
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as OutputFormat;
  throw new UsageError(`unknown output format "${String(value)}"; use one of: ${allowed.join(', ')}`);
}

/** The data as JSON (2-space indent) or YAML, ending with a newline. */
export function formatStructured(data: unknown, format: 'json' | 'yaml'): string {
  return format === 'json' ? JSON.stringify(data, null, 2) + '\n' : toYaml(data, { lineWidth: 0 });
}
