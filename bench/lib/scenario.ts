// A benchmark scenario: runs with options, returns rows for the table and raw figures.

export interface BenchOptions {
  quick: boolean;
  /** Repetitions per measurement (≥ 3 outside quick mode); medians are reported. */
  runs: number;
  /** Seconds per load run where a scenario has one. */
  durationS: number;
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
