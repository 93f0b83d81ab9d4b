// Content-derived versions and hashes: the same resources always get the same version,
// so a restarted control plane does not look like a config change.
import { createHash } from 'node:crypto';
import type { Any } from '@bufbuild/protobuf/wkt';

const hashes = new WeakMap<Any, string>();

/** Hash of one packed resource; cached per Any object (sources share them across proxies). */
export function resourceHash(any: Any): string {
  let h = hashes.get(any);
  if (h === undefined) {
    h = createHash('sha1').update(any.typeUrl).update(any.value).digest('base64url').slice(0, 16);
    hashes.set(any, h);
  }
  return h;
}

/** Version of a set of resources: a hash over (name, hash) pairs in name order. */
export function setVersion(entries: Iterable<[string, string]>): string {
  const sorted = [...entries].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const h = createHash('sha1');
  for (const [name, hash] of sorted) h.update(name).update('\0').update(hash).update('\n');
  return h.digest('hex').slice(0, 12);
}
