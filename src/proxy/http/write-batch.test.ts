// holdWrites over real sockets: what is written to held sockets during a turn reaches the
// peers at the turn's end, complete and in order, and end() still flushes first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { holdWrites } from './write-batch.js';

async function pair(): Promise<{ client: Socket; server: Socket; close: () => void }> {
  const srv = createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const client = connect((srv.address() as { port: number }).port, '127.0.0.1');
  const [server] = (await once(srv, 'connection')) as [Socket];
  await once(client, 'connect');
  return { client, server, close: () => (client.destroy(), server.destroy(), srv.close()) };
}

test('writes to held sockets leave at the end of the turn, in order, one socket after another', async () => {
  const a = await pair();
  const b = await pair();
  const got = { a: '', b: '' };
  a.server.on('data', (d: Buffer) => (got.a += d.toString()));
  b.server.on('data', (d: Buffer) => (got.b += d.toString()));
  holdWrites(a.client);
  a.client.write('one ');
  holdWrites(b.client);
  b.client.write('x');
  holdWrites(a.client); // held once per turn
  a.client.write('two');
  assert.equal(a.client.writableLength, 'one two'.length, 'nothing went out during the turn');
  await new Promise((r) => setImmediate(r));
  assert.equal(a.client.writableCorked, 0);
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(got, { a: 'one two', b: 'x' });
  a.close();
  b.close();
});

test('end() on a held socket sends what was written, then closes', async () => {
  const p = await pair();
  let got = '';
  p.server.on('data', (d: Buffer) => (got += d.toString()));
  const ended = once(p.server, 'end');
  holdWrites(p.client);
  p.client.write('bye');
  p.client.end();
  await ended;
  assert.equal(got, 'bye');
  p.close();
});
