import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Protocol } from './model.js';
import { parseProtocol, protocolForKubePort, type KubePortProtocolInput } from './protocol.js';

test('port name prefix selects the protocol (Istio protocol selection)', () => {
  const table: [string, Protocol][] = [
    ['http', 'HTTP'],
    ['http-foo', 'HTTP'],
    ['HTTP-web', 'HTTP'],
    ['http2', 'HTTP2'],
    ['http2-api', 'HTTP2'],
    ['grpc', 'GRPC'],
    ['grpc-status', 'GRPC'],
    ['grpc-web', 'GRPC-WEB'],
    ['grpc-web-ui', 'GRPC-WEB'],
    ['https', 'HTTPS'],
    ['https-admin', 'HTTPS'],
    ['tls', 'TLS'],
    ['tls-passthrough', 'TLS'],
    ['tcp', 'TCP'],
    ['tcp-db', 'TCP'],
    ['mongo', 'MONGO'],
    ['redis-cache', 'REDIS'],
    ['mysql', 'MYSQL'],
    ['', 'UNKNOWN'],
    ['web', 'UNKNOWN'],
    ['httpfoo', 'UNKNOWN'],
    ['foo-http', 'UNKNOWN'],
    ['udp', 'UNKNOWN'], // a name cannot make a TCP port UDP
    ['http_proxy', 'UNKNOWN'],
  ];
  for (const [name, want] of table) assert.equal(protocolForKubePort({ name, port: 8080 }), want, `port name "${name}"`);
});

test('appProtocol wins over the port name; Kubernetes standard appProtocols', () => {
  const table: [KubePortProtocolInput, Protocol][] = [
    [{ name: 'tcp', port: 80, appProtocol: 'http' }, 'HTTP'],
    [{ name: 'http', port: 80, appProtocol: 'grpc' }, 'GRPC'],
    [{ name: 'web', port: 80, appProtocol: 'HTTP2' }, 'HTTP2'],
    [{ name: 'web', port: 80, appProtocol: 'grpc-web' }, 'GRPC-WEB'],
    [{ name: 'http', port: 80, appProtocol: 'kubernetes.io/h2c' }, 'HTTP2'],
    [{ name: 'x', port: 80, appProtocol: 'kubernetes.io/ws' }, 'HTTP'],
    [{ name: 'x', port: 443, appProtocol: 'kubernetes.io/wss' }, 'HTTPS'],
    [{ name: 'http', port: 80, appProtocol: 'example.com/custom' }, 'UNKNOWN'],
  ];
  for (const [input, want] of table) assert.equal(protocolForKubePort(input), want, JSON.stringify(input));
});

test('L4 UDP and well-known server-first ports', () => {
  assert.equal(protocolForKubePort({ name: 'http', port: 53, protocol: 'UDP' }), 'UDP');
  assert.equal(protocolForKubePort({ name: 'dns', port: 53, protocol: 'UDP' }), 'UDP');
  for (const port of [25, 53, 3306, 27017]) assert.equal(protocolForKubePort({ name: 'db', port }), 'TCP', `port ${port}`);
  // A recognised name still wins on a well-known port.
  assert.equal(protocolForKubePort({ name: 'mysql', port: 3306 }), 'MYSQL');
  assert.equal(protocolForKubePort({ name: 'http', port: 25 }), 'HTTP');
  assert.equal(protocolForKubePort({ port: 5432 }), 'UNKNOWN');
});

test('parseProtocol reads ServiceEntry protocols case-insensitively', () => {
  assert.equal(parseProtocol('HTTP'), 'HTTP');
  assert.equal(parseProtocol('https'), 'HTTPS');
  assert.equal(parseProtocol('Grpc-Web'), 'GRPC-WEB');
  assert.equal(parseProtocol('Mongo'), 'MONGO');
  assert.equal(parseProtocol('UDP'), 'UDP');
  assert.equal(parseProtocol(undefined), 'UNKNOWN');
  assert.equal(parseProtocol('sctp'), 'UNKNOWN');
});
