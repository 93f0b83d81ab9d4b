// `rig apply -f FILE|DIR|-`: sends Istio manifests to the control plane's config API
// (POST /rig/v1/apply) and prints what happened to each object, as kubectl does.
// Every file of one command goes in one request, so the whole command is atomic: one
// invalid document anywhere and nothing is applied. The manifest reading and sending is
// shared with `rig delete -f`.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { UsageError, type Parsed } from './args.js';
import type { Command } from './command.js';
import { controlPlaneRequest, locateControlPlane, monitoringAddressFlag } from './control-plane.js';
import { CliError, runReporting } from './errors.js';
import { formatStructured, outputFormat } from './table.js';
import { kindInfo } from '../api/istio/kinds.js';

export const MANIFEST_EXTENSIONS = ['.yaml', '.yml', '.json'];

export interface ManifestInput {
  /** The path as the user gave it, or `-` for stdin; errors name it. */
  name: string;
  text: string;
}

/** Reads every -f: files as given, directories' *.yaml/*.yml/*.json (sorted), `-` from stdin. */
export function readManifestInputs(paths: readonly string[], readStdin: () => string = () => readFileSync(0, 'utf8')): ManifestInput[] {
  if (paths.length === 0) throw new UsageError('give the manifests with -f FILE, -f DIR or -f - (standard input)');
  if (paths.filter((p) => p === '-').length > 1) throw new UsageError('standard input (-f -) can be given only once');
  const out: ManifestInput[] = [];
  for (const p of paths) {
    if (p === '-') {
      out.push({ name: '-', text: readStdin() });
      continue;
    }
    let isDir: boolean;
    try {
      isDir = statSync(p).isDirectory();
    } catch {
      throw new CliError(`the path "${p}" does not exist; give a file, a directory of .yaml/.yml/.json files, or - for standard input`);
    }
    if (!isDir) {
      out.push({ name: p, text: readFile(p) });
      continue;
    }
    const files = readdirSync(p, { withFileTypes: true })
      .filter((e) => e.isFile() && MANIFEST_EXTENSIONS.includes(extname(e.name).toLowerCase()))
      .map((e) => e.name)
      .sort();
    if (files.length === 0) throw new CliError(`the directory "${p}" has no ${MANIFEST_EXTENSIONS.join(', ')} files`);
    for (const f of files) out.push({ name: join(p, f), text: readFile(join(p, f)) });
  }
  return out;
}

function readFile(p: string): string {
  try {
    return readFileSync(p, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read ${p}: ${(err as Error).message}`);
  }
}

/** The marker that stands for "the combined request" in server messages; replaced by file names. */
const COMBINED = 'rig-combined-manifests';

export interface RequestBody {
  source: string;
  body: string;
  /** Rewrites the server's messages so they name the user's files and documents. */
  rename: (message: string) => string;
}

/**
 * One request body for all inputs. One input goes as written (the server's messages name
 * it, with line numbers). Several go as one `kind: List` document per file, so the server
 * validates them all before applying any; its `document K: items[J]` is mapped back to
 * the file and document the object came from.
 */
export function requestBody(inputs: readonly ManifestInput[]): RequestBody {
  if (inputs.length === 1) {
    const only = inputs[0]!;
    const source = only.name === '-' ? 'stdin' : only.name;
    return { source, body: only.text, rename: (m) => m };
  }
  const origins: string[][] = [];
  const docs: string[] = [];
  const errors: string[] = [];
  inputs.forEach((input, k) => {
    const items: unknown[] = [];
    const where: string[] = [];
    const name = input.name === '-' ? 'stdin' : input.name;
    parseAllDocuments(input.text).forEach((doc, d) => {
      if (doc.errors.length) {
        for (const e of doc.errors) {
          const pos = e.linePos?.[0];
          errors.push(`${name}: document ${d + 1}: ${pos ? `${pos.line}:${pos.col}: ` : ''}${e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`);
        }
        return;
      }
      let v: unknown;
      try {
        v = doc.toJS({ maxAliasCount: 100 });
      } catch (err) {
        errors.push(`${name}: document ${d + 1}: ${(err as Error).message}`);
        return;
      }
      if (v === null || v === undefined) return;
      const o = v as { apiVersion?: unknown; kind?: unknown; items?: unknown };
      if (o.kind === 'List' && o.apiVersion === 'v1' && Array.isArray(o.items)) {
        o.items.forEach((item: unknown, m: number) => {
          items.push(item);
          where.push(`${name}: document ${d + 1}: items[${m}]`);
        });
        return;
      }
      items.push(v);
      where.push(`${name}: document ${d + 1}`);
    });
    origins[k] = where;
    docs.push(JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
  });
  if (errors.length) throw new CliError(`cannot parse the manifests (nothing was sent):\n  ${errors.join('\n  ')}`);
  const names = inputs.map((i) => (i.name === '-' ? 'stdin' : i.name)).join(', ');
  const rename = (m: string) =>
    m
      .replace(new RegExp(`${COMBINED}: document (\\d+): items\\[(\\d+)\\]`, 'g'), (all, k: string, j: string) => origins[Number(k) - 1]?.[Number(j)] ?? all)
      .replace(new RegExp(`${COMBINED}: document (\\d+)`, 'g'), (all, k: string) => inputs[Number(k) - 1]?.name ?? all)
      .replaceAll(COMBINED, names);
  return { source: COMBINED, body: docs.join('\n---\n'), rename };
}

export interface ObjectResult {
  kind: string;
  namespace: string;
  name: string;
  action: string;
}

/** `virtualservice.networking.istio.io/reviews`, `service/reviews`, as kubectl names objects. */
export function objectName(r: { kind: string; name: string }): string {
  const info = kindInfo(r.kind);
  const kind = info ? (info.group ? `${info.singular}.${info.group}` : info.singular) : r.kind.toLowerCase();
  return `${kind}/${r.name}`;
}

interface StatusBody {
  kind?: string;
  message?: string;
  reason?: string;
  details?: { causes?: { message: string }[] };
}

/** Sends the manifests to /rig/v1/apply or /rig/v1/delete; prints the results; returns the exit code. */
export async function sendManifests(op: 'apply' | 'delete', args: Parsed): Promise<number> {
  const format = outputFormat(args.flags.output, ['json', 'yaml']);
  const files = (args.flags.filename as string[] | undefined) ?? [];
  if (args.positional.length) throw new UsageError(`unexpected argument "${args.positional[0]}"; give manifests with -f`);
  const loc = locateControlPlane({ flag: args.flags['monitoring-address'] as string | undefined });
  const req = requestBody(readManifestInputs(files));
  const query = new URLSearchParams({ source: req.source });
  const ns = args.flags.namespace as string | undefined;
  if (ns) query.set('namespace', ns);
  if (op === 'delete' && args.flags['ignore-not-found']) query.set('ignoreNotFound', 'true');
  const res = await controlPlaneRequest(loc, `/rig/v1/${op}?${query}`, { method: 'POST', body: req.body, timeoutMs: 30_000 });
  if (res.status === 200) {
    const results = ((res.json as { results?: ObjectResult[] } | undefined)?.results ?? []).map((r) => ({ ...r }));
    if (format === 'json' || format === 'yaml') process.stdout.write(formatStructured({ results }, format));
    else for (const r of results) process.stdout.write(`${objectName(r)} ${r.action}\n`);
    return 0;
  }
  const status = res.json as StatusBody | undefined;
  if (status?.kind !== 'Status') throw new CliError(`the control plane at ${loc.monitoringAddress} answered ${res.status}: ${res.text.trim().slice(0, 500)}`);
  const causes = (status.details?.causes?.length ? status.details.causes.map((c) => c.message) : [status.message ?? '']).map(req.rename);
  const verb = op === 'apply' ? 'applied' : 'deleted';
  const next =
    status.reason === 'NotFound' && op === 'delete'
      ? 'Nothing was deleted. Use --ignore-not-found to skip objects that do not exist.'
      : status.reason === 'Invalid'
        ? `Nothing was ${verb}. Fix the fields named above and run \`rig ${op}\` again.`
        : status.reason === 'Conflict'
          ? `Nothing was ${verb}. Another change got there first; run \`rig ${op}\` again.`
          : `Nothing was ${verb}.`;
  process.stderr.write(`error: ${causes.length === 1 ? causes[0] : `${causes.length} errors:\n  ${causes.join('\n  ')}`}\n${next}\n`);
  return 1;
}

export const manifestFlags = [
  { name: 'filename', short: 'f', type: 'list', description: 'a manifest file, a directory of .yaml/.yml/.json files, or - for standard input; repeatable' },
  { name: 'namespace', short: 'n', type: 'string', description: 'namespace for objects that do not set one (default "default")' },
  { name: 'output', short: 'o', type: 'string', description: 'output format: json|yaml (default: one line per object)' },
  monitoringAddressFlag,
] as const satisfies Command['flags'];

export const applyCommand: Command = {
  name: 'apply',
  summary: 'Create or update Istio configuration from files, a directory or standard input',
  usage:
    'rig apply -f FILE|DIR|- [-f …] [-n NAMESPACE] [-o json|yaml]\n\n' +
    'All the files of one command are sent to the control plane in one request and applied\n' +
    'atomically: if any document in any file is invalid, nothing is applied, and every error\n' +
    'names its file, document and field. A directory applies its *.yaml, *.yml and *.json\n' +
    'files (not subdirectories), in name order.',
  examples: [
    'rig apply -f samples/bookinfo/networking/virtual-service-all-v1.yaml',
    'rig apply -f destination-rules.yaml -f virtual-services.yaml',
    'rig apply -f ./mesh-config/ -n bookinfo',
    'cat reviews.yaml | rig apply -f -',
  ],
  flags: [...manifestFlags],
  run: (args) => runReporting(() => sendManifests('apply', args)),
};
