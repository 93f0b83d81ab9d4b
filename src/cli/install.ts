// `rig install`: installs the mesh on the local platform (supervisor, control plane,
// gateways) from a profile and `--set` values, printing a ✔ line per component.
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import type { Command } from './command.js';
import { rigHome } from '../platform/local/home.js';
import { install, InstallError } from '../platform/local/install.js';
import { overridesToSets, resolveValues } from '../platform/local/profiles.js';

/** Asks a yes/no question on the terminal; without a terminal, fails telling to pass -y. */
export async function confirm(question: string, action: string): Promise<boolean> {
  if (!process.stdin.isTTY) {
    process.stderr.write(`error: ${action} needs confirmation and there is no terminal to ask on; pass -y to proceed\n`);
    return false;
  }
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const a = (await rl.question(`${question} (y/N) `)).trim().toLowerCase();
    return a === 'y' || a === 'yes';
  } finally {
    rl.close();
  }
}

export const installCommand: Command = {
  name: 'install',
  summary: 'Install the mesh on this machine: control plane and gateways (profiles: default, demo, minimal, empty, remote)',
  usage: 'rig install [--set profile=NAME] [--set KEY=VALUE …] [-f overrides.yaml] [-y] [--timeout SECONDS]',
  examples: [
    'rig install -y                                   # the default profile: control plane + ingress gateway',
    'rig install --set profile=demo -y                # + egress gateway',
    'rig install --set values.gateways.istio-ingressgateway.httpPort=9080 -y',
    'rig install -f my-operator.yaml -y              # IstioOperator: spec.profile, spec.components, spec.values',
    'RIG_HOME=/tmp/mesh2 rig install -y              # a second, independent mesh',
    'rig install --set profile=remote --set values.global.remotePilotAddress=127.64.0.1 -y   # use the control plane of another mesh',
  ],
  flags: [
    { name: 'filename', short: 'f', type: 'list', description: 'an IstioOperator overrides file (spec.profile, spec.components, spec.values); repeatable' },
    { name: 'set', type: 'list', description: 'KEY=VALUE (profile=demo, components.egressGateways.enabled=true, …; `rig profile dump` lists them)' },
    { name: 'skip-confirmation', short: 'y', type: 'boolean', description: 'do not ask for confirmation' },
    { name: 'timeout', type: 'number', default: 60, description: 'seconds each component may take to become ready' },
  ],
  async run(args) {
    const sets: string[] = [];
    for (const file of (args.flags.filename as string[] | undefined) ?? []) {
      let text: string;
      try {
        text = readFileSync(file === '-' ? 0 : file, 'utf8');
      } catch (err) {
        process.stderr.write(`error: cannot read ${file}: ${(err as Error).message}\n`);
        return 1;
      }
      const o = overridesToSets(text, file);
      if (!o.ok) {
        process.stderr.write(`error: ${o.errors.join('\nerror: ')}\n`);
        return 1;
      }
      sets.push(...o.value);
    }
    // --set wins over the files, as with istioctl.
    sets.push(...((args.flags.set as string[] | undefined) ?? []));
    const values = resolveValues(sets);
    if (!values.ok) {
      process.stderr.write(`error: ${values.errors.join('\nerror: ')}\n`);
      return 1;
    }
    const home = rigHome();
    if (!args.flags['skip-confirmation']) {
      const ok = await confirm(`This will install the Rigging ${values.value.profile.name} profile into ${home.root} (RIG_HOME). Proceed?`, 'install');
      if (!ok) {
        if (process.stdin.isTTY) process.stderr.write('Cancelled.\n');
        return 1;
      }
    }
    const tty = process.stdout.isTTY;
    let spinning = false;
    const frames = '⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏';
    let frame = 0;
    const clear = () => {
      if (spinning) process.stdout.write('\r\x1b[2K');
      spinning = false;
    };
    try {
      await install({
        home,
        values: values.value,
        timeoutMs: (args.flags.timeout as number) * 1000,
        say: (line) => {
          clear();
          process.stdout.write(line + '\n');
        },
        ...(tty
          ? {
              waiting: (what: string) => {
                process.stdout.write(`\r\x1b[2K${frames[frame++ % frames.length]} ${what}`);
                spinning = true;
              },
            }
          : {}),
      });
    } catch (err) {
      clear();
      process.stderr.write(`✘ ${err instanceof InstallError ? err.message : (err as Error).message}\n`);
      return 1;
    }
    process.stdout.write(`\nThe mesh runs in the background. Label a namespace for sidecars with\n  rig label namespace default istio-injection=enabled\nthen start a pod with \`rig run NAME --port 8080 -- COMMAND\`.\n`);
    return 0;
  },
};
