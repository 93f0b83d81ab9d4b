import { test } from 'node:test';
import { assertInvalid, assertValid, type InvalidCase } from './testing.js';

// From Istio's documentation: Bookinfo's destination-rule-all.yaml, the circuit-breaking
// task, TLS origination and the egress gateway task (whose subset has no labels).
const BOOKINFO_ALL = `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: productpage
spec:
  host: productpage
  subsets:
  - name: v1
    labels:
      version: v1
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: reviews
spec:
  host: reviews
  subsets:
  - name: v1
    labels:
      version: v1
  - name: v2
    labels:
      version: v2
  - name: v3
    labels:
      version: v3
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: ratings
spec:
  host: ratings
  subsets:
  - name: v1
    labels:
      version: v1
  - name: v2
    labels:
      version: v2
  - name: v2-mysql
    labels:
      version: v2-mysql
  - name: v2-mysql-vm
    labels:
      version: v2-mysql-vm
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: details
spec:
  host: details
  subsets:
  - name: v1
    labels:
      version: v1
  - name: v2
    labels:
      version: v2
`;

const CIRCUIT_BREAKER = `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: httpbin
spec:
  host: httpbin
  trafficPolicy:
    connectionPool:
      tcp:
        maxConnections: 1
      http:
        http1MaxPendingRequests: 1
        maxRequestsPerConnection: 1
    outlierDetection:
      consecutive5xxErrors: 1
      interval: 1s
      baseEjectionTime: 3m
      maxEjectionPercent: 100
`;

const TLS_ORIGINATION = `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: edition-cnn-com
spec:
  host: edition.cnn.com
  trafficPolicy:
    portLevelSettings:
    - port:
        number: 443
      tls:
        mode: SIMPLE
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: egressgateway-for-cnn
spec:
  host: istio-egressgateway.istio-system.svc.cluster.local
  subsets:
  - name: cnn
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: originate-mtls-for-nginx
spec:
  host: my-nginx.mesh-external.svc.cluster.local
  trafficPolicy:
    loadBalancer:
      simple: ROUND_ROBIN
    portLevelSettings:
    - port:
        number: 443
      tls:
        mode: MUTUAL
        credentialName: client-credential
        sni: my-nginx.mesh-external.svc.cluster.local
`;

const REFERENCE_EXAMPLES = `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: bookinfo-ratings
spec:
  host: ratings.prod.svc.cluster.local
  trafficPolicy:
    loadBalancer:
      consistentHash:
        httpCookie:
          name: user
          ttl: 0s
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: bookinfo-redis
spec:
  host: myredissrv.prod.svc.cluster.local
  trafficPolicy:
    connectionPool:
      tcp:
        maxConnections: 100
        connectTimeout: 30ms
        tcpKeepalive:
          time: 7200s
          interval: 75s
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: reviews-cb-policy
spec:
  host: reviews.prod.svc.cluster.local
  trafficPolicy:
    connectionPool:
      tcp:
        maxConnections: 100
      http:
        http2MaxRequests: 1000
        maxRequestsPerConnection: 10
    outlierDetection:
      consecutive5xxErrors: 7
      interval: 5m
      baseEjectionTime: 15m
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: bookinfo-ratings-port
spec:
  host: ratings.prod.svc.cluster.local
  trafficPolicy:
    loadBalancer:
      simple: LEAST_REQUEST
      localityLbSetting:
        enabled: true
        distribute:
        - from: us-west/zone1/*
          to:
            "us-west/zone1/*": 80
            "us-west/zone2/*": 20
    portLevelSettings:
    - port:
        number: 80
      loadBalancer:
        simple: LEAST_REQUEST
    - port:
        number: 9080
      loadBalancer:
        simple: ROUND_ROBIN
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: db-mtls
spec:
  host: mydbserver.prod.svc.cluster.local
  trafficPolicy:
    tls:
      mode: MUTUAL
      clientCertificate: /etc/certs/myclientcert.pem
      privateKey: /etc/certs/client_private_key.pem
      caCertificates: /etc/certs/rootcacerts.pem
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: tunnel-proxy
spec:
  host: mysql.db.svc.cluster.local
  trafficPolicy:
    tunnel:
      protocol: CONNECT
      targetHost: 192.168.1.2
      targetPort: 3306
`;

test('DestinationRule: examples from Istio documentation validate', () => {
  for (const yaml of [BOOKINFO_ALL, CIRCUIT_BREAKER, TLS_ORIGINATION, REFERENCE_EXAMPLES]) assertValid(yaml);
});

const head = (spec: string) => `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: reviews
spec:
${spec}`;
const who = 'DestinationRule default/reviews:';

const INVALID: InvalidCase[] = [
  { name: 'host required', yaml: head('  subsets: [{ name: v1, labels: { version: v1 } }]'), errors: [`${who} spec.host: required`] },
  {
    name: 'subsets: names unique and valid, labels valid',
    yaml: head(`
  host: reviews
  subsets:
  - { name: v1, labels: { version: v1 } }
  - { name: v1, labels: { version: v2 } }
  - { name: "v_3", labels: { "bad key!": x } }`),
    errors: [
      `${who} spec.subsets[1].name: duplicate subset name "v1"`,
      `${who} spec.subsets[2].name: subset name "v_3" is invalid: must be a DNS label`,
      `${who} spec.subsets[2].labels[bad key!]: invalid label key "bad key!"`,
    ],
  },
  {
    name: 'load balancer: simple and consistentHash are a oneof',
    yaml: head(`
  host: reviews
  trafficPolicy:
    loadBalancer:
      simple: ROUND_ROBIN
      consistentHash: { useSourceIp: true }`),
    errors: [`${who} spec.trafficPolicy.loadBalancer: only one of simple, consistentHash may be set, got simple and consistentHash`],
  },
  {
    name: 'consistent hash: exactly one key, maglev table size',
    yaml: head(`
  host: reviews
  trafficPolicy:
    loadBalancer:
      consistentHash: { maglev: { tableSize: 1000 }, minimumRingSize: 1024 }
  subsets:
  - name: v1
    labels: { version: v1 }
    trafficPolicy:
      loadBalancer:
        consistentHash: { httpHeaderName: x-user, httpCookie: { name: user } }`),
    errors: [
      `${who} spec.subsets[0].trafficPolicy.loadBalancer.consistentHash: only one of httpHeaderName, httpCookie, useSourceIp, httpQueryParameterName may be set, got httpHeaderName and httpCookie`,
    ],
  },
  {
    name: 'consistent hash semantics',
    yaml: head(`
  host: reviews
  trafficPolicy:
    loadBalancer:
      consistentHash: { maglev: { tableSize: 1000 }, minimumRingSize: 1024 }`),
    errors: [
      `${who} spec.trafficPolicy.loadBalancer.consistentHash: must set one of httpHeaderName, httpCookie, useSourceIp, httpQueryParameterName`,
      `${who} spec.trafficPolicy.loadBalancer.consistentHash.minimumRingSize: only one of minimumRingSize or maglev/ringHash can be specified`,
      `${who} spec.trafficPolicy.loadBalancer.consistentHash.maglev.tableSize: tableSize must be a prime number for maglev, got 1000`,
    ],
  },
  {
    name: 'connection pool, outlier detection',
    yaml: head(`
  host: reviews
  trafficPolicy:
    connectionPool:
      tcp: { maxConnections: -1, connectTimeout: 0s }
      http: { h2UpgradePolicy: UPGRADE, useClientProtocol: true }
    outlierDetection:
      maxEjectionPercent: 120
      consecutiveLocalOriginFailures: 3
      interval: 10us`),
    errors: [
      `${who} spec.trafficPolicy.outlierDetection.interval: must be at least 1ms, got "10us"`,
      `${who} spec.trafficPolicy.outlierDetection.consecutiveLocalOriginFailures: is set, but splitExternalLocalOriginErrors is false`,
      `${who} spec.trafficPolicy.outlierDetection.maxEjectionPercent: must be in the range 0..100, got 120`,
      `${who} spec.trafficPolicy.connectionPool.http.useClientProtocol: must not be true when h2UpgradePolicy is UPGRADE`,
      `${who} spec.trafficPolicy.connectionPool.tcp.maxConnections: must be non-negative, got -1`,
      `${who} spec.trafficPolicy.connectionPool.tcp.connectTimeout: must be at least 1ms, got "0s"`,
    ],
  },
  {
    name: 'empty policies',
    yaml: head(`
  host: reviews
  trafficPolicy:
    connectionPool: {}
  subsets:
  - name: v1
    trafficPolicy: {}`),
    errors: [
      `${who} spec.trafficPolicy.connectionPool: connection pool must have at least one field (tcp or http)`,
      `${who} spec.subsets[0].trafficPolicy: traffic policy must have at least one field`,
    ],
  },
  {
    name: 'TLS: MUTUAL needs a certificate and key unless credentialName',
    yaml: head(`
  host: reviews
  trafficPolicy:
    tls: { mode: MUTUAL, caCertificates: /etc/ca.pem }
    portLevelSettings:
    - port: { number: 443 }
      tls: { mode: SIMPLE, credentialName: cred, caCertificates: /etc/ca.pem }`),
    errors: [
      `${who} spec.trafficPolicy.tls.clientCertificate: client certificate required for mutual tls (or set credentialName)`,
      `${who} spec.trafficPolicy.tls.privateKey: private key required for mutual tls (or set credentialName)`,
      `${who} spec.trafficPolicy.portLevelSettings[0].tls.credentialName: cannot specify clientCertificate, privateKey, caCertificates or caCrl when credentialName is set`,
    ],
  },
  {
    name: 'port level settings need a port and a policy',
    yaml: head(`
  host: reviews
  trafficPolicy:
    portLevelSettings:
    - loadBalancer: { simple: RANDOM }
    - port: { number: 0 }`),
    errors: [
      `${who} spec.trafficPolicy.portLevelSettings[0].port: required: a port-level traffic policy must name its port`,
      `${who} spec.trafficPolicy.portLevelSettings[1].port.number: port number 0 must be in the range 1..65535`,
      `${who} spec.trafficPolicy.portLevelSettings[1]: port traffic policy must have at least one of loadBalancer, connectionPool, outlierDetection, tls`,
    ],
  },
  {
    name: 'locality load balancing',
    yaml: head(`
  host: reviews
  trafficPolicy:
    loadBalancer:
      localityLbSetting:
        distribute:
        - from: us-west/zone1/*
          to: { "us-west/zone1/*": 80, "us-west/zone2/*": 30 }
    outlierDetection: { consecutive5xxErrors: 1 }
  subsets:
  - name: v1
    trafficPolicy:
      loadBalancer:
        localityLbSetting:
          failover: [{ from: us-east, to: us-east }]`),
    errors: [
      `${who} spec.trafficPolicy.loadBalancer.localityLbSetting.distribute[0].to: total locality weight 110 != 100`,
      `${who} spec.subsets[0].trafficPolicy.loadBalancer.localityLbSetting.failover[0]: locality lb failover settings must specify different regions`,
    ],
  },
  {
    name: 'tunnel, proxyProtocol, exportTo, workloadSelector',
    yaml: head(`
  host: "*.example.com"
  exportTo: ["*", "."]
  workloadSelector: { matchLabels: { app: "*" } }
  trafficPolicy:
    tunnel: { protocol: GET, targetHost: "not a host", targetPort: 0 }
    proxyProtocol: { version: V1 }`),
    errors: [
      `${who} spec.trafficPolicy: tunnel and proxyProtocol must not be set together`,
      `${who} spec.trafficPolicy.tunnel.protocol: tunnel protocol must be "CONNECT" or "POST", got "GET"`,
      `${who} spec.trafficPolicy.tunnel.targetHost: tunnel target host must be a valid FQDN or IP address, got "not a host"`,
      `${who} spec.trafficPolicy.tunnel.targetPort: port number 0 must be in the range 1..65535`,
      `${who} spec.exportTo: cannot have both public (*) and non-public exportTo values`,
      `${who} spec.exportTo: a DestinationRule with a workloadSelector cannot have multiple entries in exportTo`,
      `${who} spec.workloadSelector.matchLabels[app]: wildcard is not supported in selector: "app=*"`,
    ],
  },
];

for (const c of INVALID) test(`DestinationRule invalid: ${c.name}`, () => assertInvalid(c));
