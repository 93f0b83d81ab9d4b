// Pods on the local platform: the spec a user (or `rig install`) asks for, the status the
// supervisor records, and how both look as Kubernetes objects (`rig get pods -o json`).
// A container is a process; `image` is kept for display only (nothing is pulled).
import { upstreamErrors } from './upstreams.js';

export interface ContainerPort {
  name?: string;
  containerPort: number;
  protocol?: 'TCP' | 'UDP';
}

/** Readiness: an HTTP GET answering 2xx/3xx, or a TCP connect. `host` defaults to the pod IP. */
export interface Probe {
  httpGet?: { path: string; port: number; host?: string };
  tcpSocket?: { port: number; host?: string };
}

export interface ContainerSpec {
  name: string;
  image?: string;
  /** argv; `$(VAR)` is expanded from the container's environment, as Kubernetes does. */
  command: string[];
  args?: string[];
  env?: Record<string, string>;
  ports?: ContainerPort[];
  workingDir?: string;
  readinessProbe?: Probe;
}

export type RestartPolicy = 'Always' | 'OnFailure' | 'Never';

/** What declared a pod (see controller.ts): a Deployment or a Pod object of the config store. */
export interface PodOwner {
  kind: 'Deployment' | 'Pod';
  name: string;
  /** Hash of the pod template (or Pod spec) the pod was made from. */
  hash: string;
}

export interface PodSpec {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  serviceAccount: string;
  containers: ContainerSpec[];
  restartPolicy: RestartPolicy;
  /** Set when a Deployment or a Pod object declared this pod; absent for `rig run` pods. */
  owner?: PodOwner;
}

export interface ContainerStatus {
  name: string;
  image: string;
  state: 'Waiting' | 'Running' | 'Terminated';
  /** Waiting: ContainerCreating | CrashLoopBackOff; Terminated: Completed | Error. */
  reason?: string;
  ready: boolean;
  restartCount: number;
  pid?: number;
  startedAt?: string;
  exitCode?: number;
  lastTermination?: { exitCode: number | null; signal: string | null; finishedAt: string };
}

export interface PodEvent {
  time: string;
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export interface PodStatus {
  phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed';
  podIP: string;
  /** Where the app listens when a sidecar owns the pod IP's ports. */
  appIP: string;
  hostIP: string;
  startTime: string;
  deletionTimestamp?: string;
  hasSidecar: boolean;
  /** The pod's network namespace (netns isolation, see netns.ts); absent in explicit mode. */
  netns?: string;
  containerStatuses: ContainerStatus[];
  events: PodEvent[];
}

export interface PodRecord {
  uid: string;
  creationTimestamp: string;
  spec: PodSpec;
  status: PodStatus;
}

export const SIDECAR_CONTAINER = 'istio-proxy';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function validName(s: string): boolean {
  return s.length > 0 && s.length <= 253 && DNS_SUBDOMAIN.test(s);
}

export function validNamespace(s: string): boolean {
  return s.length > 0 && s.length <= 63 && DNS_LABEL.test(s);
}

/** Checks a pod spec received as JSON; returns the errors (empty when valid). */
export function validatePodSpec(p: PodSpec): string[] {
  const errs: string[] = [];
  if (typeof p !== 'object' || p === null) return ['a pod must be a JSON object'];
  if (typeof p.name !== 'string' || !validName(p.name)) errs.push(`metadata.name: "${String(p.name)}" is not a valid name (lowercase letters, digits, '-' and '.')`);
  if (typeof p.namespace !== 'string' || !validNamespace(p.namespace)) errs.push(`metadata.namespace: "${String(p.namespace)}" is not a valid namespace`);
  if (!Array.isArray(p.containers) || p.containers.length === 0) errs.push('spec.containers: at least one container is required');
  else
    p.containers.forEach((c, i) => {
      if (!c || typeof c.name !== 'string' || !DNS_LABEL.test(c.name)) errs.push(`spec.containers[${i}].name: required, a lowercase DNS label`);
      if (!Array.isArray(c?.command) || c.command.length === 0 || c.command.some((a) => typeof a !== 'string')) errs.push(`spec.containers[${i}].command: a non-empty list of strings is required`);
      for (const [j, port] of (c?.ports ?? []).entries())
        if (!Number.isInteger(port.containerPort) || port.containerPort < 1 || port.containerPort > 65535) errs.push(`spec.containers[${i}].ports[${j}].containerPort: must be 1-65535`);
    });
  if (new Set((p.containers ?? []).map((c) => c?.name)).size !== (p.containers ?? []).length) errs.push('spec.containers: container names must be unique');
  if (Array.isArray(p.containers)) errs.push(...upstreamErrors(p.annotations, p.containers.flatMap((c) => (c?.ports ?? []).map((x) => x.containerPort))));
  return errs;
}

/** kubectl's STATUS column. */
export function displayStatus(p: PodRecord): string {
  if (p.status.deletionTimestamp) return 'Terminating';
  const cs = p.status.containerStatuses;
  for (const c of cs) if (c.state === 'Waiting' && c.reason && c.reason !== 'ContainerCreating') return c.reason;
  for (const c of cs) if (c.state === 'Terminated' && c.reason === 'Error') return 'Error';
  if (cs.length > 0 && cs.every((c) => c.state === 'Terminated' && c.exitCode === 0)) return 'Completed';
  if (cs.some((c) => c.state === 'Waiting')) return p.status.phase === 'Running' ? 'Running' : 'ContainerCreating';
  return p.status.phase;
}

export function readyCount(p: PodRecord): string {
  const cs = p.status.containerStatuses;
  return `${cs.filter((c) => c.ready).length}/${cs.length}`;
}

export function restarts(p: PodRecord): number {
  return p.status.containerStatuses.reduce((n, c) => n + c.restartCount, 0);
}

export function isReady(p: PodRecord): boolean {
  return !p.status.deletionTimestamp && p.status.containerStatuses.length > 0 && p.status.containerStatuses.every((c) => c.ready);
}

/** The pod as a Kubernetes core v1 Pod. */
export function toKubePod(p: PodRecord): Record<string, unknown> {
  const state = (c: ContainerStatus): Record<string, unknown> =>
    c.state === 'Running'
      ? { running: { startedAt: c.startedAt } }
      : c.state === 'Terminated'
        ? { terminated: { exitCode: c.exitCode ?? 0, reason: c.reason ?? 'Completed', finishedAt: c.lastTermination?.finishedAt } }
        : { waiting: { reason: c.reason ?? 'ContainerCreating' } };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: p.spec.name,
      namespace: p.spec.namespace,
      uid: p.uid,
      creationTimestamp: p.creationTimestamp,
      labels: p.spec.labels,
      ...(Object.keys(p.spec.annotations).length ? { annotations: p.spec.annotations } : {}),
      ...(p.status.deletionTimestamp ? { deletionTimestamp: p.status.deletionTimestamp } : {}),
      ...(p.spec.owner?.kind === 'Deployment'
        ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${p.spec.owner.name}-${p.spec.owner.hash}`, controller: true }] }
        : {}),
    },
    spec: {
      serviceAccountName: p.spec.serviceAccount,
      restartPolicy: p.spec.restartPolicy,
      nodeName: 'local',
      containers: p.spec.containers.map((c) => ({
        name: c.name,
        image: c.image ?? '',
        command: c.command,
        ...(c.args?.length ? { args: c.args } : {}),
        ...(c.ports?.length ? { ports: c.ports.map((x) => ({ ...x, protocol: x.protocol ?? 'TCP' })) } : {}),
        ...(c.env && Object.keys(c.env).length ? { env: Object.entries(c.env).map(([name, value]) => ({ name, value })) } : {}),
        ...(c.workingDir ? { workingDir: c.workingDir } : {}),
      })),
    },
    status: {
      phase: p.status.phase,
      hostIP: p.status.hostIP,
      podIP: p.status.podIP,
      podIPs: [{ ip: p.status.podIP }],
      startTime: p.status.startTime,
      conditions: [{ type: 'Ready', status: isReady(p) ? 'True' : 'False' }],
      containerStatuses: p.status.containerStatuses.map((c) => ({
        name: c.name,
        image: c.image,
        ready: c.ready,
        started: c.state === 'Running',
        restartCount: c.restartCount,
        state: state(c),
        ...(c.lastTermination ? { lastState: { terminated: { exitCode: c.lastTermination.exitCode, signal: c.lastTermination.signal, finishedAt: c.lastTermination.finishedAt } } } : {}),
      })),
    },
  };
}

/** Kubernetes `$(VAR)` expansion: known variables are replaced, `$$(X)` escapes, unknown ones stay. */
export function expandVars(s: string, env: Record<string, string>): string {
  return s.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, name: string | undefined) => (m === '$$' ? '$' : name !== undefined && name in env ? env[name]! : m));
}
