// AuthorizationPolicy: ALLOW / DENY / AUDIT / CUSTOM rules over request sources
// (principals, namespaces, IP blocks), operations (hosts, ports, methods, paths) and
// `when` conditions on Istio's documented attributes.
import type { ErrorCollector } from '../../../shared/result.js';
import type { Resource } from '../meta.js';
import type { AuthorizationPolicySpec, AuthzOperation, AuthzSource } from '../security.js';
import { checkPolicyTargets, each } from './common.js';
import { enumOf, list, object, parseSpec, string, stringList } from './shape.js';
import { MatchLabelsSelector, PolicyTargetReference } from './shapes.js';
import { checkIPOrCIDR, closest } from './values.js';

const SOURCE_FIELDS = [
  'principals', 'notPrincipals', 'requestPrincipals', 'notRequestPrincipals', 'namespaces', 'notNamespaces',
  'ipBlocks', 'notIpBlocks', 'remoteIpBlocks', 'notRemoteIpBlocks', 'serviceAccounts', 'notServiceAccounts',
] as const;
const OPERATION_FIELDS = ['hosts', 'notHosts', 'ports', 'notPorts', 'methods', 'notMethods', 'paths', 'notPaths'] as const;

const AuthorizationPolicyShape = object({
  selector: MatchLabelsSelector,
  targetRef: PolicyTargetReference,
  targetRefs: list(PolicyTargetReference),
  rules: list(
    object({
      from: list(object({ source: object(Object.fromEntries(SOURCE_FIELDS.map((f) => [f, stringList]))) })),
      to: list(object({ operation: object(Object.fromEntries(OPERATION_FIELDS.map((f) => [f, stringList]))) })),
      when: list(object({ key: string, values: stringList, notValues: stringList }, { required: ['key'] })),
    }),
  ),
  action: enumOf('ALLOW', 'DENY', 'AUDIT', 'CUSTOM'),
  provider: object({ name: string }),
});

type Source = AuthzSource & { serviceAccounts?: string[]; notServiceAccounts?: string[] };

const IP_FIELDS = new Set(['ipBlocks', 'notIpBlocks', 'remoteIpBlocks', 'notRemoteIpBlocks']);
const CUSTOM_UNSUPPORTED = new Set(['namespaces', 'notNamespaces', 'principals', 'notPrincipals', 'requestPrincipals', 'notRequestPrincipals']);

/** Istio's documented `when` keys; "[]" marks keys that take a "[name]" suffix. */
const ATTRIBUTES = [
  'request.headers[]', 'request.experimental.inline.headers[]', 'source.ip', 'remote.ip', 'source.namespace', 'source.principal', 'source.serviceAccount',
  'request.auth.principal', 'request.auth.audiences', 'request.auth.presenter', 'request.auth.claims[]', 'destination.ip', 'destination.port',
  'connection.sni', 'experimental.envoy.filters.',
];

function checkIPs(values: readonly string[]): string | undefined {
  for (const v of values) {
    const err = checkIPOrCIDR(v);
    if (err) return v.includes('/') ? `bad CIDR range (${v})` : `bad IP address (${v})`;
  }
  return undefined;
}

function checkPorts(values: readonly string[]): string | undefined {
  const bad = values.find((p) => !/^\d+$/.test(p) || Number(p) > 65535);
  return bad === undefined ? undefined : `bad port (${bad}): must be a number in 0..65535, written as a string`;
}

function checkServiceAccounts(values: readonly string[]): string | undefined {
  if (values.length > 16) return 'may not have more than 16 values';
  for (const v of values) {
    if (v.includes('*')) return `wildcard not allowed, found "${v}"`;
    const parts = v.split('/');
    if (parts.length > 2 || parts.some((p) => p === '')) return `expected format 'serviceAccount' or 'namespace/serviceAccount', found "${v}"`;
    if (v.length > 320) return `value cannot exceed 320 characters, found "${v}"`;
  }
  return undefined;
}

/** A path with {*} and {**} templates: {**} last, no other braces, literal segments are URI pchars. */
function checkPathTemplate(path: string): string | undefined {
  const templated = path.includes('{*}') || path.includes('{**}');
  let anySeen = false;
  for (const glob of path.replace(/^\/+|\/+$/g, '').split('/')) {
    if ((glob === '{*}' || glob === '{**}') && anySeen) return `invalid or unsupported path ${path}: {**} is not the last operator`;
    if (glob === '{**}') anySeen = true;
    if (glob === '{*}' || glob === '{**}') continue;
    if (/[{}]/.test(glob)) return `invalid or unsupported path ${path}: contains '{' or '}' beyond a supported path template`;
    if (templated && !/^[a-zA-Z0-9-._~%!$&'()+,;:@=]+$/.test(glob)) return `invalid or unsupported path ${path}: segment "${glob}" is not a valid string literal`;
  }
  return undefined;
}

function checkMapKey(key: string): string | undefined {
  const open = key.indexOf('[');
  return key.endsWith(']') && open > 0 && open < key.length - 2 ? undefined : `bad key (${key}): should have format a[b]`;
}

/** Istio's security.ValidateAttribute, key half: a documented attribute, "[name]" where needed. */
function checkAttributeKey(key: string): string | undefined {
  if (['request.headers', 'request.experimental.inline.headers', 'request.auth.claims', 'experimental.envoy.filters.'].some((p) => key.startsWith(p))) {
    return checkMapKey(key);
  }
  if (ATTRIBUTES.includes(key)) return undefined;
  if (key === 'destination.namespace') return `attribute ${key} is replaced by the metadata.namespace`;
  if (key === 'destination.name' || key === 'destination.user') return `deprecated attribute ${key}: only supported in v1alpha1`;
  if (key.startsWith('destination.labels')) return `attribute ${key} is replaced by the workload selector`;
  const near = closest(key.replace(/\[.*$/, '[]'), ATTRIBUTES);
  return `unknown attribute "${key}"${near ? ` (did you mean "${near.replace('[]', '[...]')}"?)` : ''}`;
}

/** Istio's security.ValidateAttribute, value half: IPs, ports and service accounts where the key needs them. */
function checkAttributeValues(key: string, values: readonly string[]): string | undefined {
  if (values.some((v) => v === '')) return `empty value not allowed, found in ${key}`;
  if (key === 'source.ip' || key === 'remote.ip' || key === 'destination.ip') return checkIPs(values);
  if (key === 'destination.port') return checkPorts(values);
  if (key === 'source.serviceAccount') return checkServiceAccounts(values);
  return undefined;
}

function checkSource(se: ErrorCollector, src: Source, custom: boolean): void {
  if (SOURCE_FIELDS.every((f) => !src[f]?.length)) se.add('', 'source must not be empty');
  for (const f of SOURCE_FIELDS) {
    const values = src[f];
    if (!values) continue;
    if (values.some((v) => v === '')) se.add(f, `empty value not allowed, found in ${f}`);
    const err = IP_FIELDS.has(f) ? checkIPs(values) : f === 'serviceAccounts' || f === 'notServiceAccounts' ? checkServiceAccounts(values) : undefined;
    if (err) se.add(f, err);
    if (custom && CUSTOM_UNSUPPORTED.has(f) && values.length) se.add(f, `${f} is currently not supported with CUSTOM action`);
  }
}

function checkOperation(oe: ErrorCollector, op: AuthzOperation): void {
  if (OPERATION_FIELDS.every((f) => !op[f]?.length)) oe.add('', 'operation must not be empty');
  for (const f of OPERATION_FIELDS) {
    const values = op[f];
    if (!values) continue;
    if (values.some((v) => v === '')) oe.add(f, `empty value not allowed, found in ${f}`);
    const err = f === 'ports' || f === 'notPorts' ? checkPorts(values) : f === 'paths' || f === 'notPaths' ? values.map(checkPathTemplate).find(Boolean) : undefined;
    if (err) oe.add(f, err);
  }
}

export function validateAuthorizationPolicy(spec: unknown, e: ErrorCollector, resource: Resource): void {
  const ap = parseSpec<AuthorizationPolicySpec>(spec, AuthorizationPolicyShape, e, resource);
  if (!ap) return;
  checkPolicyTargets(e, ap);
  const action = ap.action ?? 'ALLOW';
  const custom = action === 'CUSTOM';
  const hasRules = (ap.rules?.length ?? 0) > 0;
  if (custom && !hasRules) e.add('rules', 'CUSTOM action without rules is meaningless as it will never be triggered; add an empty rule {} to trigger it for every request');
  else if (custom && !ap.provider?.name) e.add('provider.name', 'required for action CUSTOM');
  if (ap.provider && !custom) e.add('provider', `provider must not be set with non CUSTOM action, found ${action}`);
  if (action === 'DENY' && !hasRules) e.add('rules', 'DENY action without rules is meaningless as it will never be triggered; add an empty rule {} to trigger it for every request');

  each(ap.rules, e, 'rules', (rule, re) => {
    if (rule.from && rule.from.length === 0) re.add('from', 'from must not be empty');
    each(rule.from, re, 'from', (f, fe) => {
      if (!f.source) fe.add('source', 'required');
      else checkSource(fe.at('source'), f.source, custom);
    });
    if (rule.to && rule.to.length === 0) re.add('to', 'to must not be empty');
    each(rule.to, re, 'to', (t, te) => {
      if (!t.operation) te.add('operation', 'required');
      else checkOperation(te.at('operation'), t.operation);
    });
    each(rule.when, re, 'when', (c, ce) => {
      if (c.key === '') {
        ce.add('key', 'must not be empty');
        return;
      }
      if (custom && (c.key === 'source.namespace' || c.key === 'source.principal' || c.key.startsWith('request.auth.'))) {
        ce.add('key', `${c.key} is currently not supported with CUSTOM action`);
      }
      if (!c.values?.length && !c.notValues?.length) ce.add('', `at least one of values or notValues must be set for key ${c.key}`);
      const keyErr = checkAttributeKey(c.key);
      if (keyErr) ce.add('key', keyErr);
      else {
        for (const f of ['values', 'notValues'] as const) {
          const err = checkAttributeValues(c.key, c[f] ?? []);
          if (err) ce.add(f, err);
        }
      }
    });
  });
}
