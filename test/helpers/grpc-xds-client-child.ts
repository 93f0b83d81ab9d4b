// A proxyless gRPC client in its own process: @grpc/grpc-js + @grpc/grpc-js-xds and
// nothing of Rigging, so what it accepts or rejects is an independent judgement of the
// xDS that Rigging serves. Driven by test/helpers/grpc-xds-client.ts.
//
// Run: node --import tsx grpc-xds-client-child.ts '{"target":"xds:///echo","method":"/rigging.test.Echo/Who"}'
// with the xDS bootstrap in GRPC_XDS_BOOTSTRAP_CONFIG.
//
// stdin, one JSON command per line:
//   {"op":"run","id":1,"count":10}                      10 RPCs, one after another
//   {"op":"run","id":2,"intervalMs":20,"deadlineMs":2000} one RPC every 20 ms until stopped
//   {"op":"stop","id":2}                                 stop issuing; in-flight RPCs still report
//   {"op":"exit"}                                        (or closing stdin) ends the process
// stdout, one JSON event per line:
//   {"type":"ready","pid":123}
//   {"type":"rpc","id":1,"seq":0,"ok":true,"backend":"backend-a","ms":1.2}
//   {"type":"rpc","id":1,"seq":1,"ok":false,"code":14,"message":"...","ms":3.4}
//   {"type":"done","id":1,"count":10}
//   {"type":"error","message":"..."}                     a command it could not understand
import * as grpc from '@grpc/grpc-js';
import { register } from '@grpc/grpc-js-xds';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';

interface ChildConfig {
  target: string;
  method: string;
}

interface RunCommand {
  op: 'run';
  id: number;
  /** RPCs to issue; absent = until stopped. */
  count?: number;
  /** Issue one RPC every intervalMs (fixed rate); absent or 0 = sequentially. */
  intervalMs?: number;
  deadlineMs?: number;
}

type Command = RunCommand | { op: 'stop'; id: number } | { op: 'exit' };

type RpcOutcome = { ok: true; backend: string; ms: number } | { ok: false; code: number; message: string; ms: number };

const config = JSON.parse(process.argv[2] ?? '{}') as ChildConfig;
if (!config.target || !config.method) {
  process.stderr.write('usage: grpc-xds-client-child.ts \'{"target":"xds:///name","method":"/pkg.Service/Method"}\'\n');
  process.exit(2);
}

register();
const client = new grpc.Client(config.target, grpc.credentials.createInsecure());

function emit(event: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify(event) + '\n');
}

function rpc(deadlineMs: number): Promise<RpcOutcome> {
  const started = performance.now();
  return new Promise((resolve) => {
    client.makeUnaryRequest<Buffer, Buffer>(
      config.method,
      (b) => b,
      (b) => b,
      Buffer.alloc(0),
      new grpc.Metadata(),
      { deadline: Date.now() + deadlineMs },
      (err, reply) => {
        const ms = Math.round((performance.now() - started) * 100) / 100;
        if (err) {
          resolve({ ok: false, code: err.code, message: err.details || err.message, ms });
          return;
        }
        try {
          const { backend } = JSON.parse((reply ?? Buffer.alloc(0)).toString('utf8')) as { backend?: unknown };
          if (typeof backend !== 'string') throw new Error('reply has no "backend" string');
          resolve({ ok: true, backend, ms });
        } catch (e) {
          resolve({ ok: false, code: grpc.status.INTERNAL, message: `undecodable reply: ${String(e)}`, ms });
        }
      },
    );
  });
}

interface RunState {
  stopped: boolean;
  /** Cuts a fixed-rate wait short when the run is stopped. */
  abort: AbortController;
}

const runs = new Map<number, RunState>();

async function run(cmd: RunCommand): Promise<void> {
  const state: RunState = { stopped: false, abort: new AbortController() };
  runs.set(cmd.id, state);
  const deadlineMs = cmd.deadlineMs ?? 5000;
  const interval = cmd.intervalMs ?? 0;
  const inFlight = new Set<Promise<void>>();
  const start = performance.now();
  let seq = 0;
  while (!state.stopped && (cmd.count === undefined || seq < cmd.count)) {
    const n = seq++;
    const p = rpc(deadlineMs).then((o) => emit({ type: 'rpc', id: cmd.id, seq: n, ...o }));
    if (interval <= 0) {
      await p;
      continue;
    }
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
    const wait = start + seq * interval - performance.now();
    if (wait > 0) await sleep(wait, undefined, { signal: state.abort.signal }).catch(() => undefined);
  }
  await Promise.all(inFlight);
  runs.delete(cmd.id);
  emit({ type: 'done', id: cmd.id, count: seq });
}

function stop(id: number): void {
  const state = runs.get(id);
  if (!state) return;
  state.stopped = true;
  state.abort.abort();
}

let exiting = false;
function exit(): void {
  if (exiting) return;
  exiting = true;
  for (const id of runs.keys()) stop(id);
  client.close();
  // Let the last stdout lines drain before leaving.
  process.stdout.write('', () => process.exit(0));
}

function parse(line: string): Command | undefined {
  try {
    return JSON.parse(line) as Command;
  } catch (e) {
    emit({ type: 'error', message: `bad command ${JSON.stringify(line)}: ${String(e)}` });
    return undefined;
  }
}

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  if (line.trim() === '') return;
  const cmd = parse(line);
  switch (cmd?.op) {
    case undefined:
      return;
    case 'run':
      run(cmd).catch((e: unknown) => emit({ type: 'error', message: `run ${cmd.id} failed: ${String(e)}` }));
      return;
    case 'stop':
      stop(cmd.id);
      return;
    case 'exit':
      exit();
      return;
    default:
      emit({ type: 'error', message: `unknown command ${line}` });
  }
});
// The parent went away (or closed our stdin): never outlive it.
lines.on('close', exit);

emit({ type: 'ready', pid: process.pid });
