// Micro-benchmark of the HTTP/1.1 codec's hot functions: parsing a typical request and
// response on a kept-alive connection, and serializing a head.
// Run: node --import tsx bench/micro/h1-parser.ts [--json]
import { machineInfo } from '../lib/machine.js';
import { median, round } from '../lib/stats.js';
import { H1Parser, type H1ParserCallbacks } from '../../src/proxy/http/h1/parser.js';
import type { MessageHead } from '../../src/proxy/http/h1/head.js';
import { removeHopByHop } from '../../src/proxy/http/h1/headers.js';
import { serializeRequestHead, serializeResponseHead } from '../../src/proxy/http/h1/serializer.js';

const REQUEST = Buffer.from(
  'GET /api/v1/catalog/items?id=12345&sort=desc&page=2 HTTP/1.1\r\n' +
    'Host: catalog.shop.svc.cluster.local:8080\r\n' +
    'User-Agent: Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0 Safari/537.36\r\n' +
    'Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n' +
    'Accept-Encoding: gzip, deflate, br\r\n' +
    'Cookie: session=abcdef0123456789; theme=dark\r\n' +
    'X-Request-Id: 9f1c2e7a-3b4d-4e5f-8a9b-0c1d2e3f4a5b\r\n' +
    'Connection: keep-alive\r\n' +
    '\r\n',
  'latin1',
);

const BODY = '{"items":[{"id":12345,"name":"teapot","price":42}]}';
const RESPONSE = Buffer.from(
  'HTTP/1.1 200 OK\r\n' +
    'Content-Type: application/json\r\n' +
    `Content-Length: ${BODY.length}\r\n` +
    'Date: Tue, 24 Nov 2026 12:00:00 GMT\r\n' +
    'Server: envoy\r\n' +
    'X-Envoy-Upstream-Service-Time: 3\r\n' +
    '\r\n' +
    BODY,
  'latin1',
);

/** Runs `fn` `batch` times per sample; returns the median of `samples` rates (ops/s). */
function measure(fn: () => void, batch: number, samples = 7): number {
  for (let i = 0; i < batch; i++) fn(); // warm up
  const rates: number[] = [];
  for (let s = 0; s < samples; s++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) fn();
    const ns = Number(process.hrtime.bigint() - t0);
    rates.push(batch / (ns / 1e9));
  }
  return median(rates);
}

function counting(): { cb: H1ParserCallbacks; count: () => number } {
  let n = 0;
  let bytes = 0;
  const cb: H1ParserCallbacks = {
    onHead(_head: MessageHead) {},
    onBody(chunk) {
      bytes += chunk.length;
    },
    onMessageComplete() {
      n++;
    },
    onUpgrade() {},
    onError(err) {
      throw err;
    },
  };
  return { cb, count: () => n + (bytes & 0) };
}

function main(): void {
  const json = process.argv.includes('--json');
  const req = counting();
  const reqParser = new H1Parser('request', undefined, req.cb);
  const requestRate = measure(() => reqParser.execute(REQUEST), 200_000);

  const res = counting();
  const resParser = new H1Parser('response', undefined, res.cb);
  const responseRate = measure(() => {
    resParser.expectResponse('GET');
    resParser.execute(RESPONSE);
  }, 200_000);

  // 16 pipelined requests in one read
  const pipelined = Buffer.concat(Array.from({ length: 16 }, () => REQUEST));
  const pipe = counting();
  const pipeParser = new H1Parser('request', undefined, pipe.cb);
  const pipelinedRate = measure(() => pipeParser.execute(pipelined), 20_000) * 16;

  // the same request split in two reads mid-head (copied into the parser's head buffer)
  const cut = 150;
  const a = REQUEST.subarray(0, cut);
  const b = REQUEST.subarray(cut);
  const split = counting();
  const splitParser = new H1Parser('request', undefined, split.cb);
  const splitRate = measure(() => {
    splitParser.execute(a);
    splitParser.execute(b);
  }, 200_000);

  // serialization of the forwarded request head and of the response head
  let head: MessageHead | undefined;
  const grab = new H1Parser('request', undefined, { ...req.cb, onHead: (h) => (head = h) });
  grab.execute(REQUEST);
  const h = head!;
  const fwd = removeHopByHop(h.headers, h.known.connection);
  const serializeRequestRate = measure(() => serializeRequestHead(h.method, h.target, fwd), 200_000);
  const resHeaders = ['content-type', 'application/json', 'content-length', String(BODY.length), 'date', 'Tue, 24 Nov 2026 12:00:00 GMT', 'server', 'envoy'];
  const serializeResponseRate = measure(() => serializeResponseHead(200, 'OK', resHeaders), 200_000);
  const hopByHopRate = measure(() => removeHopByHop(h.headers, h.known.connection), 200_000);

  const results = {
    benchmark: 'h1-parser',
    machine: machineInfo(),
    requestBytes: REQUEST.length,
    responseBytes: RESPONSE.length,
    rates: {
      parseRequest: round(requestRate, 0),
      parseResponse: round(responseRate, 0),
      parseRequestPipelined16: round(pipelinedRate, 0),
      parseRequestSplitHead: round(splitRate, 0),
      serializeRequestHead: round(serializeRequestRate, 0),
      serializeResponseHead: round(serializeResponseRate, 0),
      removeHopByHop: round(hopByHopRate, 0),
    },
  };
  if (json) {
    console.log(JSON.stringify(results, null, 2));
    return;
  }
  console.log(`h1 codec micro-benchmark on ${results.machine.cpuModel}, node ${results.machine.node} (ops/s, median of 7)`);
  console.log(`  request: GET, ${REQUEST.length} B, 8 headers; response: 200, ${RESPONSE.length} B, 5 headers + Content-Length body`);
  for (const [k, v] of Object.entries(results.rates)) console.log(`  ${k.padEnd(26)} ${v.toLocaleString('en-US').padStart(12)}`);
}

main();
