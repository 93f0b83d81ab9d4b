// Protocol selection as Istio does it: a Kubernetes Service port's protocol comes from its
// appProtocol if set, else from the port name's prefix (`http`, `http-web`, `grpc-web`,
// `tcp-db` …). Anything unrecognised is UNKNOWN, which means "detect it" (Istio's
// automatic protocol selection) — except on a few well-known server-first ports, where
// sniffing would hang the client and TCP is assumed instead.
import type { Protocol } from './model.js';

const BY_NAME: ReadonlyMap<string, Protocol> = new Map<string, Protocol>([
  ['tcp', 'TCP'],
  ['udp', 'UDP'],
  ['grpc', 'GRPC'],
  ['grpc-web', 'GRPC-WEB'],
  ['http', 'HTTP'],
  ['http2', 'HTTP2'],
  ['https', 'HTTPS'],
  ['tls', 'TLS'],
  ['mongo', 'MONGO'],
  ['redis', 'REDIS'],
  ['mysql', 'MYSQL'],
]);

/** Ports where the server speaks first (SMTP, DNS, MySQL, MongoDB): never sniffed, TCP if unnamed. */
export const WELL_KNOWN_TCP_PORTS: ReadonlySet<number> = new Set([25, 53, 3306, 27017]);

/** Kubernetes' standard appProtocol values (KEP-3726) and what they mean in Istio's terms. */
const KUBERNETES_APP_PROTOCOLS: ReadonlyMap<string, Protocol> = new Map<string, Protocol>([
  ['kubernetes.io/h2c', 'HTTP2'],
  ['kubernetes.io/ws', 'HTTP'],
  ['kubernetes.io/wss', 'HTTPS'],
]);

/**
 * A protocol name as written in a ServiceEntry port or a port-name prefix, case-insensitive.
 * Unrecognised or missing → UNKNOWN (auto-detect). Istio's `HTTP_PROXY` is only meaningful on
 * Sidecar egress listeners and has no registry equivalent, so it is UNKNOWN here too.
 */
export function parseProtocol(name: string | undefined): Protocol {
  if (!name) return 'UNKNOWN';
  return BY_NAME.get(name.toLowerCase()) ?? 'UNKNOWN';
}

export interface KubePortProtocolInput {
  /** The Service port's name (`http-web`), possibly empty. */
  name?: string;
  port: number;
  /** L4 protocol: TCP (default), UDP, SCTP. */
  protocol?: string;
  appProtocol?: string;
}

/** Protocol of a Kubernetes Service port, by Istio's rules (see the file comment). */
export function protocolForKubePort(p: KubePortProtocolInput): Protocol {
  if (p.protocol === 'UDP') return 'UDP';
  let name = p.name ?? '';
  if (p.appProtocol) {
    const standard = KUBERNETES_APP_PROTOCOLS.get(p.appProtocol);
    if (standard) return standard;
    name = p.appProtocol;
  }
  // `grpc-web` contains the separator, so it is matched before the prefix split.
  if (name.toLowerCase().startsWith('grpc-web')) return 'GRPC-WEB';
  const dash = name.indexOf('-');
  const prefix = dash >= 0 ? name.slice(0, dash) : name;
  let proto = parseProtocol(prefix);
  // A port name never makes a TCP Service port UDP.
  if (proto === 'UDP') proto = 'UNKNOWN';
  if (proto === 'UNKNOWN' && WELL_KNOWN_TCP_PORTS.has(p.port)) return 'TCP';
  return proto;
}
