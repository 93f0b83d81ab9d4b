// The supervisor: the local platform's kubelet. One long-lived process per RIG_HOME that
//   - runs each pod's containers as child processes (see container.ts) and keeps them
//     running, with restarts, backoff and readiness probes;
//   - injects the sidecar (`rig proxy` in explicit mode on the pod's own loopback IP) when
//     the pod's namespace asks for it; with netns isolation (rig.io/isolation: netns, or the
//     install value values.global.isolation=netns) the pod gets a network namespace with
//     iptables capture instead, and the sidecar runs in it as UID 1337 (netns.ts, dns.ts);
//   - registers every pod with the control plane as a workload, and keeps the control
//     plane's registry equal to its pods (so a restarted control plane learns them again);
//   - persists each pod (spec + status) to RIG_HOME/pods, and on start brings back the pods
//     it finds there;
//   - runs the workload controller (controller.ts): the Deployments and Pods declared in the
//     control plane's store become pods here (not with a remote control plane, whose store
//     belongs to the mesh that runs it);
//   - serves the API the CLI uses (supervisor-api.ts).
// On SIGTERM it stops every container (SIGTERM, then SIGKILL after the grace period).
import { randomBytes, randomUUID } from 'node:crypto';
import { readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { logger } from '../../shared/log.js';
import { VERSION } from '../../shared/version.js';
import { Container } from './container.js';
import { WorkloadController } from './controller.js';
import { ControlPlaneClient, NAMESPACE_KIND, type RegisteredWorkload } from './control-plane.js';
import { readJson, readState, writeJsonAtomic, type RigHome } from './home.js';
import { allocatePodIP, appAddressOf, defaultPodBlock } from './ipam.js';
import { startPodDns } from './dns.js';
import { ISOLATION_ANNOTATION, ISOLATION_VALUE, NetnsNetwork, XDS_RELAY_PORT, netnsExec, reconcileNetns, netnsUnsupported, parseIsolation, type Isolation } from './netns.js';
import { remoteControlPlane } from './profiles.js';
import { upstreamEnv, upstreamsMetadata } from './upstreams.js';
import { SIDECAR_CONTAINER, expandVars, isReady, validatePodSpec, type ContainerSpec, type PodEvent, type PodRecord, type PodSpec } from './pod.js';

const log = logger('supervisor');

export const INJECT_ANNOTATION = 'sidecar.istio.io/inject';
const MAX_EVENTS = 30;
/** Environment a container inherits from the supervisor; everything else is the pod's own. */
const INHERITED_ENV = ['PATH', 'HOME', 'USER', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'SHELL', 'TERM', 'RIG_HOME', 'RIG_LOG_LEVEL'];

export class SupervisorError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export interface SupervisorOptions {
  home: RigHome;
  /** argv prefix that runs `rig` (node + bin/rig). */
  rigCommand: string[];
  /** How long containers get between SIGTERM and SIGKILL. */
  terminationGraceMs?: number;
  probeIntervalMs?: number;
  syncIntervalMs?: number;
  /** How often the workload controller reads the store (default 500 ms). */
  controllerIntervalMs?: number;
}

interface PodRunner {
  record: PodRecord;
  containers: Container[];
  /** The workload last registered (JSON), to skip unchanged updates. */
  registered?: string;
  deleting?: Promise<void>;
}

export function podKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

export class Supervisor {
  private readonly pods = new Map<string, PodRunner>();
  private probeTimer: NodeJS.Timeout | undefined;
  private syncTimer: NodeJS.Timeout | undefined;
  private syncing = false;
  private syncAgain = false;
  private creating: Promise<unknown> = Promise.resolve();
  private stopping = false;
  private readonly graceMs: number;
  /** Pending status writes, coalesced. */
  private readonly dirty = new Set<string>();
  private flushTimer: NodeJS.Timeout | undefined;
  private readonly controller: WorkloadController;
  /** The netns pods' bridge, DNS server and xDS relay (netns.ts), made on first use. */
  private netnsNet: NetnsNetwork | undefined;
  private netnsWhyNot: string | undefined | null = null;
  /** netns pods being created (their network must not be taken down meanwhile). */
  private netnsCreating = 0;
  private servicesCache: { at: number; value: Promise<Map<string, string[]>> } | undefined;

  constructor(private readonly o: SupervisorOptions) {
    this.graceMs = o.terminationGraceMs ?? 5000;
    this.controller = new WorkloadController({ runtime: this, controlPlane: () => (this.remote() ? undefined : this.controlPlane()), suffix: () => podSuffix(), intervalMs: o.controllerIntervalMs ?? 500 });
  }

  /** Brings back the pods recorded in RIG_HOME/pods and starts the loops. */
  start(): void {
    // What a supervisor of this RIG_HOME that did not stop cleanly left in the kernel goes first.
    reconcileNetns(this.o.home.root);
    const isolated: PodRecord[] = [];
    for (const f of readdirSync(this.o.home.pods).filter((x) => x.endsWith('.json')).sort()) {
      const rec = readJson<PodRecord>(join(this.o.home.pods, f));
      if (!rec?.spec) continue;
      if (rec.status.deletionTimestamp) {
        rmSync(join(this.o.home.pods, f), { force: true });
        continue;
      }
      if (rec.status.netns) {
        this.pods.set(podKey(rec.spec.namespace, rec.spec.name), { record: rec, containers: [] });
        isolated.push(rec);
      } else this.run(rec, true);
    }
    if (isolated.length) void this.restoreIsolated(isolated);
    this.probeTimer = setInterval(() => this.probeAll(), this.o.probeIntervalMs ?? 300);
    this.syncTimer = setInterval(() => void this.syncWorkloads(), this.o.syncIntervalMs ?? 1000);
    this.controller.start();
  }

  list(namespace?: string): PodRecord[] {
    return [...this.pods.values()]
      .map((p) => p.record)
      .filter((r) => namespace === undefined || r.spec.namespace === namespace)
      .sort((a, b) => (a.spec.namespace + '/' + a.spec.name < b.spec.namespace + '/' + b.spec.name ? -1 : 1));
  }

  get(namespace: string, name: string): PodRecord | undefined {
    return this.pods.get(podKey(namespace, name))?.record;
  }

  /** Sets up the namespaces of restored netns pods again (stop() removed them), then runs them. */
  private async restoreIsolated(recs: PodRecord[]): Promise<void> {
    const failed = (rec: PodRecord, err: unknown) => {
      this.event(rec, 'Warning', 'FailedCreatePodSandBox', `cannot set up the pod's network namespace: ${(err as Error).message}`);
      log.error('cannot restore a netns pod', { pod: podKey(rec.spec.namespace, rec.spec.name), err: (err as Error).message });
      this.changed(this.pods.get(podKey(rec.spec.namespace, rec.spec.name))!);
    };
    const net = this.network();
    try {
      const why = this.netnsUnsupported();
      if (why) throw new Error(why);
      // The pods keep their addresses (their sidecars' node ids carry them): the same block again.
      await net.ensure(/^10\.\d+/.exec(recs[0]!.status.podIP)?.[0]);
    } catch (err) {
      for (const rec of recs) failed(rec, err);
      return;
    }
    for (const rec of recs) {
      if (this.stopping) return;
      try {
        if (!net.owns(rec.status.podIP)) throw new Error(`its address ${rec.status.podIP} is not in the pod network ${net.subnet ?? ''}.0.0/16 any more; delete the pod and create it again`);
        this.setupNetns(rec);
        this.run(rec, true);
      } catch (err) {
        failed(rec, err);
      }
    }
  }

  private network(): NetnsNetwork {
    this.netnsNet ??= new NetnsNetwork(this.o.home.root, {
      xdsAddress: () => readState(this.o.home)?.controlPlane?.xds,
      startDns: (address) =>
        startPodDns({
          address,
          services: () => this.services(),
          namespaceOf: (ip) => [...this.pods.values()].find((p) => p.record.status.podIP === ip)?.record.spec.namespace,
        }),
    });
    return this.netnsNet;
  }

  private netnsUnsupported(): string | undefined {
    if (this.netnsWhyNot === null) this.netnsWhyNot = netnsUnsupported();
    return this.netnsWhyNot;
  }

  /** Service VIPs for the pod DNS server, read from the control plane at most once a second. */
  private services(): Promise<Map<string, string[]>> {
    const now = Date.now();
    if (!this.servicesCache || now - this.servicesCache.at > 1000) {
      const cp = this.controlPlane();
      const value = cp ? cp.serviceAddresses() : Promise.resolve(new Map<string, string[]>());
      value.catch(() => (this.servicesCache = undefined));
      this.servicesCache = { at: now, value };
    }
    return this.servicesCache.value;
  }

  /** explicit (loopback address, proxy env) or netns: the pod annotation, else the install value. */
  private isolationOf(spec: PodSpec): Isolation {
    const given = spec.annotations[ISOLATION_ANNOTATION] ?? readState(this.o.home)?.values[ISOLATION_VALUE] ?? 'explicit';
    const v = parseIsolation(given || 'explicit');
    if (v !== 'explicit' && v !== 'netns') throw new SupervisorError(`pod ${spec.namespace}/${spec.name}: ${ISOLATION_ANNOTATION}: ${v}`, 400);
    if (v === 'netns' && this.remote()) throw new SupervisorError(`pod ${spec.namespace}/${spec.name}: ${ISOLATION_ANNOTATION}=netns is not available with a remote control plane; use explicit`, 400);
    return v;
  }

  /** Creates a netns pod's namespace, veth, resolv.conf and (with a sidecar) capture rules. */
  private setupNetns(rec: PodRecord): void {
    const inboundPorts = rec.spec.containers.filter((c) => c.name !== SIDECAR_CONTAINER).flatMap((c) => (c.ports ?? []).filter((p) => (p.protocol ?? 'TCP') === 'TCP').map((p) => p.containerPort));
    this.network().setupPod(this.network().namesOf(rec.uid), rec.status.podIP, rec.spec.namespace, rec.status.hasSidecar ? { inboundPorts } : undefined);
  }

  /** Removes a netns pod's namespace; the bridge goes with the last one. */
  private async teardownNetns(rec: PodRecord): Promise<void> {
    const net = this.netnsNet;
    if (!net || !rec.status.netns) return;
    net.teardownPod(net.namesOf(rec.uid));
    if (this.netnsCreating === 0 && ![...this.pods.values()].some((p) => p.record !== rec && p.record.status.netns)) await net.stop();
  }

  /** Whether the control plane is another mesh's (profile remote): its registry and store are shared. */
  private remote(): boolean {
    return remoteControlPlane(readState(this.o.home)?.values ?? {}) !== undefined;
  }

  /**
   * Whether a registered workload is this supervisor's to remove when it has no such pod:
   * one on this mesh's loopback block or pod network. Other addresses belong to another mesh
   * sharing the control plane (a remote one's, or the primary's); non-loopback addresses
   * count as ours unless the control plane is remote.
   */
  private ownsAddress(ip: string): boolean {
    const block = readState(this.o.home)?.podBlock ?? defaultPodBlock(this.o.home.root);
    if (ip.startsWith('127.')) return ip.startsWith(`${block}.`);
    return this.netnsNet?.owns(ip) ?? !this.remote();
  }

  private controlPlane(): ControlPlaneClient | undefined {
    const cp = readState(this.o.home)?.controlPlane;
    return cp ? new ControlPlaneClient(cp.monitoring, 3000) : undefined;
  }

  /** Whether a new pod in `spec.namespace` gets a sidecar (namespace labels, pod annotation/label). */
  private async wantsSidecar(spec: PodSpec): Promise<boolean> {
    const podChoice = spec.annotations[INJECT_ANNOTATION] ?? spec.labels[INJECT_ANNOTATION];
    if (podChoice === 'false') return false;
    const cp = this.controlPlane();
    if (!cp) {
      if (spec.namespace === 'rig-system') return false;
      throw new SupervisorError('the control plane is not installed yet; run `rig install` first', 503);
    }
    let ns;
    try {
      ns = await cp.get(NAMESPACE_KIND, '', spec.namespace);
    } catch (err) {
      throw new SupervisorError(`cannot check namespace ${spec.namespace}: ${(err as Error).message}`, 503);
    }
    if (!ns) throw new SupervisorError(`namespaces "${spec.namespace}" not found; create it with \`rig create namespace ${spec.namespace}\``, 404);
    const labels = ns.metadata.labels ?? {};
    if (podChoice === 'true') return true;
    return labels['istio-injection'] === 'enabled' || (labels['istio.io/rev'] !== undefined && labels['istio-injection'] !== 'disabled');
  }

  /** Creates and starts a pod. Creations run one at a time, so names and addresses never race. */
  create(spec: PodSpec): Promise<PodRecord> {
    const next = this.creating.then(() => this.createNow(spec));
    this.creating = next.catch(() => undefined);
    return next;
  }

  private async createNow(spec: PodSpec): Promise<PodRecord> {
    if (this.stopping) throw new SupervisorError('the supervisor is shutting down', 503);
    spec = { ...spec, labels: spec.labels ?? {}, annotations: spec.annotations ?? {}, serviceAccount: spec.serviceAccount || 'default', restartPolicy: spec.restartPolicy ?? 'Always' };
    const errs = validatePodSpec(spec);
    if (errs.length) throw new SupervisorError(`pod ${spec.namespace}/${spec.name} is invalid:\n  ${errs.join('\n  ')}`, 400);
    const key = podKey(spec.namespace, spec.name);
    if (this.pods.has(key)) throw new SupervisorError(`pods "${spec.name}" already exists in namespace ${spec.namespace}`, 409);
    const sidecar = await this.wantsSidecar(spec);
    if (sidecar && spec.containers.some((c) => c.name === SIDECAR_CONTAINER)) throw new SupervisorError(`container name ${SIDECAR_CONTAINER} is the sidecar's; rename the container`, 400);
    const isolation = this.isolationOf(spec);
    if (isolation === 'netns') this.netnsCreating++;
    try {
      const uid = randomUUID();
      const taken = new Set([...this.pods.values()].map((p) => p.record.status.podIP));
      let podIP: string;
      let appIP: string;
      let netns: string | undefined;
      if (isolation === 'netns') {
        const why = this.netnsUnsupported();
        if (why) throw new SupervisorError(`pod ${key}: ${ISOLATION_ANNOTATION}=netns is not available here: ${why}`, 400);
        try {
          await this.network().ensure();
        } catch (err) {
          throw new SupervisorError(`pod ${key}: cannot set up the pod network: ${(err as Error).message}`, 500);
        }
        podIP = appIP = this.network().allocate(taken);
        netns = this.network().namesOf(uid).netns;
      } else {
        const block = readState(this.o.home)?.podBlock ?? defaultPodBlock(this.o.home.root);
        podIP = await allocatePodIP(block, taken);
        appIP = sidecar ? appAddressOf(block, podIP) : podIP;
      }
      const containers = sidecar ? [...spec.containers, this.sidecarContainer(spec, podIP, appIP, netns !== undefined)] : spec.containers;
      const now = new Date().toISOString();
      const record: PodRecord = {
        uid,
        creationTimestamp: now,
        spec: { ...spec, containers },
        status: { phase: 'Pending', podIP, appIP, hostIP: '127.0.0.1', startTime: now, hasSidecar: sidecar, ...(netns ? { netns } : {}), containerStatuses: [], events: [] },
      };
      if (netns) {
        try {
          this.setupNetns(record);
        } catch (err) {
          if (![...this.pods.values()].some((p) => p.record.status.netns)) await this.network().stop();
          throw new SupervisorError(`pod ${key}: cannot set up its network namespace: ${(err as Error).message}`, 500);
        }
      }
      this.pods.set(key, { record, containers: [] });
      this.event(record, 'Normal', 'Scheduled', `Successfully assigned ${key} to local (pod IP ${podIP}${netns ? `, network namespace ${netns}` : sidecar ? `, app address ${appIP}` : ''})`);
      if (sidecar) this.event(record, 'Normal', 'Injected', `Injected the istio-proxy sidecar (namespace label istio-injection=enabled${netns ? '; iptables capture' : ''})`);
      this.run(record, false);
      return record;
    } finally {
      if (isolation === 'netns') this.netnsCreating--;
    }
  }

  private sidecarContainer(spec: PodSpec, podIP: string, appIP: string, captured = false): ContainerSpec {
    const cp = readState(this.o.home)?.controlPlane;
    if (!cp) throw new SupervisorError('the control plane is not installed; run `rig install`', 503);
    // Captured (netns): Istio's default REDIRECT mode, the app on the namespace's own loopback,
    // the control plane through the relay on the bridge address.
    const metadata = {
      NAMESPACE: spec.namespace,
      NAME: spec.name,
      LABELS: spec.labels,
      SERVICE_ACCOUNT: spec.serviceAccount,
      INSTANCE_IPS: podIP,
      ...(captured ? {} : { INTERCEPTION_MODE: 'NONE' }),
      RIG_APP_ADDRESS: captured ? '127.0.0.1' : appIP,
      ...(captured ? {} : upstreamsMetadata(spec.annotations, spec.namespace)),
    };
    return {
      name: SIDECAR_CONTAINER,
      image: `rigging/proxy:${VERSION}`,
      command: [
        ...this.o.rigCommand,
        'proxy',
        '--xds',
        captured ? `${this.network().bridgeAddress!}:${XDS_RELAY_PORT}` : cp.xds,
        '--node-id',
        `sidecar~${podIP}~${spec.name}.${spec.namespace}~${spec.namespace}.svc.cluster.local`,
        '--metadata',
        JSON.stringify(metadata),
        '--admin-address',
        podIP,
        '--admin-port',
        '15000',
        '--drain-seconds',
        '1',
      ],
      readinessProbe: { httpGet: { path: '/ready', port: 15000 } },
    };
  }

  /** The environment of one container. */
  private envOf(rec: PodRecord, c: ContainerSpec): Record<string, string> {
    const s = rec.status;
    const env: Record<string, string> = {};
    for (const k of INHERITED_ENV) if (process.env[k] !== undefined) env[k] = process.env[k];
    // `rig` (and the node running it) are on every container's PATH, so a manifest's
    // `command: ["rig", "sample", …]` runs this checkout's rig.
    const bin = this.o.rigCommand[1] ? [dirname(this.o.rigCommand[1]), dirname(this.o.rigCommand[0]!)] : [];
    env.PATH = [...bin, ...(env.PATH ? [env.PATH] : [])].join(':');
    Object.assign(env, {
      POD_NAME: rec.spec.name,
      POD_NAMESPACE: rec.spec.namespace,
      POD_IP: s.podIP,
      INSTANCE_IP: s.podIP,
      HOST: c.name === SIDECAR_CONTAINER && s.hasSidecar ? s.podIP : s.netns ? '0.0.0.0' : s.appIP,
      SERVICE_ACCOUNT: rec.spec.serviceAccount,
      RIG_POD_UID: rec.uid,
    });
    const port = c.ports?.[0]?.containerPort;
    if (port !== undefined) env.PORT = String(port);
    if (s.hasSidecar && !s.netns && c.name !== SIDECAR_CONTAINER) {
      const proxy = `http://${s.podIP}:15001`;
      const noProxy = ['localhost', '127.0.0.1', s.podIP, s.appIP].join(',');
      Object.assign(env, { HTTP_PROXY: proxy, http_proxy: proxy, NO_PROXY: noProxy, no_proxy: noProxy }, upstreamEnv(rec.spec.annotations, s.podIP));
    }
    for (const [k, v] of Object.entries(c.env ?? {})) env[k] = expandVars(v, env);
    return env;
  }

  /** Starts the containers of a (new or restored) pod. */
  private run(record: PodRecord, restored: boolean): void {
    const key = podKey(record.spec.namespace, record.spec.name);
    const runner: PodRunner = this.pods.get(key) ?? { record, containers: [] };
    this.pods.set(key, runner);
    const previous = new Map(record.status.containerStatuses.map((c) => [c.name, c]));
    runner.containers = record.spec.containers.map((spec) => {
      const env = this.envOf(record, spec);
      const isApp = !(record.status.hasSidecar && spec.name === SIDECAR_CONTAINER);
      const argv = [...(record.status.netns ? netnsExec(record.status.netns, !isApp) : []), ...[...spec.command, ...(spec.args ?? [])].map((a) => expandVars(a, env))];
      const probeSpec: ContainerSpec =
        spec.readinessProbe || !isApp || !spec.ports?.length ? spec : { ...spec, readinessProbe: { tcpSocket: { port: spec.ports[0]!.containerPort } } };
      const prev = previous.get(spec.name);
      return new Container({
        spec: probeSpec,
        argv,
        env,
        logFile: join(this.o.home.logs, `${record.spec.namespace}_${record.spec.name}_${spec.name}.log`),
        restartPolicy: record.spec.restartPolicy,
        probeHost: isApp ? record.status.appIP : record.status.podIP,
        ...(restored && prev ? { previous: { ...prev, restartCount: prev.restartCount } } : {}),
        onChange: () => this.changed(runner),
        onEvent: (type, reason, message) => this.event(record, type, reason, message),
      });
    });
    record.status.containerStatuses = runner.containers.map((c) => c.status);
    for (const c of runner.containers) c.start();
    this.changed(runner);
  }

  private event(rec: PodRecord, type: PodEvent['type'], reason: string, message: string): void {
    rec.status.events.push({ time: new Date().toISOString(), type, reason, message });
    if (rec.status.events.length > MAX_EVENTS) rec.status.events.splice(0, rec.status.events.length - MAX_EVENTS);
  }

  private changed(runner: PodRunner): void {
    const s = runner.record.status;
    const cs = s.containerStatuses;
    if (cs.length && cs.every((c) => c.state === 'Terminated')) s.phase = cs.every((c) => c.exitCode === 0) ? 'Succeeded' : 'Failed';
    else if (cs.some((c) => c.state === 'Running' || c.restartCount > 0)) s.phase = 'Running';
    this.dirty.add(podKey(runner.record.spec.namespace, runner.record.spec.name));
    this.flushTimer ??= setTimeout(() => this.flush(), 50);
  }

  private podFile(namespace: string, name: string): string {
    return join(this.o.home.pods, `${namespace}_${name}.json`);
  }

  private flush(): void {
    this.flushTimer = undefined;
    for (const key of this.dirty) {
      const r = this.pods.get(key);
      if (!r) continue;
      const rec = r.record;
      const statuses = r.containers.map((c) => ({ ...c.status, ...(c.pid ? { pid: c.pid } : {}) }));
      try {
        writeJsonAtomic(this.podFile(rec.spec.namespace, rec.spec.name), { ...rec, status: { ...rec.status, containerStatuses: statuses } });
      } catch (err) {
        log.error('cannot write pod status', { pod: key, err });
      }
    }
    this.dirty.clear();
    // A pod that came, went or changed readiness reaches the control plane now, not at the next tick.
    void this.syncWorkloads();
  }

  private probeAll(): void {
    for (const p of this.pods.values()) for (const c of p.containers) void c.probe();
  }

  /**
   * Replaces a pod's labels. The workload is re-registered at once (so Services and subsets
   * select it by its new labels); running processes are not restarted, so a sidecar keeps
   * the LABELS it started with in its node metadata, as a Kubernetes pod's proxy does.
   */
  relabel(namespace: string, name: string, labels: Record<string, string>): PodRecord {
    const runner = this.pods.get(podKey(namespace, name));
    if (!runner || runner.record.status.deletionTimestamp) throw new SupervisorError(`pods "${name}" not found in namespace ${namespace}`, 404);
    for (const [k, v] of Object.entries(labels)) if (typeof v !== 'string' || !k) throw new SupervisorError(`label ${k}: the value must be a string`, 400);
    runner.record.spec.labels = { ...labels };
    this.event(runner.record, 'Normal', 'Labeled', `labels: ${Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',') || '<none>'}`);
    this.changed(runner);
    return runner.record;
  }

  /** The environment and working directory of a pod's container, for `rig exec`. */
  execContext(namespace: string, name: string, container?: string): { env: Record<string, string>; workingDir?: string; container: string; netns?: string } {
    const rec = this.get(namespace, name);
    if (!rec) throw new SupervisorError(`pods "${name}" not found in namespace ${namespace}`, 404);
    const names = rec.spec.containers.map((c) => c.name);
    const spec = container ? rec.spec.containers.find((c) => c.name === container) : rec.spec.containers[0];
    if (!spec) throw new SupervisorError(`container ${container} is not valid for pod ${name}; choose one of: [${names.join(' ')}]`, 400);
    return { env: this.envOf(rec, spec), ...(spec.workingDir ? { workingDir: spec.workingDir } : {}), container: spec.name, ...(rec.status.netns ? { netns: rec.status.netns } : {}) };
  }

  /** Deletes a pod: unregisters it, stops its containers, forgets it. */
  delete(namespace: string, name: string, wait = true): Promise<PodRecord> {
    const key = podKey(namespace, name);
    const runner = this.pods.get(key);
    if (!runner) return Promise.reject(new SupervisorError(`pods "${name}" not found in namespace ${namespace}`, 404));
    const rec = runner.record;
    if (!runner.deleting) {
      rec.status.deletionTimestamp = new Date().toISOString();
      this.event(rec, 'Normal', 'Killing', 'Stopping all containers');
      this.changed(runner);
      runner.deleting = (async () => {
        await this.controlPlane()
          ?.deleteWorkload(namespace, name)
          .catch((err: unknown) => log.warn('cannot unregister the workload', { pod: key, err }));
        await Promise.all(runner.containers.map((c) => c.stop(this.graceMs)));
        await this.teardownNetns(rec).catch((err: unknown) => log.warn('cannot remove the network namespace', { pod: key, err }));
        this.pods.delete(key);
        this.dirty.delete(key);
        rmSync(this.podFile(namespace, name), { force: true });
        for (const c of rec.spec.containers)
          for (const suffix of ['.log', '.log.1']) rmSync(join(this.o.home.logs, `${namespace}_${name}_${c.name}${suffix}`), { force: true });
      })();
    }
    return wait ? runner.deleting.then(() => rec) : Promise.resolve(rec);
  }

  private desiredWorkload(rec: PodRecord): RegisteredWorkload {
    const ports = rec.spec.containers
      .filter((c) => !(rec.status.hasSidecar && c.name === SIDECAR_CONTAINER))
      .flatMap((c) => c.ports ?? [])
      .map((p) => ({ ...(p.name && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(p.name) && p.name.length <= 15 ? { name: p.name } : {}), port: p.containerPort }));
    const seen = new Set<number>();
    return {
      namespace: rec.spec.namespace,
      name: rec.spec.name,
      labels: rec.spec.labels,
      serviceAccount: rec.spec.serviceAccount,
      ip: rec.status.podIP,
      ports: ports.filter((p) => !seen.has(p.port) && seen.add(p.port)),
      healthy: isReady(rec),
      hasSidecar: rec.status.hasSidecar,
    };
  }

  /** Makes the control plane's workload registry equal to the running pods. */
  async syncWorkloads(): Promise<void> {
    if (this.stopping) return;
    if (this.syncing) {
      this.syncAgain = true;
      return;
    }
    const cp = this.controlPlane();
    if (!cp) return;
    this.syncing = true;
    try {
      const registered = new Map((await cp.workloads()).filter((w) => this.pods.has(podKey(w.namespace, w.name)) || this.ownsAddress(w.ip)).map((w) => [podKey(w.namespace, w.name), JSON.stringify(normalize(w))]));
      for (const [key, runner] of this.pods) {
        if (runner.record.status.deletionTimestamp) continue;
        const want = this.desiredWorkload(runner.record);
        if (registered.get(key) !== JSON.stringify(normalize(want))) await cp.putWorkload(want);
        registered.delete(key);
      }
      for (const key of registered.keys()) {
        const [ns, name] = key.split('/') as [string, string];
        if (!this.pods.get(key)?.deleting) await cp.deleteWorkload(ns, name);
      }
    } catch (err) {
      log.debug('workload sync failed (the control plane may be starting)', { err: (err as Error).message });
    } finally {
      this.syncing = false;
    }
    if (this.syncAgain) {
      this.syncAgain = false;
      await this.syncWorkloads();
    }
  }

  /** Stops every container (the pods stay recorded, and come back with the supervisor). */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.controller.stop();
    clearInterval(this.probeTimer);
    clearInterval(this.syncTimer);
    await Promise.all([...this.pods.values()].flatMap((p) => p.containers.map((c) => c.stop(this.graceMs))));
    await Promise.all([...this.pods.values()].map((p) => p.deleting));
    // A remote control plane outlives this mesh: its pods leave its registry (they come back with the supervisor).
    const cp = this.remote() ? this.controlPlane() : undefined;
    if (cp) await Promise.all([...this.pods.values()].map((p) => cp.deleteWorkload(p.record.spec.namespace, p.record.spec.name).catch((err: unknown) => log.warn('cannot unregister the workload', { pod: podKey(p.record.spec.namespace, p.record.spec.name), err }))));
    // Namespaces and the bridge go too: the pods' next start sets them up again.
    const net = this.netnsNet;
    if (net) {
      for (const p of this.pods.values()) if (p.record.status.netns) net.teardownPod(net.namesOf(p.record.uid));
      await net.stop();
    }
    if (this.flushTimer) clearTimeout(this.flushTimer);
    for (const r of this.pods.values()) this.dirty.add(podKey(r.record.spec.namespace, r.record.spec.name));
    this.flush();
  }
}

function normalize(w: RegisteredWorkload): RegisteredWorkload {
  return {
    namespace: w.namespace,
    name: w.name,
    labels: Object.fromEntries(Object.entries(w.labels).sort(([a], [b]) => (a < b ? -1 : 1))),
    serviceAccount: w.serviceAccount,
    ip: w.ip,
    ports: w.ports.map((p) => ({ ...(p.name ? { name: p.name } : {}), port: p.port })),
    healthy: w.healthy,
    hasSidecar: w.hasSidecar,
  };
}

/** A Kubernetes-style random suffix: 5 characters from the consonant-digit alphabet. */
export function podSuffix(n = 5): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  return [...randomBytes(n)].map((b) => alphabet[b % alphabet.length]).join('');
}
