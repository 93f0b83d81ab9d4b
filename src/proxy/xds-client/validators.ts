// Resource validators, one per xDS type URL: a pure function from a decoded resource to
// a Result that lists every problem found. The client NACKs a response holding any
// invalid resource and keeps that resource's last good value. Callers may replace a
// type's validator (and compose with the defaults exported here).
import { TypeUrl, type ResourceTypes } from '../../api/envoy/types.js';
import type { Secret } from '../../api/gen/envoy/extensions/transport_sockets/tls/v3/secret_pb.js';
import { ErrorCollector, type Result } from '../../shared/result.js';
import { validateCluster } from './cluster-resource.js';
import { validateClusterLoadAssignment } from './endpoint-resource.js';
import { validateListener } from './listener-resource.js';
import { validateRouteConfiguration } from './route-resource.js';

/**
 * Validates one decoded resource. Errors name the field (`lb_policy: unsupported value
 * X`); the client prefixes the resource (`Cluster "a": `). The value is not used.
 */
export type XdsValidator<T extends TypeUrl = TypeUrl> = (resource: ResourceTypes[T]) => Result<unknown>;

/** Validators by type URL; a type left out uses its default validator. */
export type XdsValidators = { [T in TypeUrl]?: XdsValidator<T> };

/** Default validator for SDS resources. */
export function validateSecret(secret: Secret): Result<Secret> {
  const errors = new ErrorCollector();
  if (secret.name === '') errors.add('name', 'must not be empty');
  if (secret.type.case === undefined) errors.add('type', 'required (tls_certificate, validation_context, ...)');
  return errors.result(secret);
}

/** The structural validators for the built-in types. */
export const defaultValidators: { readonly [T in TypeUrl]: XdsValidator<T> } = {
  [TypeUrl.Cluster]: validateCluster,
  [TypeUrl.ClusterLoadAssignment]: validateClusterLoadAssignment,
  [TypeUrl.Listener]: validateListener,
  [TypeUrl.RouteConfiguration]: validateRouteConfiguration,
  [TypeUrl.Secret]: validateSecret,
};

/** The validator in force for a type: the caller's, else the default. */
export function validatorFor<T extends TypeUrl>(typeUrl: T, custom: XdsValidators | undefined): XdsValidator<T> {
  return (custom?.[typeUrl] ?? defaultValidators[typeUrl]) as XdsValidator<T>;
}
