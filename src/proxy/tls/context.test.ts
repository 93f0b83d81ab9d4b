// Units of the TLS context compiler and the ClientHello peek (the real handshakes are in
// test/integration/proxy-tls.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { connect } from 'node:tls';
import { create } from '@bufbuild/protobuf';
import { DownstreamTlsContextSchema } from '../../api/gen/envoy/extensions/transport_sockets/tls/v3/tls_pb.js';
import { SubjectAltNameMatcher_SanType, TlsParameters_TlsProtocol } from '../../api/gen/envoy/extensions/transport_sockets/tls/v3/common_pb.js';
import { compileDownstreamTls, parseSubjectAltNames } from './context.js';
import { peekClientHello } from './client-hello.js';

test('parseSubjectAltNames reads node subjectaltname strings, quoted values included', () => {
  assert.deepEqual(parseSubjectAltNames('DNS:a.test, URI:spiffe://td/ns/x/sa/y, IP Address:127.0.0.1, email:a@b, URI:"http://x/a,b"'), [
    { type: SubjectAltNameMatcher_SanType.DNS, value: 'a.test' },
    { type: SubjectAltNameMatcher_SanType.URI, value: 'spiffe://td/ns/x/sa/y' },
    { type: SubjectAltNameMatcher_SanType.IP_ADDRESS, value: '127.0.0.1' },
    { type: SubjectAltNameMatcher_SanType.EMAIL, value: 'a@b' },
    { type: SubjectAltNameMatcher_SanType.URI, value: 'http://x/a,b' },
  ]);
});

test('a downstream context lists every error with its field', () => {
  const r = compileDownstreamTls(
    create(DownstreamTlsContextSchema, {
      commonTlsContext: {
        tlsParams: { tlsMinimumProtocolVersion: TlsParameters_TlsProtocol.TLSv1_3, tlsMaximumProtocolVersion: TlsParameters_TlsProtocol.TLSv1_2 },
        validationContextType: { case: 'validationContext', value: { matchTypedSubjectAltNames: [{ sanType: SubjectAltNameMatcher_SanType.URI }] } },
      },
    }),
    new Map(),
  );
  assert.deepEqual(r, {
    ok: false,
    errors: [
      'common_tls_context.validation_context.match_typed_subject_alt_names[0].matcher: required',
      'common_tls_context.tls_params.tls_minimum_protocol_version: TLSv1.3 is above the maximum TLSv1.2',
      'common_tls_context.tls_certificates: a server needs a certificate',
    ],
  });
  const bad = compileDownstreamTls(
    create(DownstreamTlsContextSchema, { commonTlsContext: { tlsCertificates: [{ certificateChain: { specifier: { case: 'inlineString', value: 'nope' } }, privateKey: { specifier: { case: 'filename', value: '/nonexistent/key.pem' } } }] } }),
    new Map(),
  );
  assert.equal(bad.ok, false);
  assert.match(bad.ok ? '' : bad.errors.join('\n'), /tls_certificates\[0\]\.private_key\.filename: cannot read \/nonexistent\/key\.pem/);
});

test('peekClientHello reads the SNI of a real ClientHello, and waits for a whole record', async () => {
  const hello = await new Promise<Buffer>((resolve) => {
    const server = createServer((s) => {
      s.once('data', (d: Buffer) => {
        s.destroy();
        server.close();
        resolve(d);
      });
    });
    server.listen(0, '127.0.0.1', () => {
      const c = connect({ host: '127.0.0.1', port: (server.address() as { port: number }).port, servername: 'Svc.Example.com' });
      c.on('error', () => c.destroy());
    });
  });
  assert.deepEqual(peekClientHello(hello), { kind: 'tls', serverName: 'svc.example.com' });
  assert.deepEqual(peekClientHello(hello.subarray(0, 40)), { kind: 'more' });
  assert.deepEqual(peekClientHello(Buffer.from('GET / HTTP/1.1\r\n')), { kind: 'plaintext' });
});
