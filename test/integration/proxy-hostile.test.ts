// Hostile and broken traffic against a real proxy process: oversized headers, slow
// headers, invalid request lines, an upstream that resets mid-response, a client that
// leaves mid-request, and 10,000 idle connections. The proxy answers with the right
// status, closes the offending connection, and keeps serving everyone else.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { Proc, ROOT } from '../helpers/process.js';

let upstream: Server;
let proxy: Proc;
let port = 0;
let upstreamAborts = 0;

before(async () => {
  upstream = createServer((req, res) => {
    if (req.url === '/reset') {
      res.writeHead(200, { 'content-length': '1000' });
      res.write('partial');
      setTimeout(() => req.socket.destroy(), 20);
      return;
    }
    if (req.url === '/slow-response') {
      req.on('close', () => {
        if (!res.writableEnded) upstreamAborts++;
      });
      setTimeout(() => (res.writableEnded ? undefined : res.end('late')), 3000);
      return;
    }
    res.end('ok');
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const upstreamPort = (upstream.address() as { port: number }).port;
  proxy = new Proc(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/micro/proxy-static.ts'), '0', String(upstreamPort)], { cwd: ROOT, env: { ...process.env, RIG_LOG_LEVEL: 'error' } });
  port = Number((await proxy.waitFor(/listening on 127\.0\.0\.1:(\d+)/, 20_000))[1]);
});

after(async () => {
  await proxy.stop();
  upstream.closeAllConnections();
  await new Promise((r) => upstream.close(r));
});

function raw(text: string | Buffer, opts: { waitMs?: number } = {}): Promise<{ data: string; closed: boolean }> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let data = '';
    let closed = false;
    s.on('data', (d) => (data += d.toString('latin1')));
    s.on('close', () => {
      closed = true;
      resolve({ data, closed });
    });
    s.on('error', () => {});
    s.write(text);
    setTimeout(() => {
      s.destroy();
      resolve({ data, closed });
    }, opts.waitMs ?? 2000);
  });
}

async function healthy(): Promise<void> {
  const r = await fetch(`http://127.0.0.1:${port}/`);
  assert.equal(await r.text(), 'ok');
}

test('headers over the limit get 431 and the connection closes', async () => {
  const big = 'x-big: ' + 'a'.repeat(70 * 1024);
  const r = await raw(`GET / HTTP/1.1\r\nHost: x\r\n${big}\r\n\r\n`);
  assert.match(r.data, /^HTTP\/1\.1 431 /);
  assert.ok(r.closed);
  await healthy();
});

test('invalid method, request-target and header names get 400', async () => {
  for (const bad of ['G@T / HTTP/1.1\r\nHost: x\r\n\r\n', 'GET /a b HTTP/1.1\r\nHost: x\r\n\r\n', 'GET / HTTP/1.1\r\nHost: x\r\nBad Header: v\r\n\r\n', 'GET / HTTP/1.1\r\nHost: x\r\nX: a\r\n b\r\n\r\n']) {
    const r = await raw(bad);
    assert.match(r.data, /^HTTP\/1\.1 400 /, JSON.stringify(bad));
    assert.ok(r.closed);
  }
  await healthy();
});

test('a client that sends headers slowly gets 408 after the request headers timeout', { timeout: 30_000 }, async () => {
  const s: Socket = connect(port, '127.0.0.1');
  let data = '';
  s.on('data', (d) => (data += d.toString()));
  s.on('error', () => {});
  s.write('GET / HTTP/1.1\r\n');
  const t0 = Date.now();
  await new Promise<void>((resolve) => s.on('close', () => resolve()));
  assert.match(data, /^HTTP\/1\.1 408 /);
  assert.ok(Date.now() - t0 >= 9_000, 'after the 10 s default');
  await healthy();
});

test('an upstream reset mid-response resets the client, not hangs it', async () => {
  const outcome = await new Promise<string>((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/reset' }, (res) => {
      res.on('data', () => {});
      res.on('end', () => resolve('ended'));
      res.on('error', () => resolve('reset'));
      res.on('aborted', () => resolve('reset'));
    });
    req.on('error', () => resolve('reset'));
    req.setTimeout(5000, () => resolve('hung'));
    req.end();
  });
  assert.equal(outcome, 'reset');
  await healthy();
});

test('a client that leaves mid-request aborts the upstream request', async () => {
  const before = upstreamAborts;
  const s = connect(port, '127.0.0.1');
  s.on('error', () => {});
  s.write('GET /slow-response HTTP/1.1\r\nHost: x\r\n\r\n');
  await new Promise((r) => setTimeout(r, 300));
  s.destroy();
  const deadline = Date.now() + 2000;
  while (upstreamAborts === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.equal(upstreamAborts, before + 1, 'the upstream saw its request go away');
  await healthy();
});

test('10,000 idle connections do not exhaust the proxy', { timeout: 120_000 }, async () => {
  const sockets: Socket[] = [];
  try {
    for (let i = 0; i < 10_000; i++) {
      const s = connect(port, '127.0.0.1');
      s.on('error', () => {});
      sockets.push(s);
      if (i % 500 === 499) await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 500));
    await healthy();
    const rss = Number((await import('node:fs')).readFileSync(`/proc/${proxy.child.pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)![1]) / 1024;
    assert.ok(rss < 400, `proxy RSS ${rss.toFixed(0)} MiB with 10,000 idle connections`);
  } finally {
    for (const s of sockets) s.destroy();
  }
  await new Promise((r) => setTimeout(r, 300));
  await healthy();
});
