// The proxy's xDS client: public API.
export { XdsClient, DEFAULT_BACKOFF_BASE_MS, DEFAULT_BACKOFF_MAX_MS } from './xds-client.js';
export type { XdsClientOptions, XdsClientStatus, XdsConnectionState, SnapshotListener } from './xds-client.js';
export { parseBootstrap, bootstrapNode, USER_AGENT_NAME, type XdsBootstrap } from './bootstrap.js';
export { EMPTY_SNAPSHOT, type XdsSnapshot, type XdsTypeName } from './snapshot.js';
export type { XdsTypeStatus, XdsNack } from './type-watch.js';
export { defaultValidators, validateSecret, type XdsValidator, type XdsValidators } from './validators.js';
export { validateCluster, edsServiceName, clusterSecretNames } from './cluster-resource.js';
export { validateListener, listenerRouteNames, listenerSecretNames, httpConnectionManagers } from './listener-resource.js';
export { validateRouteConfiguration } from './route-resource.js';
export { validateClusterLoadAssignment } from './endpoint-resource.js';
export { decodeResources, type DecodedResponse } from './resource-decoder.js';
export { dependenciesOf, type Dependencies } from './dependencies.js';
