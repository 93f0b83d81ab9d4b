// Minimal leveled logger: one line per event, `time level scope message key=value…`.
// Level from RIG_LOG_LEVEL (debug, info, warn, error; default info).

export type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

let threshold: number = ORDER[(process.env.RIG_LOG_LEVEL as Level) ?? 'info'] ?? ORDER.info;
let sink: (line: string) => void = (line) => process.stderr.write(line + '\n');

export function setLogLevel(level: Level): void {
  threshold = ORDER[level];
}

/** Redirects log output (tests, or a file). */
export function setLogSink(fn: (line: string) => void): void {
  sink = fn;
}

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

function render(fields: Record<string, unknown> | undefined): string {
  if (!fields) return '';
  let s = '';
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    const text = typeof v === 'string' ? v : v instanceof Error ? v.message : JSON.stringify(v);
    s += ` ${k}=${/[\s"=]/.test(text) ? JSON.stringify(text) : text}`;
  }
  return s;
}

export function logger(scope: string): Logger {
  const emit = (level: Level, msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[level] < threshold) return;
    sink(`${new Date().toISOString()} ${level} ${scope} ${msg}${render(fields)}`);
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
  };
}
