// `rig describe pod NAME`: a pod in kubectl's describe layout — where it runs, its labels,
// each container (image, command, state, readiness, restarts, ports) and recent events.
import type { Command } from './command.js';
import { connectedPlatform } from './platform.js';
import { CliError, runReporting } from './errors.js';
import { displayStatus, isReady, type PodRecord } from '../platform/local/pod.js';
import { age } from '../platform/local/table.js';

export function describePod(p: PodRecord): string {
  const out: string[] = [];
  const kv = (k: string, v: string, indent = '') => out.push(`${indent}${(k + ':').padEnd(Math.max(18 - indent.length, k.length + 2))}${v}`);
  kv('Name', p.spec.name);
  kv('Namespace', p.spec.namespace);
  kv('Service Account', p.spec.serviceAccount);
  kv('Node', `local/${p.status.hostIP}`);
  kv('Start Time', p.status.startTime);
  const labels = Object.entries(p.spec.labels).sort(([a], [b]) => (a < b ? -1 : 1));
  out.push(`${'Labels:'.padEnd(18)}${labels.length ? labels.map(([k, v], i) => `${i ? ' '.repeat(18) : ''}${k}=${v}`).join('\n') : '<none>'}`);
  const ann = Object.entries(p.spec.annotations);
  out.push(`${'Annotations:'.padEnd(18)}${ann.length ? ann.map(([k, v], i) => `${i ? ' '.repeat(18) : ''}${k}: ${v}`).join('\n') : '<none>'}`);
  kv('Status', displayStatus(p));
  kv('IP', p.status.podIP);
  if (p.spec.owner) kv('Controlled By', p.spec.owner.kind === 'Deployment' ? `ReplicaSet/${p.spec.owner.name}-${p.spec.owner.hash} (Deployment ${p.spec.owner.name})` : `Pod object ${p.spec.namespace}/${p.spec.owner.name}`);
  if (p.status.hasSidecar) kv('App Address', `${p.status.appIP} (the sidecar owns ${p.status.podIP}'s service ports)`);
  out.push('Containers:');
  for (const c of p.spec.containers) {
    const s = p.status.containerStatuses.find((x) => x.name === c.name);
    out.push(`  ${c.name}:`);
    kv('Image', c.image || '<none>', '    ');
    kv('Command', '', '    ');
    for (const a of [...c.command, ...(c.args ?? [])]) out.push(`      ${a}`);
    kv('Port', c.ports?.length ? c.ports.map((x) => `${x.containerPort}/${x.protocol ?? 'TCP'}${x.name ? ` (${x.name})` : ''}`).join(', ') : '<none>', '    ');
    if (s) {
      kv('State', s.state + (s.reason ? ` (${s.reason})` : ''), '    ');
      if (s.startedAt && s.state === 'Running') kv('  Started', s.startedAt, '    ');
      if (s.lastTermination) kv('Last State', `Terminated (exit code ${s.lastTermination.exitCode ?? '-'}${s.lastTermination.signal ? `, ${s.lastTermination.signal}` : ''}) at ${s.lastTermination.finishedAt}`, '    ');
      kv('Ready', s.ready ? 'True' : 'False', '    ');
      kv('Restart Count', String(s.restartCount), '    ');
      if (s.pid) kv('PID', String(s.pid), '    ');
    }
  }
  out.push('Conditions:', `  Ready   ${isReady(p) ? 'True' : 'False'}`);
  out.push('Events:');
  if (p.status.events.length === 0) out.push('  <none>');
  else {
    out.push('  Type     Reason     Age    Message', '  ----     ------     ---    -------');
    for (const e of p.status.events) out.push(`  ${e.type.padEnd(8)} ${e.reason.padEnd(10)} ${age(e.time).padEnd(6)} ${e.message}`);
  }
  return out.join('\n') + '\n';
}

export const describeCommand: Command = {
  name: 'describe',
  summary: 'Show a pod in detail: containers, state, restarts, ports, labels, events',
  usage: 'rig describe pod NAME [-n NS]',
  examples: ['rig describe pod hello', 'rig describe pod -n rig-system rigd-x7k2p'],
  flags: [{ name: 'namespace', short: 'n', type: 'string', default: 'default', description: 'namespace' }],
  run: (args) =>
    runReporting(async () => {
      const [type, name] = args.positional;
      if (!type || !['pod', 'pods', 'po'].includes(type) || !name) throw new CliError('usage: rig describe pod NAME [-n NS]');
      const platform = connectedPlatform();
      const ns = args.flags.namespace as string;
      const p = await platform.supervisor.pod(ns, name).catch((err: Error) => Promise.reject(new CliError(err.message)));
      if (!p) throw new CliError(`pods "${name}" not found in namespace ${ns}`);
      process.stdout.write(describePod(p));
      return 0;
    }),
};
