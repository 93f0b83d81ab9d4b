import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HealthServer } from './health.js';

test('/healthz/ready: 503 with the reason until ready, then 200; other paths 404', async () => {
  let why: string | undefined = 'waiting for the first config from the control plane';
  const h = new HealthServer({ notReady: () => why });
  const port = await h.listen(0, '127.0.0.1');
  try {
    const r1 = await fetch(`http://127.0.0.1:${port}/healthz/ready`);
    assert.equal(r1.status, 503);
    assert.match(await r1.text(), /not ready: waiting for the first config/);
    why = undefined;
    const r2 = await fetch(`http://127.0.0.1:${port}/healthz/ready`);
    assert.equal(r2.status, 200);
    assert.equal(await r2.text(), 'ready\n');
    assert.equal((await fetch(`http://127.0.0.1:${port}/stats`)).status, 404);
    assert.equal((await fetch(`http://127.0.0.1:${port}/healthz/ready`, { method: 'POST' })).status, 405);
  } finally {
    await h.close();
  }
});
