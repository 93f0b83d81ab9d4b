// The long-running side of Istio's fortio client pod (samples/httpbin/sample-client/fortio-deploy.yaml):
// an echo server on port 8080 that keeps the pod up and ready, so the load is run inside it
// with `rig exec fortio-deploy -- rig sample fortio load ...`. Any path answers 200 with the
// request body; `?status=N` answers N, as fortio's echo server does.
import { readBody, send, serveUntilStopped, type SampleContext } from '../lib/server.js';

const DEFAULT_PORT = 8080;

export function run(ctx: SampleContext): Promise<number> {
  return serveUntilStopped(ctx, {
    name: 'fortio server',
    defaultPort: DEFAULT_PORT,
    async handler(req, res, url) {
      const body = await readBody(req);
      const status = Number(url.searchParams.get('status') ?? 200);
      send(res, status >= 100 && status <= 599 ? status : 400, body, { 'content-type': req.headers['content-type'] ?? 'text/plain' });
    },
  });
}

