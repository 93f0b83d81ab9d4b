// TLS in the proxy over real sockets, with certificates made by the openssl CLI: a
// listener terminating TLS (inline and SDS certificates, picked by SNI) in front of a
// plain HTTP upstream, and clusters originating TLS (CA and SAN verification, mTLS).
import { TcpProxySchema } from '../../src/api/gen/envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy_pb.js';
import { connect } from 'node:net';
import { connect as connectH2, createSecureServer, type Http2SecureServer } from 'node:http2';
import { HttpProtocolOptionsSchema } from '../../src/api/gen/envoy/extensions/upstreams/http/v3/http_protocol_options_pb.js';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, request, type Server } from 'node:http';
import { createServer as createHttpsServer, request as httpsRequest, type Server as HttpsServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { ListenerSchema } from '../../src/api/gen/envoy/config/listener/v3/listener_pb.js';
import { ClusterSchema, Cluster_DiscoveryType } from '../../src/api/gen/envoy/config/cluster/v3/cluster_pb.js';
import { DownstreamTlsContextSchema, UpstreamTlsContextSchema } from '../../src/api/gen/envoy/extensions/transport_sockets/tls/v3/tls_pb.js';
import { SubjectAltNameMatcher_SanType } from '../../src/api/gen/envoy/extensions/transport_sockets/tls/v3/common_pb.js';
import { TransportSocketSchema } from '../../src/api/gen/envoy/config/core/v3/base_pb.js';
import { SecretSchema } from '../../src/api/gen/envoy/extensions/transport_sockets/tls/v3/secret_pb.js';
import { HCM_FILTER, duration, httpConnectionManager, socketAddress } from '../../src/api/envoy/build.js';
import { pack } from '../../src/api/envoy/types.js';
import { Proxy } from '../../src/proxy/proxy.js';
import { builtinFilters } from '../../src/proxy/filter-lookup.js';
import { compileUpstreamTransportSocket } from '../../src/proxy/tls/context.js';
import { peekClientHello } from '../../src/proxy/tls/client-hello.js';

const SPIFFE = 'spiffe://cluster.local/ns/default/sa';
let dir = '';
const pem: Record<string, string> = {};

/** A CA (or two) and leaf certificates signed by them, via the openssl CLI. */
function makeCerts(): void {
  dir = mkdtempSync(join(tmpdir(), 'rig-tls-'));
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const cnf = '[req]\ndistinguished_name=dn\nprompt=no\n[dn]\nCN=ca\n[v3_ca]\nbasicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n';
  writeFileSync(join(dir, 'ca.cnf'), cnf);
  for (const ca of ['ca', 'ca2']) {
    run('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${ca}.key`, '-out', `${ca}.pem`, '-days', '2', '-subj', `/CN=${ca}`, '-config', 'ca.cnf', '-extensions', 'v3_ca');
  }
  const leaf = (name: string, san: string, ca = 'ca') => {
    run('req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    writeFileSync(join(dir, `${name}.ext`), `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth,clientAuth\n`);
    run('x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-days', '2', '-out', `${name}.pem`, '-extfile', `${name}.ext`);
  };
  leaf('a', `DNS:a.test,DNS:m.test,URI:${SPIFFE}/a`);
  leaf('b', 'DNS:b.test');
  leaf('upstream', `DNS:upstream.test,URI:${SPIFFE}/upstream,IP:127.0.0.1`);
  leaf('client', `URI:${SPIFFE}/client`);
  for (const f of ['ca', 'ca2', 'a', 'b', 'upstream', 'client']) {
    pem[`${f}.pem`] = readFileSync(join(dir, `${f}.pem`), 'utf8');
    pem[`${f}.key`] = readFileSync(join(dir, `${f}.key`), 'utf8');
  }
}

const inline = (value: string) => ({ specifier: { case: 'inlineString' as const, value } });
const certOf = (name: string) => ({ certificateChain: inline(pem[`${name}.pem`]!), privateKey: inline(pem[`${name}.key`]!) });

function tlsSocket<S extends typeof DownstreamTlsContextSchema | typeof UpstreamTlsContextSchema>(schema: S, init: MessageInitShape<S>) {
  return create(TransportSocketSchema, { name: 'envoy.transport_sockets.tls', configType: { case: 'typedConfig', value: pack(schema, init) } });
}

function upstreamTls(opts: { ca?: string; san?: string; client?: boolean; sni?: string }) {
  return tlsSocket(UpstreamTlsContextSchema, {
    sni: opts.sni ?? '',
    commonTlsContext: {
      tlsCertificates: opts.client ? [certOf('client')] : [],
      validationContextType: {
        case: 'validationContext',
        value: {
          trustedCa: inline(pem[`${opts.ca ?? 'ca'}.pem`]!),
          matchTypedSubjectAltNames: opts.san ? [{ sanType: SubjectAltNameMatcher_SanType.URI, matcher: { matchPattern: { case: 'exact', value: opts.san } } }] : [],
        },
      },
    },
  });
}

function cluster(name: string, port: number, transportSocket?: ReturnType<typeof upstreamTls>) {
  return create(ClusterSchema, {
    name,
    clusterDiscoveryType: { case: 'type', value: Cluster_DiscoveryType.STATIC },
    connectTimeout: duration(1000),
    loadAssignment: { clusterName: name, endpoints: [{ lbEndpoints: [{ hostIdentifier: { case: 'endpoint' as const, value: { address: socketAddress('127.0.0.1', port) } } }] }] },
    ...(transportSocket ? { transportSocket } : {}),
  });
}

const toCluster = (prefix: string, cluster: string) => ({
  name: cluster,
  match: { pathSpecifier: { case: 'prefix' as const, value: prefix } },
  action: { case: 'route' as const, value: { clusterSpecifier: { case: 'cluster' as const, value: cluster } } },
});

const hcm = (routes: ReturnType<typeof toCluster>[]) => [{ name: HCM_FILTER, configType: { case: 'typedConfig' as const, value: httpConnectionManager({ statPrefix: 'in', routeConfig: { name: 'r', virtualHosts: [{ name: 'all', domains: ['*'], routes }] } }) } }];

const servers: (Server | HttpsServer)[] = [];
let proxy: Proxy;
let tlsPort = 0;
let plainPort = 0;
let h2Upstream: Http2SecureServer | undefined;

async function listen<S extends Server | HttpsServer>(s: S): Promise<number> {
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  servers.push(s);
  return (s.address() as { port: number }).port;
}

before(async () => {
  makeCerts();
  const answer = (name: string) => (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
    const peer = (req.socket as Partial<TLSSocket>).getPeerCertificate?.();
    res.end(JSON.stringify({ name, url: req.url, client: peer?.subjectaltname ?? null }));
  };
  const plain = await listen(createServer(answer('plain')));
  const https = await listen(createHttpsServer({ cert: pem['upstream.pem'], key: pem['upstream.key'] }, answer('https')));
  h2Upstream = createSecureServer({ cert: pem['upstream.pem'], key: pem['upstream.key'] }, (req, res) => res.end(JSON.stringify({ name: 'h2tls', version: req.httpVersion, alpn: (req.socket as TLSSocket).alpnProtocol })));
  h2Upstream.on('sessionError', () => {});
  await new Promise<void>((r) => h2Upstream!.listen(0, '127.0.0.1', r));
  const h2tls = (h2Upstream.address() as { port: number }).port;
  const h2Cluster = cluster('tls-h2', h2tls, upstreamTls({ san: `${SPIFFE}/upstream`, sni: 'upstream.test' }));
  h2Cluster.typedExtensionProtocolOptions['envoy.extensions.upstreams.http.v3.HttpProtocolOptions'] = pack(HttpProtocolOptionsSchema, {
    upstreamProtocolOptions: { case: 'explicitHttpConfig', value: { protocolConfig: { case: 'http2ProtocolOptions', value: {} } } },
  });
  const mtls = await listen(createHttpsServer({ cert: pem['upstream.pem'], key: pem['upstream.key'], ca: pem['ca.pem'], requestCert: true, rejectUnauthorized: true }, answer('mtls')));

  const downstream = (cert: object) => tlsSocket(DownstreamTlsContextSchema, { commonTlsContext: cert });
  const tlsListener = create(ListenerSchema, {
    name: 'tls',
    address: socketAddress('127.0.0.1', 0),
    filterChains: [
      { name: 'a', filterChainMatch: { serverNames: ['a.test'] }, transportSocket: downstream({ tlsCertificates: [certOf('a')], alpnProtocols: ['h2', 'http/1.1'] }), filters: hcm([toCluster('/', 'plain')]) },
      // b's certificate comes from SDS.
      // mTLS: a client certificate from the CA with the client's SPIFFE id is required.
      {
        name: 'm',
        filterChainMatch: { serverNames: ['m.test'] },
        transportSocket: tlsSocket(DownstreamTlsContextSchema, {
          requireClientCertificate: true,
          commonTlsContext: {
            tlsCertificates: [certOf('a')],
            validationContextType: { case: 'validationContext', value: { trustedCa: inline(pem['ca.pem']!), matchTypedSubjectAltNames: [{ sanType: SubjectAltNameMatcher_SanType.URI, matcher: { matchPattern: { case: 'prefix', value: `${SPIFFE}/client` } } }] } },
          },
        }),
        filters: hcm([toCluster('/', 'plain')]),
      },
      // Plaintext on the same port keeps working.
      { name: 'plaintext', filters: hcm([toCluster('/', 'plain')]) },
      { name: 'b', filterChainMatch: { serverNames: ['*.b.test', 'b.test'] }, transportSocket: downstream({ tlsCertificateSdsSecretConfigs: [{ name: 'b-cert', sdsConfig: { configSourceSpecifier: { case: 'ads', value: {} } } }] }), filters: hcm([toCluster('/', 'plain')]) },
    ],
  });
  const plainListener = create(ListenerSchema, {
    name: 'plain',
    address: socketAddress('127.0.0.1', 0),
    filterChains: [
      {
        filters: hcm([
          toCluster('/tls-ok', 'tls-ok'),
          toCluster('/tls-h2', 'tls-h2'),
          toCluster('/wrong-san', 'tls-wrong-san'),
          toCluster('/wrong-ca', 'tls-wrong-ca'),
          toCluster('/mtls-nocert', 'mtls-nocert'),
          toCluster('/mtls', 'mtls'),
        ]),
      },
    ],
  });
  // tcp_proxy to a TLS cluster: plaintext in, TLS out.
  const tcpListener = create(ListenerSchema, {
    name: 'tcp',
    address: socketAddress('127.0.0.1', 0),
    filterChains: [{ filters: [{ name: 'envoy.filters.network.tcp_proxy', configType: { case: 'typedConfig', value: pack(TcpProxySchema, { statPrefix: 'tcp', clusterSpecifier: { case: 'cluster', value: 'tls-ok' } }) } }] }],
  });
  proxy = new Proxy({ filters: builtinFilters });
  const r = await proxy.apply({
    listeners: new Map([
      ['tls', tlsListener],
      ['plain', plainListener],
      ['tcp', tcpListener],
    ]),
    routes: new Map(),
    clusters: new Map(
      [
        cluster('plain', plain),
        cluster('tls-ok', https, upstreamTls({ san: `${SPIFFE}/upstream`, sni: 'upstream.test' })),
        cluster('tls-wrong-san', https, upstreamTls({ san: `${SPIFFE}/other` })),
        cluster('tls-wrong-ca', https, upstreamTls({ ca: 'ca2' })),
        cluster('mtls', mtls, upstreamTls({ san: `${SPIFFE}/upstream`, client: true })),
        cluster('mtls-nocert', mtls, upstreamTls({})),
        h2Cluster,
      ].map((c) => [c.name, c]),
    ),
    endpoints: new Map(),
    secrets: new Map([['b-cert', create(SecretSchema, { name: 'b-cert', type: { case: 'tlsCertificate', value: certOf('b') } })]]),
  });
  assert.ok(r.ok, r.ok ? '' : r.errors.join('\n'));
  tlsPort = proxy.boundPort('tls')!;
  plainPort = proxy.boundPort('plain')!;
});

after(async () => {
  await proxy.close();
  h2Upstream?.close();
  for (const s of servers) s.closeAllConnections();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  rmSync(dir, { recursive: true, force: true });
});

interface Reply {
  status: number;
  flags: string | undefined;
  body: string;
  /** SANs of the certificate the proxy presented (HTTPS requests). */
  served?: string;
}

function httpsGet(servername: string, path: string, client?: { cert: string; key: string }): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port: tlsPort, servername, path, ca: pem['ca.pem'], agent: false, headers: { host: servername }, ...client }, (res) => {
      const served = (res.socket as TLSSocket).getPeerCertificate().subjectaltname;
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, flags: res.headers['x-rig-response-flags'] as string | undefined, body, served }));
    });
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error(`client timeout on ${path}`)));
    req.end();
  });
}

function get(path: string, port = plainPort): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, flags: res.headers['x-rig-response-flags'] as string | undefined, body }));
    });
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error(`client timeout on ${path}`)));
    req.end();
  });
}

test('a listener terminates TLS with an inline certificate in front of a plain upstream', async () => {
  const r = await httpsGet('a.test', '/hello');
  assert.equal(r.status, 200);
  assert.deepEqual(JSON.parse(r.body), { name: 'plain', url: '/hello', client: null });
  assert.match(r.served!, /DNS:a\.test/);
});

test('ALPN h2 on a TLS listener is served by the HTTP/2 connection manager', async () => {
  const session = connectH2(`https://127.0.0.1:${tlsPort}`, { ca: pem['ca.pem'], servername: 'a.test' });
  try {
    const { status, body, alpn } = await new Promise<{ status: number; body: string; alpn: string | undefined }>((resolve, reject) => {
      const req = session.request({ ':path': '/over-h2', ':authority': 'a.test' });
      let body = '';
      let status = 0;
      req.on('response', (h) => (status = Number(h[':status'])));
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => resolve({ status, body, alpn: session.alpnProtocol }));
      req.on('error', reject);
      req.end();
    });
    assert.equal(alpn, 'h2');
    assert.equal(status, 200);
    assert.deepEqual(JSON.parse(body), { name: 'plain', url: '/over-h2', client: null });
  } finally {
    session.close();
  }
});

test('SNI picks the filter chain and its certificate (exact and wildcard server_names; SDS secret)', async () => {
  const b = await httpsGet('b.test', '/x');
  assert.equal(b.status, 200);
  assert.equal(b.served, 'DNS:b.test');
  const a = await httpsGet('a.test', '/x');
  assert.match(a.served!, /DNS:a\.test/);
  // No chain matches an unknown name: the connection is closed.
  await assert.rejects(httpsGet('c.test', '/x'));
});

test('plaintext HTTP on a TLS listener goes to the chain without a transport socket', async () => {
  const r = await get('/plain', tlsPort);
  assert.equal(r.status, 200);
  assert.equal((JSON.parse(r.body) as { name: string }).name, 'plain');
});

test('downstream mTLS: a required client certificate must verify and match the SAN', async () => {
  const ok = await httpsGet('m.test', '/m', { cert: pem['client.pem']!, key: pem['client.key']! });
  assert.equal(ok.status, 200);
  await assert.rejects(httpsGet('m.test', '/m'), 'no client certificate');
  await assert.rejects(httpsGet('m.test', '/m', { cert: pem['b.pem']!, key: pem['b.key']! }), 'SAN does not match');
});

test('a listener whose SDS secret has not arrived is reported and not started', async () => {
  const p = new Proxy({ filters: builtinFilters });
  const l = create(ListenerSchema, {
    name: 'waiting',
    address: socketAddress('127.0.0.1', 0),
    filterChains: [{ transportSocket: tlsSocket(DownstreamTlsContextSchema, { commonTlsContext: { tlsCertificateSdsSecretConfigs: [{ name: 'later' }] } }), filters: hcm([toCluster('/', 'plain')]) }],
  });
  const r = await p.apply({ listeners: new Map([['waiting', l]]), routes: new Map(), clusters: new Map(), endpoints: new Map(), secrets: new Map() });
  assert.deepEqual(r, { ok: false, errors: ['Listener "waiting": filter_chains[0].transport_socket.typed_config.common_tls_context.tls_certificate_sds_secret_configs[0]: secret later not received'] });
  assert.equal(p.boundPort('waiting'), undefined);
  await p.close();
});

test('a cluster originates TLS, verifying the CA and the URI SAN', async () => {
  const r = await get('/tls-ok');
  assert.equal(r.status, 200, r.body);
  assert.equal((JSON.parse(r.body) as { name: string }).name, 'https');
});

test('an HTTP/2 cluster with upstream TLS negotiates h2 by ALPN, verifying the SAN', async () => {
  const r = await get('/tls-h2');
  assert.equal(r.status, 200, r.body);
  assert.deepEqual(JSON.parse(r.body), { name: 'h2tls', version: '2.0', alpn: 'h2' });
});

test('a wrong SAN or an untrusted CA is a connect failure: 503 UF with the TLS error', async () => {
  const san = await get('/wrong-san');
  assert.equal(san.status, 503);
  assert.equal(san.flags, 'UF');
  assert.match(san.body, /match no subject alt name matcher/);
  const ca = await get('/wrong-ca');
  assert.equal(ca.status, 503);
  assert.equal(ca.flags, 'UF');
  assert.match(ca.body, /certificate/i);
});

test('mTLS: the cluster presents its client certificate to an upstream that requires one', async () => {
  const r = await get('/mtls');
  assert.equal(r.status, 200, r.body);
  assert.deepEqual(JSON.parse(r.body), { name: 'mtls', url: '/mtls', client: `URI:${SPIFFE}/client` });
  const none = await get('/mtls-nocert');
  assert.equal(none.status, 503);
});

test('tcp_proxy to a cluster with upstream TLS originates TLS (never plaintext)', async () => {
  const port = proxy.boundPort('tcp')!;
  const reply = await new Promise<string>((resolve, reject) => {
    const sock = connect(port, '127.0.0.1');
    let data = '';
    sock.on('data', (d) => (data += d.toString()));
    sock.on('close', () => resolve(data));
    sock.on('error', reject);
    sock.write('GET /over-tcp HTTP/1.1\r\nHost: upstream.test\r\nConnection: close\r\n\r\n');
    setTimeout(() => sock.destroy(), 3000);
  });
  assert.match(reply, /^HTTP\/1\.1 200/);
  assert.match(reply, /"name":"https"/);
  assert.match(reply, /"url":"\/over-tcp"/);
});

test('upstream TLS config errors name the field; a missing SDS secret is reported', () => {
  const missing = compileUpstreamTransportSocket(
    tlsSocket(UpstreamTlsContextSchema, { commonTlsContext: { tlsCertificateSdsSecretConfigs: [{ name: 'nope', sdsConfig: { configSourceSpecifier: { case: 'ads', value: {} } } }] } }),
    new Map(),
  );
  assert.deepEqual(missing, { ok: false, errors: ['typed_config.common_tls_context.tls_certificate_sds_secret_configs[0]: secret nope not received'] });
  // Validation only (no secrets yet): not an error.
  assert.ok(compileUpstreamTransportSocket(tlsSocket(UpstreamTlsContextSchema, { commonTlsContext: { tlsCertificateSdsSecretConfigs: [{ name: 'nope' }] } }), undefined).ok);
  const provider = compileUpstreamTransportSocket(tlsSocket(UpstreamTlsContextSchema, { commonTlsContext: { tlsCertificateProviderInstance: { instanceName: 'x' } } }), undefined);
  assert.deepEqual(provider, { ok: false, errors: ['typed_config.common_tls_context.tls_certificate_provider_instance: certificate providers are not supported'] });
  const noCa = compileUpstreamTransportSocket(
    tlsSocket(UpstreamTlsContextSchema, { commonTlsContext: { validationContextType: { case: 'validationContext', value: { matchSubjectAltNames: [{ matchPattern: { case: 'exact', value: 'x' } }] } } } }),
    undefined,
  );
  assert.deepEqual(noCa, { ok: false, errors: ['typed_config.common_tls_context.validation_context.trusted_ca: required to match subject alt names or certificate hashes'] });
});

test('the ClientHello peek reads the SNI or tells plaintext apart', () => {
  assert.deepEqual(peekClientHello(Buffer.from('GET / HTTP/1.1\r\n')), { kind: 'plaintext' });
  assert.deepEqual(peekClientHello(Buffer.from([0x16, 0x03, 0x01])), { kind: 'more' });
});
