// /clusters with workers: one text whose connection counts are the workers' sums.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergedClustersText } from './server.js';

test('mergedClustersText sums cx_active per host and keeps the other lines of the first worker', () => {
  const w1 = 'a::default_priority::max_connections::1024\na::127.0.0.1:80::cx_active::2\na::127.0.0.1:80::weight::1\na::127.0.0.1:81::cx_active::0\n';
  const w2 = 'a::default_priority::max_connections::1024\na::127.0.0.1:80::cx_active::3\na::127.0.0.1:80::weight::1\na::127.0.0.1:81::cx_active::1\n';
  assert.equal(mergedClustersText([w1, w2]), 'a::default_priority::max_connections::1024\na::127.0.0.1:80::cx_active::5\na::127.0.0.1:80::weight::1\na::127.0.0.1:81::cx_active::1\n');
  assert.equal(mergedClustersText([w1]), w1);
  assert.equal(mergedClustersText([]), '\n');
});
