// ResourceSource: where the ADS server gets each proxy's resources from.
// The control plane's translator implements it; tests use MemorySource.
import type { Any } from '@bufbuild/protobuf/wkt';
import type { TypeUrl } from '../../api/envoy/types.js';

/** What a proxy says about itself in the first DiscoveryRequest (Envoy's Node). */
export interface ProxyNode {
  id: string;
  cluster: string;
  /** node.metadata as plain JSON (a google.protobuf.Struct). */
  metadata: Record<string, unknown>;
  locality?: { region: string; zone: string; subZone: string };
  userAgentName?: string;
  userAgentVersion?: string;
}

export interface NamedResource {
  name: string;
  resource: Any;
}

export interface TypeResources {
  /** Optional version; when absent the server derives one from the content. */
  version?: string;
  resources: NamedResource[];
}

/** Describes what changed, so the server can skip proxies/types that are unaffected. */
export interface ChangeEvent {
  /** Types that may have changed; empty or absent = all types. */
  types?: TypeUrl[];
  /** Free text for logs and debug (e.g. "VirtualService default/reviews"). */
  reason?: string;
}

export interface ResourceSource {
  /** Resources of one type for one proxy; must be deterministic for the same inputs. */
  resources(proxy: ProxyNode, typeUrl: TypeUrl): TypeResources;
  /** Calls listener when resources may have changed; returns an unsubscribe function. */
  onChange(listener: (change: ChangeEvent) => void): () => void;
  /** Optional: the last stream of this proxy closed; drop anything cached for it. */
  release?(node: ProxyNode): void;
}

/** An in-memory source: the same resources for every proxy, or per proxy id. */
export class MemorySource implements ResourceSource {
  private readonly common = new Map<TypeUrl, NamedResource[]>();
  private readonly perProxy = new Map<string, Map<TypeUrl, NamedResource[]>>();
  private readonly listeners = new Set<(c: ChangeEvent) => void>();

  resources(proxy: ProxyNode, typeUrl: TypeUrl): TypeResources {
    const own = this.perProxy.get(proxy.id)?.get(typeUrl);
    return { resources: own ?? this.common.get(typeUrl) ?? [] };
  }

  onChange(listener: (change: ChangeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Replaces all resources of one type (for every proxy, or for one proxy id) and announces it. */
  set(typeUrl: TypeUrl, resources: NamedResource[], proxyId?: string): void {
    const sorted = [...resources].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    if (proxyId === undefined) this.common.set(typeUrl, sorted);
    else {
      let m = this.perProxy.get(proxyId);
      if (!m) this.perProxy.set(proxyId, (m = new Map()));
      m.set(typeUrl, sorted);
    }
    this.announce({ types: [typeUrl], reason: `set ${typeUrl}` });
  }

  announce(change: ChangeEvent = {}): void {
    for (const l of this.listeners) l(change);
  }
}
