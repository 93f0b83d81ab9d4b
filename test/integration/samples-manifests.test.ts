// Every YAML file under samples/ parses with the mesh's own manifest reader, its kinds
// (Gateway, VirtualService, DestinationRule, Service, ServiceAccount, Deployment ...) validate cleanly and set no field the
// mesh leaves unenforced, and its Deployments run a real `rig sample` app with Istio's
// `app`/`version` labels, selected by a Service of the file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseManifests } from '../../src/api/istio/parse.js';
import { notEnforced } from '../../src/api/istio/not-enforced.js';
import { ROOT } from '../helpers/process.js';

const SAMPLES = join(ROOT, 'samples');
const SAMPLE_NAMES = ['productpage', 'details', 'reviews', 'ratings', 'httpbin', 'helloworld', 'sleep', 'load', 'fortio'];

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? yamlFiles(join(dir, e.name)) : /\.ya?ml$/.test(e.name) ? [join(dir, e.name)] : []))
    .sort();
}

interface Container {
  name?: string;
  command?: string[];
  env?: { name: string; value: string }[];
  ports?: { containerPort: number }[];
}
interface Deployment {
  metadata: { name: string };
  spec: { selector: { matchLabels: Record<string, string> }; template: { metadata: { labels: Record<string, string> }; spec: { containers: Container[] } } };
}

const files = yamlFiles(SAMPLES);

test('samples/ holds the Bookinfo, httpbin, sleep and helloworld manifests', () => {
  const names = files.map((f) => relative(SAMPLES, f));
  for (const want of [
    'bookinfo/bookinfo.yaml',
    'bookinfo/networking/bookinfo-gateway.yaml',
    'bookinfo/networking/destination-rule-all.yaml',
    'bookinfo/networking/virtual-service-all-v1.yaml',
    'bookinfo/networking/virtual-service-reviews-test-v2.yaml',
    'bookinfo/networking/virtual-service-ratings-test-delay.yaml',
    'bookinfo/networking/virtual-service-ratings-test-abort.yaml',
    'bookinfo/networking/virtual-service-reviews-50-v3.yaml',
    'bookinfo/networking/virtual-service-reviews-v3.yaml',
    'bookinfo/networking/virtual-service-reviews-jason-v2-v3.yaml',
    'httpbin/httpbin.yaml',
    'sleep/sleep.yaml',
    'helloworld/helloworld.yaml',
  ]) {
    assert.ok(names.includes(want), `missing samples/${want}`);
  }
});

for (const file of files) {
  const name = relative(SAMPLES, file);
  test(`samples/${name}: Istio kinds validate, Deployments run \`rig sample\``, () => {
    const r = parseManifests(readFileSync(file, 'utf8'), name, { allowUnknownKinds: true });
    assert.ok(r.ok, `samples/${name} does not validate:\n${r.ok ? '' : r.errors.join('\n')}`);
    const { resources, other } = r.value;
    assert.ok(resources.length + other.length > 0, 'no documents');
    // Deployments and ServiceAccounts are kinds the mesh knows (the local platform runs them): none is left over.
    assert.deepEqual(other.map((d) => `${d.source}: ${d.kind}`), [], 'documents of kinds the mesh does not know');

    for (const x of resources) assert.deepEqual(notEnforced(x), [], `${x.kind} ${x.metadata.name} sets fields the mesh accepts but does not enforce`);

    const services = resources.filter((x) => x.kind === 'Service');
    for (const doc of resources.filter((d) => d.kind === 'Deployment')) {
      const d = doc as unknown as Deployment;
      const labels = d.spec.template.metadata.labels;
      for (const [k, v] of Object.entries(d.spec.selector.matchLabels)) assert.equal(labels[k], v, `${d.metadata.name}: selector ${k}=${v} does not match the pod labels`);
      assert.ok(labels.app, `${d.metadata.name}: pods need an app label`);
      for (const c of d.spec.template.spec.containers) {
        const [rig, sample, app] = c.command ?? [];
        assert.equal(`${rig} ${sample}`, 'rig sample', `${d.metadata.name}/${c.name}: command must start with rig sample`);
        assert.ok(SAMPLE_NAMES.includes(app ?? ''), `${d.metadata.name}/${c.name}: unknown sample ${app}`);
      }
      if (services.length > 0) {
        const selected = services.some((s) => {
          const sel = (s.spec as { selector?: Record<string, string> }).selector ?? {};
          return Object.entries(sel).every(([k, v]) => labels[k] === v);
        });
        assert.ok(selected, `${d.metadata.name}: no Service of the file selects its pods`);
      }
    }
  });
}

test('bookinfo.yaml: the reviews versions and ports are Istio\'s', () => {
  const r = parseManifests(readFileSync(join(SAMPLES, 'bookinfo/bookinfo.yaml'), 'utf8'), 'bookinfo.yaml', { allowUnknownKinds: true });
  assert.ok(r.ok);
  const deployments = r.value.resources.filter((d) => d.kind === 'Deployment').map((d) => d as unknown as Deployment);
  assert.deepEqual(deployments.map((d) => d.metadata.name), ['details-v1', 'ratings-v1', 'reviews-v1', 'reviews-v2', 'reviews-v3', 'productpage-v1']);
  for (const d of deployments) {
    const c = d.spec.template.spec.containers[0]!;
    assert.equal(c.ports?.[0]?.containerPort, 9080);
    if (d.metadata.name.startsWith('reviews-')) {
      const version = d.spec.template.metadata.labels.version;
      assert.equal(c.env?.find((e) => e.name === 'SERVICE_VERSION')?.value, version, `${d.metadata.name}: SERVICE_VERSION must match its version label`);
    }
  }
  const accounts = r.value.resources.filter((d) => d.kind === 'ServiceAccount').map((d) => d.metadata.name);
  assert.deepEqual(accounts, ['bookinfo-details', 'bookinfo-ratings', 'bookinfo-reviews', 'bookinfo-productpage']);
  assert.deepEqual(r.value.resources.filter((x) => x.kind === 'Service').map((s) => s.metadata.name), ['details', 'ratings', 'reviews', 'productpage']);
});
