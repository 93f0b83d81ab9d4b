// A MeshConfig file (Istio's `meshConfig`, as the istio ConfigMap's `mesh` key or an
// IstioOperator's spec.meshConfig holds it), read by `rig pilot --mesh-config FILE`. Only
// the fields Rigging acts on are accepted; any other field is an error naming its path,
// so a setting that would be silently ignored never is. Missing fields keep Istio's defaults.
import { parse as parseYaml } from 'yaml';
import { defaultMeshConfig, type MeshConfig } from './mesh.js';
import { fail, ok, type Result } from '../../shared/result.js';

const TOP = ['trustDomain', 'rootNamespace', 'outboundTrafficPolicy', 'connectTimeout', 'accessLogFile', 'enableTracing', 'defaultConfig'] as const;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parses a MeshConfig YAML/JSON document onto Istio's defaults. `file` prefixes every error. */
export function parseMeshConfig(text: string, file: string): Result<MeshConfig> {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    return fail(`${file}: not valid YAML: ${(err as Error).message}`);
  }
  const mesh = defaultMeshConfig();
  if (doc === null || doc === undefined) return ok(mesh);
  if (!isObject(doc)) return fail(`${file}: expected a mapping of MeshConfig fields`);
  const errors: string[] = [];
  const err = (path: string, msg: string) => errors.push(`${file}: ${path}: ${msg}`);
  const str = (path: string, v: unknown, set: (s: string) => void) => (typeof v === 'string' ? set(v) : err(path, 'must be a string'));
  for (const [k, v] of Object.entries(doc)) {
    switch (k as (typeof TOP)[number]) {
      case 'trustDomain':
        str(k, v, (s) => (mesh.trustDomain = s));
        break;
      case 'rootNamespace':
        str(k, v, (s) => (mesh.rootNamespace = s));
        break;
      case 'connectTimeout':
        str(k, v, (s) => (/^\d+(\.\d+)?(ms|s|m|h)$/.test(s) ? (mesh.connectTimeout = s) : err(k, `"${s}" is not a duration (e.g. 10s, 500ms)`)));
        break;
      case 'accessLogFile':
        str(k, v, (s) => (mesh.accessLogFile = s));
        break;
      case 'enableTracing':
        if (typeof v === 'boolean') mesh.enableTracing = v;
        else err(k, 'must be true or false');
        break;
      case 'outboundTrafficPolicy':
        if (!isObject(v)) {
          err(k, 'must be a mapping with mode');
          break;
        }
        for (const [k2, v2] of Object.entries(v)) {
          if (k2 !== 'mode') err(`${k}.${k2}`, 'unknown field (only mode is supported)');
          else if (v2 === 'ALLOW_ANY' || v2 === 'REGISTRY_ONLY') mesh.outboundTrafficPolicy = { mode: v2 };
          else err(`${k}.mode`, `must be ALLOW_ANY or REGISTRY_ONLY, got ${JSON.stringify(v2)}`);
        }
        break;
      case 'defaultConfig': {
        const sampling = isObject(v) && isObject(v.tracing) ? v.tracing.sampling : undefined;
        const extra = isObject(v) ? Object.keys(v).filter((x) => x !== 'tracing') : [];
        const extraTracing = isObject(v) && isObject(v.tracing) ? Object.keys(v.tracing).filter((x) => x !== 'sampling') : [];
        if (!isObject(v) || extra.length || extraTracing.length) err(k, `only defaultConfig.tracing.sampling is supported${extra.length || extraTracing.length ? ` (unknown: ${[...extra, ...extraTracing.map((x) => `tracing.${x}`)].join(', ')})` : ''}`);
        else if (sampling !== undefined) {
          if (typeof sampling === 'number' && sampling >= 0 && sampling <= 100) mesh.defaultConfig = { tracing: { sampling } };
          else err(`${k}.tracing.sampling`, 'must be a percentage from 0 to 100');
        }
        break;
      }
      default:
        err(k, `unknown or unsupported MeshConfig field; supported: ${TOP.join(', ')}`);
    }
  }
  return errors.length ? fail(...errors) : ok(mesh);
}
