// Loads the seed corpus (format in corpus/README.md).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { H1MessageKind } from '../../../src/proxy/http/h1/errors.js';
import type { RecordOptions } from './recorder.js';

export type CorpusExpectation = { type: 'error'; status: number; code: string } | { type: 'messages'; count: number } | { type: 'upgrade' };

export interface CorpusEntry {
  name: string;
  why: string;
  kind: H1MessageKind;
  input: Buffer;
  options: RecordOptions;
  expect: CorpusExpectation;
}

export const CORPUS_DIR = join(fileURLToPath(new URL('.', import.meta.url)), 'corpus');

/** Unescapes the body: newlines dropped, \r \n \t \\ \xHH. */
export function unescape(text: string): Buffer {
  const s = text.replace(/\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c !== '\\') {
      bytes.push(c.charCodeAt(0) & 0xff);
      continue;
    }
    const e = s[++i];
    if (e === 'r') bytes.push(0x0d);
    else if (e === 'n') bytes.push(0x0a);
    else if (e === 't') bytes.push(0x09);
    else if (e === '\\') bytes.push(0x5c);
    else if (e === 'x') {
      bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else throw new Error(`bad escape \\${e ?? ''}`);
  }
  return Buffer.from(bytes);
}

export function parseEntry(name: string, text: string): CorpusEntry {
  const meta = new Map<string, string>();
  const body: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^# ([a-z-]+): (.*)$/.exec(line);
    if (m) meta.set(m[1]!, m[2]!.trim());
    else body.push(line);
  }
  const kind = meta.get('kind');
  if (kind !== 'request' && kind !== 'response') throw new Error(`${name}: kind must be request or response`);
  const ex = (meta.get('expect') ?? '').split(/\s+/);
  let expect: CorpusExpectation;
  if (ex[0] === 'error' && ex.length === 3) expect = { type: 'error', status: Number(ex[1]), code: ex[2]! };
  else if (ex[0] === 'messages' && ex.length === 2) expect = { type: 'messages', count: Number(ex[1]) };
  else if (ex[0] === 'upgrade') expect = { type: 'upgrade' };
  else throw new Error(`${name}: bad expect "${meta.get('expect') ?? ''}"`);
  const options: RecordOptions = { finish: meta.get('finish') === 'yes' };
  if (kind === 'response') {
    options.expect = (meta.get('responds-to') ?? 'GET').split(/\s+/).map((m): [string, boolean] => {
      const [method, flag] = m.split('+');
      return [method!, flag === 'upgrade'];
    });
  }
  return { name, why: meta.get('why') ?? '', kind, input: unescape(body.join('\n')), options, expect };
}

export function loadCorpus(dir = CORPUS_DIR): CorpusEntry[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.http'))
    .sort()
    .map((f) => parseEntry(f, readFileSync(join(dir, f), 'utf8')));
}
