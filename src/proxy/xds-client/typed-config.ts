// Typed config: unpacking the `google.protobuf.Any` extension configs found inside xDS
// resources (filter configs, transport sockets, per-filter route config). A config whose
// type the proxy does not know, or whose bytes do not decode, is a validation error:
// Rigging NACKs what it cannot honour instead of silently ignoring it.
import type { DescMessage, Message, MessageShape } from '@bufbuild/protobuf';
import { anyUnpack, type Any } from '@bufbuild/protobuf/wkt';
import { proxyRegistry } from '../../api/envoy/proxy-registry.js';
import { typeNameOf } from '../../api/envoy/types.js';
import type { ErrorCollector } from '../../shared/result.js';

/**
 * Unpacks `any` into a message of any type known to the proxy. Reports an error at `field`
 * and returns undefined if the type is unknown or the bytes are malformed; with
 * `optional`, an unknown type is skipped without an error (Envoy's `is_optional`).
 */
export function unpackKnown(any: Any, errors: ErrorCollector, field: string, optional = false): Message | undefined {
  const typeName = typeNameOf(any);
  if (!typeName) {
    errors.add(field, 'type_url is empty');
    return undefined;
  }
  if (!proxyRegistry.getMessage(typeName)) {
    if (!optional) errors.add(field, `unsupported type ${typeName}`);
    return undefined;
  }
  try {
    return anyUnpack(any, proxyRegistry);
  } catch (err) {
    errors.add(field, `cannot decode ${typeName}: ${(err as Error).message}`);
    return undefined;
  }
}

/** Unpacks `any` if it holds `schema`'s type; undefined for another type or bad bytes. */
export function unpackAs<Desc extends DescMessage>(any: Any | undefined, schema: Desc): MessageShape<Desc> | undefined {
  if (!any || typeNameOf(any) !== schema.typeName) return undefined;
  try {
    return anyUnpack(any, schema);
  } catch {
    return undefined;
  }
}

/** True if the message is of `schema`'s type (narrows a registry-unpacked message). */
export function isMessageOf<Desc extends DescMessage>(message: Message | undefined, schema: Desc): message is MessageShape<Desc> {
  return message !== undefined && message.$typeName === schema.typeName;
}
