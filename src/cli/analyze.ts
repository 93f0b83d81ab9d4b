// `rig analyze`: the control plane's cross-resource analysis (IST0101 …) printed as
// `istioctl analyze` prints it; exit code 79 (istioctl's) when there is an error.
// With -f, the files are analyzed offline, on their own: the control plane analyzes only
// its live config (GET /debug/analyze) and takes no files.
import type { Command } from './command.js';
import { UsageError } from './args.js';
import { controlPlaneJson, locateControlPlane, monitoringAddressFlag } from './control-plane.js';
import { CliError, runReporting } from './errors.js';
import { formatStructured, outputFormat } from './table.js';
import { readManifestInputs } from './apply.js';
import { parseManifests } from '../api/istio/parse.js';
import type { Resource } from '../api/istio/meta.js';
import { notEnforced } from '../api/istio/not-enforced.js';
import { analyze, formatMessage } from '../control/analysis/analyze.js';
import { AggregateRegistry } from '../control/registry/registry.js';
import { buildPushContext } from '../control/snapshot/build.js';
import { defaultMeshConfig } from '../control/model/mesh.js';

/** istioctl's exit code when analyzers found errors. */
export const ANALYZE_ERRORS_EXIT = 79;

export interface ParsedMessage {
  text: string;
  severity: string;
  code: string;
  kind: string;
  namespace: string;
  name: string;
}

/** Splits `Error [IST0101] (VirtualService default/reviews) …` into its parts. */
export function parseMessage(text: string): ParsedMessage {
  const m = text.match(/^(\w+) \[([^\]]+)\] \((\S+) (?:([^/\s]+)\/)?([^)\s]+)\)/);
  if (!m) return { text, severity: 'Info', code: '', kind: '', namespace: '', name: '' };
  return { text, severity: m[1]!, code: m[2]!, kind: m[3]!, namespace: m[4] ?? '', name: m[5]! };
}

/** Messages about resources in `namespace` (undefined = all); cluster-scoped ones always count. */
export function inScope(messages: readonly ParsedMessage[], namespace: string | undefined): ParsedMessage[] {
  return namespace === undefined ? [...messages] : messages.filter((m) => m.namespace === '' || m.namespace === namespace);
}

/** Messages whose checks need live workloads, which an offline analysis does not have. */
const NEEDS_WORKLOADS = new Set(['GatewaySelectorNotFound', 'DestinationRuleSubsetNotSelectPods']);

/** Analyzes manifests on their own (no control plane): their Services and ServiceEntries are the only services. */
export function analyzeOffline(resources: readonly Resource[]): string[] {
  const reader = {
    list: (kind?: string, namespace?: string) => resources.filter((r) => (kind === undefined || r.kind === kind) && (namespace === undefined || (r.metadata.namespace ?? '') === namespace)),
    watch: () => () => {},
  };
  const registry = new AggregateRegistry({ store: reader });
  try {
    const push = buildPushContext({ resources, registry, mesh: defaultMeshConfig() });
    return analyze({ resources, push, notEnforced })
      .filter((m) => !NEEDS_WORKLOADS.has(m.name))
      .map(formatMessage);
  } finally {
    registry.close();
  }
}

export const analyzeCommand: Command = {
  name: 'analyze',
  summary: 'Analyze the mesh configuration for problems (IST0101 …), as istioctl analyze does',
  usage:
    'rig analyze [-n NAMESPACE | -A] [-f FILE|DIR|- …] [-o json|yaml]\n\n' +
    'Without -f: the control plane analyzes its live configuration and registry. With -f: the\n' +
    'given files are analyzed offline, on their own (their Services and ServiceEntries are the\n' +
    'only services; checks that need running workloads are skipped), and every namespace in\n' +
    `them is reported unless -n is given. Exit code ${ANALYZE_ERRORS_EXIT} when an Error is found, 0 otherwise.`,
  examples: ['rig analyze', 'rig analyze -A', 'rig analyze -n bookinfo', 'rig analyze -f samples/bookinfo/networking/', 'rig analyze -o json'],
  flags: [
    { name: 'namespace', short: 'n', type: 'string', description: 'namespace to analyze (default "default")' },
    { name: 'all-namespaces', short: 'A', type: 'boolean', description: 'analyze every namespace' },
    { name: 'filename', short: 'f', type: 'list', description: 'analyze these files (a file, a directory, or - for standard input) offline; repeatable' },
    { name: 'output', short: 'o', type: 'string', description: 'output format: json|yaml (default: one line per message)' },
    monitoringAddressFlag,
  ],
  run: (args) =>
    runReporting(async () => {
      const format = outputFormat(args.flags.output);
      if (args.positional.length) throw new UsageError(`unexpected argument "${args.positional[0]}"; give files with -f`);
      const all = args.flags['all-namespaces'] === true;
      const nsFlag = args.flags.namespace as string | undefined;
      if (all && nsFlag) throw new UsageError('give either -n NAMESPACE or -A, not both');
      const files = (args.flags.filename as string[] | undefined) ?? [];
      let texts: string[];
      let namespace: string | undefined;
      if (files.length) {
        const resources: Resource[] = [];
        const errors: string[] = [];
        for (const input of readManifestInputs(files)) {
          const r = parseManifests(input.text, input.name === '-' ? 'stdin' : input.name, { defaultNamespace: nsFlag, allowUnknownKinds: true });
          if (r.ok) resources.push(...r.value.resources);
          else errors.push(...r.errors);
        }
        if (errors.length) throw new CliError(`the files cannot be analyzed:\n  ${errors.join('\n  ')}\nFix the fields named above and run \`rig analyze\` again.`);
        texts = analyzeOffline(resources);
        namespace = all ? undefined : nsFlag;
      } else {
        const loc = locateControlPlane({ flag: args.flags['monitoring-address'] as string | undefined });
        const r = await controlPlaneJson<{ messages?: unknown }>(loc, '/debug/analyze', 'analyzing');
        texts = Array.isArray(r.messages) ? r.messages.map(String) : [];
        namespace = all ? undefined : (nsFlag ?? 'default');
      }
      const messages = inScope(texts.map(parseMessage), namespace);
      const errors = messages.filter((m) => m.severity === 'Error').length;
      const scope = files.length && namespace === undefined ? 'the given files' : namespace === undefined ? 'all namespaces' : `namespace: ${namespace}`;
      if (format === 'json' || format === 'yaml') {
        process.stdout.write(formatStructured(messages.map(({ text, ...m }) => ({ ...m, message: text.replace(/^\w+ \[[^\]]+\] \([^)]*\) /, '') })), format));
      } else if (messages.length === 0) {
        process.stdout.write(`✔ No validation issues found when analyzing ${scope}.\n`);
      } else {
        for (const m of messages) process.stdout.write(`${m.text}\n`);
      }
      if (errors > 0) {
        process.stderr.write(`Error: Analyzers found issues when analyzing ${scope}.\nFix the errors above (each names the resource and field), then run \`rig analyze\` again.\n`);
        return ANALYZE_ERRORS_EXIT;
      }
      return 0;
    }),
};
