// stop() leaves nothing behind: a process that ran an xDS client (connected and warmed to a
// control plane that keeps running, or retrying against an unreachable one) exits on its
// own after stop(). The test runs this same file as a child process in one of its
// scenarios, serving ADS itself, and waits for the child to exit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:net';
import { AdsServer } from '../../src/control/xds/server.js';
import { MemorySource } from '../../src/control/xds/source.js';
import { TypeUrl, pack } from '../../src/api/envoy/types.js';
import { ListenerSchema } from '../../src/api/gen/envoy/config/listener/v3/listener_pb.js';
import { socketAddress } from '../../src/api/envoy/build.js';
import { XdsClient } from '../../src/proxy/xds-client/index.js';

const SCENARIO = process.env.XDS_CLIENT_EXIT_SCENARIO;
const bootstrapNode = { id: 'sidecar~127.0.0.2~a-1.default~default.svc.cluster.local', cluster: 'a.default' };

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

async function child(scenario: string): Promise<void> {
  if (scenario === 'warmed') {
    // The parent's ADS server stays up: only stop() can end this process's stream.
    const client = new XdsClient({ bootstrap: { node: bootstrapNode, xdsServer: process.env.XDS_SERVER! } });
    client.start();
    await client.ready();
    client.stop();
  } else {
    const port = await freePort();
    const client = new XdsClient({ bootstrap: { node: bootstrapNode, xdsServer: `127.0.0.1:${port}` }, backoff: { baseMs: 10, maxMs: 20 } });
    client.start();
    await new Promise((r) => setTimeout(r, 200)); // several failed attempts
    if (client.status().state === 'connected') throw new Error('connected to nothing?');
    client.stop();
  }
  process.stdout.write(`stopped ${scenario}\n`);
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs this file as a child in `scenario`; kills it if it has not exited after timeoutMs. */
function runChild(scenario: string, env: Record<string, string>, timeoutMs = 15_000): Promise<Exit> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], {
    env: { ...process.env, ...env, XDS_CLIENT_EXIT_SCENARIO: scenario },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

if (SCENARIO) {
  await child(SCENARIO);
} else {
  test('a process exits by itself after stop(), while the control plane stays up (warmed)', async () => {
    const source = new MemorySource();
    source.set(TypeUrl.Listener, [{ name: 'l', resource: pack(ListenerSchema, { name: 'l', address: socketAddress('0.0.0.0', 80) }) }]);
    const server = new AdsServer({ source, debounceQuietMs: 5 });
    const port = await server.listen(0);
    try {
      const r = await runChild('warmed', { XDS_SERVER: `127.0.0.1:${port}` });
      assert.equal(r.signal, null, `the child did not exit on its own (killed after 15 s)\n${r.stderr}`);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /stopped warmed/);
    } finally {
      await server.close();
    }
  });

  test('a process exits by itself after stop() (retrying an unreachable control plane)', async () => {
    const r = await runChild('retrying', {});
    assert.equal(r.signal, null, `the child did not exit on its own (killed after 15 s)\n${r.stderr}`);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /stopped retrying/);
  });
}
