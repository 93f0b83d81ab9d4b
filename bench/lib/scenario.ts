// A benchmark scenario: runs with options, returns rows for the table and raw figures.

export interface BenchOptions {
  quick: boolean;
  /** Repetitions per measurement (≥ 3 outside quick mode); medians are reported. */
  runs: number;
  /** Seconds per load run when given on the command line; otherwise each scenario's default. */
  durationS?: number;
}

/** Seconds for one load run: --duration if given, else the scenario's quick or full default. */
export function loadSeconds(opts: BenchOptions, full: number, quick: number): number {
  return opts.durationS ?? (opts.quick ? quick : full);
}

export interface Row {
  scenario: string;
  case: string;
  metric: string;
  value: number;
  unit: string;
}

export interface ScenarioResult {
  rows: Row[];
  raw: unknown;
}

export interface Scenario {
  name: string;
  description: string;
  run(opts: BenchOptions): Promise<ScenarioResult>;
}
