// Installation profiles and values, IstioOperator-style: a profile picks the components,
// `--set KEY=VALUE` overrides one value. Every key is listed here with its default and
// meaning; an unknown key is an error that lists the known ones.
import { isIP } from 'node:net';
import { parse as parseYaml } from 'yaml';
import { isPodBlock } from './ipam.js';

export interface Profile {
  name: string;
  description: string;
  components: { pilot: boolean; ingressGateways: boolean; egressGateways: boolean };
}

export const PROFILES: readonly Profile[] = [
  { name: 'default', description: 'control plane and ingress gateway (the recommended start)', components: { pilot: true, ingressGateways: true, egressGateways: false } },
  { name: 'demo', description: 'control plane, ingress and egress gateways (to try every feature)', components: { pilot: true, ingressGateways: true, egressGateways: true } },
  { name: 'minimal', description: 'control plane only', components: { pilot: true, ingressGateways: false, egressGateways: false } },
  { name: 'empty', description: 'nothing but the local platform (add components with --set)', components: { pilot: false, ingressGateways: false, egressGateways: false } },
  { name: 'remote', description: 'no control plane: pods and gateways use one elsewhere (--set values.global.remotePilotAddress=IP)', components: { pilot: false, ingressGateways: false, egressGateways: false } },
];

/** The xDS port of a control plane (Istio's 15010) and its status/config port (15014). */
export const XDS_PORT = 15010;
export const MONITORING_PORT = 15014;

/** IP or IP:PORT (IPv4) → undefined when valid, else why not. */
function hostPort(v: string): string | undefined {
  const m = /^([^:]+)(?::(\d+))?$/.exec(v);
  if (!m || isIP(m[1]!) !== 4) return 'must be an IPv4 address, optionally with :PORT';
  if (m[2] !== undefined && port(m[2])) return 'the port must be 1-65535';
  return undefined;
}

/**
 * The control plane a `remote` installation uses: xDS from values.global.remotePilotAddress
 * (port 15010 unless given), the status/config API from values.global.remoteMonitoringAddress
 * (default: the pilot address's IP on 15014). Undefined when no remote address is set.
 */
export function remoteControlPlane(values: Record<string, string>): { ip: string; xds: string; monitoring: string } | undefined {
  const pilot = values['values.global.remotePilotAddress'] ?? '';
  if (!pilot) return undefined;
  const ip = pilot.split(':')[0]!;
  const xds = pilot.includes(':') ? pilot : `${pilot}:${XDS_PORT}`;
  const given = values['values.global.remoteMonitoringAddress'] ?? '';
  const monitoring = !given ? `${ip}:${MONITORING_PORT}` : given.includes(':') ? given : `${given}:${MONITORING_PORT}`;
  return { ip, xds, monitoring };
}

const root = typeof process.getuid === 'function' && process.getuid() === 0;

export interface ValueSpec {
  key: string;
  description: string;
  default: (components: Profile['components'], profile: string) => string;
  check: (v: string) => string | undefined;
}

const bool = (v: string) => (v === 'true' || v === 'false' ? undefined : 'must be true or false');
const port = (v: string) => (/^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 65535 ? undefined : 'must be a port number 1-65535');

export const VALUES: readonly ValueSpec[] = [
  { key: 'components.pilot.enabled', description: 'run the control plane (rigd)', default: (c) => String(c.pilot), check: bool },
  { key: 'components.ingressGateways.enabled', description: 'run the ingress gateway', default: (c) => String(c.ingressGateways), check: bool },
  { key: 'components.egressGateways.enabled', description: 'run the egress gateway', default: (c) => String(c.egressGateways), check: bool },
  { key: 'values.gateways.istio-ingressgateway.bindAddress', description: "host address the ingress gateway listens on (its EXTERNAL-IP)", default: () => '127.0.0.1', check: (v) => (isIP(v) === 4 ? undefined : 'must be an IPv4 address') },
  { key: 'values.gateways.istio-ingressgateway.httpPort', description: 'ingress gateway HTTP port (Service port 80)', default: () => (root ? '80' : '8080'), check: port },
  { key: 'values.gateways.istio-ingressgateway.httpsPort', description: 'ingress gateway HTTPS port (Service port 443)', default: () => (root ? '443' : '8443'), check: port },
  { key: 'meshConfig.outboundTrafficPolicy.mode', description: 'ALLOW_ANY: calls to hosts outside the registry pass through; REGISTRY_ONLY: they are blocked (502)', default: () => 'ALLOW_ANY', check: (v) => (v === 'ALLOW_ANY' || v === 'REGISTRY_ONLY' ? undefined : 'must be ALLOW_ANY or REGISTRY_ONLY') },
  { key: 'meshConfig.accessLogFile', description: "where every proxy writes its access log ('' = none; /dev/stdout = the proxy's log, `rig logs POD -c istio-proxy`)", default: (_c, p) => (p === 'demo' ? '/dev/stdout' : ''), check: () => undefined },
  { key: 'meshConfig.defaultConfig.tracing.sampling', description: 'percentage of requests traced', default: (_c, p) => (p === 'demo' ? '100' : '1'), check: (v) => (/^\d+(\.\d+)?$/.test(v) && Number(v) <= 100 ? undefined : 'must be a percentage from 0 to 100') },
  { key: 'values.global.podBlock', description: 'loopback block of pod addresses, 127.N (default: chosen from RIG_HOME)', default: () => '', check: (v) => (v === '' || isPodBlock(v) ? undefined : 'must look like 127.N (N 1-254)') },
  { key: 'values.global.remotePilotAddress', description: "the remote control plane's xDS address, IP[:PORT] (port 15010 by default); profile remote needs it", default: () => '', check: (v) => (v === '' ? undefined : hostPort(v)) },
  { key: 'values.global.remoteMonitoringAddress', description: "the remote control plane's status/config API, IP[:PORT] (default: the pilot address's IP, port 15014)", default: () => '', check: (v) => (v === '' ? undefined : hostPort(v)) },
  { key: 'values.global.isolation', description: "new pods' isolation: explicit (loopback IP, proxy env vars) or netns (network namespace + iptables capture; Linux, root)", default: () => 'explicit', check: (v) => (v === 'explicit' || v === 'netns' ? undefined : 'must be explicit or netns') },
];

export interface InstallValues {
  profile: Profile;
  values: Record<string, string>;
}

/** Profile + `--set` pairs → every value resolved; errors name the key and what is allowed. */
export function resolveValues(sets: string[]): { ok: true; value: InstallValues } | { ok: false; errors: string[] } {
  const errors: string[] = [];
  const given = new Map<string, string>();
  for (const s of sets) {
    const eq = s.indexOf('=');
    if (eq <= 0) {
      errors.push(`--set ${s}: expected KEY=VALUE`);
      continue;
    }
    given.set(s.slice(0, eq).trim(), s.slice(eq + 1).trim());
  }
  const profileName = given.get('profile') ?? 'default';
  given.delete('profile');
  const profile = PROFILES.find((p) => p.name === profileName);
  if (!profile) return { ok: false, errors: [`unknown profile "${profileName}"; valid profiles: ${PROFILES.map((p) => p.name).join(', ')}`] };
  const values: Record<string, string> = {};
  for (const spec of VALUES) values[spec.key] = spec.default(profile.components, profile.name);
  for (const [k, v] of given) {
    const spec = VALUES.find((x) => x.key === k);
    if (!spec) {
      errors.push(`--set ${k}: unknown value; known values: profile, ${VALUES.map((x) => x.key).join(', ')}`);
      continue;
    }
    const e = spec.check(v);
    if (e) errors.push(`--set ${k}=${v}: ${e}`);
    else values[k] = v;
  }
  return errors.length ? { ok: false, errors } : { ok: true, value: { profile, values } };
}

/** A profile with its values, as `rig profile dump` prints it (IstioOperator-shaped YAML). */
export function dumpProfile(p: Profile): string {
  const v = resolveValues([`profile=${p.name}`]);
  if (!v.ok) return '';
  const values = v.value.values;
  return [
    'apiVersion: install.istio.io/v1alpha1',
    'kind: IstioOperator',
    'spec:',
    `  profile: ${p.name}`,
    '  components:',
    `    pilot: {enabled: ${values['components.pilot.enabled']}}`,
    `    ingressGateways: [{name: rig-ingressgateway, enabled: ${values['components.ingressGateways.enabled']}}]`,
    `    egressGateways: [{name: rig-egressgateway, enabled: ${values['components.egressGateways.enabled']}}]`,
    '  values:',
    '    gateways:',
    '      istio-ingressgateway:',
    `        bindAddress: ${values['values.gateways.istio-ingressgateway.bindAddress']}`,
    `        httpPort: ${values['values.gateways.istio-ingressgateway.httpPort']}`,
    `        httpsPort: ${values['values.gateways.istio-ingressgateway.httpsPort']}`,
    '',
  ].join('\n');
}

/**
 * An IstioOperator overrides file (`rig install -f FILE`) as `--set` pairs: spec.profile,
 * spec.components.{pilot,ingressGateways[0],egressGateways[0]}.enabled and spec.values.*
 * for the keys above. Anything else in the file is an error naming its path.
 */
export function overridesToSets(text: string, file: string): { ok: true; value: string[] } | { ok: false; errors: string[] } {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    return { ok: false, errors: [`${file}: ${(err as Error).message.split('\n')[0]}`] };
  }
  const o = (doc ?? {}) as { kind?: unknown; spec?: Record<string, unknown> };
  if (o.kind !== 'IstioOperator' || !o.spec || typeof o.spec !== 'object') return { ok: false, errors: [`${file}: expected an IstioOperator (kind: IstioOperator, with a spec)`] };
  const sets: string[] = [];
  const errors: string[] = [];
  const known = new Set(VALUES.map((v) => v.key));
  const walk = (v: unknown, path: string) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      for (const [k, x] of Object.entries(v)) walk(x, path ? `${path}.${k}` : k);
      return;
    }
    if (Array.isArray(v)) {
      // components.ingressGateways: [{name, enabled}] → components.ingressGateways.enabled
      if (/^components\.(ingress|egress)Gateways$/.test(path) && v.length === 1 && v[0] && typeof v[0] === 'object') {
        const { name: _name, ...rest } = v[0] as Record<string, unknown>;
        void _name;
        return walk(rest, path);
      }
      return void errors.push(`${file}: spec.${path}: not supported here`);
    }
    if (path === 'profile') return void sets.push(`profile=${String(v)}`);
    if (!known.has(path)) return void errors.push(`${file}: spec.${path}: not supported; settable: profile, ${[...known].join(', ')}`);
    sets.push(`${path}=${String(v)}`);
  };
  walk(o.spec, '');
  return errors.length ? { ok: false, errors } : { ok: true, value: sets };
}
