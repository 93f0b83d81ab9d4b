// The pod DNS server of netns pods (see netns.ts): what kube-dns is to a Kubernetes pod, for
// Services only. UDP on the bridge address, port 53; A queries for `<svc>.<ns>.svc.cluster.local`,
// `<svc>.<ns>` and `<svc>` (in the asking pod's namespace) answer the Service's VIP; a known
// name asked for another type answers no records; every other name is NXDOMAIN (nothing is
// forwarded). The wire format (RFC 1035 §4) is written by hand: a header, the question
// echoed, and A answers whose name is a pointer to the question.
import { createSocket } from 'node:dgram';
import { isIPv4 } from 'node:net';
import { logger } from '../../shared/log.js';

const log = logger('dns');

const TYPE_A = 1;
const CLASS_IN = 1;
const RCODE_FORMERR = 1;
const RCODE_NXDOMAIN = 3;
const RCODE_NOTIMP = 4;
const TTL_SECONDS = 5;

export interface DnsQuestion {
  id: number;
  flags: number;
  name: string;
  type: number;
  cls: number;
  /** The question section's bytes, echoed in the answer. */
  raw: Buffer;
}

/** Parses the first question of a query; undefined when the message is malformed. */
export function parseQuery(msg: Buffer): DnsQuestion | undefined {
  if (msg.length < 12) return undefined;
  const id = msg.readUInt16BE(0);
  const flags = msg.readUInt16BE(2);
  if (msg.readUInt16BE(4) < 1) return undefined;
  const labels: string[] = [];
  let off = 12;
  for (;;) {
    if (off >= msg.length) return undefined;
    const len = msg[off]!;
    if (len === 0) break;
    if (len > 63 || off + 1 + len > msg.length) return undefined; // compression never appears in a question
    labels.push(msg.toString('latin1', off + 1, off + 1 + len));
    off += 1 + len;
  }
  off += 1;
  if (off + 4 > msg.length) return undefined;
  return { id, flags, name: labels.join('.').toLowerCase(), type: msg.readUInt16BE(off), cls: msg.readUInt16BE(off + 2), raw: msg.subarray(12, off + 4) };
}

/** An answer to `q`: rcode, and A records (for an A question). */
export function buildResponse(q: Pick<DnsQuestion, 'id' | 'flags' | 'raw'>, rcode: number, addresses: string[]): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(q.id, 0);
  // QR, the query's opcode and RD, AA (authoritative), RA, rcode.
  header.writeUInt16BE(0x8000 | (q.flags & 0x7900) | 0x0400 | 0x0080 | (rcode & 0xf), 2);
  header.writeUInt16BE(q.raw.length ? 1 : 0, 4);
  header.writeUInt16BE(addresses.length, 6);
  const answers = addresses.map((a) => {
    const rr = Buffer.alloc(16);
    rr.writeUInt16BE(0xc00c, 0); // the name: a pointer to the question's, at offset 12
    rr.writeUInt16BE(TYPE_A, 2);
    rr.writeUInt16BE(CLASS_IN, 4);
    rr.writeUInt32BE(TTL_SECONDS, 6);
    rr.writeUInt16BE(4, 10);
    a.split('.').forEach((o, i) => rr.writeUInt8(Number(o), 12 + i));
    return rr;
  });
  return Buffer.concat([header, q.raw, ...answers]);
}

/** The Service `namespace/name` a query name means, for a pod in `podNamespace`. */
export function serviceKeyOf(name: string, podNamespace: string | undefined): string | undefined {
  const n = name.replace(/\.$/, '');
  const parts = n.split('.');
  if (parts.length === 5 && n.endsWith('.svc.cluster.local')) return `${parts[1]}/${parts[0]}`;
  if (parts.length === 2) return `${parts[1]}/${parts[0]}`;
  if (parts.length === 1 && podNamespace) return `${podNamespace}/${parts[0]}`;
  return undefined;
}

export interface PodDnsOptions {
  address: string;
  port?: number;
  /** Service `namespace/name` → VIPs (may be cached by the caller). */
  services: () => Promise<Map<string, string[]>>;
  /** The namespace of the pod at a source address. */
  namespaceOf: (ip: string) => string | undefined;
}

/** Starts the server; resolves with its stop function once it listens. */
export function startPodDns(o: PodDnsOptions): Promise<() => Promise<void>> {
  const sock = createSocket('udp4');
  const answer = async (msg: Buffer, from: { address: string; port: number }): Promise<void> => {
    const q = parseQuery(msg);
    if (!q) {
      if (msg.length >= 4) sock.send(buildResponse({ id: msg.readUInt16BE(0), flags: msg.readUInt16BE(2), raw: Buffer.alloc(0) }, RCODE_FORMERR, []), from.port, from.address);
      return;
    }
    if ((q.flags & 0x7800) !== 0) {
      sock.send(buildResponse(q, RCODE_NOTIMP, []), from.port, from.address);
      return;
    }
    const key = serviceKeyOf(q.name, o.namespaceOf(from.address));
    let vips: string[] | undefined;
    if (key) {
      try {
        vips = (await o.services()).get(key)?.filter((a) => isIPv4(a));
      } catch (err) {
        log.debug('cannot read the Services', { err: (err as Error).message });
      }
    }
    const found = !!vips?.length;
    const res = buildResponse(q, found ? 0 : RCODE_NXDOMAIN, found && q.type === TYPE_A && q.cls === CLASS_IN ? vips! : []);
    sock.send(res, from.port, from.address);
  };
  sock.on('message', (msg, rinfo) => void answer(msg, rinfo).catch((err: unknown) => log.debug('cannot answer a query', { err: String(err) })));
  return new Promise((resolve, reject) => {
    sock.once('error', (err) => reject(new Error(`cannot start the pod DNS server on ${o.address}:${o.port ?? 53}: ${err.message}`)));
    sock.bind({ address: o.address, port: o.port ?? 53 }, () => {
      sock.on('error', (err) => log.warn('pod DNS server error', { err: err.message }));
      resolve(() => new Promise<void>((r) => sock.close(() => r())));
    });
  });
}
