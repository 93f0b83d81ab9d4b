// The command table of `rig`: each command's name and one-line summary, and how to load it.
// A command's module (and everything it imports: the control plane, the proxy, the local
// platform) is loaded only when that command runs, so `rig version` or a pod's
// `rig sample …` does not pay for the whole program at start.
import type { Command } from './command.js';

export interface CommandEntry {
  name: string;
  /** The same text as the command's own summary (a test checks they agree). */
  summary: string;
  /** Started by other commands; not listed in help. */
  hidden?: boolean;
  load(): Promise<Command>;
}

export const COMMANDS: readonly CommandEntry[] = [
  { name: 'install', summary: 'Install the mesh on this machine: control plane and gateways (profiles: default, demo, minimal, empty, remote)', load: async () => (await import('./install.js')).installCommand },
  { name: 'uninstall', summary: 'Stop the mesh on this machine: every pod, the gateways and the control plane', load: async () => (await import('./uninstall.js')).uninstallCommand },
  { name: 'profile', summary: 'List the installation profiles, or show the values of one', load: async () => (await import('./profile.js')).profileCommand },
  { name: 'version', summary: 'Print the client version and, if reachable, the control plane and data plane versions', load: async () => (await import('./version.js')).versionCommand },
  { name: 'run', summary: 'Start a pod running COMMAND (with a sidecar if its namespace has istio-injection=enabled)', load: async () => (await import('./run.js')).runCommand },
  { name: 'get', summary: 'List pods, services, namespaces or any config kind (virtualservices, gateways, …)', load: async () => (await import('./get.js')).getCommand },
  { name: 'describe', summary: 'Show a pod in detail: containers, state, restarts, ports, labels, events', load: async () => (await import('./describe.js')).describeCommand },
  { name: 'logs', summary: "Print a pod container's output (-c istio-proxy for its sidecar)", load: async () => (await import('./logs.js')).logsCommand },
  { name: 'exec', summary: "Run a command in a pod's environment (its sidecar as HTTP proxy)", load: async () => (await import('./exec.js')).execCommand },
  { name: 'label', summary: 'Set or remove labels on a namespace or a pod (istio-injection=enabled turns on sidecars)', load: async () => (await import('./label.js')).labelCommand },
  { name: 'create', summary: 'Create a namespace', load: async () => (await import('./create.js')).createCommand },
  { name: 'apply', summary: 'Create or update Istio configuration from files, a directory or standard input', load: async () => (await import('./apply.js')).applyCommand },
  { name: 'delete', summary: 'Delete the objects of manifests (-f), or pods, services and config objects by name', load: async () => (await import('./delete.js')).deleteCommand },
  { name: 'proxy-status', summary: "Show each proxy's xDS sync state with the control plane (SYNCED, STALE, NOT SENT, NACKED)", load: async () => (await import('./proxy-status.js')).proxyStatusCommand },
  { name: 'proxy-config', summary: "Show a proxy's clusters, listeners, routes, endpoints or secrets (istioctl's tables, or Envoy JSON)", load: async () => (await import('./proxy-config.js')).proxyConfigCommand },
  { name: 'analyze', summary: 'Analyze the mesh configuration for problems (IST0101 …), as istioctl analyze does', load: async () => (await import('./analyze.js')).analyzeCommand },
  { name: 'x', summary: 'Experimental commands: precheck', load: async () => (await import('./precheck.js')).xCommand },
  { name: 'sample', summary: 'Run a sample application (Bookinfo, httpbin, helloworld, sleep, load generator) in the foreground', load: async () => (await import('./sample.js')).sampleCommand },
  { name: 'pilot', summary: 'Run the control plane (xDS server and status API) in the foreground', load: async () => (await import('./pilot.js')).pilotCommand },
  { name: 'proxy', summary: 'Run the proxy (sidecar or gateway), configured over xDS or from an Envoy bootstrap file', load: async () => (await import('./proxy.js')).proxyCommand },
  {
    name: 'completion',
    summary: 'Print a shell completion script (bash or zsh)',
    load: async () => {
      const { completionCommand } = await import('./completion.js');
      const all = await loadAll();
      return completionCommand(() => all);
    },
  },
  { name: 'supervisor', hidden: true, summary: "Run the local platform's supervisor in the foreground (started by `rig install`)", load: async () => (await import('./supervisor.js')).supervisorCommand },
];

/** Every listed command, loaded (for completion scripts). */
export async function loadAll(): Promise<Command[]> {
  const listed = COMMANDS.filter((c) => !c.hidden && c.name !== 'completion');
  const loaded = await Promise.all(listed.map((c) => c.load()));
  const { completionCommand } = await import('./completion.js');
  return [...loaded, completionCommand(() => loaded)];
}
