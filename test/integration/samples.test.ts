// The sample apps as real processes (`rig sample NAME`), wired the way the mesh wires them:
// productpage and reviews call `http://details:9080`, `http://reviews:9080`, `http://ratings:9080`
// through HTTP_PROXY, here a small recording proxy that maps those names to the processes'
// ports (the sidecar's job in the mesh). Checks what a user of Istio's Bookinfo would: the page,
// the star colors per reviews version, login → `end-user`, header propagation, the error texts
// when a service is down, httpbin's answers, the load generator's histogram, and clean exits.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Proc, startRig } from '../helpers/process.js';

interface Recorded {
  method: string;
  /** The request target as the proxy received it (absolute form). */
  target: string;
  headers: IncomingHttpHeaders;
}

/** A forward proxy standing in for the sidecar: `GET http://NAME:PORT/path` → 127.0.0.1:routes[NAME:PORT]. */
class RecordingProxy {
  readonly routes = new Map<string, number>();
  readonly seen: Recorded[] = [];
  private server: Server | undefined;
  port = 0;

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      this.seen.push({ method: req.method ?? '', target: req.url ?? '', headers: req.headers });
      let url: URL;
      try {
        url = new URL(req.url ?? '');
      } catch {
        res.writeHead(400).end('absolute-form request expected');
        return;
      }
      const port = this.routes.get(url.host);
      if (port === undefined) {
        res.writeHead(404).end(`no route to ${url.host}`);
        return;
      }
      const up = request({ host: '127.0.0.1', port, method: req.method, path: url.pathname + url.search, headers: req.headers }, (ur) => {
        res.writeHead(ur.statusCode ?? 502, ur.headers);
        ur.pipe(res);
      });
      up.on('error', () => {
        if (!res.headersSent) res.writeHead(503, { 'content-type': 'text/plain' });
        res.end('upstream connect error or disconnect/reset before headers');
      });
      req.pipe(up);
    });
    this.server.on('clientError', (_e, s) => s.destroy());
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** Requests recorded since `from` whose target starts with prefix. */
  to(prefix: string, from = 0): Recorded[] {
    return this.seen.slice(from).filter((r) => r.target.startsWith(prefix));
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

interface App {
  proc: Proc;
  port: number;
  base: string;
}

const CLEAN_ENV = { HTTP_PROXY: undefined, http_proxy: undefined, NO_PROXY: undefined, no_proxy: undefined, HOST: undefined };
/** Every process a test starts, stopped in after() whatever happened. */
const started: Proc[] = [];
/** Starting the CLI costs ≈ 1 s of CPU per process: allow for a loaded machine. */
const START_TIMEOUT_MS = 60_000;

function rigSample(args: string[], env: NodeJS.ProcessEnv = {}): Proc {
  const proc = startRig(['sample', ...args], { ...CLEAN_ENV, ...env });
  started.push(proc);
  return proc;
}

async function startSample(args: string[], env: NodeJS.ProcessEnv = {}): Promise<App> {
  const proc = rigSample(args, { PORT: '0', POD_IP: '127.0.0.1', ...env });
  const m = await proc.waitFor(/listening on http:\/\/127\.0\.0\.1:(\d+)/, START_TIMEOUT_MS);
  const port = Number(m[1]);
  return { proc, port, base: `http://127.0.0.1:${port}` };
}

async function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: Headers }> {
  const res = await fetch(url, { headers, redirect: 'manual', signal: AbortSignal.timeout(15_000) });
  return { status: res.status, body: await res.text(), headers: res.headers };
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const mesh = new RecordingProxy();
const apps: Record<string, App> = {};
let deadPort = 0;

before(async () => {
  await mesh.start();
  deadPort = await closedPort();
  const viaMesh = { HTTP_PROXY: `http://127.0.0.1:${mesh.port}`, NO_PROXY: 'localhost' };
  const running = await Promise.all([
    startSample(['ratings']),
    startSample(['details']),
    startSample(['reviews'], { ...viaMesh, SERVICE_VERSION: 'v1', POD_NAME: 'reviews-v1-pod' }),
    startSample(['reviews', '--version', 'v2'], { ...viaMesh, POD_NAME: 'reviews-v2-pod' }),
    startSample(['reviews'], { ...viaMesh, SERVICE_VERSION: 'v3', POD_NAME: 'reviews-v3-pod' }),
    startSample(['productpage'], viaMesh),
    startSample(['httpbin']),
    // productpage with details at a direct address that is down (NO_PROXY sends it direct),
    // and reviews through the proxy.
    startSample(['productpage'], { ...viaMesh, NO_PROXY: '127.0.0.1', DETAILS_HOSTNAME: '127.0.0.1', DETAILS_SERVICE_PORT: String(deadPort) }),
  ]);
  [apps.ratings, apps.details, apps.v1, apps.v2, apps.v3, apps.productpage, apps.httpbin, apps.direct] = running;
  mesh.routes.set('ratings:9080', apps.ratings!.port);
  mesh.routes.set('details:9080', apps.details!.port);
  mesh.routes.set('reviews:9080', apps.v1!.port);
  mesh.routes.set('httpbin:8000', apps.httpbin!.port);
});

after(async () => {
  const servers = new Set(Object.values(apps).map((a) => a.proc));
  const codes = await Promise.all(started.map(async (p) => ({ server: servers.has(p), code: await p.stop() })));
  await mesh.stop();
  const bad = codes.filter((c) => c.server && c.code !== 0);
  assert.equal(bad.length, 0, 'every sample app exits 0 on SIGTERM');
});

const route = (name: string, port: number) => mesh.routes.set(name, port);
const productpage = (headers: Record<string, string> = {}) => get(`${apps.productpage!.base}/productpage`, headers);
const fullStars = (html: string) => (html.match(/glyphicon-star"/g) ?? []).length;

test('productpage shows the book, its details and reviews v1 (no stars), calling through HTTP_PROXY', async () => {
  route('reviews:9080', apps.v1!.port);
  const mark = mesh.seen.length;
  const page = await productpage();
  assert.equal(page.status, 200);
  assert.match(page.body, /The Comedy of Errors/);
  assert.match(page.body, /Book Details/);
  assert.match(page.body, /paperback/);
  assert.match(page.body, /PublisherA/);
  assert.match(page.body, /An extremely entertaining play by Shakespeare/);
  assert.match(page.body, /Reviewer2/);
  assert.doesNotMatch(page.body, /<font color=/);
  // Absolute-form requests to the proxy, Host = the service.
  const details = mesh.to('http://details:9080/details/0', mark);
  const reviews = mesh.to('http://reviews:9080/reviews/0', mark);
  assert.equal(details.length, 1);
  assert.equal(details[0]!.headers.host, 'details:9080');
  assert.equal(reviews.length, 1);
  assert.equal(reviews[0]!.headers.host, 'reviews:9080');
  assert.equal(mesh.to('http://ratings', mark).length, 0, 'reviews v1 does not call ratings');
});

test('reviews v2 shows black stars, v3 red stars (ratings 5 and 4)', async () => {
  route('reviews:9080', apps.v2!.port);
  const v2 = await productpage();
  assert.match(v2.body, /<font color="black">/);
  assert.doesNotMatch(v2.body, /<font color="red">/);
  assert.equal(fullStars(v2.body), 9);
  route('reviews:9080', apps.v3!.port);
  const v3 = await productpage();
  assert.match(v3.body, /<font color="red">/);
  assert.doesNotMatch(v3.body, /<font color="black">/);
  assert.equal(fullStars(v3.body), 9);
  const json = JSON.parse((await get(`${apps.v3!.base}/reviews/0`)).body) as Record<string, unknown>;
  assert.equal(json.id, '0');
  assert.equal(json.podname, 'reviews-v3-pod');
  assert.equal(typeof json.clustername, 'string');
  assert.deepEqual(json.reviews, [
    { reviewer: 'Reviewer1', text: 'An extremely entertaining play by Shakespeare. The slapstick humour is refreshing!', rating: { stars: 5, color: 'red' } },
    { reviewer: 'Reviewer2', text: 'Absolutely fun and entertaining. The play lacks thematic depth when compared to other plays by Shakespeare.', rating: { stars: 4, color: 'red' } },
  ]);
  const v1 = JSON.parse((await get(`${apps.v1!.base}/reviews/0`)).body) as { reviews: Record<string, unknown>[] };
  assert.ok(v1.reviews.every((r) => !('rating' in r)), 'v1 reviews have no rating');
});

test('login as jason sets a session cookie; productpage then sends end-user: jason; logout clears it', async () => {
  route('reviews:9080', apps.v2!.port);
  const login = await fetch(`${apps.productpage!.base}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', referer: `${apps.productpage!.base}/productpage` },
    body: 'username=jason&passwd=jason',
    redirect: 'manual',
  });
  assert.equal(login.status, 302);
  assert.equal(login.headers.get('location'), '/productpage');
  const cookie = login.headers.get('set-cookie')?.split(';')[0];
  assert.match(cookie ?? '', /^session=.+/);

  const mark = mesh.seen.length;
  const page = await productpage({ cookie: cookie! });
  assert.match(page.body, /jason/);
  assert.match(page.body, /sign out/);
  const toReviews = mesh.to('http://reviews:9080/', mark);
  assert.equal(toReviews.length, 1);
  assert.equal(toReviews[0]!.headers['end-user'], 'jason');
  const toRatings = mesh.to('http://ratings:9080/ratings/0', mark);
  assert.equal(toRatings.length, 1, 'reviews v2 calls ratings');
  assert.equal(toRatings[0]!.headers['end-user'], 'jason', 'reviews forwards end-user to ratings');

  const logout = await get(`${apps.productpage!.base}/logout`, { cookie: cookie! });
  assert.equal(logout.status, 302);
  assert.match(logout.headers.get('set-cookie') ?? '', /^session=;.*Max-Age=0/);
  const mark2 = mesh.seen.length;
  const anonymous = await productpage();
  assert.doesNotMatch(anonymous.body, /sign out/);
  assert.equal(mesh.to('http://reviews:9080/', mark2)[0]!.headers['end-user'], undefined);
  // A forged cookie is no session.
  const mark3 = mesh.seen.length;
  await productpage({ cookie: 'session=eyJ1c2VyIjoiamFzb24ifQ.forged' });
  assert.equal(mesh.to('http://reviews:9080/', mark3)[0]!.headers['end-user'], undefined);
});

test('x-request-id and trace headers from the client reach ratings through productpage and reviews', async () => {
  route('reviews:9080', apps.v2!.port);
  const mark = mesh.seen.length;
  const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
  await productpage({ 'x-request-id': 'sample-req-42', traceparent, 'x-b3-traceid': '80f198ee56343ba864fe8b2a57d3eff7', 'x-b3-sampled': '1' });
  const toRatings = mesh.to('http://ratings:9080/', mark);
  assert.equal(toRatings.length, 1);
  assert.equal(toRatings[0]!.headers['x-request-id'], 'sample-req-42');
  assert.equal(toRatings[0]!.headers.traceparent, traceparent);
  assert.equal(toRatings[0]!.headers['x-b3-traceid'], '80f198ee56343ba864fe8b2a57d3eff7');
  assert.equal(mesh.to('http://details:9080/', mark)[0]!.headers['x-request-id'], 'sample-req-42');
  await apps.ratings!.proc.waitFor(/"GET \/ratings\/0 HTTP\/1\.1" 200 .* request_id=sample-req-42/, 2000);
});

test('details down: productpage shows Istio\'s product-details error; NO_PROXY hosts are called directly', async () => {
  route('reviews:9080', apps.v1!.port);
  const mark = mesh.seen.length;
  const page = await get(`${apps.direct!.base}/productpage`);
  assert.equal(page.status, 200);
  assert.match(page.body, /Error fetching product details!/);
  assert.match(page.body, /Sorry, product details are currently unavailable for this book\./);
  assert.match(page.body, /Book Reviews/, 'reviews still shown');
  assert.equal(mesh.to('http://127.0.0.1', mark).length, 0, 'details (in NO_PROXY) was called directly');
  assert.equal(mesh.to('http://reviews:9080/', mark).length, 1, 'reviews went through the proxy');
  const api = await get(`${apps.direct!.base}/api/v1/products/0`);
  assert.equal(api.status, 500);
  assert.deepEqual(JSON.parse(api.body), { error: 'Sorry, product details are currently unavailable for this book.' });
});

test('reviews down: the product-reviews error after productpage\'s own retry; ratings down: ratings unavailable per review', async () => {
  route('reviews:9080', deadPort);
  const mark = mesh.seen.length;
  const page = await productpage();
  assert.match(page.body, /Error fetching product reviews!/);
  assert.match(page.body, /Sorry, product reviews are currently unavailable for this book\./);
  assert.equal(mesh.to('http://reviews:9080/', mark).length, 2, 'productpage tries reviews twice, as Istio\'s does');

  route('reviews:9080', apps.v2!.port);
  route('ratings:9080', deadPort);
  try {
    const noRatings = await productpage();
    assert.match(noRatings.body, /Book Reviews/);
    assert.equal((noRatings.body.match(/Ratings service is currently unavailable/g) ?? []).length, 2);
    assert.doesNotMatch(noRatings.body, /<font color=/);
  } finally {
    route('ratings:9080', apps.ratings!.port);
  }
});

test('productpage JSON API and health', async () => {
  route('reviews:9080', apps.v2!.port);
  const base = apps.productpage!.base;
  const products = JSON.parse((await get(`${base}/api/v1/products`)).body) as { id: number; title: string }[];
  assert.deepEqual(products.map((p) => [p.id, p.title]), [[0, 'The Comedy of Errors']]);
  assert.deepEqual(JSON.parse((await get(`${base}/api/v1/products/0`)).body), {
    id: 0,
    author: 'William Shakespeare',
    year: 1595,
    type: 'paperback',
    pages: 200,
    publisher: 'PublisherA',
    language: 'English',
    'ISBN-10': '1234567890',
    'ISBN-13': '123-1234567890',
  });
  const reviews = JSON.parse((await get(`${base}/api/v1/products/0/reviews`)).body) as { podname: string; reviews: { rating: { color: string } }[] };
  assert.equal(reviews.podname, 'reviews-v2-pod');
  assert.equal(reviews.reviews[0]!.rating.color, 'black');
  assert.deepEqual(JSON.parse((await get(`${base}/api/v1/products/0/ratings`)).body), { id: 0, ratings: { Reviewer1: 5, Reviewer2: 4 } });
  const health = await get(`${base}/health`);
  assert.equal(health.status, 200);
  assert.equal(health.body, 'Product page is healthy');
  assert.equal((await get(`${apps.details!.base}/details/abc`)).status, 400);
});

test('httpbin: /status/503 → 503, /delay/1 waits ≈ 1 s, /headers echoes, /get and /anything answer httpbin JSON; every request is logged', async () => {
  const base = apps.httpbin!.base;
  assert.equal((await get(`${base}/status/503`)).status, 503);
  assert.equal((await get(`${base}/status/418`)).status, 418);
  const t0 = performance.now();
  const delayed = await get(`${base}/delay/1`);
  const elapsed = performance.now() - t0;
  assert.equal(delayed.status, 200);
  assert.ok(elapsed >= 950 && elapsed < 3000, `delay/1 took ${elapsed.toFixed(0)} ms`);
  const headers = JSON.parse((await get(`${base}/headers`, { 'x-custom': 'hello', 'end-user': 'jason' })).body) as { headers: Record<string, string> };
  assert.equal(headers.headers['X-Custom'], 'hello');
  assert.equal(headers.headers['End-User'], 'jason');
  assert.equal(headers.headers.Host, `127.0.0.1:${apps.httpbin!.port}`);
  const got = JSON.parse((await get(`${base}/get?show_env=1`)).body) as { args: Record<string, string>; url: string; origin: string };
  assert.deepEqual(got.args, { show_env: '1' });
  assert.equal(got.origin, '127.0.0.1');
  const posted = await fetch(`${base}/anything/x`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
  const any = (await posted.json()) as { method: string; json: unknown };
  assert.equal(any.method, 'PUT');
  assert.deepEqual(any.json, { a: 1 });
  const rh = await get(`${base}/response-headers?X-Sample=yes`);
  assert.equal(rh.headers.get('x-sample'), 'yes');
  assert.equal((await get(`${base}/post`)).status, 405);
  await apps.httpbin!.proc.waitFor(/"GET \/headers HTTP\/1\.1" 200/, 2000);
  await apps.httpbin!.proc.waitFor(/"GET \/status\/503 HTTP\/1\.1" 503/, 2000);
});

test('rig sample load: N requests over C connections through HTTP_PROXY, fortio-style histogram that adds up', async () => {
  const mark = mesh.seen.length;
  const load = rigSample(['load', '-c', '3', '-n', '30', 'http://httpbin:8000/status/200,503'], { HTTP_PROXY: `http://127.0.0.1:${mesh.port}` });
  // fortio's own command line, as Istio's circuit-breaking task types it; an unreachable target is Code -1.
  const fortio = rigSample(['fortio', 'load', '-c', '2', '-qps', '0', '-n', '4', '-loglevel', 'Warning', `http://127.0.0.1:${deadPort}/get`]);
  const [code, fortioCode] = await Promise.all([load.exited, fortio.exited]);
  assert.equal(code, 0, load.stderr);
  const counts = [...load.stdout.matchAll(/^Code (-?\d+) : (\d+) \((\d+\.\d) %\)$/gm)].map((m) => ({ code: Number(m[1]), n: Number(m[2]), pct: Number(m[3]) }));
  assert.ok(counts.length >= 1, load.stdout);
  assert.equal(counts.reduce((a, c) => a + c.n, 0), 30, load.stdout);
  assert.ok(counts.every((c) => c.code === 200 || c.code === 503), load.stdout);
  assert.ok(Math.abs(counts.reduce((a, c) => a + c.pct, 0) - 100) < 0.5, load.stdout);
  assert.match(load.stdout, /^# target 50% [0-9.e-]+$/m);
  assert.match(load.stdout, /^# target 99% [0-9.e-]+$/m);
  assert.match(load.stdout, /^Sockets used: \d+ \(for perfect keepalive, would be 3\)$/m);
  assert.match(load.stdout, /^All done 30 calls/m);
  const sent = mesh.to('http://httpbin:8000/status/200,503', mark);
  assert.equal(sent.length, 30, 'every request went through the proxy in absolute form');
  assert.equal(sent[0]!.headers.host, 'httpbin:8000');

  assert.equal(fortioCode, 0, fortio.stderr);
  assert.match(fortio.stdout, /^Code -1 : 4 \(100\.0 %\)$/m);
});

test('helloworld answers with its version and pod name; sleep stays up; both exit 0 on SIGTERM', async () => {
  const hello = await startSample(['helloworld'], { SERVICE_VERSION: 'v2', POD_NAME: 'helloworld-v2-abc' });
  const sleeper = rigSample(['sleep']);
  try {
    const res = await get(`${hello.base}/hello`);
    assert.equal(res.body, 'Hello version: v2, instance: helloworld-v2-abc\n');
    await sleeper.waitFor(/sleep: running until stopped/, START_TIMEOUT_MS);
  } finally {
    const t0 = performance.now();
    assert.equal(await hello.proc.stop(), 0);
    assert.equal(await sleeper.stop(), 0);
    assert.ok(performance.now() - t0 < 4000, 'stopped promptly');
  }
});

test('rig sample: unknown names and a busy port fail with a message that says what to do', async () => {
  const unknown = rigSample(['nope']);
  const busy = rigSample(['ratings', '--port', String(apps.ratings!.port)], { POD_IP: '127.0.0.1' });
  const [unknownCode, busyCode] = await Promise.all([unknown.exited, busy.exited]);
  assert.equal(unknownCode, 1);
  assert.match(unknown.stderr, /unknown sample "nope"/);
  assert.match(unknown.stderr, /productpage/);
  assert.equal(busyCode, 1);
  assert.match(busy.stderr, /is in use: pick another with --port N or PORT=N/);
});
