// Finding the control plane: flag, RIG_MONITORING_ADDRESS, $RIG_HOME/run/control-plane.json,
// default; and the message when it does not answer.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { controlPlaneRequest, locateControlPlane, rigHome } from './control-plane.js';
import { CliError } from './errors.js';

const home = mkdtempSync(join(tmpdir(), 'rig-cp-'));
after(() => rmSync(home, { recursive: true, force: true }));

function writeFile(text: string): void {
  mkdirSync(join(home, 'run'), { recursive: true });
  writeFileSync(join(home, 'run', 'control-plane.json'), text);
}

test('the flag wins over the environment, the environment over the file, the file over the default', () => {
  writeFile(JSON.stringify({ monitoringAddress: '127.0.3.1:15014', xdsAddress: '127.0.3.1:15010' }));
  const env = { RIG_HOME: home, RIG_MONITORING_ADDRESS: '127.0.2.1:9000' };
  assert.deepEqual(locateControlPlane({ flag: '127.0.1.1:1234', env }), { monitoringAddress: '127.0.1.1:1234', from: 'flag' });
  assert.deepEqual(locateControlPlane({ env }), { monitoringAddress: '127.0.2.1:9000', from: 'env' });
  const fromFile = locateControlPlane({ env: { RIG_HOME: home } });
  assert.equal(fromFile.monitoringAddress, '127.0.3.1:15014');
  assert.equal(fromFile.xdsAddress, '127.0.3.1:15010');
  assert.equal(fromFile.from, 'file');
  assert.deepEqual(locateControlPlane({ env: { RIG_HOME: join(home, 'nothing-here') } }), { monitoringAddress: '127.0.0.1:15014', from: 'default' });
});

test('RIG_HOME defaults to ~/.rig', () => {
  assert.match(rigHome({ HOME: '/home/x' }), /\.rig$/);
  assert.equal(rigHome({ RIG_HOME: '/srv/rig' }), '/srv/rig');
});

test('a bad address or control-plane file is an error that says what to do', () => {
  assert.throws(() => locateControlPlane({ flag: 'localhost', env: {} }), /--monitoring-address: "localhost" is not HOST:PORT/);
  assert.equal(locateControlPlane({ flag: 'http://127.0.0.1:15014/', env: {} }).monitoringAddress, '127.0.0.1:15014');
  writeFile('{not json');
  assert.throws(() => locateControlPlane({ env: { RIG_HOME: home } }), (e: Error) => e instanceof CliError && /control-plane\.json is not valid JSON .*remove it, or give --monitoring-address/.test(e.message));
  writeFile('{}');
  assert.throws(() => locateControlPlane({ env: { RIG_HOME: home } }), /monitoringAddress: required/);
});

test('a control plane that does not answer: the address, where it came from, and how to start one', async () => {
  // A port that was free a moment ago: nothing listens there.
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  const loc = locateControlPlane({ env: { RIG_MONITORING_ADDRESS: `127.0.0.1:${port}` } });
  await assert.rejects(controlPlaneRequest(loc, '/version'), (e: Error) => {
    assert.ok(e instanceof CliError);
    assert.match(e.message, new RegExp(`cannot reach the control plane at 127\\.0\\.0\\.1:${port} \\(from RIG_MONITORING_ADDRESS\\): connection refused`));
    assert.match(e.message, /Start it with `rig install` or `rig pilot`/);
    return true;
  });
});
