// `rig supervisor`: the local platform's background process (started by `rig install`;
// not meant to be run by hand). Runs the pods of RIG_HOME until SIGTERM.
import type { Command } from './command.js';
import { rigHome } from '../platform/local/home.js';
import { runSupervisor } from '../platform/local/daemon.js';

export const supervisorCommand: Command = {
  name: 'supervisor',
  summary: "Run the local platform's supervisor in the foreground (started by `rig install`)",
  usage: 'rig supervisor',
  examples: ['RIG_HOME=/tmp/mesh rig supervisor'],
  flags: [],
  run: () => runSupervisor(rigHome()),
};
