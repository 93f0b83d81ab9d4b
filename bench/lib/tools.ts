// External tools the load scenarios need (wrk, nginx, HAProxy, h2load, taskset): found on
// PATH, or installed from Debian's packages when running as root, or a clear error saying
// which command to run.
import { spawnSync } from 'node:child_process';

/** Tool → the Debian package that provides it. */
const PACKAGES: Record<string, string> = {
  wrk: 'wrk',
  nginx: 'nginx-light',
  haproxy: 'haproxy',
  h2load: 'nghttp2-client',
  taskset: 'util-linux',
};

export type Tool = keyof typeof PACKAGES & string;

export function which(tool: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' });
  const p = r.stdout.trim();
  return r.status === 0 && p ? p : undefined;
}

let aptUpdated = false;

/** Makes sure every tool is on PATH; installs the missing ones with apt-get when root. */
export function ensureTools(tools: Tool[]): void {
  const missing = tools.filter((t) => !which(t));
  if (missing.length === 0) return;
  const pkgs = [...new Set(missing.map((t) => PACKAGES[t] ?? t))];
  const cmd = `apt-get install -y ${pkgs.join(' ')}`;
  if (process.getuid?.() !== 0 || !which('apt-get')) {
    throw new Error(`the benchmark needs ${missing.join(', ')}; install ${missing.length > 1 ? 'them' : 'it'} first (on Debian/Ubuntu: sudo ${cmd}) and run again`);
  }
  console.error(`bench: installing ${pkgs.join(', ')} (${cmd})`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (!aptUpdated) {
    spawnSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'ignore', 'inherit'], env });
    aptUpdated = true;
  }
  const r = spawnSync('apt-get', ['install', '-y', '-qq', ...pkgs], { stdio: ['ignore', 'ignore', 'inherit'], env });
  const still = tools.filter((t) => !which(t));
  if (r.status !== 0 || still.length) throw new Error(`could not install ${still.join(', ') || pkgs.join(', ')} (${cmd} exited ${r.status}); install by hand and run again`);
}
