#!/usr/bin/env node
// `npm start`: a local mesh with Bookinfo behind the ingress gateway, in one command.
//   1. rig install --set profile=demo -y     (control plane, ingress and egress gateways)
//   2. rig label namespace default istio-injection=enabled
//   3. rig apply -f samples/bookinfo/bookinfo.yaml                      (pods with sidecars)
//   4. rig apply -f samples/bookinfo/networking/bookinfo-gateway.yaml   (Gateway + VirtualService)
//      rig apply -f samples/bookinfo/networking/destination-rule-all.yaml
//   5. waits until http://<ingress address>/productpage answers 200 through the gateway,
//      then prints the URL and the commands to look around and to stop.
// The mesh lives in RIG_HOME (default: .rig/ in this checkout) and keeps running in the
// background. Running it again is harmless: install keeps what runs, apply is unchanged.
// Arguments are passed to `rig install` (e.g. --set values.gateways.istio-ingressgateway.bindAddress=127.0.0.2).
// `node scripts/start.mjs stop` (`npm stop`) is `rig uninstall -y` for the same RIG_HOME.
import { spawn, spawnSync } from 'node:child_process';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const rigHome = process.env.RIG_HOME || join(root, '.rig');
const env = { ...process.env, RIG_HOME: rigHome };
const RIG = join(root, 'bin', 'rig');
const timeoutS = Number(process.env.RIG_START_TIMEOUT || 120);
const tty = process.stdout.isTTY;
const rel = relative(process.cwd(), rigHome);
const homeShown = rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : rigHome;
const rigCmd = `RIG_HOME=${homeShown.includes(' ') ? JSON.stringify(homeShown) : homeShown} ./bin/rig`;

/** Runs `rig ARGS`, its output on ours; exits on failure. */
function rig(args, { quiet = false } = {}) {
  const r = spawnSync(process.execPath, [RIG, ...args], { env, cwd: root, stdio: quiet ? 'pipe' : 'inherit', encoding: 'utf8' });
  if (r.status !== 0) {
    if (quiet) process.stderr.write(r.stderr || r.stdout || '');
    process.stderr.write(`\nnpm start: \`rig ${args.join(' ')}\` failed (exit code ${r.status ?? r.signal}); RIG_HOME=${rigHome}\n`);
    process.exit(1);
  }
  return r.stdout ?? '';
}

/** `rig ARGS` output, asynchronously (for polling while waiting). */
function rigOutput(args) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [RIG, ...args], { env, cwd: root, stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', () => resolve(''));
    child.on('close', () => resolve(out));
  });
}

if (process.argv[2] === 'stop') {
  const r = spawnSync(process.execPath, [RIG, 'uninstall', '-y', ...process.argv.slice(3)], { env, cwd: root, stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

const started = Date.now();
console.log(`Rigging: installing the demo profile into ${rigHome}\n`);
rig(['install', '--set', 'profile=demo', '-y', ...process.argv.slice(2)]);
const ns = JSON.parse(rig(['get', 'namespace', 'default', '-o', 'json'], { quiet: true }));
if (ns.metadata?.labels?.['istio-injection'] !== 'enabled') rig(['label', 'namespace', 'default', 'istio-injection=enabled', '--overwrite']);
else console.log('namespace/default already labeled istio-injection=enabled');
for (const f of ['samples/bookinfo/bookinfo.yaml', 'samples/bookinfo/networking/bookinfo-gateway.yaml', 'samples/bookinfo/networking/destination-rule-all.yaml']) {
  rig(['apply', '-f', join(root, f)]);
}

// The ingress gateway's address and the port its Service's port 80 targets.
const svc = JSON.parse(rig(['get', 'svc', 'rig-ingressgateway', '-n', 'rig-system', '-o', 'json'], { quiet: true }));
const address = svc.status?.loadBalancer?.ingress?.[0]?.ip;
const port = svc.spec?.ports?.find((p) => p.port === 80)?.targetPort;
if (!address || !port) {
  process.stderr.write('npm start: the ingress gateway has no address; is it installed? (rig get svc -n rig-system)\n');
  process.exit(1);
}
const gatewayUrl = `http://${address}${Number(port) === 80 ? '' : `:${port}`}`;
const url = `${gatewayUrl}/productpage`;

/** What the last look at the page found wrong (printed if the wait times out). */
let problem = 'no answer yet';

async function answers() {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(10_000), redirect: 'manual' });
    const body = await res.text();
    // The whole page: the book, its details and its reviews (not a reviews or details error).
    if (res.status !== 200) problem = `HTTP ${res.status}${res.headers.get('x-rig-response-flags') ? ` (${res.headers.get('x-rig-response-flags')})` : ''}: ${body.slice(0, 200).trim()}`;
    else if (body.includes('Error fetching')) problem = `the page shows: ${/Error fetching[^<]*(?:<\/h4>\s*<p>[^<]*)?/.exec(body)?.[0].replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ') ?? 'an error'}`;
    else if (!body.includes('The Comedy of Errors') || !body.includes('Reviewer1')) problem = 'the page lacks the book or its reviews';
    else return true;
    return false;
  } catch (err) {
    problem = `no answer: ${err.cause?.message ?? err.message}`;
    return false;
  }
}

const deadline = Date.now() + timeoutS * 1000;
let status = '';
let lastPoll = 0;
let lastPrinted = 0;
let allReady = false;
for (;;) {
  if (Date.now() - lastPoll > 1500) {
    lastPoll = Date.now();
    const pods = JSON.parse((await rigOutput(['get', 'pods', '-o', 'json'])) || '{"items":[]}').items ?? [];
    const ready = pods.filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
    status = `pods ready ${ready}/${pods.length}`;
    allReady = pods.length >= 6 && ready === pods.length;
  }
  // Every pod ready and two complete pages in a row (reviews has three versions behind one name).
  if (allReady && (await answers()) && (await answers())) break;
  const line = `Waiting for ${url} through the ingress gateway (${Math.round((Date.now() - started) / 1000)}s, ${status})`;
  if (tty) process.stdout.write(`\r${line}\x1b[K`);
  else if (Date.now() - lastPrinted >= 5000) {
    lastPrinted = Date.now();
    console.log(line);
  }
  if (Date.now() > deadline) {
    if (tty) process.stdout.write('\n');
    process.stderr.write(
      `\nnpm start: ${url} did not show the whole product page within ${timeoutS}s (RIG_START_TIMEOUT sets the limit).\n` +
        `Last look: ${problem}\n` +
        `The mesh is still running; look at it with:\n` +
        `  ${rigCmd} get pods                      # every pod should be 2/2 Running\n` +
        `  ${rigCmd} logs POD [-c istio-proxy]     # an app's or its sidecar's output\n` +
        `  ${rigCmd} proxy-status                  # each proxy's config sync with the control plane\n` +
        `and stop it with \`npm stop\`.\n`,
    );
    process.exit(1);
  }
  await new Promise((r) => setTimeout(r, 1000));
}
if (tty) process.stdout.write('\r\x1b[K');
const lines = (rows) => {
  const width = Math.max(...rows.map(([cmd]) => cmd.length));
  return rows.map(([cmd, what]) => `  ${cmd.padEnd(width)}   # ${what}`).join('\n');
};
const stop = process.env.RIG_HOME ? `RIG_HOME=${homeShown} npm stop` : 'npm stop';
console.log(`✔ Bookinfo answers through the ingress gateway (${Math.round((Date.now() - started) / 1000)}s)

  Open ${url}
  (log in as "jason" to try the routing tasks: samples/bookinfo/networking/)

The mesh runs in the background, its state in ${homeShown}/. Look around with:
${lines([
  [`${rigCmd} get pods`, 'Bookinfo: 6 pods, 2/2 Running (app + sidecar)'],
  [`${rigCmd} get pods -n rig-system`, 'the control plane and the gateways'],
  [`${rigCmd} proxy-status`, 'every proxy SYNCED with the control plane'],
])}
and try a routing task (every request to reviews v1, then reload the page):
  ${rigCmd} apply -f samples/bookinfo/networking/virtual-service-all-v1.yaml

Stop it with:
${lines([[stop, `the same as ${rigCmd} uninstall -y`]])}
`);
