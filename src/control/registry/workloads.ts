// The local platform's registered workloads (its pods): register / update / unregister,
// a label index for selectors, and change notifications the aggregate registry turns into
// endpoint updates. Workloads are copied and frozen on the way in, so a caller that keeps
// mutating its object cannot change what the registry hands out.
import { isIP } from 'node:net';
import { ErrorCollector, fail, type Result } from '../../shared/result.js';
import { LabelIndex } from './label-index.js';
import type { Locality, Workload } from './model.js';

export interface WorkloadChange {
  /** The workload before the change (absent when registered for the first time). */
  previous?: Workload;
  /** The workload after the change (absent when unregistered). */
  current?: Workload;
}

export class WorkloadRegistry {
  private readonly index = new LabelIndex<Workload>();
  private readonly listeners = new Set<(change: WorkloadChange) => void>();
  private sorted: readonly Workload[] | undefined;

  /** Registers or replaces a workload; returns what changed (nothing if it is identical). */
  register(workload: Workload): { created: boolean; changed: boolean; workload: Workload } {
    const previous = this.index.get(workload.namespace, workload.name);
    const current = freezeWorkload(workload);
    if (previous && JSON.stringify(previous) === JSON.stringify(current)) return { created: false, changed: false, workload: previous };
    this.index.set(current.namespace, current.name, current.labels, current);
    this.sorted = undefined;
    this.emit({ previous, current });
    return { created: !previous, changed: true, workload: current };
  }

  /** Removes a workload; returns it, or undefined if it was not registered. */
  unregister(namespace: string, name: string): Workload | undefined {
    const previous = this.index.get(namespace, name);
    if (!previous) return undefined;
    this.index.delete(namespace, name);
    this.sorted = undefined;
    this.emit({ previous });
    return previous;
  }

  get(namespace: string, name: string): Workload | undefined {
    return this.index.get(namespace, name);
  }

  get size(): number {
    return this.index.size;
  }

  /** All workloads, sorted by namespace then name. */
  list(): readonly Workload[] {
    if (!this.sorted) {
      const all = this.index.all();
      all.sort((a, b) => cmp(a.namespace, b.namespace) || cmp(a.name, b.name));
      this.sorted = Object.freeze(all);
    }
    return this.sorted;
  }

  /** Workloads in `namespace` matching `selector` (every workload there for an empty one), sorted by name. */
  select(namespace: string, selector: Readonly<Record<string, string>>): Workload[] {
    return this.index.select(namespace, selector);
  }

  onChange(listener: (change: WorkloadChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(change: WorkloadChange): void {
    for (const l of [...this.listeners]) l(change);
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A deep, frozen copy with keys in a stable order (so equal workloads serialize equally). */
function freezeWorkload(w: Workload): Workload {
  const labels = Object.freeze(Object.fromEntries(Object.entries(w.labels).sort(([a], [b]) => cmp(a, b))));
  const ports = Object.freeze(
    w.ports.map((p) => Object.freeze({ ...(p.name !== undefined ? { name: p.name } : {}), port: p.port, ...(p.protocol !== undefined ? { protocol: p.protocol } : {}) })),
  );
  return Object.freeze({
    namespace: w.namespace,
    name: w.name,
    labels,
    serviceAccount: w.serviceAccount,
    ip: w.ip,
    ports: ports as Workload['ports'],
    ...(w.locality ? { locality: Object.freeze({ region: w.locality.region, zone: w.locality.zone, subZone: w.locality.subZone }) } : {}),
    healthy: w.healthy,
    hasSidecar: w.hasSidecar,
  });
}

// --- validation (for the HTTP API and anything else that receives workloads as JSON) ---

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const PORT_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function isValidNamespace(s: string): boolean {
  return s.length <= 63 && DNS_LABEL.test(s);
}

export function isValidWorkloadName(s: string): boolean {
  return s.length <= 253 && DNS_SUBDOMAIN.test(s);
}

/** `region/zone/subzone` (any part may be empty or missing) → Locality. */
export function parseLocality(s: string | undefined): Locality {
  const [region = '', zone = '', subZone = ''] = (s ?? '').split('/');
  return { region, zone, subZone };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Validates a workload received as JSON. Defaults: labels {}, serviceAccount "default",
 * ports [], healthy true, hasSidecar false. `at` (from a URL) fixes namespace and name; a
 * body that names a different one is an error. Locality may be an object or "region/zone/subzone".
 */
export function validateWorkload(input: unknown, at?: { namespace: string; name: string }): Result<Workload> {
  const errs = new ErrorCollector();
  if (!isRecord(input)) return fail('a workload must be a JSON object');

  const str = (field: string, def?: string): string => {
    const v = input[field];
    if (v === undefined && def !== undefined) return def;
    if (typeof v !== 'string') {
      errs.add(field, v === undefined ? 'required' : 'must be a string');
      return '';
    }
    return v;
  };
  const bool = (field: string, def: boolean): boolean => {
    const v = input[field];
    if (v === undefined) return def;
    if (typeof v !== 'boolean') errs.add(field, 'must be true or false');
    return v === true;
  };

  const namespace = str('namespace', at?.namespace);
  const name = str('name', at?.name);
  if (at && namespace !== at.namespace) errs.add('namespace', `"${namespace}" does not match the URL's namespace "${at.namespace}"`);
  if (at && name !== at.name) errs.add('name', `"${name}" does not match the URL's name "${at.name}"`);
  if (namespace && !isValidNamespace(namespace)) errs.add('namespace', `"${namespace}" is not a valid namespace (lowercase RFC 1123 label)`);
  if (name && !isValidWorkloadName(name)) errs.add('name', `"${name}" is not a valid name (lowercase RFC 1123 subdomain)`);

  const labels: Record<string, string> = {};
  if (input.labels !== undefined) {
    if (!isRecord(input.labels)) errs.add('labels', 'must be an object of strings');
    else
      for (const [k, v] of Object.entries(input.labels)) {
        if (typeof v !== 'string') errs.add(`labels.${k}`, 'must be a string');
        else labels[k] = v;
      }
  }

  const serviceAccount = str('serviceAccount', 'default');
  const ip = str('ip');
  if (ip && isIP(ip) === 0) errs.add('ip', `"${ip}" is not an IP address`);

  const ports: Workload['ports'] = [];
  if (input.ports !== undefined) {
    if (!Array.isArray(input.ports)) errs.add('ports', 'must be an array');
    else
      input.ports.forEach((p: unknown, i) => {
        const at = errs.at(`ports[${i}]`);
        if (!isRecord(p)) return at.add('', 'must be an object');
        const port = p.port;
        if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) at.add('port', 'must be an integer 1-65535');
        const out: Workload['ports'][number] = { port: port as number };
        if (p.name !== undefined) {
          if (typeof p.name !== 'string' || !PORT_NAME.test(p.name) || p.name.length > 15) at.add('name', 'must be a lowercase IANA service name (at most 15 characters)');
          else if (ports.some((q) => q.name === p.name)) at.add('name', `duplicate port name "${p.name}"`);
          else out.name = p.name;
        }
        if (p.protocol !== undefined) {
          if (p.protocol !== 'TCP' && p.protocol !== 'UDP' && p.protocol !== 'SCTP') at.add('protocol', 'must be TCP, UDP or SCTP');
          else out.protocol = p.protocol;
        }
        ports.push(out);
      });
  }

  let locality: Locality | undefined;
  if (typeof input.locality === 'string') locality = parseLocality(input.locality);
  else if (isRecord(input.locality)) {
    const l = input.locality;
    const part = (k: string): string => {
      const v = l[k];
      if (v === undefined) return '';
      if (typeof v !== 'string') errs.add(`locality.${k}`, 'must be a string');
      return typeof v === 'string' ? v : '';
    };
    locality = { region: part('region'), zone: part('zone'), subZone: part('subZone') };
  } else if (input.locality !== undefined) errs.add('locality', 'must be "region/zone/subzone" or {region, zone, subZone}');

  const healthy = bool('healthy', true);
  const hasSidecar = bool('hasSidecar', false);

  return errs.result<Workload>({ namespace, name, labels, serviceAccount, ip, ports, ...(locality ? { locality } : {}), healthy, hasSidecar });
}
