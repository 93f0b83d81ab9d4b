import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMeshConfig } from './mesh-file.js';

test('a MeshConfig file overrides the defaults it names', () => {
  const r = parseMeshConfig('outboundTrafficPolicy:\n  mode: REGISTRY_ONLY\naccessLogFile: /dev/stdout\ndefaultConfig:\n  tracing:\n    sampling: 100\n', 'mesh.yaml');
  assert.ok(r.ok);
  assert.equal(r.value.outboundTrafficPolicy.mode, 'REGISTRY_ONLY');
  assert.equal(r.value.accessLogFile, '/dev/stdout');
  assert.equal(r.value.defaultConfig.tracing.sampling, 100);
  assert.equal(r.value.trustDomain, 'cluster.local', 'unnamed fields keep their defaults');
});

test('unknown fields and bad values are errors naming the file and the path', () => {
  const r = parseMeshConfig('outboundTrafficPolicy:\n  mode: BLOCK\nenableAutoMtls: true\n', 'mesh.yaml');
  assert.ok(!r.ok);
  assert.match(r.errors.join('\n'), /mesh\.yaml: outboundTrafficPolicy\.mode: must be ALLOW_ANY or REGISTRY_ONLY, got "BLOCK"/);
  assert.match(r.errors.join('\n'), /mesh\.yaml: enableAutoMtls: unknown or unsupported MeshConfig field/);
  assert.ok(!parseMeshConfig('a: [', 'x.yaml').ok);
  assert.ok(parseMeshConfig('', 'empty.yaml').ok);
});
