// Bookinfo's ratings service: GET /ratings/{id} → `{"id": 0, "ratings": {"Reviewer1": 5, "Reviewer2": 4}}`,
// POST /ratings/{id} stores ratings in memory, GET /health. As Istio's ratings, SERVICE_VERSION
// `v-faulty` answers 503 half of the time and `v-delayed` waits 7 s half of the time.
import { readBody, sendJson, serveUntilStopped, type SampleContext } from '../lib/server.js';

const DEFAULT_PORT = 9080;

export function run(ctx: SampleContext): Promise<number> {
  const version = ctx.version ?? ctx.env.SERVICE_VERSION ?? 'v1';
  const added = new Map<number, unknown>();
  const ratingsOf = (id: number) => ({ id, ratings: added.get(id) ?? { Reviewer1: 5, Reviewer2: 4 } });

  return serveUntilStopped(ctx, {
    name: `ratings ${version}`,
    defaultPort: DEFAULT_PORT,
    async handler(req, res, url) {
      if (url.pathname === '/health') return sendJson(res, 200, { status: 'Ratings is healthy' });
      const m = /^\/ratings\/([^/]*)$/.exec(url.pathname);
      if (!m) return sendJson(res, 404, { error: `no route for ${url.pathname}; try /ratings/0` });
      const id = /^[0-9]+$/.test(m[1]!) ? Number(m[1]) : NaN;
      if (Number.isNaN(id)) return sendJson(res, 400, { error: 'please provide numeric product ID' });
      if (req.method === 'POST') {
        let body: unknown;
        try {
          body = JSON.parse((await readBody(req)).toString('utf8'));
        } catch {
          return sendJson(res, 400, { error: 'please provide valid ratings JSON' });
        }
        added.set(id, body);
        return sendJson(res, 200, ratingsOf(id));
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { error: `${req.method} not allowed; use GET or POST` });
      if (version === 'v-faulty' && Math.random() <= 0.5) return sendJson(res, 503, { error: 'Service unavailable' });
      if (version === 'v-delayed' && Math.random() <= 0.5) await delay(7000, ctx.signal);
      return sendJson(res, 200, ratingsOf(id));
    },
  });
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });
}
