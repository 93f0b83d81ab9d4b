// A small command-line parser: `--flag value`, `--flag=value`, `-f value`, boolean flags,
// repeated flags, and `--` ending options. Unknown flags are an error that names them.

export interface FlagSpec {
  name: string;
  short?: string;
  /** 'boolean' flags take no value; 'string' and 'number' do; 'list' may repeat. */
  type: 'boolean' | 'string' | 'number' | 'list';
  default?: string | number | boolean;
  description: string;
}

export interface Parsed {
  flags: Record<string, string | number | boolean | string[] | undefined>;
  positional: string[];
  /** Words after `--`. */
  rest: string[];
}

export class UsageError extends Error {
  override name = 'UsageError';
}

export function parseArgs(argv: string[], specs: FlagSpec[]): Parsed {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const byShort = new Map(specs.filter((s) => s.short).map((s) => [s.short!, s]));
  const flags: Parsed['flags'] = {};
  for (const s of specs) if (s.default !== undefined) flags[s.name] = s.default;
  const positional: string[] = [];
  let rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      rest = argv.slice(i + 1);
      break;
    }
    if (!a.startsWith('-') || a === '-') {
      positional.push(a);
      continue;
    }
    let key: string;
    let value: string | undefined;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      key = eq < 0 ? a.slice(2) : a.slice(2, eq);
      value = eq < 0 ? undefined : a.slice(eq + 1);
    } else {
      key = a.slice(1);
    }
    const spec = a.startsWith('--') ? byName.get(key) : byShort.get(key);
    if (!spec) throw new UsageError(`unknown flag ${a}`);
    if (spec.type === 'boolean') {
      flags[spec.name] = value === undefined ? true : value !== 'false';
      continue;
    }
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined) throw new UsageError(`flag --${spec.name} needs a value`);
    }
    if (spec.type === 'number') {
      const n = Number(value);
      if (!Number.isFinite(n)) throw new UsageError(`flag --${spec.name} needs a number, got "${value}"`);
      flags[spec.name] = n;
    } else if (spec.type === 'list') {
      const prev = flags[spec.name];
      flags[spec.name] = [...(Array.isArray(prev) ? prev : []), value];
    } else flags[spec.name] = value;
  }
  return { flags, positional, rest };
}

export function formatFlags(specs: FlagSpec[]): string {
  return specs
    .map((s) => {
      const names = `${s.short ? `-${s.short}, ` : '    '}--${s.name}${s.type === 'boolean' ? '' : ` ${s.type === 'number' ? 'N' : 'VALUE'}`}`;
      const def = s.default !== undefined && s.default !== false ? ` (default ${JSON.stringify(s.default)})` : '';
      return `  ${names.padEnd(32)} ${s.description}${def}`;
    })
    .join('\n');
}
