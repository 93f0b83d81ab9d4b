// Every tunable of the control plane and proxy, registered in one place with its name,
// default and description (`rig x tunables` can list them). Values come from the
// environment variable of the same name.

export interface Tunable<T> {
  name: string;
  description: string;
  default: T;
  get(): T;
}

const registry = new Map<string, Tunable<unknown>>();

function register<T>(name: string, def: T, description: string, parse: (raw: string) => T | undefined): Tunable<T> {
  const t: Tunable<T> = {
    name,
    description,
    default: def,
    get() {
      const raw = process.env[name];
      if (raw === undefined || raw === '') return def;
      const v = parse(raw);
      return v === undefined ? def : v;
    },
  };
  registry.set(name, t as Tunable<unknown>);
  return t;
}

function num(raw: string): number | undefined {
  const n = Number(raw);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

export const PILOT_DEBOUNCE_AFTER = register(
  'PILOT_DEBOUNCE_AFTER',
  100,
  'Milliseconds of quiet after a config or registry change before a push starts.',
  num,
);
export const PILOT_DEBOUNCE_MAX = register(
  'PILOT_DEBOUNCE_MAX',
  10_000,
  'Maximum milliseconds a push is delayed by a continuous stream of changes.',
  num,
);
export const PILOT_PUSH_THROTTLE = register(
  'PILOT_PUSH_THROTTLE',
  100,
  'Maximum number of proxies pushed to concurrently.',
  num,
);

export function listTunables(): Tunable<unknown>[] {
  return [...registry.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
}
