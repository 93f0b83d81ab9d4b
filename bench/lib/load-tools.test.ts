// The wrk and h2load output parsers and the wrk Lua script (run: node --import tsx --test bench/lib/load-tools.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseWrk, wrkScript } from './wrk.js';
import { parseH2load } from './h2load.js';

const OUTPUT = `Running 3s test @ http://127.0.0.1:4000/
  1 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   210.55us   80.12us   2.10ms   90.00%
    Req/Sec   1.00k    20.00     1.05k    70.00%
  2990 requests in 3.00s, 3.20MB read
Requests/sec:    996.50
Transfer/sec:      1.07MB
WRK_JSON {"requests":2990,"duration_us":3000500,"bytes":3355443,"errors":{"connect":0,"read":0,"write":0,"status":2,"timeout":0},"latency_us":{"mean":210.5,"max":2100.0,"p50":190.0,"p90":300.0,"p99":650.0,"p999":1800.0}}
`;

test('parseWrk reads the done() line: requests, rate, errors, latency in ms', () => {
  const r = parseWrk(OUTPUT);
  assert.equal(r.requests, 2990);
  assert.equal(Math.round(r.rps), 997);
  assert.equal(r.errors.status, 2);
  assert.deepEqual(r.latencyMs, { mean: 0.2105, max: 2.1, p50: 0.19, p90: 0.3, p99: 0.65, p999: 1.8 });
});

test('parseWrk without a result line says so and shows the output', () => {
  assert.throws(() => parseWrk('unable to connect to 127.0.0.1:1 Connection refused\n'), /no result line[\s\S]*Connection refused/);
});

test('the script paces requests only when a rate is asked for', () => {
  assert.doesNotMatch(wrkScript(0), /function delay/);
  assert.match(wrkScript(16), /function delay\(\)\n\s+return math.random\(0, 32\)/);
  assert.match(wrkScript(16), /latency:percentile\(99\.9\)/);
});

test('parseH2load reads the summary: rate, requests, status classes, mean time in ms', () => {
  const r = parseH2load(`finished in 3.00s, 7911.50 req/s, 8.00MB/s
requests: 15823 total, 15823 started, 15823 done, 15823 succeeded, 0 failed, 0 errored, 0 timeout
status codes: 15726 2xx, 0 3xx, 1 4xx, 2 5xx
                     min         max         mean         sd        +/- sd
time for request:     1.55ms     44.76ms     12.59ms      5.49ms    85.69%
`);
  assert.equal(r.rps, 7911.5);
  assert.equal(r.requests, 15823);
  assert.equal(r.statusOther, 3);
  assert.equal(r.meanMs, 12.59);
  assert.equal(r.maxMs, 44.76);
});
