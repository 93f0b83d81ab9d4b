// A small client for the control plane's HTTP API (the status server, 15014), as the local
// platform and the CLI use it: the config store (Kubernetes-shaped), apply, the workload
// registry, /version and /debug/registryz.
import type { Resource } from '../../api/istio/meta.js';
import { KINDS, apiVersionOf, type KindInfo } from '../../api/istio/kinds.js';

export class ControlPlaneError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export interface RegisteredWorkload {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  serviceAccount: string;
  ip: string;
  ports: { name?: string; port: number }[];
  healthy: boolean;
  hasSidecar: boolean;
}

export class ControlPlaneClient {
  /** `monitoring` is host:port of the status server. */
  constructor(
    readonly monitoring: string,
    private readonly timeoutMs = 5000,
  ) {}

  private async call(method: string, path: string, body?: string, contentType = 'application/json'): Promise<{ status: number; text: string }> {
    let res: Response;
    try {
      res = await fetch(`http://${this.monitoring}${path}`, {
        method,
        headers: body !== undefined ? { 'content-type': contentType } : {},
        ...(body !== undefined ? { body } : {}),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new ControlPlaneError(`the control plane at ${this.monitoring} is not reachable (${(err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message}); is the mesh installed? (rig install)`, 0);
    }
    return { status: res.status, text: await res.text() };
  }

  private async json<T>(method: string, path: string, body?: string, contentType?: string): Promise<T> {
    const r = await this.call(method, path, body, contentType);
    if (r.status >= 300) throw new ControlPlaneError(errorMessage(r.text) ?? `${method} ${path}: HTTP ${r.status}`, r.status);
    return JSON.parse(r.text) as T;
  }

  version(): Promise<{ version: string; connectedProxies: number }> {
    return this.json('GET', '/version');
  }

  async ready(): Promise<boolean> {
    try {
      return (await this.call('GET', '/ready')).status === 200;
    } catch {
      return false;
    }
  }

  /** Objects of a kind; `namespace` undefined = all namespaces. */
  async list(info: KindInfo, namespace?: string): Promise<Resource[]> {
    const r = await this.json<{ items: Resource[] }>('GET', collectionPath(info, namespace));
    return r.items;
  }

  /** One object, or undefined when there is none. */
  async get(info: KindInfo, namespace: string, name: string): Promise<Resource | undefined> {
    const r = await this.call('GET', `${collectionPath(info, namespace)}/${encodeURIComponent(name)}`);
    if (r.status === 404) return undefined;
    if (r.status >= 300) throw new ControlPlaneError(errorMessage(r.text) ?? `HTTP ${r.status}`, r.status);
    return JSON.parse(r.text) as Resource;
  }

  async update(info: KindInfo, obj: Resource): Promise<Resource> {
    return this.json('PUT', `${collectionPath(info, obj.metadata.namespace ?? '')}/${encodeURIComponent(obj.metadata.name)}`, JSON.stringify(obj));
  }

  async delete(info: KindInfo, namespace: string, name: string): Promise<Resource> {
    return this.json('DELETE', `${collectionPath(info, namespace)}/${encodeURIComponent(name)}`);
  }

  /** Applies manifests (YAML or JSON, multi-document) atomically. */
  apply(yaml: string, source: string): Promise<{ results: { kind: string; namespace: string; name: string; action: string }[] }> {
    return this.json('POST', `/rig/v1/apply?source=${encodeURIComponent(source)}`, yaml, 'application/yaml');
  }

  /** Deletes the objects a manifest names; missing ones are ignored. */
  deleteManifest(yaml: string, source: string): Promise<unknown> {
    return this.json('POST', `/rig/v1/delete?source=${encodeURIComponent(source)}&ignoreNotFound=true`, yaml, 'application/yaml');
  }

  async workloads(): Promise<RegisteredWorkload[]> {
    return (await this.json<{ items: RegisteredWorkload[] }>('GET', '/rig/v1/workloads')).items;
  }

  putWorkload(w: RegisteredWorkload): Promise<unknown> {
    return this.json('PUT', `/rig/v1/workloads/${encodeURIComponent(w.namespace)}/${encodeURIComponent(w.name)}`, JSON.stringify(w));
  }

  async deleteWorkload(namespace: string, name: string): Promise<void> {
    const r = await this.call('DELETE', `/rig/v1/workloads/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`);
    if (r.status >= 300 && r.status !== 404) throw new ControlPlaneError(errorMessage(r.text) ?? `HTTP ${r.status}`, r.status);
  }

  /** Service hostnames → VIPs, from the registry dump. */
  async serviceAddresses(): Promise<Map<string, string[]>> {
    const r = await this.json<{ services: { namespace: string; name: string; addresses: string[]; origin?: { kind: string } }[] }>('GET', '/debug/registryz');
    const m = new Map<string, string[]>();
    for (const s of r.services) if (!s.origin || s.origin.kind === 'Service') m.set(`${s.namespace}/${s.name}`, s.addresses);
    return m;
  }
}

export function collectionPath(info: KindInfo, namespace?: string): string {
  const base = info.group ? `/apis/${apiVersionOf(info)}` : `/api/${apiVersionOf(info)}`;
  if (!info.namespaced || namespace === undefined) return `${base}/${info.plural}`;
  return `${base}/namespaces/${encodeURIComponent(namespace)}/${info.plural}`;
}

function errorMessage(text: string): string | undefined {
  try {
    const v = JSON.parse(text) as { message?: unknown; error?: { message?: unknown; details?: unknown } };
    if (typeof v.message === 'string') return v.message;
    if (v.error && typeof v.error.message === 'string') return Array.isArray(v.error.details) ? `${v.error.message}: ${v.error.details.join('; ')}` : v.error.message;
  } catch {
    // not JSON
  }
  return undefined;
}

export const NAMESPACE_KIND = KINDS.find((k) => k.kind === 'Namespace')!;
export const SERVICE_KIND = KINDS.find((k) => k.kind === 'Service')!;
