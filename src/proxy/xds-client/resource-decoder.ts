// Decoding a DiscoveryResponse: each `Any` resource is checked against the response's
// type URL, decoded, named and validated. Nothing throws: every problem becomes an error
// naming the resource and field, and the caller NACKs if there is any.
import { fromBinary, type Message } from '@bufbuild/protobuf';
import type { DiscoveryResponse } from '../../api/gen/envoy/service/discovery/v3/discovery_pb.js';
import type { ResourceType, ResourceTypes, TypeUrl } from '../../api/envoy/types.js';
import type { XdsValidator } from './validators.js';

export interface AcceptedResource {
  resource: Message;
  /** The encoded resource, to recognise an unchanged resource sent again. */
  bytes: Uint8Array;
}

export interface DecodedResponse {
  /** Valid resources the client wants, by name, with their encoded bytes. */
  accepted: Map<string, AcceptedResource>;
  /** Wanted resources that were present but invalid; they keep their last good value. */
  rejected: Set<string>;
  /** Every resource name present in the response, wanted or not, valid or not. */
  present: Set<string>;
  /** False if some resource could not be named, so absence from the response means nothing. */
  complete: boolean;
  /** Every error, each prefixed with the resource: `Cluster "a": lb_policy: ...`. */
  errors: string[];
}

/** The short kind of a type URL, for messages: `Cluster`, `RouteConfiguration`. */
export function resourceKind(typeUrl: string): string {
  return typeUrl.slice(typeUrl.lastIndexOf('.') + 1);
}

/**
 * Decodes and validates the resources of a response of `type`. `wanted` filters by name
 * (resources of a named subscription the client did not ask for are ignored, unvalidated).
 */
export function decodeResources(
  response: DiscoveryResponse,
  type: ResourceType,
  validate: XdsValidator,
  wanted: (name: string) => boolean,
): DecodedResponse {
  const out: DecodedResponse = { accepted: new Map(), rejected: new Set(), present: new Set(), complete: true, errors: [] };
  const kind = resourceKind(type.typeUrl);
  const fail = (name: string, errors: string[]) => {
    out.accepted.delete(name);
    out.rejected.add(name);
    for (const e of errors) out.errors.push(`${kind} "${name}": ${e}`);
  };

  response.resources.forEach((any, i) => {
    if (any.typeUrl !== response.typeUrl) {
      out.complete = false;
      out.errors.push(`${kind} resources[${i}]: type_url "${any.typeUrl}" does not match the response type_url "${response.typeUrl}"`);
      return;
    }
    let resource: Message;
    try {
      resource = fromBinary(type.schema, any.value);
    } catch (err) {
      out.complete = false;
      out.errors.push(`${kind} resources[${i}]: cannot decode: ${(err as Error).message}`);
      return;
    }
    const name = type.name(resource as ResourceTypes[TypeUrl]);
    if (name === '') {
      out.complete = false;
      out.errors.push(`${kind} resources[${i}]: name: must not be empty`);
      return;
    }
    if (out.present.has(name)) {
      if (wanted(name)) fail(name, ['duplicate resource name in one response']);
      return;
    }
    out.present.add(name);
    if (!wanted(name)) return;

    let result;
    try {
      result = validate(resource as ResourceTypes[TypeUrl]);
    } catch (err) {
      result = { ok: false as const, errors: [`validator failed: ${(err as Error).message}`] };
    }
    if (result.ok) out.accepted.set(name, { resource, bytes: any.value });
    else fail(name, result.errors.length > 0 ? result.errors : ['invalid']);
  });
  return out;
}
