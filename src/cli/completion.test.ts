// completion: scripts generated from the command list, checked by the shells themselves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { bashCompletion, zshCompletion } from './completion.js';
import type { Command } from './command.js';

const commands: Command[] = [
  { name: 'apply', summary: "Apply config [files]: it's atomic", usage: '', examples: [], flags: [{ name: 'filename', short: 'f', type: 'list', description: 'file [or dir]' }, { name: 'namespace', short: 'n', type: 'string', description: 'ns' }], run: async () => 0 },
  { name: 'proxy-config', summary: 'Show config', usage: '', examples: [], flags: [{ name: 'port', type: 'number', description: 'port' }], run: async () => 0 },
];

function has(shell: string): boolean {
  return spawnSync(shell, ['-c', 'true']).status === 0;
}

test('bash: commands, their flags and first arguments complete', { skip: !has('bash') }, () => {
  const script = bashCompletion(commands);
  const complete = (words: string[]) => {
    const r = spawnSync('bash', ['-c', `${script}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _rig; printf '%s\\n' "\${COMPREPLY[@]}"`], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.split('\n').filter(Boolean);
  };
  assert.deepEqual(complete(['rig', 'a']), ['apply']);
  assert.deepEqual(complete(['rig', 'apply', '--']).sort(), ['--filename', '--help', '--namespace']);
  assert.deepEqual(complete(['rig', 'proxy-config', 'cl']), ['cluster']);
});

test('zsh: the script parses', { skip: !has('zsh') }, () => {
  const r = spawnSync('zsh', ['-n', '-c', zshCompletion(commands)], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
});

test('zsh: descriptions cannot break the quoting', () => {
  const script = zshCompletion(commands);
  assert.match(script, /'apply:Apply config \(files\) - it'\\''s atomic'/);
  assert.match(script, /'\*'\{-f,--filename\}'\[file \(or dir\)\]:filename:_files'/);
});
