// Pod addresses on the local platform: each pod gets its own loopback address, so Istio's
// fixed ports (15000, 15001, 15006, 15021 …) never collide between pods. A RIG_HOME owns one
// /16 of 127/8 ("the pod block", e.g. 127.42): pod IPs are 127.42.0.1–127.42.127.254, and
// each pod's app address (where the app listens when its sidecar owns the pod IP's service
// ports) is the same host in the upper half, 127.42.128.1–127.42.255.254. On Linux every
// address in 127/8 answers without any setup.
import { createServer } from 'node:net';

const HALF = 128 * 256;

/** A pod block for a RIG_HOME path: 127.20–127.219, from a hash of the path. */
export function defaultPodBlock(home: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < home.length; i++) h = Math.imul(h ^ home.charCodeAt(i), 0x01000193) >>> 0;
  return `127.${20 + (h % 200)}`;
}

export function isPodBlock(s: string): boolean {
  const m = /^127\.(\d{1,3})$/.exec(s);
  return !!m && Number(m[1]) >= 1 && Number(m[1]) <= 254;
}

function hostOf(block: string, i: number): string {
  return `${block}.${i >> 8}.${i & 255}`;
}

function indexOf(block: string, ip: string): number | undefined {
  if (!ip.startsWith(`${block}.`)) return undefined;
  const [a, b] = ip.slice(block.length + 1).split('.').map(Number) as [number, number];
  return a * 256 + b;
}

/** The app address paired with a pod IP. */
export function appAddressOf(block: string, podIP: string): string {
  const i = indexOf(block, podIP);
  if (i === undefined) throw new Error(`${podIP} is not in the pod block ${block}.0.0/16`);
  return hostOf(block, i + HALF);
}

/** Whether something already listens on ip:port (another mesh, another program). */
export function portInUse(ip: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'EADDRINUSE'));
    s.listen({ host: ip, port, exclusive: true }, () => s.close(() => resolve(false)));
  });
}

/**
 * The lowest free pod IP of the block: not held by a pod in `taken`, and with nothing else
 * listening on its proxy admin port (so two meshes sharing a block by chance do not collide).
 */
export async function allocatePodIP(block: string, taken: ReadonlySet<string>): Promise<string> {
  for (let i = 1; i < HALF; i++) {
    if ((i & 255) === 0 || (i & 255) === 255) continue;
    const ip = hostOf(block, i);
    if (taken.has(ip)) continue;
    if (await portInUse(ip, 15000)) continue;
    return ip;
  }
  throw new Error(`no free pod address left in ${block}.0.0/17; delete pods you no longer need`);
}
