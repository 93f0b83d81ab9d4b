// `rig`: the Rigging CLI entry point. Dispatches to one file per command.
import { formatFlags, parseArgs, UsageError } from './args.js';
import type { Command } from './command.js';
import { pilotCommand } from './pilot.js';
import { versionCommand } from './version.js';
import { proxyCommand } from './proxy.js';
import { applyCommand } from './apply.js';
import { deleteCommand } from './delete.js';
import { proxyStatusCommand } from './proxy-status.js';
import { proxyConfigCommand } from './proxy-config.js';
import { analyzeCommand } from './analyze.js';
import { xCommand } from './precheck.js';
import { completionCommand } from './completion.js';
import { installCommand } from './install.js';
import { uninstallCommand } from './uninstall.js';
import { runCommand } from './run.js';
import { getCommand } from './get.js';
import { supervisorCommand } from './supervisor.js';
import { labelCommand } from './label.js';
import { createCommand } from './create.js';
import { execCommand } from './exec.js';
import { logsCommand } from './logs.js';
import { describeCommand } from './describe.js';
import { profileCommand } from './profile.js';
import { sampleCommand } from './sample.js';

const commands: Command[] = [pilotCommand, proxyCommand, versionCommand, applyCommand, deleteCommand, proxyStatusCommand, proxyConfigCommand, analyzeCommand, xCommand, completionCommand(() => commands), installCommand, uninstallCommand, runCommand, getCommand, labelCommand, createCommand, execCommand, sampleCommand, logsCommand, describeCommand, profileCommand];
/** Commands that work but are not listed in help (started by other commands). */
const hiddenCommands: Command[] = [supervisorCommand];

function help(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'rig: the Rigging service mesh CLI',
    '',
    'Usage: rig COMMAND [flags]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
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
  const cmd = [...commands, ...hiddenCommands].find((c) => c.name === name);
  if (!cmd) {
    process.stderr.write(`error: unknown command "${name}"\n\n${help()}`);
    process.exitCode = 1;
    return;
  }
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
