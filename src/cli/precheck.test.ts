// x precheck: each check on a real socket or directory, and the ✔/✘ report.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkNodeVersion, checkPorts, checkRigHome, formatChecks, runChecks } from './precheck.js';

const dir = mkdtempSync(join(tmpdir(), 'rig-precheck-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function listen(s: Server | ReturnType<typeof createHttpServer>): Promise<number> {
  return new Promise((r) => s.listen(0, '127.0.0.1', () => r((s.address() as { port: number }).port)));
}

test('Node.js 20 or newer passes; older fails with the fix', () => {
  assert.equal(checkNodeVersion('20.1.0').ok, true);
  assert.equal(checkNodeVersion('v22.0.0').ok, true);
  const old = checkNodeVersion('18.19.0');
  assert.equal(old.ok, false);
  assert.match(old.fix!, /install Node\.js 20 or newer/);
});

test('a port held by another program fails; held by a Rigging control plane passes; free passes', async () => {
  const other = createServer((c) => c.destroy());
  other.on('error', () => {});
  const otherPort = await listen(other);
  const rigging = createHttpServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(req.url === '/version' ? JSON.stringify({ version: '9.9.9', connectedProxies: 0 }) : '{}');
  });
  const riggingPort = await listen(rigging);
  try {
    const [xds, mon] = await checkPorts('127.0.0.1', otherPort, riggingPort);
    assert.equal(mon!.ok, true);
    assert.match(mon!.message, /held by a Rigging control plane \(version 9\.9\.9\)/);
    assert.equal(xds!.ok, true, 'the xDS port counts as the Rigging control plane when its monitoring port answers as one');
    const [xdsAlone] = await checkPorts('127.0.0.1', otherPort, otherPort);
    assert.equal(xdsAlone!.ok, false);
    assert.match(xdsAlone!.message, /in use by another program/);
    assert.match(xdsAlone!.fix!, new RegExp(`ss -ltnp 'sport = :${otherPort}'`));
  } finally {
    rigging.closeAllConnections();
    await Promise.all([new Promise((r) => other.close(r)), new Promise((r) => rigging.close(r))]);
  }
});

test('RIG_HOME: writable, creatable, or a failure naming it', () => {
  assert.equal(checkRigHome(dir).ok, true);
  assert.match(checkRigHome(join(dir, 'a', 'b')).message, /can be created/);
  writeFileSync(join(dir, 'file'), '');
  const r = checkRigHome(join(dir, 'file', 'rig'));
  assert.equal(r.ok, false);
  assert.match(r.fix!, /set RIG_HOME to a directory you can write/);
});

test('the report: ✔ per passing check, ✘ with the fix per failing one, and a closing line', async () => {
  const results = await runChecks({ nodeVersion: '18.0.0', rigHome: dir, xdsPort: 0, monitoringPort: 0 });
  const out = formatChecks(results);
  assert.match(out, /^✘ Node\.js 18\.0\.0 is too old/m);
  assert.match(out, /^ {4}fix: install Node\.js/m);
  assert.match(out, /^✔ loopback addresses 127\.x\.y\.z are usable \(bound 127\.10\.0\.1\)$/m);
  assert.match(out, /^✔ RIG_HOME .* is writable$/m);
  assert.match(out, /^Error: 1 check failed; fix it and run `rig x precheck` again\.$/m);
});
