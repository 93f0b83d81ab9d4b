// Bookinfo's reviews service, versions v1, v2 and v3 (SERVICE_VERSION, or --version):
//   GET /reviews/{id} → {"id", "podname", "clustername", "reviews": [{"reviewer", "text", "rating"}]}
//   v1: no rating; v2: black stars; v3: red stars (v2 and v3 call ratings).
// As Istio's reviews app, ENABLE_RATINGS and STAR_COLOR override what the version implies, the
// ratings call times out after 10 s with black stars and 2.5 s with red ones, and a failed call
// yields `"rating": {"error": "Ratings service is currently unavailable"}` rather than an error.
import { hostname } from 'node:os';
import { forwardHeaders, getJson, serviceUrl } from '../lib/http-client.js';
import { sendJson, serveUntilStopped, type SampleContext } from '../lib/server.js';

const DEFAULT_PORT = 9080;
export const RATINGS_UNAVAILABLE = 'Ratings service is currently unavailable';

const REVIEWS = [
  { reviewer: 'Reviewer1', text: 'An extremely entertaining play by Shakespeare. The slapstick humour is refreshing!' },
  { reviewer: 'Reviewer2', text: 'Absolutely fun and entertaining. The play lacks thematic depth when compared to other plays by Shakespeare.' },
];

export interface ReviewsBehaviour {
  version: string;
  ratingsEnabled: boolean;
  starColor: string;
  ratingsTimeoutMs: number;
}

/** What a version does: v1 shows no ratings, v2 black stars, v3 red stars. */
export function behaviourOf(version: string, env: Record<string, string | undefined>): ReviewsBehaviour {
  if (!['v1', 'v2', 'v3'].includes(version) && env.ENABLE_RATINGS === undefined) {
    throw new Error(`unknown reviews version "${version}": use v1 (no ratings), v2 (black stars) or v3 (red stars)`);
  }
  const ratingsEnabled = env.ENABLE_RATINGS !== undefined ? env.ENABLE_RATINGS === 'true' : version !== 'v1';
  const starColor = env.STAR_COLOR || (version === 'v3' ? 'red' : 'black');
  return { version, ratingsEnabled, starColor, ratingsTimeoutMs: starColor === 'black' ? 10_000 : 2_500 };
}

export function run(ctx: SampleContext): Promise<number> {
  const b = behaviourOf(ctx.version ?? ctx.env.SERVICE_VERSION ?? 'v1', ctx.env);
  const podname = ctx.env.POD_NAME || ctx.env.HOSTNAME || hostname();
  const clustername = ctx.env.CLUSTER_NAME || 'local';
  const ratingsService = `${serviceUrl('ratings', ctx.env)}/ratings`;

  return serveUntilStopped(ctx, {
    name: `reviews ${b.version}`,
    defaultPort: DEFAULT_PORT,
    async handler(req, res, url) {
      if (url.pathname === '/health') return sendJson(res, 200, { status: 'Reviews is healthy' });
      const m = /^\/reviews\/([0-9]+)$/.exec(url.pathname);
      if (!m) return sendJson(res, 404, { error: `no route for ${url.pathname}; try /reviews/0` });
      if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { error: `${req.method} not allowed; use GET` });
      const id = String(Number(m[1]));
      let stars: Record<string, unknown> | undefined;
      if (b.ratingsEnabled) {
        const r = await getJson(`${ratingsService}/${id}`, forwardHeaders(req.headers), b.ratingsTimeoutMs);
        if (r.error) ctx.out(`Error: unable to contact ${ratingsService}: ${r.error}`);
        const ratings = (r.json as { ratings?: unknown } | undefined)?.ratings;
        if (ratings && typeof ratings === 'object') stars = ratings as Record<string, unknown>;
      }
      const reviews = REVIEWS.map((rv) => {
        if (!b.ratingsEnabled) return { ...rv };
        const n = stars?.[rv.reviewer];
        return { ...rv, rating: typeof n === 'number' ? { stars: n, color: b.starColor } : { error: RATINGS_UNAVAILABLE } };
      });
      return sendJson(res, 200, { id, podname, clustername, reviews });
    },
  });
}
