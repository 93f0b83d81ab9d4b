// One VirtualService HTTP route: what it does (route, redirect, directResponse or
// delegate — and which of those exclude each other), its matches, header operations,
// rewrite, retries, timeout, fault injection, mirroring and CORS policy.
import type { ErrorCollector } from '../../../shared/result.js';
import type { CorsPolicy, HTTPFaultInjection, HTTPMatchRequest, HTTPRetry, HTTPRoute } from '../networking.js';
import {
  checkDuration,
  checkGatewayNames,
  checkHeaderOperations,
  checkLabels,
  checkMatchHeaderName,
  checkNamespaceName,
  checkPercent,
  checkPercentInt,
  checkPort,
  checkRegexField,
  checkStringMatch,
  each,
} from './common.js';
import { checkDestination, checkRouteWeights } from './destination.js';
import { closest, parseDuration } from './values.js';

type Retry = HTTPRetry & { backoff?: string; retryIgnorePreviousHosts?: boolean };
type Route = HTTPRoute & { retries?: Retry; mirror_percent?: number };

/** Envoy's x-envoy-retry-on and x-envoy-retry-grpc-on policies. */
const RETRY_ON = [
  '5xx', 'gateway-error', 'reset', 'reset-before-request', 'connect-failure', 'retriable-4xx', 'refused-stream', 'retriable-status-codes',
  'retriable-headers', 'envoy-ratelimited', 'http3-post-connect-failure', 'cancelled', 'deadline-exceeded', 'internal', 'resource-exhausted', 'unavailable',
];

/** HTTP status codes with a registered reason phrase (Go's http.StatusText). */
const HTTP_STATUS_CODES = new Set([
  100, 101, 102, 103, 200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304, 305, 307, 308, 400, 401, 402, 403, 404, 405, 406, 407,
  408, 409, 410, 411, 412, 413, 414, 415, 416, 417, 418, 421, 422, 423, 424, 425, 426, 428, 429, 431, 451, 500, 501, 502, 503, 504, 505, 506, 507, 508,
  510, 511,
]);

const GRPC_STATUSES = [
  'OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS', 'PERMISSION_DENIED', 'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE', 'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS', 'UNAUTHENTICATED',
];

const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE'];

function checkStatus(e: ErrorCollector, field: string, status: number): void {
  if (status < 200 || status > 599) e.add(field, `HTTP status ${status} is not in range 200..599`);
}

function checkMatch(me: ErrorCollector, m: HTTPMatchRequest, boundToGateway: boolean): void {
  for (const kind of ['headers', 'withoutHeaders'] as const) {
    for (const [name, sm] of Object.entries(m[kind] ?? {})) {
      const at = `${kind}[${name}]`;
      checkMatchHeaderName(me, at, name);
      if (name.startsWith('@request.auth.claims') && !boundToGateway) me.add(at, `JWT claim based routing (key: ${name}) is only supported for gateways`);
      // In withoutHeaders, regex "*" is not RE2: it means "header present".
      if (!(kind === 'withoutHeaders' && sm.regex === '*')) checkStringMatch(me, at, sm, { presenceOk: true });
    }
  }
  checkStringMatch(me, 'uri', m.uri, { emptyPrefixOk: true });
  checkStringMatch(me, 'scheme', m.scheme);
  checkStringMatch(me, 'method', m.method);
  checkStringMatch(me, 'authority', m.authority);
  for (const [name, sm] of Object.entries(m.queryParams ?? {})) checkStringMatch(me, `queryParams[${name}]`, sm, { presenceOk: true });
  if (m.port !== undefined && m.port !== 0) checkPort(me, 'port', m.port);
  checkLabels(me, 'sourceLabels', m.sourceLabels);
  checkGatewayNames(me, 'gateways', m.gateways);
  if (m.sourceNamespace) checkNamespaceName(me, 'sourceNamespace', m.sourceNamespace);
}

function checkRetries(e: ErrorCollector, r: Retry): void {
  const attempts = r.attempts ?? 0;
  if (attempts < 0) e.add('retries.attempts', `attempts cannot be negative, got ${attempts}`);
  if (attempts === 0 && (r.perTryTimeout !== undefined || r.retryOn || r.retryRemoteLocalities !== undefined)) {
    e.add('retries.attempts', 'http retry policy configured when attempts are set to 0 (disabled)');
  }
  checkDuration(e, 'retries.perTryTimeout', r.perTryTimeout);
  checkDuration(e, 'retries.backoff', r.backoff);
  if (r.retryOn) {
    for (const policy of r.retryOn.split(',')) {
      const code = /^\d+$/.test(policy) ? Number(policy) : NaN;
      if (HTTP_STATUS_CODES.has(code) || RETRY_ON.includes(policy)) continue;
      const near = closest(policy.trim(), RETRY_ON);
      e.add('retries.retryOn', `"${policy}" is not a valid retryOn policy${near ? ` (did you mean "${near}"?)` : ''}`);
    }
  }
}

function checkFault(e: ErrorCollector, fault: HTTPFaultInjection): void {
  if (!fault.abort && !fault.delay) e.add('fault', 'HTTP fault injection must have an abort and/or a delay');
  const abort = fault.abort;
  if (abort) {
    checkPercent(e, 'fault.abort.percentage', abort.percentage);
    if (abort.httpStatus !== undefined) checkStatus(e, 'fault.abort.httpStatus', abort.httpStatus);
    if (abort.grpcStatus !== undefined && !GRPC_STATUSES.includes(abort.grpcStatus)) {
      e.add('fault.abort.grpcStatus', `gRPC status "${abort.grpcStatus}" is not supported; use a code name such as NOT_FOUND or UNAVAILABLE`);
    }
    if (abort.http2Error !== undefined) e.add('fault.abort.http2Error', 'HTTP/2 abort fault injection not supported yet');
  }
  const delay = fault.delay;
  if (delay) {
    checkPercent(e, 'fault.delay.percentage', delay.percentage);
    checkPercentInt(e, 'fault.delay.percent', delay.percent);
    checkDuration(e, 'fault.delay.fixedDelay', delay.fixedDelay);
    if (delay.exponentialDelay !== undefined) e.add('fault.delay.exponentialDelay', 'exponentialDelay not supported yet');
  }
}

function checkCors(e: ErrorCollector, cors: CorsPolicy): void {
  each(cors.allowOrigins, e, 'corsPolicy.allowOrigins', (o, _oe, i) => {
    const at = `corsPolicy.allowOrigins[${i}]`;
    if (o.exact === '' || o.prefix === '' || o.regex === '') e.add(at, 'an empty string is not a valid match for CORS allow origins');
    else checkStringMatch(e, at, o);
  });
  each(cors.allowMethods, e, 'corsPolicy.allowMethods', (m, _me, i) => {
    if (!HTTP_METHODS.includes(m)) e.add(`corsPolicy.allowMethods[${i}]`, `"${m}" is not a supported HTTP method (${HTTP_METHODS.join(', ')})`);
  });
  for (const kind of ['allowHeaders', 'exposeHeaders'] as const) {
    each(cors[kind], e, `corsPolicy.${kind}`, (h, _he, i) => {
      if (h !== '*' && !/^[-_A-Za-z0-9]+$/.test(h)) e.add(`corsPolicy.${kind}[${i}]`, h === '' ? 'header name cannot be empty' : `header name "${h}" is not a valid header name`);
    });
  }
  if (cors.maxAge !== undefined) {
    checkDuration(e, 'corsPolicy.maxAge', cors.maxAge);
    if (parseDuration(cors.maxAge)! % 1e9 !== 0) e.add('corsPolicy.maxAge', 'maxAge is accurate only to seconds precision');
  }
}

function checkAction(e: ErrorCollector, http: Route, kind: 'independent' | 'root' | 'delegate'): void {
  if (kind === 'root') {
    // A route that delegates may do nothing else.
    if (http.redirect) e.add('redirect', 'a route with delegate must not specify redirect');
    if (http.route) e.add('route', 'a route with delegate must not specify route');
    return;
  }
  if (kind === 'delegate' && http.delegate) e.add('delegate', 'a delegate VirtualService (one without hosts) cannot delegate again');
  if (http.redirect) {
    if (http.route?.length) e.add('redirect', 'HTTP route cannot contain both route and redirect');
    if (http.fault) e.add('redirect', 'HTTP route cannot contain both fault and redirect');
    if (http.rewrite) e.add('redirect', 'HTTP route cannot contain both rewrite and redirect');
    if (http.directResponse) e.add('redirect', 'HTTP route cannot contain both directResponse and redirect');
  } else if (http.directResponse) {
    if (http.route?.length) e.add('directResponse', 'HTTP route cannot contain both route and directResponse');
    if (http.fault) e.add('directResponse', 'HTTP route cannot contain both fault and directResponse');
    if (http.rewrite) e.add('directResponse', 'HTTP route cannot contain both rewrite and directResponse');
  } else if (!http.route?.length) {
    e.add('', 'HTTP route must have one of route, redirect, directResponse or delegate');
  }
}

export function checkHTTPRoute(e: ErrorCollector, http: Route, ctx: { isDelegate: boolean; boundToGateway: boolean }): void {
  checkAction(e, http, ctx.isDelegate ? 'delegate' : http.delegate ? 'root' : 'independent');
  if (http.delegate) {
    if (!http.delegate.name) e.add('delegate.name', 'required');
    if (http.delegate.namespace) checkNamespaceName(e, 'delegate.namespace', http.delegate.namespace);
  }
  each(http.match, e, 'match', (m, me) => checkMatch(me, m, ctx.boundToGateway));
  checkHeaderOperations(e, 'headers', http.headers);
  if (http.corsPolicy) checkCors(e, http.corsPolicy);
  if (http.fault) checkFault(e, http.fault);

  for (const field of ['mirrorPercent', 'mirror_percent'] as const) {
    const v = http[field];
    if (v !== undefined && v > 100) e.add(field, `must have a max value of 100, got ${v}`);
  }
  checkPercent(e, 'mirrorPercentage', http.mirrorPercentage);
  if (http.mirror && http.mirrors?.length) e.add('mirrors', 'HTTP route cannot contain both mirror and mirrors');
  checkDestination(e, 'mirror', http.mirror);
  each(http.mirrors, e, 'mirrors', (m, me) => {
    checkDestination(me, 'destination', m.destination);
    checkPercent(me, 'percentage', m.percentage);
  });

  const redirect = http.redirect;
  if (redirect) {
    if (!redirect.uri && !redirect.authority && redirect.port === undefined && redirect.derivePort === undefined && !redirect.scheme) {
      e.add('redirect', 'redirect must specify uri, authority, scheme, port or derivePort');
    }
    if (redirect.redirectCode !== undefined && redirect.redirectCode !== 0 && (redirect.redirectCode < 300 || redirect.redirectCode > 399)) {
      e.add('redirect.redirectCode', `${redirect.redirectCode} is not a valid redirect code, must be 3xx`);
    }
    if (redirect.scheme && redirect.scheme !== 'http' && redirect.scheme !== 'https') e.add('redirect.scheme', 'invalid redirect scheme, must be "http" or "https"');
    if (redirect.port !== undefined && redirect.port > 0) checkPort(e, 'redirect.port', redirect.port);
  }

  const direct = http.directResponse;
  if (direct) {
    checkStatus(e, 'directResponse.status', direct.status);
    const body = direct.body;
    if (body?.bytes !== undefined && !/^[A-Za-z0-9+/]*={0,2}$/.test(body.bytes)) e.add('directResponse.body.bytes', 'must be base64-encoded');
    const size = body?.string !== undefined ? Buffer.byteLength(body.string) : body?.bytes !== undefined ? Math.floor((body.bytes.length * 3) / 4) : 0;
    if (size > 1024 * 1024) e.add('directResponse.body', 'large direct responses may impact control plane performance, must be less than 1MB');
  }

  if (http.retries) checkRetries(e, http.retries);

  const rw = http.rewrite;
  if (rw) {
    if (rw.uri !== undefined && rw.uriRegexRewrite) e.add('rewrite', 'rewrite may only contain one of uri or uriRegexRewrite');
    if (!rw.uri && !rw.uriRegexRewrite && !rw.authority) e.add('rewrite', 'rewrite must specify at least one of uri, uriRegexRewrite, or authority');
    const rr = rw.uriRegexRewrite;
    if (rr) {
      if (!rr.match || !rr.rewrite) e.add('rewrite.uriRegexRewrite', 'uriRegexRewrite requires both match and rewrite');
      if (rr.match) checkRegexField(e, 'rewrite.uriRegexRewrite.match', rr.match);
    }
  }
  // The authority may be rewritten in one place only.
  let authority = rw?.authority ?? '';
  for (const op of ['set', 'add'] as const) {
    for (const [name, value] of Object.entries(http.headers?.request?.[op] ?? {})) {
      if (name.toLowerCase() !== ':authority' && name.toLowerCase() !== 'host') continue;
      if (authority) e.add(`headers.request.${op}[${name}]`, `authority header cannot be set multiple times: have "${authority}", attempting to set "${value}"`);
      authority = value;
    }
  }

  each(http.route, e, 'route', (r, re) => {
    checkHeaderOperations(re, 'headers', r.headers);
    checkDestination(re, 'destination', r.destination);
  });
  checkRouteWeights(e, 'route', http.route ?? []);
  checkDuration(e, 'timeout', http.timeout);
}
