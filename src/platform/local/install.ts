// `rig install` on the local platform: start the supervisor, then the control plane (pod
// rigd-<suffix> in rig-system), then the gateways, each behind its Service, waiting for
// each to be ready. Idempotent: what already runs is kept; what the profile no longer
// wants is removed. A fresh install that fails is rolled back, leaving nothing running.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { VERSION } from '../../shared/version.js';
import { ControlPlaneClient, NAMESPACE_KIND, SERVICE_KIND } from './control-plane.js';
import { alive, startSupervisor, runningSupervisor, stopSupervisor, RIG_COMMAND } from './daemon.js';
import { ensureHome, readState, writeJsonAtomic, writeState, type InstallState, type RigHome } from './home.js';
import { defaultPodBlock, portInUse } from './ipam.js';
import { ISOLATION_ANNOTATION, ISOLATION_VALUE, netnsUnsupported } from './netns.js';
import { isReady, type PodRecord, type PodSpec } from './pod.js';
import { remoteControlPlane, type InstallValues } from './profiles.js';
import { podSuffix } from './supervisor.js';
import type { SupervisorClient } from './client.js';

export const SYSTEM_NAMESPACE = 'rig-system';
export const INGRESS = 'rig-ingressgateway';
export const EGRESS = 'rig-egressgateway';

export class InstallError extends Error {}

/** The mesh's own pods: no sidecar, and on loopback whatever values.global.isolation says (netns pods reach them through the supervisor). */
const SYSTEM_POD_ANNOTATIONS = { 'sidecar.istio.io/inject': 'false', [ISOLATION_ANNOTATION]: 'explicit' };

export interface InstallOptions {
  home: RigHome;
  values: InstallValues;
  timeoutMs: number;
  /** One line per step (the ✔ lines). */
  say: (line: string) => void;
  /** Progress while waiting (a spinner on a terminal). */
  waiting?: (what: string) => void;
}

interface Ctx {
  o: InstallOptions;
  sup: SupervisorClient;
  state: InstallState;
}

function v(o: InstallOptions, key: string): string {
  return o.values.values[key]!;
}

/**
 * A new mesh's pod block: the one its RIG_HOME hashes to, or the next one up when another
 * mesh's control plane or sidecar already listens on that block's first address (two
 * RIG_HOMEs can hash to the same block).
 */
export async function freePodBlock(root: string): Promise<string> {
  const first = Number(defaultPodBlock(root).split('.')[1]);
  for (let i = 0; i < 200; i++) {
    const block = `127.${20 + ((first - 20 + i) % 200)}`;
    let used = false;
    for (const port of [15010, 15014, 15000]) if (!used && (await portInUse(`${block}.0.1`, port))) used = true;
    if (!used) return block;
  }
  return defaultPodBlock(root);
}

export async function install(o: InstallOptions): Promise<void> {
  const home = o.home;
  const fresh = !(await runningSupervisor(home));
  const previous = readState(home);
  const block = v(o, 'values.global.podBlock') || previous?.podBlock || (await freePodBlock(home.root));
  const ingress = {
    address: v(o, 'values.gateways.istio-ingressgateway.bindAddress'),
    httpPort: Number(v(o, 'values.gateways.istio-ingressgateway.httpPort')),
    httpsPort: Number(v(o, 'values.gateways.istio-ingressgateway.httpsPort')),
  };
  const wantIngress = v(o, 'components.ingressGateways.enabled') === 'true';
  const wantEgress = v(o, 'components.egressGateways.enabled') === 'true';
  const wantPilot = v(o, 'components.pilot.enabled') === 'true';
  // remote: no control plane here; pods, gateways and the CLI use the one at remotePilotAddress.
  const remote = remoteControlPlane(o.values.values);
  if (o.values.profile.name === 'remote' && !remote) throw new InstallError('the remote profile needs the remote control plane\'s address: --set values.global.remotePilotAddress=IP[:15010] (and, if its API is not on IP:15014, --set values.global.remoteMonitoringAddress=IP:PORT)');
  if (remote && wantPilot) throw new InstallError('values.global.remotePilotAddress is set, so this mesh uses a remote control plane: use --set profile=remote or --set components.pilot.enabled=false');
  if (remote && o.values.values[ISOLATION_VALUE] === 'netns') throw new InstallError(`${ISOLATION_VALUE}=netns is not available with a remote control plane; keep the default (explicit)`);
  if ((wantIngress || wantEgress) && !wantPilot && !remote) throw new InstallError('the gateways need the control plane: keep components.pilot.enabled=true');
  if (remote?.ip.startsWith(`${block}.`)) throw new InstallError(`this mesh's pod block ${block} holds the remote control plane's address ${remote.ip}; give this mesh another one with --set values.global.podBlock=127.N`);
  if (remote) await checkRemote(remote);
  if (o.values.values[ISOLATION_VALUE] === 'netns') {
    const why = netnsUnsupported();
    if (why) throw new InstallError(`${ISOLATION_VALUE}=netns is not available here: ${why}`);
  }
  const previousRemote = previous ? remoteControlPlane(previous.values) : undefined;
  if (previousRemote && !fresh && (previousRemote.xds !== remote?.xds || previousRemote.monitoring !== remote.monitoring))
    throw new InstallError(`this mesh uses the remote control plane at ${previousRemote.xds} (API ${previousRemote.monitoring}); uninstall it first (\`rig uninstall -y\`) to use another control plane`);
  if (previous && previous.podBlock !== block && !fresh) throw new InstallError(`this mesh uses the pod block ${previous.podBlock}; uninstall it first to change values.global.podBlock`);

  const state: InstallState = {
    profile: o.values.profile.name,
    values: o.values.values,
    podBlock: block,
    ...(previous?.controlPlane ? { controlPlane: previous.controlPlane } : {}),
    ...(wantIngress ? { ingress } : {}),
    installedAt: previous?.installedAt ?? new Date().toISOString(),
  };
  const unlock = lockInstall(home);
  try {
    const sup0 = fresh ? undefined : await runningSupervisor(home);
    const existingIngress = sup0 ? (await sup0.client.pods(SYSTEM_NAMESPACE)).find((p) => p.spec.labels.istio === 'ingressgateway') : undefined;
    if (wantIngress && !existingIngress) {
      for (const p of [ingress.httpPort, ingress.httpsPort])
        if (await portInUse(ingress.address, p))
          throw new InstallError(
            `port ${p} on ${ingress.address} (the ingress gateway's) is already in use; stop what listens there (see \`ss -ltnp 'sport = :${p}'\`) or pick another port with --set values.gateways.istio-ingressgateway.${p === ingress.httpPort ? 'httpPort' : 'httpsPort'}=N`,
          );
    }
    ensureHome(home);
    writeState(home, state);
    const { client: sup } = await startSupervisor(home);
    o.say('✔ Rigging core installed');
    const ctx: Ctx = { o, sup, state };
    if (remote) {
      await removeComponent(ctx, 'app', 'rigd', 'rigd');
      await useRemote(ctx, remote);
      o.say(`✔ Remote control plane at ${remote.xds} (API ${remote.monitoring}) in use`);
    } else if (!wantPilot) {
      await removeComponent(ctx, 'app', 'rigd', 'rigd');
    } else {
      await controlPlane(ctx);
      o.say('✔ Control plane installed');
    }
    // Both gateways start at once; each is reported when ready.
    const ingressPod = wantIngress ? await gateway(ctx, INGRESS, 'ingressgateway', ingress.address) : undefined;
    const egressPod = wantEgress ? await gateway(ctx, EGRESS, 'egressgateway', '$(POD_IP)') : undefined;
    if (ingressPod) {
      await waitReady(ctx, ingressPod, 'the ingress gateway');
      o.say('✔ Ingress gateways installed');
    } else await removeComponent(ctx, 'istio', 'ingressgateway', INGRESS);
    if (egressPod) {
      await waitReady(ctx, egressPod, 'the egress gateway');
      o.say('✔ Egress gateways installed');
    } else await removeComponent(ctx, 'istio', 'egressgateway', EGRESS);
    writeState(home, state);
    o.say('✔ Installation complete');
  } catch (err) {
    // Undo what this command started: the supervisor if it was not running, the pods and
    // state too if there was no mesh here before (the logs stay, to read why).
    if (fresh) await stopSupervisor(home).catch(() => 0);
    if (fresh && !previous) for (const p of [home.pods, home.run, home.state]) rmSync(p, { recursive: true, force: true });
    if (fresh && err instanceof InstallError) err.message += '\n  Nothing was left running.';
    throw err;
  } finally {
    unlock();
  }
}

/** One `rig install` at a time per RIG_HOME (a lock file holding the installer's pid). */
function lockInstall(home: RigHome): () => void {
  mkdirSync(home.root, { recursive: true });
  const file = join(home.root, 'install.lock');
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      return () => rmSync(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const pid = Number(readFileSync(file, 'utf8').trim());
    if (pid > 0 && alive(pid)) throw new InstallError(`another \`rig install\` (pid ${pid}) is working on ${home.root}; wait for it to finish`);
    rmSync(file, { force: true });
  }
  throw new InstallError(`cannot take ${file}; remove it if no \`rig install\` runs`);
}

async function waitReady(ctx: Ctx, pod: PodRecord, what: string): Promise<PodRecord> {
  const deadline = Date.now() + ctx.o.timeoutMs;
  for (;;) {
    const p = await ctx.sup.pod(pod.spec.namespace, pod.spec.name);
    if (!p) throw new InstallError(`${what}: pod ${pod.spec.namespace}/${pod.spec.name} disappeared`);
    if (isReady(p)) return p;
    if (Date.now() > deadline) {
      const events = p.status.events.slice(-5).map((e) => `    ${e.reason}: ${e.message}`).join('\n');
      throw new InstallError(
        `${what} did not become ready within ${ctx.o.timeoutMs / 1000}s (pod ${p.spec.namespace}/${p.spec.name}: ${p.status.containerStatuses.map((c) => `${c.name} ${c.state}${c.reason ? ` ${c.reason}` : ''}, ${c.restartCount} restarts`).join('; ')})\n` +
          (events ? `  recent events:\n${events}\n` : '') +
          `  its log is in ${ctx.o.home.logs}/${p.spec.namespace}_${p.spec.name}_${p.spec.containers[0]!.name}.log`,
      );
    }
    ctx.o.waiting?.(`Waiting for ${what} (pod ${p.spec.name})`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function findPod(ctx: Ctx, label: string, value: string): Promise<PodRecord | undefined> {
  return (await ctx.sup.pods(SYSTEM_NAMESPACE)).find((p) => p.spec.labels[label] === value && !p.status.deletionTimestamp);
}

/**
 * The meshConfig values as the file the control plane reads (`rig pilot --mesh-config`).
 * The control plane watches it, so a later `rig install --set meshConfig.…` applies live.
 */
function writeMeshConfig(o: InstallOptions): string {
  const file = join(o.home.root, 'mesh.yaml');
  const text = [
    '# meshConfig, written by `rig install` from its values; the control plane watches this file.',
    'outboundTrafficPolicy:',
    `  mode: ${v(o, 'meshConfig.outboundTrafficPolicy.mode')}`,
    `accessLogFile: ${JSON.stringify(v(o, 'meshConfig.accessLogFile'))}`,
    'defaultConfig:',
    '  tracing:',
    `    sampling: ${Number(v(o, 'meshConfig.defaultConfig.tracing.sampling'))}`,
    '',
  ].join('\n');
  let old = '';
  try {
    old = readFileSync(file, 'utf8');
  } catch {
    // first install
  }
  if (old !== text) writeFileSync(file, text);
  return file;
}

async function controlPlane(ctx: Ctx): Promise<void> {
  const { o, sup, state } = ctx;
  const meshFile = writeMeshConfig(o);
  let pod = await findPod(ctx, 'app', 'rigd');
  if (!pod) {
    const spec: PodSpec = {
      name: `rigd-${podSuffix()}`,
      namespace: SYSTEM_NAMESPACE,
      labels: { app: 'rigd', istio: 'pilot', 'istio.io/rev': 'default' },
      annotations: SYSTEM_POD_ANNOTATIONS,
      serviceAccount: 'rigd',
      restartPolicy: 'Always',
      containers: [
        {
          name: 'discovery',
          image: `rigging/pilot:${VERSION}`,
          command: [...RIG_COMMAND, 'pilot', '--address', '$(POD_IP)', '--xds-port', '15010', '--monitoring-port', '15014', '--config-dir', o.home.config, '--mesh-config', meshFile],
          ports: [
            { name: 'grpc-xds', containerPort: 15010 },
            { name: 'http-monitoring', containerPort: 15014 },
          ],
          readinessProbe: { httpGet: { path: '/ready', port: 15014 } },
        },
      ],
    };
    pod = await sup.create(spec);
  }
  pod = await waitReady(ctx, pod, 'the control plane');
  const ip = pod.status.podIP;
  state.controlPlane = { ip, xds: `${ip}:15010`, monitoring: `${ip}:15014`, pod: pod.spec.name };
  writeState(o.home, state);
  // Where every command finds the control plane (see src/cli/control-plane.ts).
  writeJsonAtomic(join(o.home.run, 'control-plane.json'), { monitoringAddress: state.controlPlane.monitoring, xdsAddress: state.controlPlane.xds });
  const cp = new ControlPlaneClient(state.controlPlane.monitoring);
  const docs: string[] = [];
  for (const ns of ['default', SYSTEM_NAMESPACE]) if (!(await cp.get(NAMESPACE_KIND, '', ns))) docs.push(`apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${ns}\n`);
  docs.push(
    service('rigd', { app: 'rigd', istio: 'pilot' }, { app: 'rigd' }, 'ClusterIP', [
      ['grpc-xds', 15010, 15010],
      ['http-monitoring', 15014, 15014],
    ]),
  );
  await cp.apply(docs.join('---\n'), 'rig-install');
}

/** A remote control plane that does not answer fails the install before anything starts. */
async function checkRemote(remote: { xds: string; monitoring: string }): Promise<void> {
  const fix = '  Check that it runs (`rig version` in its mesh) and give its addresses: --set values.global.remotePilotAddress=IP[:15010] --set values.global.remoteMonitoringAddress=IP:15014';
  let body: { version?: unknown };
  try {
    const res = await fetch(`http://${remote.monitoring}/version`, { signal: AbortSignal.timeout(3000) });
    if (!res.ok) throw new Error(`GET /version answered HTTP ${res.status}`);
    body = (await res.json()) as typeof body;
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    const cause = e.name === 'TimeoutError' ? 'no answer within 3s' : e.cause?.code === 'ECONNREFUSED' ? 'connection refused' : (e.cause?.message ?? e.message);
    throw new InstallError(`the remote control plane at ${remote.monitoring} does not answer (${cause})\n${fix}`);
  }
  if (typeof body?.version !== 'string') throw new InstallError(`${remote.monitoring} answered, but not as a Rigging control plane (GET /version has no version)\n${fix}`);
  const [host, port] = [remote.xds.slice(0, remote.xds.lastIndexOf(':')), Number(remote.xds.slice(remote.xds.lastIndexOf(':') + 1))];
  const xdsError = await new Promise<string | undefined>((resolve) => {
    const s = connect({ host, port });
    s.setTimeout(3000, () => s.destroy(new Error('no answer within 3s')));
    s.on('connect', () => {
      s.destroy();
      resolve(undefined);
    });
    s.on('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED' ? 'connection refused' : err.message));
  });
  if (xdsError) throw new InstallError(`the remote control plane's xDS address ${remote.xds} does not answer (${xdsError})\n${fix}`);
}

/** Points this mesh at the remote control plane: state, control-plane.json and the two namespaces (created only if missing). */
async function useRemote(ctx: Ctx, remote: { ip: string; xds: string; monitoring: string }): Promise<void> {
  const { o, state } = ctx;
  state.controlPlane = { ...remote, pod: '' };
  writeState(o.home, state);
  writeJsonAtomic(join(o.home.run, 'control-plane.json'), { monitoringAddress: remote.monitoring, xdsAddress: remote.xds });
  const cp = new ControlPlaneClient(remote.monitoring);
  const docs: string[] = [];
  for (const ns of ['default', SYSTEM_NAMESPACE]) if (!(await cp.get(NAMESPACE_KIND, '', ns))) docs.push(`apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${ns}\n`);
  if (docs.length) await cp.apply(docs.join('---\n'), 'rig-install');
}

function service(name: string, labels: Record<string, string>, selector: Record<string, string>, type: string, ports: [string, number, number][]): string {
  const obj = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: SYSTEM_NAMESPACE, labels },
    spec: { type, selector, ports: ports.map(([n, port, targetPort]) => ({ name: n, port, targetPort, protocol: 'TCP' })) },
  };
  return JSON.stringify(obj) + '\n';
}

/** The gateway's pod (created unless it runs) and its Service; the caller waits for it. */
async function gateway(ctx: Ctx, name: string, istioLabel: string, bindAddress: string): Promise<PodRecord> {
  const { sup, state, o } = ctx;
  const cp = state.controlPlane!;
  const ingress = istioLabel === 'ingressgateway';
  const httpPort = ingress ? Number(v(o, 'values.gateways.istio-ingressgateway.httpPort')) : 8080;
  const httpsPort = ingress ? Number(v(o, 'values.gateways.istio-ingressgateway.httpsPort')) : 8443;
  let pod = await findPod(ctx, 'istio', istioLabel);
  if (!pod) {
    const podName = `${name}-${podSuffix()}`;
    const labels = { app: name, istio: istioLabel };
    const metadata = {
      NAMESPACE: SYSTEM_NAMESPACE,
      NAME: podName,
      LABELS: labels,
      SERVICE_ACCOUNT: `${name}-service-account`,
      INSTANCE_IPS: '$(POD_IP)',
      RIG_GATEWAY_BIND_ADDRESS: bindAddress,
    };
    pod = await sup.create({
      name: podName,
      namespace: SYSTEM_NAMESPACE,
      labels,
      annotations: SYSTEM_POD_ANNOTATIONS,
      serviceAccount: `${name}-service-account`,
      restartPolicy: 'Always',
      containers: [
        {
          name: 'istio-proxy',
          image: `rigging/proxy:${VERSION}`,
          command: [
            ...RIG_COMMAND,
            'proxy',
            '--xds',
            cp.xds,
            '--node-id',
            `router~$(POD_IP)~${podName}.${SYSTEM_NAMESPACE}~${SYSTEM_NAMESPACE}.svc.cluster.local`,
            '--metadata',
            JSON.stringify(metadata),
            '--admin-address',
            '$(POD_IP)',
            '--admin-port',
            '15000',
            '--drain-seconds',
            '1',
          ],
          ports: [
            { name: 'http2', containerPort: httpPort },
            { name: 'https', containerPort: httpsPort },
            { name: 'status-port', containerPort: 15021 },
          ],
          readinessProbe: { httpGet: { path: '/ready', port: 15000 } },
        },
      ],
    });
  }
  await new ControlPlaneClient(cp.monitoring).apply(
    service(name, { app: name, istio: istioLabel }, { istio: istioLabel }, ingress ? 'LoadBalancer' : 'ClusterIP', [
      ['status-port', 15021, 15021],
      ['http2', 80, httpPort],
      ['https', 443, httpsPort],
      // Istio's gateway pods listen on 8080 and 8443 (the Service's 80 and 443 target them), so
      // Istio's current Gateway YAML declares servers on 8080/8443. When this gateway binds other
      // ports (80/443 as root, or --set …httpPort), those numbers map to its ports too.
      ...(httpPort !== 8080 && httpsPort !== 8080 ? [['http2-8080', 8080, httpPort] as [string, number, number]] : []),
      ...(httpsPort !== 8443 && httpPort !== 8443 ? [['https-8443', 8443, httpsPort] as [string, number, number]] : []),
    ]),
    'rig-install',
  );
  return pod;
}

/** Removes a component the profile no longer wants (its pod and Service). */
async function removeComponent(ctx: Ctx, label: string, value: string, serviceName: string): Promise<void> {
  const pod = await findPod(ctx, label, value);
  if (pod) await ctx.sup.delete(pod.spec.namespace, pod.spec.name);
  // A remote control plane's store is shared: a Service this mesh did not run a pod for is another mesh's.
  if (!pod && remoteControlPlane(ctx.state.values)) return;
  if (serviceName === 'rigd') {
    delete ctx.state.controlPlane;
    rmSync(join(ctx.o.home.run, 'control-plane.json'), { force: true });
    return;
  }
  const cp = ctx.state.controlPlane;
  if (!cp) return;
  const client = new ControlPlaneClient(cp.monitoring);
  if (!(await client.ready())) return;
  if (await client.get(SERVICE_KIND, SYSTEM_NAMESPACE, serviceName)) await client.delete(SERVICE_KIND, SYSTEM_NAMESPACE, serviceName);
}
