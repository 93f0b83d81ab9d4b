// Istio's helloworld: GET /hello → "Hello version: v1, instance: <pod name>", GET /health.
// The version comes from SERVICE_VERSION (or --version), as in Istio's helloworld image.
import { hostname } from 'node:os';
import { sendText, serveUntilStopped, type SampleContext } from '../lib/server.js';

const DEFAULT_PORT = 5000;

export function run(ctx: SampleContext): Promise<number> {
  const version = ctx.version ?? ctx.env.SERVICE_VERSION ?? 'v1';
  const instance = ctx.env.POD_NAME || ctx.env.HOSTNAME || hostname();
  return serveUntilStopped(ctx, {
    name: `helloworld ${version}`,
    defaultPort: DEFAULT_PORT,
    handler(_req, res, url) {
      if (url.pathname === '/hello') return sendText(res, 200, `Hello version: ${version}, instance: ${instance}\n`);
      if (url.pathname === '/health') return sendText(res, 200, 'Helloworld is healthy');
      return sendText(res, 404, `not found: ${url.pathname} (try /hello)\n`);
    },
  });
}
