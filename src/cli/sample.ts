// `rig sample NAME`: runs one of the sample applications (samples/) in the foreground, as the
// manifests in samples/ start them on the local platform (`command: ["rig", "sample", ...]`).
// Apps listen on --address/HOST/POD_IP (default 127.0.0.1) and --port/PORT (default their
// usual port), log one line per request to stdout, call other services through HTTP_PROXY
// when it is set, and exit 0 on SIGTERM.
import type { Command } from './command.js';
import type { SampleContext } from '../../samples/lib/server.js';

interface SampleApp {
  summary: string;
  load(args: string[]): Promise<{ run(ctx: SampleContext): Promise<number> }>;
}

const SAMPLES: Record<string, SampleApp> = {
  productpage: { summary: 'Bookinfo productpage (HTML at /productpage, /api/v1/products), port 9080', load: () => import('../../samples/bookinfo/productpage.js') },
  details: { summary: 'Bookinfo details (/details/{id}), port 9080', load: () => import('../../samples/bookinfo/details.js') },
  reviews: { summary: 'Bookinfo reviews (/reviews/{id}); SERVICE_VERSION or --version v1|v2|v3, port 9080', load: () => import('../../samples/bookinfo/reviews.js') },
  ratings: { summary: 'Bookinfo ratings (/ratings/{id}), port 9080', load: () => import('../../samples/bookinfo/ratings.js') },
  httpbin: { summary: 'httpbin (/get, /headers, /status/{code}, /delay/{s}, /anything ...), port 8080', load: () => import('../../samples/httpbin/httpbin.js') },
  helloworld: { summary: 'helloworld (/hello); SERVICE_VERSION or --version, port 5000', load: () => import('../../samples/helloworld/helloworld.js') },
  sleep: { summary: 'does nothing until stopped: a pod to run curl from', load: () => import('../../samples/sleep/sleep.js') },
  load: { summary: 'fortio-like load generator: load [-c N] [-n N | -t DURATION] [-qps N] [-H "K: V"] URL', load: () => import('../../samples/load/load.js') },
  fortio: {
    summary: 'fortio stand-in: `fortio load ...` as `load`; `fortio server` serves an echo on 8080',
    load: (args) => (args[0] === 'server' ? import('../../samples/load/fortio-server.js') : import('../../samples/load/load.js')),
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(SAMPLES).map((n) => n.length));
  return ['samples:', ...Object.entries(SAMPLES).map(([n, s]) => `  ${n.padEnd(width)}  ${s.summary}`)].join('\n');
}

export const sampleCommand: Command = {
  name: 'sample',
  summary: 'Run a sample application (Bookinfo, httpbin, helloworld, sleep, load generator) in the foreground',
  usage: `rig sample NAME [--port N] [--address IP] [--version V] [load flags] [ARGS]\n\n${usage()}`,
  examples: [
    'rig sample productpage --port 9080',
    'SERVICE_VERSION=v3 rig sample reviews',
    'rig sample httpbin --port 8080',
    'rig sample load -c 3 -n 30 http://httpbin:8000/get',
    'rig sample fortio load -c 2 -qps 0 -n 20 -loglevel Warning http://httpbin:8000/get',
  ],
  flags: [
    { name: 'port', type: 'number', description: "port to listen on (default: env PORT, else the app's usual port)" },
    { name: 'address', type: 'string', description: 'address to listen on (default: env HOST, else POD_IP, else 127.0.0.1)' },
    { name: 'version', type: 'string', description: 'version of reviews (v1, v2, v3), helloworld or ratings (default: env SERVICE_VERSION)' },
    { name: 'connections', short: 'c', type: 'number', description: 'load: concurrent connections (default 4)' },
    { name: 'requests', short: 'n', type: 'number', description: 'load: requests in total (default: run for -t)' },
    { name: 'duration', short: 't', type: 'string', description: 'load: how long to run when -n is not given (default 5s)' },
    { name: 'qps', short: 'qps', type: 'number', description: 'load: target queries per second over all connections, 0 = as fast as possible (default 0)' },
    { name: 'timeout', short: 'timeout', type: 'string', description: 'load: per-request timeout (default 3s)' },
    { name: 'header', short: 'H', type: 'list', description: 'load: extra request header "Name: value" (repeatable)' },
    { name: 'loglevel', short: 'loglevel', type: 'string', description: "load: accepted for fortio's command lines, ignored" },
  ],
  async run(args) {
    const [name, ...rest] = args.positional;
    const app = name ? SAMPLES[name] : undefined;
    if (!app) {
      process.stderr.write(`error: ${name ? `unknown sample "${name}"` : 'give the sample to run'}\n\n${usage()}\n`);
      return 1;
    }
    if (name === 'fortio' && rest[0] !== 'load' && rest[0] !== 'server') {
      process.stderr.write('error: use `rig sample fortio load [flags] URL` or `rig sample fortio server`\n');
      return 1;
    }
    // A closed stdout (a log reader gone) must not take the app down.
    process.stdout.on('error', () => undefined);
    const controller = new AbortController();
    const stop = () => controller.abort();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    const ctx: SampleContext = {
      ...(typeof args.flags.port === 'number' ? { port: args.flags.port } : {}),
      ...(typeof args.flags.address === 'string' ? { address: args.flags.address } : {}),
      ...(typeof args.flags.version === 'string' ? { version: args.flags.version } : {}),
      args: name === 'fortio' && rest[0] === 'server' ? rest.slice(1) : rest,
      flags: args.flags,
      env: process.env,
      signal: controller.signal,
      out: (line) => process.stdout.write(line + '\n'),
    };
    try {
      const mod = await app.load(rest);
      return await mod.run(ctx);
    } catch (err) {
      process.stderr.write(`error: rig sample ${name}: ${(err as Error).message}\n`);
      return 1;
    } finally {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
    }
  },
};
