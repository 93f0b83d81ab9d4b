// The shape of one `rig` command: its name, help, flags and what it does.
import type { FlagSpec, Parsed } from './args.js';

export interface Command {
  name: string;
  summary: string;
  usage: string;
  examples: string[];
  flags: FlagSpec[];
  /** Returns the process exit code. */
  run(args: Parsed): Promise<number>;
}
