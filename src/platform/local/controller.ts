// The workload controller of the local platform: what the Deployment controller, the
// ReplicaSet controller and the kubelet's static reconcile do in Kubernetes, in one loop.
// Every interval it reads the Deployments and Pods of the control plane's config store
// (through its Kubernetes-shaped API) and makes the supervisor's pods match:
//   - a Deployment has `replicas` pods made from its current template (named
//     `<deployment>-<template hash>-<suffix>`); missing ones are created, extra ones and
//     ones from an older template are deleted;
//   - a Pod object has one pod of its name (recreated when its spec changes);
//   - a pod whose Deployment or Pod object is gone is deleted.
// It only touches pods it made (PodSpec.owner); `rig run` pods and rig-system's are never
// touched. Pods are persisted by the supervisor with their owner, so a restarted supervisor
// picks up where it was. When the store cannot be read, nothing is changed.
import type { Resource } from '../../api/istio/meta.js';
import { KINDS } from '../../api/istio/kinds.js';
import { logger } from '../../shared/log.js';
import { ControlPlaneClient } from './control-plane.js';
import { isReady, type PodRecord, type PodSpec } from './pod.js';
import { deploymentHash, deploymentPod, objectPod, podObjectHash, podsOf, replicasOf } from './workloads.js';

const log = logger('controller');

export const DEPLOYMENT_KIND = KINDS.find((k) => k.kind === 'Deployment')!;
export const POD_KIND = KINDS.find((k) => k.kind === 'Pod')!;

/** What the controller needs of the supervisor. */
export interface PodRuntime {
  list(): PodRecord[];
  get(namespace: string, name: string): PodRecord | undefined;
  create(spec: PodSpec): Promise<PodRecord>;
  delete(namespace: string, name: string, wait?: boolean): Promise<PodRecord>;
}

export interface ControllerOptions {
  runtime: PodRuntime;
  /** The control plane's client, or undefined while none is installed. */
  controlPlane: () => ControlPlaneClient | undefined;
  /** A new pod name suffix. */
  suffix: () => string;
  intervalMs?: number;
}

export class WorkloadController {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private running: Promise<void> = Promise.resolve();
  /** Messages already logged, so a failing create is reported once, not every interval. */
  private readonly reported = new Set<string>();

  constructor(private readonly o: ControllerOptions) {}

  start(): void {
    const tick = () => {
      if (this.stopped) return;
      this.running = this.reconcile().finally(() => {
        if (!this.stopped) this.timer = setTimeout(tick, this.o.intervalMs ?? 500);
      });
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** One pass: read the store, converge the pods. Never throws. */
  async reconcile(): Promise<void> {
    const cp = this.o.controlPlane();
    if (!cp) return;
    let deployments: Resource[];
    let podObjects: Resource[];
    try {
      [deployments, podObjects] = await Promise.all([cp.list(DEPLOYMENT_KIND), cp.list(POD_KIND)]);
    } catch (err) {
      log.debug('cannot read workloads from the control plane (it may be starting)', { err: (err as Error).message });
      return;
    }
    const pods = this.o.runtime.list();
    for (const d of deployments) await this.deployment(d, pods);
    for (const p of podObjects) await this.podObject(p);
    // Pods whose declaring object is gone.
    const deploymentKeys = new Set(deployments.map((d) => `${d.metadata.namespace}/${d.metadata.name}`));
    const podKeys = new Set(podObjects.map((p) => `${p.metadata.namespace}/${p.metadata.name}`));
    for (const p of pods) {
      const owner = p.spec.owner;
      if (!owner || p.status.deletionTimestamp) continue;
      const key = `${p.spec.namespace}/${owner.name}`;
      if (owner.kind === 'Deployment' ? !deploymentKeys.has(key) : !podKeys.has(key)) await this.remove(p, `its ${owner.kind} ${key} was deleted`);
    }
  }

  private async deployment(d: Resource, pods: PodRecord[]): Promise<void> {
    const want = replicasOf(d);
    const hash = deploymentHash(d);
    const own = podsOf(d, pods);
    const current = own.filter((p) => p.spec.owner?.hash === hash);
    const key = `${d.metadata.namespace}/${d.metadata.name}`;
    // Pods of an older template go once the new template has as many ready pods as wanted.
    const old = own.filter((p) => p.spec.owner?.hash !== hash);
    if (old.length && current.filter(isReady).length >= want)
      for (const p of old) await this.remove(p, `Deployment ${key} has a new pod template`);
    if (current.length < want) {
      for (let i = current.length; i < want; i++) if (!(await this.create(deploymentPod(d, this.o.suffix()), `Deployment ${key}`))) break;
    } else if (current.length > want) {
      // Scale down: not-ready pods first, then the newest (as the ReplicaSet controller does).
      const order = [...current].sort((a, b) => Number(isReady(a)) - Number(isReady(b)) || (a.creationTimestamp < b.creationTimestamp ? 1 : -1));
      for (const p of order.slice(0, current.length - want)) await this.remove(p, `Deployment ${key} scaled to ${want}`);
    }
  }

  private async podObject(obj: Resource): Promise<void> {
    const ns = obj.metadata.namespace ?? 'default';
    const existing = this.o.runtime.get(ns, obj.metadata.name);
    if (existing?.status.deletionTimestamp) return;
    if (existing && !existing.spec.owner) {
      this.report(`pod ${ns}/${obj.metadata.name} already runs (started by \`rig run\`); the Pod object is not applied until it is deleted`);
      return;
    }
    if (existing && existing.spec.owner?.hash !== podObjectHash(obj)) {
      await this.remove(existing, 'its Pod object changed');
      return;
    }
    if (!existing) await this.create(objectPod(obj), `Pod ${ns}/${obj.metadata.name}`);
  }

  private async create(spec: PodSpec, what: string): Promise<boolean> {
    try {
      await this.o.runtime.create(spec);
      log.info('created pod', { pod: `${spec.namespace}/${spec.name}`, for: what });
      return true;
    } catch (err) {
      this.report(`${what}: cannot create a pod: ${(err as Error).message}`);
      return false;
    }
  }

  private async remove(p: PodRecord, why: string): Promise<void> {
    log.info('deleting pod', { pod: `${p.spec.namespace}/${p.spec.name}`, why });
    await this.o.runtime.delete(p.spec.namespace, p.spec.name, false).catch((err: unknown) => this.report(`cannot delete pod ${p.spec.name}: ${(err as Error).message}`));
  }

  private report(message: string): void {
    if (this.reported.has(message)) return;
    if (this.reported.size > 1000) this.reported.clear();
    this.reported.add(message);
    log.warn(message);
  }
}
