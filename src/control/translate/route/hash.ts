// Consistent-hash routing: a DestinationRule's `loadBalancer.consistentHash` becomes the
// route's hash_policy (the cluster gets RING_HASH/MAGLEV from CDS; the route says what to
// hash). CDS owns the translation (Istio's hashForHTTPDestination precedence: subset
// port-level settings, subset, top-level port-level settings, top level); routes use it
// through this one import so cluster and route never disagree.
export { hashPolicyFor } from '../cds.js';
