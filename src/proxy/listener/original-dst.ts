// The original destination of a connection that iptables redirected to the proxy
// (REDIRECT in the nat table, as Istio's init container writes it): the address the app
// dialled, read with getsockopt(SO_ORIGINAL_DST) on the accepted socket. Node has no API
// for it, so the call goes through the koffi FFI module, loaded on first use only: a proxy
// whose listeners do not set use_original_dst never loads it.
//
// Listeners with use_original_dst record each redirected connection's original destination
// here (originalDsts); tcp_proxy and the HTTP router read it for ORIGINAL_DST clusters.
import { createRequire } from 'node:module';
import { isIPv4 } from 'node:net';
import { endianness } from 'node:os';
import type { Socket } from 'node:net';
import { fail, ok, type Result } from '../../shared/result.js';

export interface OriginalDst {
  address: string;
  port: number;
}

export interface OriginalDstReader {
  /**
   * The connection's original destination. A connection that was not redirected has its
   * own local address (Linux answers so, or ENOENT when nothing tracks it; both mean "not
   * redirected"). Undefined when the socket has no descriptor or the call fails otherwise.
   */
  read(socket: Socket): OriginalDst | undefined;
}

/** Redirected connections (by downstream socket) → where the app meant to go. */
export const originalDsts = new WeakMap<Socket, OriginalDst>();

/** The original destination recorded for a downstream connection, if it was redirected. */
export function originalDstOf(socket: Socket): OriginalDst | undefined {
  return originalDsts.get(socket);
}

const SOL_IP = 0;
const SOL_IPV6 = 41;
/** SO_ORIGINAL_DST (linux/netfilter_ipv4.h) and IP6T_SO_ORIGINAL_DST (linux/netfilter_ipv6/ip6_tables.h). */
const SO_ORIGINAL_DST = 80;
const AF_INET = 2;
const AF_INET6 = 10;
const ENOENT = 2;
/** sizeof(struct sockaddr_in6); a sockaddr_in (16 bytes) fits too. */
const SOCKADDR_MAX = 28;

type GetSockOpt = (fd: number, level: number, name: number, value: Buffer, length: number[]) => number;

let loaded: Result<OriginalDstReader> | undefined;
const SOCKADDR = Buffer.alloc(SOCKADDR_MAX);

/**
 * The reader, loading koffi and libc's getsockopt on the first call (the result, success or
 * failure, is kept). Fails off Linux or when koffi cannot load, with the reason.
 */
export function originalDstReader(): Result<OriginalDstReader> {
  loaded ??= loadOriginalDstReader();
  return loaded;
}

/** Loads the reader (uncached; `platform` is for tests). */
export function loadOriginalDstReader(platform: NodeJS.Platform = process.platform): Result<OriginalDstReader> {
  if (platform !== 'linux') return fail(`the platform is ${platform}, not linux`);
  try {
    // A computed name keeps bundlers from inlining the native module: it loads from node_modules.
    const name = 'koffi';
    const koffi = createRequire(import.meta.url)(name) as typeof import('koffi');
    let libc: ReturnType<typeof koffi.load>;
    try {
      libc = koffi.load('libc.so.6');
    } catch {
      libc = koffi.load(null); // musl and others: the symbols the process already has
    }
    const getsockopt = libc.func('int getsockopt(int fd, int level, int optname, _Out_ uint8_t *optval, _Inout_ uint32_t *optlen)') as GetSockOpt;
    return ok({ read: (socket) => readOriginalDst(socket, getsockopt, () => koffi.errno()) });
  } catch (err) {
    return fail(`cannot load koffi: ${(err as Error).message} (run npm install; koffi ships prebuilt binaries for Linux x64/arm64)`);
  }
}

/** The descriptor of a connected net.Socket (libuv's TCP handle); undefined for TLS-wrapped or closed sockets. */
export function socketFd(socket: Socket): number | undefined {
  const handle = (socket as unknown as { _handle?: { fd?: unknown } })._handle;
  return typeof handle?.fd === 'number' && handle.fd >= 0 ? handle.fd : undefined;
}

function readOriginalDst(socket: Socket, getsockopt: GetSockOpt, errno: () => number): OriginalDst | undefined {
  const fd = socketFd(socket);
  const local = socket.localAddress;
  const localPort = socket.localPort;
  if (fd === undefined || local === undefined || localPort === undefined) return undefined;
  // An IPv4 connection (also one accepted on a dual-stack socket as ::ffff:a.b.c.d) asks SOL_IP.
  const v4 = isIPv4(local) || local.startsWith('::ffff:');
  // One buffer for every call: the call is synchronous and the result is copied out.
  const buf = SOCKADDR;
  const len = [SOCKADDR_MAX];
  if (getsockopt(fd, v4 ? SOL_IP : SOL_IPV6, SO_ORIGINAL_DST, buf, len) !== 0) {
    return errno() === ENOENT ? { address: local.startsWith('::ffff:') ? local.slice(7) : local, port: localPort } : undefined;
  }
  return parseSockaddr(buf.subarray(0, len[0]));
}

/** A struct sockaddr_in / sockaddr_in6 (host-order family, network-order port) as address and port. */
export function parseSockaddr(b: Buffer): OriginalDst | undefined {
  if (b.length < 8) return undefined;
  const family = endianness() === 'LE' ? b.readUInt16LE(0) : b.readUInt16BE(0);
  const port = b.readUInt16BE(2);
  if (family === AF_INET) return { address: `${b[4]}.${b[5]}.${b[6]}.${b[7]}`, port };
  if (family === AF_INET6 && b.length >= 24) {
    const groups: string[] = [];
    for (let i = 8; i < 24; i += 2) groups.push(b.readUInt16BE(i).toString(16));
    return { address: compressIpv6(groups), port };
  }
  return undefined;
}

/** RFC 5952 text form: the longest run of two or more zero groups becomes `::`. */
function compressIpv6(groups: string[]): string {
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < groups.length; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < groups.length && groups[j] === '0') j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}
