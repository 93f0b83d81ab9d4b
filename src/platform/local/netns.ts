// Transparent capture on the local platform (`rig run --isolation netns`, the pod annotation
// rig.io/isolation: netns, or the install value values.global.isolation=netns): each such pod
// gets its own network namespace, as a Kubernetes pod has, with Istio's nat rules in it, so
// an unmodified app is meshed by iptables instead of by proxy environment variables.
//
// Layout (Linux, root; all names derive from a hash of RIG_HOME, so two meshes never meet):
//   - one bridge per RIG_HOME in the host namespace, `rigbr-<hash>`, holding 10.X.0.1/16
//     (X from the hash in 160–219, skipping any 10.X a route already uses; Services' VIPs
//     are in 10.96.0.0/12, never overlapping);
//   - per pod: namespace `rig-<hash>-<uid8>`, a veth pair (`rv<hash4><uid8>` on the bridge,
//     eth0 inside) with the pod IP 10.X.a.b/16 and a default route via 10.X.0.1, lo up, and
//     when the pod has a sidecar the nat table of Istio's init container (istioRules):
//     outbound TCP → 15001, the pod's declared ports inbound → 15006, UID/GID 1337 excluded.
//     Its containers run under `ip netns exec`; the sidecar as UID/GID 1337 (setpriv).
//   - /etc/netns/<namespace>/resolv.conf (which `ip netns exec` bind-mounts on
//     /etc/resolv.conf) names the pod DNS server (dns.ts) on 10.X.0.1:53 with Kubernetes'
//     search domains, so `http://hello:8080/` resolves to the Service's VIP, which the
//     OUTPUT rule captures.
//   - The control plane stays on loopback in the host namespace, which another namespace
//     cannot reach: the supervisor relays TCP from 10.X.0.1:15010 to the control plane's
//     xDS address (read at each connection, so a reinstalled control plane is found). A
//     relay keeps the control plane's own binding (`rig pilot --address`) untouched.
// The supervisor sets the network up with the first netns pod, removes it with the last,
// removes every namespace on stop (pods are set up again when it starts) and, on start,
// removes whatever a crashed supervisor of the same RIG_HOME left (reconcile()).
// Commands run synchronously: each takes milliseconds and a pod needs about ten.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { logger } from '../../shared/log.js';

const log = logger('netns');

/** The proxy's identity (Istio's istio-proxy user), excluded from capture. */
export const PROXY_UID = 1337;
export const PROXY_GID = 1337;
export const ISOLATION_ANNOTATION = 'rig.io/isolation';
export const ISOLATION_VALUE = 'values.global.isolation';
export type Isolation = 'explicit' | 'netns';
/** Port of the xDS relay on the bridge address. */
export const XDS_RELAY_PORT = 15010;
const NETNS_DIR = '/etc/netns';

/**
 * The nat table Istio's init container writes (istio-iptables), for outbound capture and
 * inbound capture of `inboundPorts` (its `-b` list; none: no inbound capture).
 */
export function istioRules(inboundPorts: number[], uid = PROXY_UID, gid = PROXY_GID): string {
  const inbound = [...new Set(inboundPorts)].sort((a, b) => a - b).map((p) => `-A ISTIO_INBOUND -p tcp -m tcp --dport ${p} -j ISTIO_IN_REDIRECT`);
  return [
    '*nat',
    ':PREROUTING ACCEPT [0:0]',
    ':INPUT ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ':POSTROUTING ACCEPT [0:0]',
    ':ISTIO_INBOUND - [0:0]',
    ':ISTIO_IN_REDIRECT - [0:0]',
    ':ISTIO_OUTPUT - [0:0]',
    ':ISTIO_REDIRECT - [0:0]',
    ...(inbound.length ? ['-A PREROUTING -p tcp -j ISTIO_INBOUND'] : []),
    '-A OUTPUT -p tcp -j ISTIO_OUTPUT',
    ...inbound,
    '-A ISTIO_IN_REDIRECT -p tcp -j REDIRECT --to-ports 15006',
    '-A ISTIO_OUTPUT -s 127.0.0.6/32 -o lo -j RETURN',
    `-A ISTIO_OUTPUT ! -d 127.0.0.1/32 -o lo -m owner --uid-owner ${uid} -j ISTIO_IN_REDIRECT`,
    `-A ISTIO_OUTPUT -o lo -m owner ! --uid-owner ${uid} -j RETURN`,
    `-A ISTIO_OUTPUT -m owner --uid-owner ${uid} -j RETURN`,
    `-A ISTIO_OUTPUT ! -d 127.0.0.1/32 -o lo -m owner --gid-owner ${gid} -j ISTIO_IN_REDIRECT`,
    `-A ISTIO_OUTPUT -o lo -m owner ! --gid-owner ${gid} -j RETURN`,
    `-A ISTIO_OUTPUT -m owner --gid-owner ${gid} -j RETURN`,
    '-A ISTIO_OUTPUT -d 127.0.0.1/32 -j RETURN',
    '-A ISTIO_OUTPUT -j ISTIO_REDIRECT',
    '-A ISTIO_REDIRECT -p tcp -j REDIRECT --to-ports 15001',
    'COMMIT',
    '',
  ].join('\n');
}

/** Kubernetes' resolv.conf for a pod of `namespace`, naming `server`. */
export function resolvConf(server: string, namespace: string): string {
  return `nameserver ${server}\nsearch ${namespace}.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5\n`;
}

/** `explicit` or `netns`; anything else is an error message. */
export function parseIsolation(v: string): Isolation | string {
  return v === 'explicit' || v === 'netns' ? v : `isolation "${v}" is not known; use explicit or netns`;
}

function works(cmd: string, args: string[]): boolean {
  const r = spawnSync(cmd, args, { stdio: 'ignore' });
  return r.error === undefined && r.status === 0;
}

/** Why netns isolation cannot run here (undefined: it can). */
export function netnsUnsupported(): string | undefined {
  if (process.platform !== 'linux') return 'it needs Linux (network namespaces, iptables and SO_ORIGINAL_DST)';
  if (process.getuid?.() !== 0) return 'it needs root (network namespaces and iptables); run the mesh as root (sudo rig install …) or use the default explicit mode';
  if (!works('ip', ['netns', 'list'])) return '`ip netns` is unavailable; install iproute2';
  if (!works('iptables-restore', ['--version'])) return 'iptables-restore is unavailable; install iptables';
  if (!works('setpriv', ['--version'])) return 'setpriv is unavailable; install util-linux';
  return undefined;
}

function hashOf(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

/** Runs a command; throws with its stderr when it fails. */
function sh(cmd: string, args: string[], input?: string): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...(input !== undefined ? { input } : {}) });
  if (r.error || r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.error?.message ?? r.stderr.trim()}`);
  return r.stdout;
}

/** Runs a command whose failure does not matter (removing what may be gone). */
function quiet(cmd: string, args: string[]): void {
  spawnSync(cmd, args, { stdio: 'ignore' });
}

export interface PodNetns {
  /** Network namespace name. */
  netns: string;
  /** Host-side veth name. */
  veth: string;
}

/** The argv prefix that runs a command inside a pod's namespace (as the proxy user for the sidecar). */
export function netnsExec(netns: string, asProxy: boolean): string[] {
  return ['ip', 'netns', 'exec', netns, ...(asProxy ? ['setpriv', `--reuid=${PROXY_UID}`, `--regid=${PROXY_GID}`, '--clear-groups'] : [])];
}

/** The bridge, its address block, and the DNS server and xDS relay on its address, for one RIG_HOME. */
export class NetnsNetwork {
  readonly hash: string;
  readonly bridge: string;
  private block: string | undefined;
  private relay: Relay | undefined;
  private dnsStop: (() => Promise<void>) | undefined;

  constructor(
    home: string,
    private readonly o: {
      /** host:port of the control plane's xDS server, read per connection. */
      xdsAddress: () => string | undefined;
      /** Starts the pod DNS server on the bridge address; returns its stop function. */
      startDns: (address: string) => Promise<() => Promise<void>>;
    },
  ) {
    this.hash = hashOf(home).slice(0, 6);
    this.bridge = `rigbr-${this.hash}`;
  }

  /** 10.X, once the bridge is up. */
  get subnet(): string | undefined {
    return this.block;
  }

  get bridgeAddress(): string | undefined {
    return this.block ? `${this.block}.0.1` : undefined;
  }

  namesOf(uid: string): PodNetns {
    const u = uid.replace(/-/g, '').slice(0, 8);
    return { netns: `rig-${this.hash}-${u}`, veth: `rv${this.hash.slice(0, 4)}${u}` };
  }

  /** Removes whatever this RIG_HOME's network left behind (namespaces, their resolv.conf, the bridge). */
  reconcile(): void {
    const prefix = `rig-${this.hash}-`;
    const r = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
    for (const line of r.status === 0 ? r.stdout.split('\n') : []) {
      const name = line.split(' ')[0];
      if (name?.startsWith(prefix)) {
        quiet('ip', ['netns', 'del', name]);
        log.info('removed a leftover network namespace', { netns: name });
      }
    }
    if (existsSync(NETNS_DIR)) for (const d of readdirSync(NETNS_DIR)) if (d.startsWith(prefix)) rmSync(join(NETNS_DIR, d), { recursive: true, force: true });
    if (works('ip', ['link', 'show', this.bridge])) quiet('ip', ['link', 'del', this.bridge]);
  }

  /** Brings the bridge, the relay and the DNS server up (idempotent); `prefer`: the 10.X to take when free (restored pods'). */
  async ensure(prefer?: string): Promise<void> {
    if (this.block) return;
    const routes = sh('ip', ['-4', 'route', 'show', 'table', 'all']);
    const used = (x: number) => routes.split('\n').some((l) => l.startsWith(`10.${x}.`) || l.includes(` 10.${x}.`));
    const first = 160 + (parseInt(this.hash, 16) % 60);
    const preferred = prefer && /^10\.(\d+)$/.test(prefer) ? Number(prefer.slice(3)) : undefined;
    let x: number | undefined;
    if (!works('ip', ['link', 'show', this.bridge])) {
      if (preferred !== undefined && preferred >= 160 && preferred < 220 && !used(preferred)) x = preferred;
      for (let i = 0; i < 60 && x === undefined; i++) if (!used(160 + ((first - 160 + i) % 60))) x = 160 + ((first - 160 + i) % 60);
      if (x === undefined) throw new Error('no free 10.X.0.0/16 (X 160-219) for the pod bridge: every one is routed already');
      sh('ip', ['link', 'add', this.bridge, 'type', 'bridge']);
      sh('ip', ['addr', 'add', `10.${x}.0.1/16`, 'dev', this.bridge]);
      sh('ip', ['link', 'set', this.bridge, 'up']);
    } else {
      const m = /inet 10\.(\d+)\.0\.1\/16/.exec(sh('ip', ['-4', 'addr', 'show', 'dev', this.bridge]));
      if (!m) throw new Error(`the bridge ${this.bridge} exists without its 10.X.0.1/16 address; delete it (ip link del ${this.bridge})`);
      x = Number(m[1]);
    }
    const address = `10.${x}.0.1`;
    try {
      this.relay = await startRelay(address, XDS_RELAY_PORT, this.o.xdsAddress);
      this.dnsStop = await this.o.startDns(address);
    } catch (err) {
      await this.stop();
      throw err;
    }
    this.block = `10.${x}`;
    log.info('pod network up', { bridge: this.bridge, address });
  }

  /** The lowest free pod address of the bridge's block. */
  allocate(taken: ReadonlySet<string>): string {
    if (!this.block) throw new Error('the pod network is not up');
    for (let i = 2; i < 65534; i++) {
      if ((i & 255) === 0 || (i & 255) === 255) continue;
      const ip = `${this.block}.${i >> 8}.${i & 255}`;
      if (!taken.has(ip)) return ip;
    }
    throw new Error(`no free pod address left in ${this.block}.0.0/16; delete pods you no longer need`);
  }

  /** Whether ip is in the bridge's block (a restored pod's address may predate it). */
  owns(ip: string): boolean {
    return !!this.block && ip.startsWith(`${this.block}.`);
  }

  /** Creates a pod's namespace, veth, address, route, resolv.conf and (with a sidecar) nat rules. */
  setupPod(names: PodNetns, ip: string, namespace: string, capture: { inboundPorts: number[] } | undefined): void {
    const bridgeIP = this.bridgeAddress;
    if (!bridgeIP) throw new Error('the pod network is not up');
    this.teardownPod(names);
    try {
      sh('ip', ['netns', 'add', names.netns]);
      sh('ip', ['link', 'add', names.veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', names.netns]);
      sh('ip', ['link', 'set', names.veth, 'master', this.bridge, 'up']);
      sh('ip', ['-n', names.netns, 'link', 'set', 'lo', 'up']);
      sh('ip', ['-n', names.netns, 'addr', 'add', `${ip}/16`, 'dev', 'eth0']);
      sh('ip', ['-n', names.netns, 'link', 'set', 'eth0', 'up']);
      sh('ip', ['-n', names.netns, 'route', 'add', 'default', 'via', bridgeIP]);
      mkdirSync(join(NETNS_DIR, names.netns), { recursive: true });
      writeFileSync(join(NETNS_DIR, names.netns, 'resolv.conf'), resolvConf(bridgeIP, namespace));
      if (capture) sh('ip', ['netns', 'exec', names.netns, 'iptables-restore'], istioRules(capture.inboundPorts));
    } catch (err) {
      this.teardownPod(names);
      throw err;
    }
  }

  /** Removes a pod's namespace (and so its veth pair) and its resolv.conf. */
  teardownPod(names: PodNetns): void {
    if (existsSync(join('/run/netns', names.netns)) || existsSync(join('/var/run/netns', names.netns))) quiet('ip', ['netns', 'del', names.netns]);
    quiet('ip', ['link', 'del', names.veth]);
    rmSync(join(NETNS_DIR, names.netns), { recursive: true, force: true });
  }

  /** Stops the DNS server and the relay and deletes the bridge. */
  async stop(): Promise<void> {
    const relay = this.relay;
    this.relay = undefined;
    if (relay) await relay.close();
    const dns = this.dnsStop;
    this.dnsStop = undefined;
    if (dns) await dns();
    quiet('ip', ['link', 'del', this.bridge]);
    if (this.block) log.info('pod network down', { bridge: this.bridge });
    this.block = undefined;
  }
}

/** Removes what a RIG_HOME's netns pods left in the kernel (a killed supervisor's); root on Linux only. */
export function reconcileNetns(homeRoot: string): void {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return;
  new NetnsNetwork(homeRoot, { xdsAddress: () => undefined, startDns: () => Promise.reject(new Error('not serving')) }).reconcile();
}

interface Relay {
  /** Stops listening and ends every relayed connection. */
  close(): Promise<void>;
}

/** A TCP relay on address:port to the (current) control plane's xDS address. */
function startRelay(address: string, port: number, target: () => string | undefined): Promise<Relay> {
  const conns = new Set<Socket>();
  const server: Server = createServer((down) => {
    conns.add(down);
    down.on('close', () => conns.delete(down));
    down.on('error', () => down.destroy());
    const t = target();
    const i = t?.lastIndexOf(':') ?? -1;
    if (!t || i < 0) {
      down.destroy();
      return;
    }
    const up = connect({ host: t.slice(0, i), port: Number(t.slice(i + 1)) });
    up.on('error', () => down.destroy());
    down.on('close', () => up.destroy());
    up.on('close', () => down.destroy());
    down.pipe(up);
    up.pipe(down);
  });
  const close = () =>
    new Promise<void>((r) => {
      server.close(() => r());
      for (const c of conns) c.destroy();
    });
  return new Promise((resolve, reject) => {
    server.once('error', (err) => reject(new Error(`cannot start the xDS relay on ${address}:${port}: ${err.message}`)));
    server.listen({ host: address, port }, () => {
      server.on('error', (err) => log.warn('xDS relay error', { err: err.message }));
      resolve({ close });
    });
  });
}
