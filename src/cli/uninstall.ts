// `rig uninstall`: stops every pod and the supervisor of RIG_HOME; with --purge, also
// deletes the configuration (the store's YAML). Only the files the mesh wrote are removed.
import { existsSync, rmdirSync, rmSync } from 'node:fs';
import type { Command } from './command.js';
import { confirm } from './install.js';
import { rigHome } from '../platform/local/home.js';
import { stopSupervisor } from '../platform/local/daemon.js';

export const uninstallCommand: Command = {
  name: 'uninstall',
  summary: 'Stop the mesh on this machine: every pod, the gateways and the control plane',
  usage: 'rig uninstall [--purge] [-y]',
  examples: ['rig uninstall -y', 'rig uninstall --purge -y        # also delete the applied configuration (all of RIG_HOME)'],
  flags: [
    { name: 'purge', type: 'boolean', description: 'also delete the configuration and everything else in RIG_HOME' },
    { name: 'skip-confirmation', short: 'y', type: 'boolean', description: 'do not ask for confirmation' },
  ],
  async run(args) {
    const home = rigHome();
    const purge = args.flags.purge === true;
    if (!args.flags['skip-confirmation']) {
      const ok = await confirm(`This stops every pod of the mesh in ${home.root}${purge ? ' and deletes all of it, configuration included' : ' (its configuration stays)'}. Proceed?`, 'uninstall');
      if (!ok) return 1;
    }
    if (!existsSync(home.state) && !existsSync(home.supervisorInfo) && !existsSync(home.pods)) {
      process.stdout.write(`No mesh is installed in ${home.root} (RIG_HOME); nothing to stop.\n`);
      if (purge && existsSync(home.config)) {
        rmSync(home.config, { recursive: true, force: true });
        process.stdout.write(`✔ Removed ${home.config}\n`);
      }
      return 0;
    }
    const strays = await stopSupervisor(home);
    if (strays > 0) process.stdout.write(`  stopped ${strays} process(es) the supervisor had left running\n`);
    process.stdout.write('✔ Pods, gateways and control plane stopped\n');
    // Only what the mesh wrote is removed, so a RIG_HOME pointing at a shared directory loses nothing else.
    for (const p of [home.pods, home.logs, home.run, home.state, ...(purge ? [home.config] : [])]) rmSync(p, { recursive: true, force: true });
    if (purge) {
      try {
        rmdirSync(home.root);
      } catch {
        // not empty: other files live there
      }
      process.stdout.write(`✔ Removed the configuration and state in ${home.root}\n`);
    } else process.stdout.write(`  the configuration stays in ${home.config} (rig uninstall --purge removes it)\n`);
    process.stdout.write('✔ Uninstall complete\n');
    return 0;
  },
};
