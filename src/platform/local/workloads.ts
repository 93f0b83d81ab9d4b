// Declared workloads → local pods (pure): how a Deployment's pod template or a Pod object
// becomes the PodSpec the supervisor runs, the template hash that names a Deployment's pods
// (`<deployment>-<hash>-<suffix>`, as Kubernetes names a ReplicaSet's pods) and tells which
// pods are up to date, and a Deployment's status counts for `rig get deployments`.
import { createHash } from 'node:crypto';
import type { Resource } from '../../api/istio/meta.js';
import { FIELD_REFS, type DeploymentSpec, type KubeContainer, type KubePodSpec, type KubePodTemplate, type KubeProbe } from '../../api/istio/validate/workloads.js';
import { isReady, type ContainerSpec, type PodOwner, type PodRecord, type PodSpec, type Probe } from './pod.js';

export const TEMPLATE_HASH_LABEL = 'pod-template-hash';
const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** A short, stable hash of a pod template, in Kubernetes' name alphabet. */
export function templateHash(template: unknown): string {
  const digest = createHash('sha256').update(stableJson(template)).digest();
  return [...digest.subarray(0, 10)].map((b) => ALPHABET[b % ALPHABET.length]).join('');
}

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

export function replicasOf(d: Resource): number {
  return (d.spec as DeploymentSpec).replicas ?? 1;
}

export function deploymentHash(d: Resource): string {
  return templateHash((d.spec as DeploymentSpec).template);
}

export function podObjectHash(p: Resource): string {
  return templateHash({ labels: p.metadata.labels ?? {}, annotations: p.metadata.annotations ?? {}, spec: p.spec });
}

function probeOf(p: KubeProbe | undefined, c: KubeContainer): Probe | undefined {
  const port = (x: number | string): number | undefined => (typeof x === 'number' ? x : c.ports?.find((cp) => cp.name === x)?.containerPort);
  if (p?.httpGet) {
    const n = port(p.httpGet.port);
    return n === undefined ? undefined : { httpGet: { path: p.httpGet.path ?? '/', port: n, ...(p.httpGet.host ? { host: p.httpGet.host } : {}) } };
  }
  if (p?.tcpSocket) {
    const n = port(p.tcpSocket.port);
    return n === undefined ? undefined : { tcpSocket: { port: n, ...(p.tcpSocket.host ? { host: p.tcpSocket.host } : {}) } };
  }
  return undefined;
}

function containerOf(c: KubeContainer): ContainerSpec {
  const env: Record<string, string> = {};
  for (const v of c.env ?? []) env[v.name] = v.valueFrom?.fieldRef ? (FIELD_REFS[v.valueFrom.fieldRef.fieldPath] ?? '') : (v.value ?? '');
  const probe = probeOf(c.readinessProbe, c);
  return {
    name: c.name,
    ...(c.image ? { image: c.image } : {}),
    command: c.command,
    ...(c.args?.length ? { args: c.args } : {}),
    ...(Object.keys(env).length ? { env } : {}),
    ...(c.ports?.length ? { ports: c.ports.map((p) => ({ ...(p.name ? { name: p.name } : {}), containerPort: p.containerPort, ...(p.protocol ? { protocol: p.protocol } : {}) })) } : {}),
    ...(c.workingDir ? { workingDir: c.workingDir } : {}),
    ...(probe ? { readinessProbe: probe } : {}),
  };
}

function podSpecOf(name: string, namespace: string, meta: KubePodTemplate['metadata'], spec: KubePodSpec, owner: PodOwner, extraLabels: Record<string, string>): PodSpec {
  return {
    name,
    namespace,
    labels: { ...(meta?.labels ?? {}), ...extraLabels },
    annotations: { ...(meta?.annotations ?? {}) },
    serviceAccount: spec.serviceAccountName || spec.serviceAccount || 'default',
    restartPolicy: spec.restartPolicy ?? 'Always',
    containers: spec.containers.map(containerOf),
    owner,
  };
}

/** The spec of one pod of a Deployment (`suffix` makes its name unique). */
export function deploymentPod(d: Resource, suffix: string): PodSpec {
  const spec = d.spec as DeploymentSpec;
  const hash = deploymentHash(d);
  const name = `${d.metadata.name}-${hash}-${suffix}`;
  return podSpecOf(name, d.metadata.namespace ?? 'default', spec.template.metadata, spec.template.spec, { kind: 'Deployment', name: d.metadata.name, hash }, { [TEMPLATE_HASH_LABEL]: hash });
}

/** The spec of the pod a Pod object declares (same name). */
export function objectPod(p: Resource): PodSpec {
  return podSpecOf(p.metadata.name, p.metadata.namespace ?? 'default', p.metadata, p.spec as KubePodSpec, { kind: 'Pod', name: p.metadata.name, hash: podObjectHash(p) }, {});
}

/** The live pods a Deployment owns. */
export function podsOf(d: Resource, pods: PodRecord[]): PodRecord[] {
  const ns = d.metadata.namespace ?? 'default';
  return pods.filter((p) => p.spec.namespace === ns && p.spec.owner?.kind === 'Deployment' && p.spec.owner.name === d.metadata.name && !p.status.deletionTimestamp);
}

export interface DeploymentStatus {
  replicas: number;
  readyReplicas: number;
  updatedReplicas: number;
  availableReplicas: number;
}

/** Kubernetes' Deployment status, from the pods that run. */
export function deploymentStatus(d: Resource, pods: PodRecord[]): DeploymentStatus {
  const own = podsOf(d, pods);
  const hash = deploymentHash(d);
  const ready = own.filter(isReady).length;
  return { replicas: own.length, readyReplicas: ready, updatedReplicas: own.filter((p) => p.spec.owner?.hash === hash).length, availableReplicas: ready };
}
