// The proxy's load balancing: hosts grouped by priority and locality, immutable pickers
// (round robin, least request, random, ring hash, maglev) with priority spill, locality
// weights and panic, outlier detection, and request hashing. Pure: no sockets.
export { availability, hostKey, newHostState, type Availability, type Host, type HostHealth, type HostState, type Locality } from './host.js';
export { HostSet, DEFAULT_OVERPROVISIONING_FACTOR, type LocalityHosts, type PriorityHosts } from './host-set.js';
export { lbConfigOf, validateLbConfig, type LbConfig, type LbPolicyName } from './lb-config.js';
export { buildPicker, createPicker, type PickContext, type Picker, type PickerOptions } from './picker.js';
export { computePriorityLoad, type PriorityLoad } from './priority-load.js';
export { OutlierDetector, type EjectionType, type OutlierEvent, type OutlierHostState, type OutlierResult, type OutlierStats } from './outlier-detection.js';
export { compileHashPolicy, computeHash, type HashRequest, type RequestHasher } from './hash-policy.js';
export { ClusterLoadBalancer, type ClusterLoadBalancerOptions } from './cluster-load-balancer.js';
export { xxHash64, murmurHash2 } from './xxhash64.js';
