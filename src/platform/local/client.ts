// How the CLI reaches a local mesh: the supervisor (pods) through its loopback API, and the
// control plane through the address `rig install` recorded in RIG_HOME/state.json.
import { readJson, readState, rigHome, type InstallState, type RigHome, type SupervisorInfo } from './home.js';
import { ControlPlaneClient } from './control-plane.js';
import type { PodRecord, PodSpec } from './pod.js';

export class PlatformError extends Error {}

export class SupervisorClient {
  constructor(readonly address: string) {}

  private async call(method: string, path: string, body?: unknown, timeoutMs = 30_000): Promise<Response> {
    try {
      return await fetch(`http://${this.address}${path}`, {
        method,
        ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      throw new PlatformError(`the local platform's supervisor (${this.address}) is not reachable: ${(err as Error).message}; run \`rig install\` to start it`);
    }
  }

  private async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.call(method, path, body);
    const text = await res.text();
    if (!res.ok) {
      let msg = text;
      try {
        msg = (JSON.parse(text) as { error: string }).error;
      } catch {
        // plain text
      }
      throw new PlatformError(msg);
    }
    return JSON.parse(text) as T;
  }

  async healthy(): Promise<boolean> {
    try {
      return (await this.call('GET', '/healthz', undefined, 1000)).ok;
    } catch {
      return false;
    }
  }

  async pods(namespace?: string): Promise<PodRecord[]> {
    return (await this.json<{ items: PodRecord[] }>('GET', `/pods${namespace ? `?namespace=${encodeURIComponent(namespace)}` : ''}`)).items;
  }

  async pod(namespace: string, name: string): Promise<PodRecord | undefined> {
    const res = await this.call('GET', `/pods/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`);
    if (res.status === 404) return undefined;
    if (!res.ok) throw new PlatformError(await res.text());
    return (await res.json()) as PodRecord;
  }

  create(spec: PodSpec): Promise<PodRecord> {
    return this.json('POST', '/pods', spec);
  }

  delete(namespace: string, name: string, wait = true): Promise<PodRecord> {
    return this.json('DELETE', `/pods/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}${wait ? '' : '?wait=false'}`);
  }

  relabel(namespace: string, name: string, labels: Record<string, string>): Promise<PodRecord> {
    return this.json('PATCH', `/pods/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`, { metadata: { labels } });
  }

  execContext(namespace: string, name: string, container?: string): Promise<{ env: Record<string, string>; workingDir?: string; container: string; netns?: string }> {
    return this.json('GET', `/pods/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}/exec${container ? `?container=${encodeURIComponent(container)}` : ''}`);
  }

  /** The container's log as a stream (follow keeps it open while the pod exists). */
  async log(namespace: string, name: string, container: string | undefined, follow: boolean): Promise<ReadableStream<Uint8Array>> {
    const q = new URLSearchParams({ ...(container ? { container } : {}), ...(follow ? { follow: 'true' } : {}) });
    const res = await fetch(`http://${this.address}/pods/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}/log?${q}`).catch((err: Error) => {
      throw new PlatformError(`the supervisor (${this.address}) is not reachable: ${err.message}`);
    });
    if (!res.ok || !res.body) {
      const text = await res.text();
      let msg = text;
      try {
        msg = (JSON.parse(text) as { error: string }).error;
      } catch {
        // plain text
      }
      throw new PlatformError(msg);
    }
    return res.body;
  }
}

export interface Platform {
  home: RigHome;
  state: InstallState;
  supervisor: SupervisorClient;
  controlPlane: ControlPlaneClient;
}

/** The installed mesh of RIG_HOME, or a PlatformError telling how to get one. */
export function connectPlatform(env: NodeJS.ProcessEnv = process.env): Platform {
  const home = rigHome(env);
  const state = readState(home);
  const info = readJson<SupervisorInfo>(home.supervisorInfo);
  if (!state?.controlPlane || !info) throw new PlatformError(`no mesh is installed in ${home.root} (RIG_HOME); install one with \`rig install\``);
  return { home, state, supervisor: new SupervisorClient(info.address), controlPlane: new ControlPlaneClient(state.controlPlane.monitoring) };
}
