// Istio durations as written in YAML ("7s", "0.5s", "1m30s", "250ms") → protobuf Durations.
// Istio's API takes protobuf JSON durations ("1.5s") and Go-style strings alike, so both parse.
import type { Duration } from '@bufbuild/protobuf/wkt';
import { duration } from '../../../api/envoy/build.js';

const UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 1e-3, 'µs': 1e-3, ns: 1e-6 };
const PART = /(\d+(?:\.\d*)?|\.\d+)(h|ms|m|s|us|µs|ns)/y;

/** Milliseconds of an Istio duration string; undefined when it does not parse. */
export function parseDurationMs(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const s = text.trim();
  if (s === '') return undefined;
  if (s === '0') return 0;
  PART.lastIndex = 0;
  let ms = 0;
  let at = 0;
  while (at < s.length) {
    PART.lastIndex = at;
    const m = PART.exec(s);
    if (!m) return undefined;
    ms += Number(m[1]) * UNIT_MS[m[2]!]!;
    at = PART.lastIndex;
  }
  return ms;
}

/** A protobuf Duration from an Istio duration string; undefined when absent or invalid. */
export function parseDuration(text: string | undefined): Duration | undefined {
  const ms = parseDurationMs(text);
  return ms === undefined ? undefined : duration(ms);
}
