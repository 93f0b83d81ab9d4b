// Bookinfo's details service: GET /details/{id} → the book's details in the JSON shape of
// Istio's details app, GET /health.
import { sendJson, serveUntilStopped, type SampleContext } from '../lib/server.js';

const DEFAULT_PORT = 9080;

export function bookDetails(id: number): Record<string, unknown> {
  return {
    id,
    author: 'William Shakespeare',
    year: 1595,
    type: 'paperback',
    pages: 200,
    publisher: 'PublisherA',
    language: 'English',
    'ISBN-10': '1234567890',
    'ISBN-13': '123-1234567890',
  };
}

export function run(ctx: SampleContext): Promise<number> {
  return serveUntilStopped(ctx, {
    name: 'details',
    defaultPort: DEFAULT_PORT,
    handler(req, res, url) {
      if (url.pathname === '/health') return sendJson(res, 200, { status: 'Details is healthy' });
      const m = /^\/details(?:\/(.*))?$/.exec(url.pathname);
      if (!m) return sendJson(res, 404, { error: `no route for ${url.pathname}; try /details/0` });
      if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { error: `${req.method} not allowed; use GET` });
      const last = url.pathname.split('/').pop() ?? '';
      if (!/^-?[0-9]+$/.test(last)) return sendJson(res, 400, { error: 'please provide numeric product id' });
      return sendJson(res, 200, bookDetails(Number(last)));
    },
  });
}
