// Workload kinds the local platform runs: core v1 Pod, apps/v1 Deployment and core v1
// ServiceAccount. Only the fields the platform uses are checked (a container's command,
// args, env, ports, workingDir, readinessProbe; a Deployment's replicas, selector and
// template); the rest of a Kubernetes manifest (imagePullPolicy, securityContext, volumes …)
// is kept and ignored, so Istio's sample manifests apply unchanged.
import type { ErrorCollector } from '../../../shared/result.js';
import { checkLabels } from './common.js';

export interface KubeEnvVar {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: { fieldPath: string } };
}

export interface KubeProbe {
  httpGet?: { path?: string; port: number | string; host?: string };
  tcpSocket?: { port: number | string; host?: string };
}

export interface KubeContainer {
  name: string;
  image?: string;
  command: string[];
  args?: string[];
  env?: KubeEnvVar[];
  ports?: { name?: string; containerPort: number; protocol?: 'TCP' | 'UDP' }[];
  workingDir?: string;
  readinessProbe?: KubeProbe;
}

export interface KubePodSpec {
  containers: KubeContainer[];
  serviceAccountName?: string;
  serviceAccount?: string;
  restartPolicy?: 'Always' | 'OnFailure' | 'Never';
}

export interface KubePodTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: KubePodSpec;
}

export interface DeploymentSpec {
  replicas?: number;
  selector: { matchLabels?: Record<string, string> };
  template: KubePodTemplate;
}

/** `valueFrom.fieldRef.fieldPath` values the platform fills in, and the value each becomes (`$(VAR)` is expanded from the pod's environment). */
export const FIELD_REFS: Readonly<Record<string, string>> = {
  'metadata.name': '$(POD_NAME)',
  'metadata.namespace': '$(POD_NAMESPACE)',
  'status.podIP': '$(POD_IP)',
  'status.hostIP': '127.0.0.1',
  'spec.serviceAccountName': '$(SERVICE_ACCOUNT)',
  'spec.nodeName': 'local',
};

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function isStringList(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}

function checkProbePort(e: ErrorCollector, field: string, port: unknown): void {
  if (typeof port === 'number' ? !Number.isInteger(port) || port < 1 || port > 65535 : typeof port !== 'string' || !port) e.add(field, 'must be a port number 1-65535 or a port name');
}

function checkContainer(c: unknown, e: ErrorCollector): void {
  if (!isObject(c)) return e.add('', 'must be an object');
  if (typeof c.name !== 'string' || !DNS_LABEL.test(c.name)) e.add('name', 'required: a lower-case DNS label (letters, digits and -)');
  if (c.image !== undefined && typeof c.image !== 'string') e.add('image', 'must be a string');
  if (c.command === undefined) e.add('command', 'required on the local platform (the image is not pulled): the program to run, e.g. ["rig", "sample", "details"]');
  else if (!isStringList(c.command) || c.command.length === 0) e.add('command', 'must be a non-empty list of strings');
  if (c.args !== undefined && !isStringList(c.args)) e.add('args', 'must be a list of strings');
  if (c.workingDir !== undefined && typeof c.workingDir !== 'string') e.add('workingDir', 'must be a string');
  if (c.env !== undefined) {
    if (!Array.isArray(c.env)) e.add('env', 'must be a list of {name, value}');
    else
      c.env.forEach((v: unknown, i) => {
        const f = `env[${i}]`;
        if (!isObject(v)) return e.add(f, 'must be an object with name and value');
        if (typeof v.name !== 'string' || !ENV_NAME.test(v.name)) e.add(`${f}.name`, 'required: a variable name');
        if (v.value !== undefined && typeof v.value !== 'string') e.add(`${f}.value`, `must be a string, got ${JSON.stringify(v.value)} (quote it in YAML)`);
        if (v.valueFrom !== undefined) {
          const path = isObject(v.valueFrom) && isObject(v.valueFrom.fieldRef) ? v.valueFrom.fieldRef.fieldPath : undefined;
          if (typeof path !== 'string' || !(path in FIELD_REFS))
            e.add(`${f}.valueFrom`, `only fieldRef.fieldPath ${Object.keys(FIELD_REFS).join(', ')} is supported on the local platform; set value instead`);
        }
      });
  }
  if (c.ports !== undefined) {
    if (!Array.isArray(c.ports)) e.add('ports', 'must be a list of {containerPort}');
    else
      c.ports.forEach((p: unknown, i) => {
        const f = `ports[${i}]`;
        if (!isObject(p)) return e.add(f, 'must be an object with containerPort');
        if (typeof p.containerPort !== 'number' || !Number.isInteger(p.containerPort) || p.containerPort < 1 || p.containerPort > 65535) e.add(`${f}.containerPort`, 'required: a port number 1-65535');
        if (p.name !== undefined && (typeof p.name !== 'string' || p.name.length > 15 || !DNS_LABEL.test(p.name))) e.add(`${f}.name`, 'must be at most 15 lower-case letters, digits and -');
        if (p.protocol !== undefined && p.protocol !== 'TCP' && p.protocol !== 'UDP') e.add(`${f}.protocol`, 'must be TCP or UDP');
      });
  }
  if (c.readinessProbe !== undefined) {
    const p = c.readinessProbe;
    if (!isObject(p)) e.add('readinessProbe', 'must be an object');
    else if (isObject(p.httpGet)) checkProbePort(e, 'readinessProbe.httpGet.port', p.httpGet.port);
    else if (isObject(p.tcpSocket)) checkProbePort(e, 'readinessProbe.tcpSocket.port', p.tcpSocket.port);
  }
}

/** A pod spec (a Pod's spec, or a Deployment's spec.template.spec) at `e`'s path. */
export function checkPodSpec(spec: unknown, e: ErrorCollector): void {
  if (!isObject(spec)) return e.add('', 'required: an object with containers');
  const cs = spec.containers;
  if (!Array.isArray(cs) || cs.length === 0) e.add('containers', 'required: at least one container');
  else {
    cs.forEach((c: unknown, i) => checkContainer(c, e.at(`containers[${i}]`)));
    const names = cs.map((c: unknown) => (isObject(c) ? c.name : undefined));
    names.forEach((n, i) => {
      if (typeof n === 'string' && names.indexOf(n) !== i) e.add(`containers[${i}].name`, `duplicate container name "${n}"`);
    });
  }
  for (const f of ['serviceAccountName', 'serviceAccount'] as const) {
    const sa = spec[f];
    if (sa !== undefined && (typeof sa !== 'string' || !DNS_LABEL.test(sa))) e.add(f, 'must be a service account name (lower-case letters, digits and -)');
  }
  if (spec.restartPolicy !== undefined && !['Always', 'OnFailure', 'Never'].includes(spec.restartPolicy as string)) e.add('restartPolicy', 'must be Always, OnFailure or Never');
}

export function validatePod(spec: unknown, e: ErrorCollector): void {
  checkPodSpec(spec, e);
}

export function validateDeployment(spec: unknown, e: ErrorCollector): void {
  if (!isObject(spec)) return e.add('', 'must be an object with selector and template');
  const r = spec.replicas;
  if (r !== undefined && (typeof r !== 'number' || !Number.isInteger(r) || r < 0)) e.add('replicas', 'must be a whole number ≥ 0');
  const selector = isObject(spec.selector) ? spec.selector.matchLabels : undefined;
  if (!isObject(selector) || Object.keys(selector).length === 0) e.add('selector.matchLabels', 'required: the labels that select the pods (matchExpressions is not supported)');
  else checkLabels(e, 'selector.matchLabels', selector as Record<string, string>);
  const template = spec.template;
  if (!isObject(template)) return e.add('template', 'required: the pod template (metadata.labels and spec.containers)');
  const labels = isObject(template.metadata) ? template.metadata.labels : undefined;
  if (labels !== undefined && !isObject(labels)) e.add('template.metadata.labels', 'must be a map of strings');
  if (isObject(selector))
    for (const [k, v] of Object.entries(selector))
      if (!isObject(labels) || labels[k] !== v) e.add('template.metadata.labels', `selector does not match template labels: ${k}=${String(v)} is missing`);
  checkPodSpec(template.spec, e.at('template.spec'));
}

export function validateServiceAccount(): void {
  // A ServiceAccount has no spec; its name is the workload identity (spiffe://…/sa/NAME).
}
