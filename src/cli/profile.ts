// `rig profile list|dump NAME`: the installation profiles and what each sets.
import type { Command } from './command.js';
import { CliError, runReporting } from './errors.js';
import { PROFILES, VALUES, dumpProfile } from '../platform/local/profiles.js';

export const profileCommand: Command = {
  name: 'profile',
  summary: 'List the installation profiles, or show the values of one',
  usage: 'rig profile list | rig profile dump NAME',
  examples: ['rig profile list', 'rig profile dump demo'],
  flags: [],
  run: (args) =>
    runReporting(async () => {
      const [sub, name] = args.positional;
      if (sub === 'list') {
        process.stdout.write('Rigging configuration profiles:\n');
        for (const p of PROFILES) process.stdout.write(`    ${p.name.padEnd(8)} ${p.description}\n`);
        return 0;
      }
      if (sub === 'dump') {
        const p = PROFILES.find((x) => x.name === (name ?? 'default'));
        if (!p) throw new CliError(`unknown profile "${name}"; valid profiles: ${PROFILES.map((x) => x.name).join(', ')}`);
        process.stdout.write(dumpProfile(p));
        process.stdout.write(`# --set keys: profile, ${VALUES.map((v) => v.key).join(', ')}\n`);
        return 0;
      }
      throw new CliError('usage: rig profile list | rig profile dump NAME');
    }),
};
