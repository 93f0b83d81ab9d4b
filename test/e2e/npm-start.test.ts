// `npm start` and `npm stop` as a newcomer runs them (scripts/start.mjs, here with RIG_HOME
// in a temp dir and the ingress gateway on a loopback address of its own): the demo profile,
// Bookinfo with sidecars, Istio's bookinfo-gateway.yaml (Gateway server port 8080) and
// destination-rule-all.yaml; the printed productpage URL answers through the ingress
// gateway; a second run changes nothing; `stop` leaves no process behind.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Proc, ROOT, rig } from '../helpers/process.js';
import { processesOf } from '../helpers/wait.js';

const home = mkdtempSync(join(tmpdir(), 'rig-npm-start-'));
const env = { ...process.env, RIG_HOME: home, RIG_LOG_LEVEL: 'warn' };
const ingressIP = `127.${200 + Math.floor(Math.random() * 50)}.${1 + Math.floor(Math.random() * 250)}.1`;
const START = join(ROOT, 'scripts', 'start.mjs');

function start(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = new Proc(process.execPath, [START, ...args], { env, cwd: ROOT });
  return p.exited.then((code) => ({ code, stdout: p.stdout, stderr: p.stderr }));
}

const ourProcesses = (): number[] => processesOf(home);

after(async () => {
  if (ourProcesses().length > 0) await rig(['uninstall', '-y'], { RIG_HOME: home });
  for (const pid of ourProcesses()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  rmSync(home, { recursive: true, force: true });
});

let url = '';

test('npm start: Bookinfo answers through the ingress gateway at the printed URL', async () => {
  const r = await start('--set', `values.gateways.istio-ingressgateway.bindAddress=${ingressIP}`);
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /✔ Installation complete/);
  assert.match(r.stdout, /deployment\.apps\/productpage-v1 created/);
  assert.match(r.stdout, /gateway\.networking\.istio\.io\/bookinfo-gateway created/);
  assert.match(r.stdout, /destinationrule\.networking\.istio\.io\/reviews created/);
  assert.match(r.stdout, /✔ Bookinfo answers through the ingress gateway/);
  const m = /Open (http:\/\/\S+\/productpage)/.exec(r.stdout);
  assert.ok(m, r.stdout);
  url = m[1]!;
  assert.ok(url.startsWith(`http://${ingressIP}`), url);
  assert.match(r.stdout, new RegExp(`RIG_HOME=${home.replace(/[.]/g, '\\.')} \\./bin/rig get pods`));
  assert.match(r.stdout, /npm stop/);

  const res = await fetch(url);
  assert.equal(res.status, 200);
  const page = await res.text();
  assert.ok(page.includes('The Comedy of Errors'));
  assert.ok(page.includes('Reviewer1'));

  const pods = await rig(['get', 'pods'], { RIG_HOME: home });
  const rows = pods.stdout.trim().split('\n').slice(1);
  assert.equal(rows.length, 6, pods.stdout);
  for (const row of rows) assert.match(row, /\s2\/2\s+Running\s/);
});

test('npm start again is harmless; npm stop leaves nothing running', async () => {
  const again = await start('--set', `values.gateways.istio-ingressgateway.bindAddress=${ingressIP}`);
  assert.equal(again.code, 0, `${again.stdout}\n${again.stderr}`);
  assert.match(again.stdout, /deployment\.apps\/productpage-v1 unchanged/);
  assert.doesNotMatch(again.stdout, / created$/m);
  assert.ok(again.stdout.includes(`Open ${url}`));
  assert.equal((await fetch(url)).status, 200);

  const stop = await start('stop');
  assert.equal(stop.code, 0, stop.stderr);
  assert.match(stop.stdout, /✔ Uninstall complete/);
  assert.deepEqual(ourProcesses(), []);
});
