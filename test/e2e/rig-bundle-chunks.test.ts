// bin/rig and the chunks of the proxy bundle: dist/rig-proxy.mjs imports some of its code
// from dist/rig-proxy-*.mjs files listed in the manifest, and bin/rig runs the bundle only
// when every listed chunk is there, else the sources. Runs a copy of bin/rig in a scratch
// checkout whose "bundle" and "sources" just say which one ran.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rigScratch } from '../helpers/rig-scratch.js';

const { dir, run } = rigScratch('rig-bundle-chunks-');
const chunk = 'rig-proxy-chunk-TEST1234.mjs';
writeFileSync(join(dir, 'dist', chunk), "export const from = 'bundle';\n");
writeFileSync(join(dir, 'dist', 'rig-proxy.mjs'), `import { from } from './${chunk}';\nexport async function proxyMain(argv) {\n  console.log(\`\${from} \${argv.join(' ')}\`);\n}\n`);
writeFileSync(join(dir, 'dist', 'rig-proxy.json'), JSON.stringify({ chunks: [chunk], inputs: {} }));

test('the bundle runs with its chunks; a missing chunk makes it stale and the sources run', () => {
  assert.equal(run(['proxy', '--config', 'x.yaml']).out, 'bundle proxy --config x.yaml');
  rmSync(join(dir, 'dist', chunk));
  const r = run(['proxy', '--config', 'x.yaml']);
  assert.equal(r.status, 0, r.err);
  assert.equal(r.out, 'sources proxy --config x.yaml', 'never a bundle that cannot load');
  const forced = run(['proxy'], { RIG_BUNDLE: '1' });
  assert.match(forced.err, /RIG_BUNDLE=1: running dist\/rig-proxy\.mjs although it is stale \(dist\/rig-proxy-chunk-TEST1234\.mjs is missing \(run `npm run build:proxy`\)\)/);
});
