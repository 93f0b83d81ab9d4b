// Bookinfo's productpage: the HTML page at /productpage showing the book, its details (from
// details) and its reviews (from reviews, stars in their color), a sign-in form (POST /login
// with `username` and `passwd` sets a session cookie; GET /logout clears it) after which every
// call to reviews carries `end-user: <user>`, and the JSON API under /api/v1/products.
// Like Istio's productpage, calls to details and ratings time out after 3 s, and calls to
// reviews after 3 s with one retry, so a 7 s delay behind reviews shows the reviews error.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { forwardHeaders, getJson, serviceUrl } from '../lib/http-client.js';
import { readBody, send, sendJson, sendText, serveUntilStopped, type SampleContext } from '../lib/server.js';

const DEFAULT_PORT = 9080;
const CALL_TIMEOUT_MS = 3000;
const REVIEWS_ATTEMPTS = 2;
const SESSION_COOKIE = 'session';

export const DETAILS_ERROR = 'Sorry, product details are currently unavailable for this book.';
export const REVIEWS_ERROR = 'Sorry, product reviews are currently unavailable for this book.';
export const RATINGS_ERROR = 'Sorry, product ratings are currently unavailable for this book.';

interface Product {
  id: number;
  title: string;
  descriptionHtml: string;
}

const PRODUCTS: Product[] = [
  {
    id: 0,
    title: 'The Comedy of Errors',
    descriptionHtml:
      '<a href="https://en.wikipedia.org/wiki/The_Comedy_of_Errors">Wikipedia Summary</a>: The Comedy of Errors is one of <b>William Shakespeare\'s</b> early plays. It is his shortest and one of his most farcical comedies, with a major part of the humour coming from slapstick and mistaken identity, in addition to puns and word play.',
  },
];

interface Fetched {
  status: number;
  body: Record<string, unknown>;
}

function escapeHtml(s: unknown): string {
  return String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The signed session cookie: base64url({"user"}) + "." + HMAC-SHA256. */
class Sessions {
  constructor(private readonly secret: string) {}

  private sign(payload: string): string {
    return createHmac('sha256', this.secret).update(payload).digest('base64url');
  }

  encode(user: string): string {
    const payload = Buffer.from(JSON.stringify({ user })).toString('base64url');
    return `${payload}.${this.sign(payload)}`;
  }

  userOf(req: IncomingMessage): string {
    const cookies = (req.headers.cookie ?? '').split(';').map((c) => c.trim());
    const raw = cookies.find((c) => c.startsWith(`${SESSION_COOKIE}=`))?.slice(SESSION_COOKIE.length + 1);
    const [payload, sig] = (raw ?? '').split('.');
    if (!payload || !sig) return '';
    const want = Buffer.from(this.sign(payload));
    const got = Buffer.from(sig);
    if (want.length !== got.length || !timingSafeEqual(want, got)) return '';
    try {
      const v = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { user?: unknown };
      return typeof v.user === 'string' ? v.user : '';
    } catch {
      return '';
    }
  }
}

/** Where to send the browser back to after login/logout: the page it came from (a path on this host). */
function backTo(req: IncomingMessage): string {
  try {
    const ref = new URL(req.headers.referer ?? '');
    return ref.pathname + ref.search;
  } catch {
    return '/productpage';
  }
}

function renderStars(rating: Record<string, unknown> | undefined): string {
  if (!rating) return '';
  if (typeof rating.stars === 'number' && rating.stars > 0) {
    const n = Math.min(5, Math.max(0, Math.round(rating.stars)));
    const full = '<span class="glyphicon glyphicon-star">&#9733;</span>'.repeat(n);
    const empty = '<span class="glyphicon glyphicon-star-empty">&#9734;</span>'.repeat(5 - n);
    return `<font color="${escapeHtml(rating.color)}">${full}${empty}</font>`;
  }
  if (rating.error) return `<p><i>${escapeHtml(rating.error)}</i></p>`;
  return '';
}

export function renderProductPage(product: Product, details: Fetched, reviews: Fetched, user: string): string {
  const nav = user
    ? `<p class="user">${escapeHtml(user)} ( <a href="logout">sign out</a> )</p>`
    : `<form method="post" action="login" name="login_form">
        <input type="text" name="username" placeholder="User Name">
        <input type="password" name="passwd" placeholder="Password">
        <button type="submit">Sign in</button>
      </form>`;
  const d = details.body;
  const detailsHtml =
    details.status === 200
      ? `<h4>Book Details</h4>
      <dl>
        <dt>Type:</dt><dd>${escapeHtml(d.type)}</dd>
        <dt>Pages:</dt><dd>${escapeHtml(d.pages)}</dd>
        <dt>Publisher:</dt><dd>${escapeHtml(d.publisher)}</dd>
        <dt>Language:</dt><dd>${escapeHtml(d.language)}</dd>
        <dt>ISBN-10:</dt><dd>${escapeHtml(d['ISBN-10'])}</dd>
        <dt>ISBN-13:</dt><dd>${escapeHtml(d['ISBN-13'])}</dd>
      </dl>`
      : `<h4>Error fetching product details!</h4>\n      <p>${escapeHtml(d.error)}</p>`;
  const list = Array.isArray(reviews.body.reviews) ? (reviews.body.reviews as Record<string, unknown>[]) : [];
  const reviewsHtml =
    reviews.status === 200
      ? `<h4>Book Reviews</h4>\n${list
          .map(
            (r) => `      <blockquote>
        <p>${escapeHtml(r.text)}</p>
        <small>${escapeHtml(r.reviewer)}</small>
        ${renderStars(r.rating as Record<string, unknown> | undefined)}
      </blockquote>`,
          )
          .join('\n')}`
      : `<h4>Error fetching product reviews!</h4>\n      <p>${escapeHtml(reviews.body.error)}</p>`;
  return `<!DOCTYPE html>
<html>
<head>
  <meta charset="utf-8">
  <title>Simple Bookstore App</title>
  <style>body{font-family:sans-serif;margin:0}nav{background:#222;color:#eee;padding:8px 16px;display:flex;justify-content:space-between;align-items:center}nav a{color:#9cf}.row{display:flex;gap:32px;padding:0 16px}.col{flex:1}h3,h4{text-align:center;color:#337ab7}blockquote{border-left:4px solid #ddd;margin:12px 0;padding:4px 12px}</style>
</head>
<body>
<nav>
  <span class="brand">BookInfo Sample</span>
  ${nav}
</nav>
<div class="container">
  <h3>${escapeHtml(product.title)}</h3>
  <p style="padding:0 16px">Summary: ${product.descriptionHtml}</p>
  <div class="row">
    <div class="col details">
      ${detailsHtml}
    </div>
    <div class="col reviews">
      ${reviewsHtml}
    </div>
  </div>
</div>
</body>
</html>
`;
}

function renderIndex(): string {
  return `<!DOCTYPE html>
<html>
<head><meta charset="utf-8"><title>Simple Bookstore App</title></head>
<body>
<h3>Hello! This is a simple bookstore application consisting of three services as shown below</h3>
<ul>
  <li>productpage calls details (http://details:9080) and reviews (http://reviews:9080)</li>
  <li>reviews calls ratings (http://ratings:9080)</li>
</ul>
<p>Click on one of the links below to auto generate a request to the backend as a real user or a tester</p>
<p><a href="/productpage?u=normal">Normal user</a></p>
<p><a href="/productpage?u=test">Test user</a></p>
</body>
</html>
`;
}

export function run(ctx: SampleContext): Promise<number> {
  const sessions = new Sessions(ctx.env.SESSION_SECRET || 'bookinfo-productpage-session');
  const details = serviceUrl('details', ctx.env);
  const reviews = serviceUrl('reviews', ctx.env);
  const ratings = serviceUrl('ratings', ctx.env);

  const headersFor = (req: IncomingMessage): Record<string, string> => {
    const h = forwardHeaders(req.headers);
    const user = sessions.userOf(req);
    if (user) h['end-user'] = user;
    return h;
  };

  const fetchOr = async (url: string, req: IncomingMessage, attempts: number, error: string): Promise<Fetched> => {
    let last: Awaited<ReturnType<typeof getJson>> = { status: 0 };
    for (let i = 0; i < attempts; i++) {
      last = await getJson(url, headersFor(req), CALL_TIMEOUT_MS);
      if (last.status === 200 && last.json && typeof last.json === 'object') return { status: 200, body: last.json as Record<string, unknown> };
      if (last.error) ctx.out(`Error: ${last.error}`);
    }
    return { status: last.status || 500, body: { error } };
  };
  const getDetails = (id: string, req: IncomingMessage) => fetchOr(`${details}/details/${id}`, req, 1, DETAILS_ERROR);
  const getReviews = (id: string, req: IncomingMessage) => fetchOr(`${reviews}/reviews/${id}`, req, REVIEWS_ATTEMPTS, REVIEWS_ERROR);
  const getRatings = (id: string, req: IncomingMessage) => fetchOr(`${ratings}/ratings/${id}`, req, 1, RATINGS_ERROR);

  const login = async (req: IncomingMessage, res: ServerResponse) => {
    const form = new URLSearchParams((await readBody(req, 64 * 1024)).toString('utf8'));
    const user = form.get('username') ?? '';
    send(res, 302, '', { location: backTo(req), 'set-cookie': `${SESSION_COOKIE}=${sessions.encode(user)}; Path=/; HttpOnly; SameSite=Lax` });
  };

  const logout = (req: IncomingMessage, res: ServerResponse) => {
    send(res, 302, '', { location: backTo(req), 'set-cookie': `${SESSION_COOKIE}=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax` });
  };

  return serveUntilStopped(ctx, {
    name: 'productpage',
    defaultPort: DEFAULT_PORT,
    async handler(req, res, url) {
      const path = url.pathname;
      if (path === '/health') return sendText(res, 200, 'Product page is healthy');
      if (path === '/login') {
        if (req.method !== 'POST') return sendText(res, 405, 'use POST /login with form fields username and passwd\n');
        return login(req, res);
      }
      if (path === '/logout') return logout(req, res);
      if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { error: `${req.method} not allowed; use GET` });
      if (path === '/' || path === '/index.html') return sendText(res, 200, renderIndex(), 'text/html; charset=utf-8');
      if (path === '/productpage') {
        const product = PRODUCTS[0]!;
        const [d, r] = [await getDetails(String(product.id), req), await getReviews(String(product.id), req)];
        return sendText(res, 200, renderProductPage(product, d, r, sessions.userOf(req)), 'text/html; charset=utf-8');
      }
      if (path === '/api/v1/products') return sendJson(res, 200, PRODUCTS);
      const m = /^\/api\/v1\/products\/([^/]+)(\/reviews|\/ratings)?$/.exec(path);
      if (m) {
        const id = encodeURIComponent(decodeURIComponent(m[1]!));
        const r = m[2] === '/reviews' ? await getReviews(id, req) : m[2] === '/ratings' ? await getRatings(id, req) : await getDetails(id, req);
        return sendJson(res, r.status, r.body);
      }
      return sendText(res, 404, `not found: ${path} (try /productpage or /api/v1/products)\n`);
    },
  });
}
