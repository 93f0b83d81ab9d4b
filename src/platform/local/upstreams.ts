// Upstream bindings of an explicit-mode pod: `rig run --upstream SERVICE:PORT[=LOCALPORT]`
// or the pod annotation `rig.io/upstreams: "reviews:9080,mongodb:27017=27017"`. The sidecar
// listens on the pod IP at LOCALPORT (default PORT) and forwards to the service through the
// mesh (the control plane builds the listener from the node metadata RIG_UPSTREAMS); the app
// gets Kubernetes-style `<SERVICE>_SERVICE_HOST` / `<SERVICE>_SERVICE_PORT` for each.
import { resolveShortName } from '../../control/snapshot/hosts.js';

export const UPSTREAMS_ANNOTATION = 'rig.io/upstreams';

/** The sidecar's own ports on the pod IP: admin, outbound, inbound, agent, health, stats. */
const SIDECAR_PORTS = [15000, 15001, 15004, 15006, 15020, 15021, 15090];

export interface PodUpstream {
  /** As written: `reviews`, `reviews.other`, `reviews.other.svc.cluster.local`. */
  service: string;
  port: number;
  localPort: number;
}

const ENTRY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?):(\d+)(?:=(\d+))?$/;

/** Parses `SERVICE:PORT[=LOCALPORT],…`; every malformed entry is an error. */
export function parseUpstreams(text: string): { upstreams: PodUpstream[]; errors: string[] } {
  const upstreams: PodUpstream[] = [];
  const errors: string[] = [];
  for (const entry of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = ENTRY.exec(entry);
    const port = m ? Number(m[3]) : NaN;
    const localPort = m?.[4] !== undefined ? Number(m[4]) : port;
    if (!m || !(port >= 1 && port <= 65535) || !(localPort >= 1 && localPort <= 65535)) {
      errors.push(`"${entry}" is not SERVICE:PORT[=LOCALPORT] (e.g. reviews:9080, mongodb:27017=27018)`);
      continue;
    }
    upstreams.push({ service: m[1]!, port, localPort });
  }
  return { upstreams, errors };
}

/** What is wrong with a pod's upstream annotation: syntax, a local port used twice, by the sidecar or by the pod's own ports. */
export function upstreamErrors(annotations: Record<string, string> | undefined, containerPorts: number[]): string[] {
  const text = annotations?.[UPSTREAMS_ANNOTATION];
  if (text === undefined) return [];
  const { upstreams, errors } = parseUpstreams(text);
  const seen = new Set<number>();
  for (const u of upstreams) {
    const where = `${u.service}:${u.port}${u.localPort !== u.port ? `=${u.localPort}` : ''}`;
    if (seen.has(u.localPort)) errors.push(`"${where}": local port ${u.localPort} is bound twice; give one binding another =LOCALPORT`);
    else if (SIDECAR_PORTS.includes(u.localPort)) errors.push(`"${where}": local port ${u.localPort} is the sidecar's own; choose another with =LOCALPORT`);
    else if (containerPorts.includes(u.localPort)) errors.push(`"${where}": local port ${u.localPort} is a port of this pod; choose another with =LOCALPORT`);
    seen.add(u.localPort);
  }
  return errors.map((e) => `metadata.annotations[${UPSTREAMS_ANNOTATION}]: ${e}`);
}

function upstreamsOf(annotations: Record<string, string>): PodUpstream[] {
  const text = annotations[UPSTREAMS_ANNOTATION];
  return text === undefined ? [] : parseUpstreams(text).upstreams;
}

/** The sidecar's node metadata for the bindings: `RIG_UPSTREAMS: "reviews.default.svc.cluster.local:9080=9080,…"` (empty without any). */
export function upstreamsMetadata(annotations: Record<string, string>, namespace: string): Record<string, string> {
  const list = upstreamsOf(annotations);
  if (list.length === 0) return {};
  return { RIG_UPSTREAMS: list.map((u) => `${resolveShortName(u.service, namespace)}:${u.port}=${u.localPort}`).join(',') };
}

/** `reviews` → REVIEWS, `my-db.other` → MY_DB (Kubernetes' service environment variable prefix). */
export function serviceEnvPrefix(service: string): string {
  return service.split('.')[0]!.toUpperCase().replace(/-/g, '_');
}

/** `<SERVICE>_SERVICE_HOST` / `<SERVICE>_SERVICE_PORT` for each binding (the first binding of a service wins). */
export function upstreamEnv(annotations: Record<string, string>, podIP: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const u of upstreamsOf(annotations)) {
    const prefix = serviceEnvPrefix(u.service);
    if (`${prefix}_SERVICE_HOST` in env) continue;
    env[`${prefix}_SERVICE_HOST`] = podIP;
    env[`${prefix}_SERVICE_PORT`] = String(u.localPort);
  }
  return env;
}
