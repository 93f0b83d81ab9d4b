// `rig`: the Rigging CLI entry point. Dispatches to one file per command, loading only the
// command that runs (commands.ts).
import { formatFlags, parseArgs, UsageError } from './args.js';
import type { Command } from './command.js';
import { COMMANDS } from './commands.js';

function help(): string {
  const listed = COMMANDS.filter((c) => !c.hidden);
  const width = Math.max(...listed.map((c) => c.name.length));
  return [
    'rig: the Rigging service mesh CLI',
    '',
    'Usage: rig COMMAND [flags]',
    '',
    'Commands:',
    ...listed.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `rig COMMAND --help` for a command\'s flags and examples.',
    '',
  ].join('\n');
}

function commandHelp(c: Command): string {
  return [c.summary, '', `Usage: ${c.usage}`, '', 'Flags:', formatFlags(c.flags), '', 'Examples:', ...c.examples.map((e) => `  ${e}`), ''].join('\n');
}

export async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(help());
    process.exitCode = name ? 0 : 1;
    return;
  }
  const entry = COMMANDS.find((c) => c.name === name);
  if (!entry) {
    process.stderr.write(`error: unknown command "${name}"\n\n${help()}`);
    process.exitCode = 1;
    return;
  }
  const cmd = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(commandHelp(cmd));
    return;
  }
  try {
    const parsed = parseArgs(rest, cmd.flags);
    process.exitCode = await cmd.run(parsed);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`error: ${err.message}\n\n${commandHelp(cmd)}`);
      process.exitCode = 1;
      return;
    }
    process.stderr.write(`error: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  }
}
