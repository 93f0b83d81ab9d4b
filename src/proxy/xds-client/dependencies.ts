// Resource dependencies: which RDS, EDS and SDS names the accepted listeners and
// clusters refer to. The client subscribes to exactly these, so a name no longer
// referred to is unsubscribed and dropped from the snapshot.
import type { Cluster } from '../../api/gen/envoy/config/cluster/v3/cluster_pb.js';
import type { Listener } from '../../api/gen/envoy/config/listener/v3/listener_pb.js';
import { clusterSecretNames, edsServiceName } from './cluster-resource.js';
import { listenerRouteNames, listenerSecretNames } from './listener-resource.js';

export interface Dependencies {
  /** RouteConfiguration names (RDS). */
  routes: ReadonlySet<string>;
  /** ClusterLoadAssignment names (EDS). */
  endpoints: ReadonlySet<string>;
  /** Secret names (SDS). */
  secrets: ReadonlySet<string>;
}

interface Refs {
  routes: string[];
  endpoints: string[];
  secrets: string[];
}

// Accepted resources are never mutated, so what they refer to is computed once each.
const cache = new WeakMap<Listener | Cluster, Refs>();

function listenerRefs(l: Listener): Refs {
  let r = cache.get(l);
  if (!r) cache.set(l, (r = { routes: listenerRouteNames(l), endpoints: [], secrets: listenerSecretNames(l) }));
  return r;
}

function clusterRefs(c: Cluster): Refs {
  let r = cache.get(c);
  if (!r) {
    const eds = edsServiceName(c);
    cache.set(c, (r = { routes: [], endpoints: eds === undefined ? [] : [eds], secrets: clusterSecretNames(c) }));
  }
  return r;
}

/** Everything the given listeners and clusters refer to. */
export function dependenciesOf(listeners: Iterable<Listener>, clusters: Iterable<Cluster>): Dependencies {
  const routes = new Set<string>();
  const endpoints = new Set<string>();
  const secrets = new Set<string>();
  const add = (r: Refs) => {
    for (const n of r.routes) routes.add(n);
    for (const n of r.endpoints) endpoints.add(n);
    for (const n of r.secrets) secrets.add(n);
  };
  for (const l of listeners) add(listenerRefs(l));
  for (const c of clusters) add(clusterRefs(c));
  return { routes, endpoints, secrets };
}
