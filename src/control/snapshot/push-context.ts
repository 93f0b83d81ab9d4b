// PushContext: an immutable, indexed view of all configuration and registry state at one
// version. Translators (src/control/translate/) read only this; they never touch the
// store or registry directly, so translation stays a pure function of (PushContext, Proxy).
import type { Resource } from '../../api/istio/meta.js';
import type { DestinationRuleSpec, GatewaySpec, ServiceEntrySpec, SidecarSpec, VirtualServiceSpec } from '../../api/istio/networking.js';
import type { AuthorizationPolicySpec, PeerAuthenticationSpec, RequestAuthenticationSpec } from '../../api/istio/security.js';
import type { TelemetrySpec } from '../../api/istio/telemetry.js';
import type { MeshConfig } from '../model/mesh.js';
import type { Proxy } from '../model/proxy.js';
import type { Endpoint, Service } from '../registry/model.js';

export type VirtualService = Resource<VirtualServiceSpec>;
export type DestinationRule = Resource<DestinationRuleSpec>;
export type Gateway = Resource<GatewaySpec>;
export type Sidecar = Resource<SidecarSpec>;
export type ServiceEntry = Resource<ServiceEntrySpec>;

export interface PushContext {
  /** Changes whenever any input changes. */
  readonly version: string;
  readonly mesh: MeshConfig;

  /** Every service in the registry, sorted by hostname. */
  allServices(): readonly Service[];
  /** Services a proxy may reach: exportTo-visible from its namespace and within its Sidecar's egress hosts. Sorted by hostname. */
  servicesFor(proxy: Proxy): readonly Service[];
  /** A service by fully qualified hostname (the first by namespace if several define it). */
  service(hostname: string): Service | undefined;
  /** Endpoints of a service port (all health states; translators mark health). */
  endpoints(hostname: string, servicePort: number): readonly Endpoint[];
  /** Turns a host as written in config (`reviews`, `reviews.default`, FQDN, `*.example.com`) into a fully qualified host, relative to a namespace. */
  resolveHost(host: string, namespace: string): string;

  /** The DestinationRule for a host as seen by a proxy (Istio precedence: proxy namespace, then service namespace, then root namespace; exportTo respected; exact host before wildcard). */
  destinationRule(proxy: Proxy, hostname: string): DestinationRule | undefined;
  /** VirtualServices that apply to mesh traffic from this proxy (gateways empty or containing "mesh"), exportTo respected, delegates not included. Sorted by creation order then namespace/name. */
  virtualServicesForMesh(proxy: Proxy): readonly VirtualService[];
  /** VirtualServices bound to a gateway, given as "namespace/name". */
  virtualServicesForGateway(gateway: string): readonly VirtualService[];
  /** A VirtualService by namespace/name (for delegation). */
  virtualService(namespace: string, name: string): VirtualService | undefined;
  /** Gateways whose selector matches this (router) proxy's labels, sorted by namespace/name. */
  gatewaysFor(proxy: Proxy): readonly Gateway[];
  /** The Sidecar resource that applies to a proxy (workload-selected in its namespace, else namespace default, else root namespace default). */
  sidecarFor(proxy: Proxy): Sidecar | undefined;
  /** The services this proxy's workload serves (its inbound side), with its own endpoint of each. */
  inboundServices(proxy: Proxy): readonly { service: Service; endpoint: Endpoint }[];

  peerAuthentications(): readonly Resource<PeerAuthenticationSpec>[];
  requestAuthentications(): readonly Resource<RequestAuthenticationSpec>[];
  authorizationPolicies(): readonly Resource<AuthorizationPolicySpec>[];
  telemetries(): readonly Resource<TelemetrySpec>[];
}
