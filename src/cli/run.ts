// `rig run`: starts a pod on the local platform (with a sidecar when its namespace is
// labelled istio-injection=enabled) and waits until it is Running; `--expose` also creates
// a Service of the same name selecting it. `--isolation netns` (Linux, root) runs it in a
// network namespace of its own with iptables capture, so an unmodified app is meshed.
import type { Command } from './command.js';
import { connectPlatform, PlatformError } from '../platform/local/client.js';
import { ControlPlaneError } from '../platform/local/control-plane.js';
import { ISOLATION_ANNOTATION, parseIsolation } from '../platform/local/netns.js';
import { displayStatus, isReady, readyCount, type ContainerPort, type PodRecord } from '../platform/local/pod.js';
import { UPSTREAMS_ANNOTATION, parseUpstreams } from '../platform/local/upstreams.js';

function parsePairs(text: string | undefined, what: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (text ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new PlatformError(`${what}: "${part}" is not KEY=VALUE`);
    out[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return out;
}

/** `8080` or `http:8080` (a named port; the name's prefix tells the mesh its protocol). */
function parsePort(s: string): ContainerPort {
  const m = /^(?:([a-z0-9]([-a-z0-9]*[a-z0-9])?):)?(\d+)$/.exec(s);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port < 1 || port > 65535) throw new PlatformError(`--port ${s}: expected PORT or NAME:PORT (e.g. 8080, http:8080)`);
  return { ...(m[1] ? { name: m[1] } : {}), containerPort: port };
}

export const runCommand: Command = {
  name: 'run',
  summary: 'Start a pod running COMMAND (with a sidecar if its namespace has istio-injection=enabled)',
  usage: 'rig run NAME [-n NS] [--labels k=v,…] [--port P]… [--env K=V]… [--service-account SA] [--isolation explicit|netns] [--upstream SVC:PORT[=LOCAL]]… [--expose] -- COMMAND [ARG…]',
  examples: [
    'rig run hello --port 8080 --expose -- node samples/hello/server.js',
    'rig run reviews-v2 --labels app=reviews,version=v2 --port http:9080 -- node reviews.js',
    "rig run sleep -- sh -c 'sleep infinity'",
    'rig run app --upstream mongodb:27017 --upstream reviews:9080=19080 -- node app.js   # $MONGODB_SERVICE_HOST:$MONGODB_SERVICE_PORT',
    'sudo rig run web --isolation netns --port 8080 --expose -- nginx -g "daemon off;"   # transparent capture',
  ],
  flags: [
    { name: 'namespace', short: 'n', type: 'string', default: 'default', description: 'namespace' },
    { name: 'labels', short: 'l', type: 'string', description: 'pod labels, k=v,k2=v2 (app=NAME by default)' },
    { name: 'port', type: 'list', description: 'a port the app listens on (it gets $PORT and should listen on $HOST:$PORT); repeatable' },
    { name: 'env', type: 'list', description: 'K=V for the app; repeatable' },
    { name: 'service-account', type: 'string', default: 'default', description: 'service account (the workload identity)' },
    { name: 'image', type: 'string', description: 'image name to record (shown only; nothing is pulled)' },
    { name: 'restart', type: 'string', default: 'Always', description: 'Always, OnFailure or Never' },
    { name: 'annotations', type: 'string', description: 'pod annotations, k=v,… (sidecar.istio.io/inject=false skips the sidecar)' },
    {
      name: 'isolation',
      type: 'string',
      description: 'explicit (a loopback IP, proxy env vars) or netns (a network namespace with iptables capture; Linux and root); default: the install value values.global.isolation',
    },
    {
      name: 'upstream',
      type: 'list',
      description: 'SERVICE:PORT[=LOCALPORT]: the sidecar listens on the pod IP at LOCALPORT (default PORT) and forwards to the service through the mesh, for clients that cannot use HTTP_PROXY; the app gets $<SERVICE>_SERVICE_HOST/_PORT; repeatable',
    },
    { name: 'expose', type: 'boolean', description: 'also create a Service NAME selecting the pod, on its ports' },
    { name: 'timeout', type: 'number', default: 60, description: 'seconds to wait for the pod to be Running' },
  ],
  async run(args) {
    const [name] = args.positional;
    if (!name || args.rest.length === 0) {
      process.stderr.write('error: give a NAME and the command after --, e.g. `rig run hello --port 8080 -- node server.js`\n');
      return 1;
    }
    try {
      const p = connectPlatform();
      const namespace = args.flags.namespace as string;
      const labels = { app: name, ...parsePairs(args.flags.labels as string | undefined, '--labels') };
      const env = parsePairs(((args.flags.env as string[] | undefined) ?? []).join(','), '--env');
      const ports = ((args.flags.port as string[] | undefined) ?? []).map(parsePort);
      const restart = args.flags.restart as string;
      if (!['Always', 'OnFailure', 'Never'].includes(restart)) throw new PlatformError(`--restart ${restart}: use Always, OnFailure or Never`);
      if (args.flags.expose && ports.length === 0) throw new PlatformError('--expose needs at least one --port');
      const annotations = parsePairs(args.flags.annotations as string | undefined, '--annotations');
      const upstreams = (args.flags.upstream as string[] | undefined) ?? [];
      if (upstreams.length) {
        const bad = parseUpstreams(upstreams.join(',')).errors;
        if (bad.length) throw new PlatformError(`--upstream ${bad[0]!}`);
        annotations[UPSTREAMS_ANNOTATION] = [annotations[UPSTREAMS_ANNOTATION], ...upstreams].filter(Boolean).join(',');
      }
      if (args.flags.isolation !== undefined) {
        const isolation = parseIsolation(args.flags.isolation as string);
        if (isolation !== 'explicit' && isolation !== 'netns') throw new PlatformError(`--isolation: ${isolation}`);
        annotations[ISOLATION_ANNOTATION] = isolation;
      }
      await p.supervisor.create({
        name,
        namespace,
        labels,
        annotations,
        serviceAccount: args.flags['service-account'] as string,
        restartPolicy: restart as 'Always',
        containers: [
          {
            name,
            ...(args.flags.image ? { image: args.flags.image as string } : {}),
            command: args.rest,
            env,
            ports,
            workingDir: process.cwd(),
          },
        ],
      });
      process.stdout.write(`pod/${name} created\n`);
      if (args.flags.expose) {
        const svc = {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name, namespace, labels: { app: labels.app } },
          spec: {
            selector: { app: labels.app },
            ports: ports.map((x, i) => ({ ...(x.name ? { name: x.name } : ports.length > 1 ? { name: `port-${i}` } : {}), port: x.containerPort, targetPort: x.containerPort, protocol: 'TCP' })),
          },
        };
        await p.controlPlane.apply(JSON.stringify(svc), `rig run ${name}`);
        process.stdout.write(`service/${name} created\n`);
      }
      const deadline = Date.now() + (args.flags.timeout as number) * 1000;
      let pod: PodRecord | undefined;
      for (;;) {
        pod = await p.supervisor.pod(namespace, name);
        if (!pod) throw new PlatformError(`pod ${namespace}/${name} disappeared`);
        if (isReady(pod)) break;
        const status = displayStatus(pod);
        if (Date.now() > deadline || status === 'CrashLoopBackOff' || status === 'Completed' || status === 'Error') {
          process.stderr.write(
            `error: pod ${name} is not ready: ${readyCount(pod)} ${status}; see \`rig logs ${name}${namespace !== 'default' ? ` -n ${namespace}` : ''}\` (apps should listen on $HOST:$PORT)\n`,
          );
          return 1;
        }
        await new Promise((r) => setTimeout(r, 200));
      }
      process.stdout.write(`pod/${name} ${readyCount(pod)} Running (IP ${pod.status.podIP}${pod.status.hasSidecar ? ', with sidecar' : ''}${pod.status.netns ? `, network namespace ${pod.status.netns}` : ''})\n`);
      return 0;
    } catch (err) {
      if (err instanceof PlatformError || err instanceof ControlPlaneError) {
        process.stderr.write(`error: ${err.message}\n`);
        return 1;
      }
      throw err;
    }
  },
};
