// The journal's answers: a long one leaves the app turns of its event loop while it is read.
// Run with: node --expose-internals --test node_probe/test/journal.test.mjs
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import * as journal from '../journal.mjs';

const MODULES = 3000;
journal.startJournal();
const dir = mkdtempSync(join(tmpdir(), 'graphkit-journal-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const url = (/** @type {string} */ name) => pathToFileURL(join(dir, name)).href;
for (let i = 0; i < MODULES; i += 1) writeFileSync(join(dir, `m${i}.mjs`), `export const n = ${i};\n`);
const imports = Array.from({ length: MODULES }, (_, i) => `import './m${i}.mjs';\n`).join('');
writeFileSync(join(dir, 'all.mjs'), imports);

test('a whole answer of 3,000 modules lets the event loop turn while it is read', async () => {
  await import(url('all.mjs'));
  let turns = 0;
  let reading = true;
  const turn = () => {
    if (!reading) return;
    turns += 1;
    setImmediate(turn);
  };
  setImmediate(turn);
  const answer = await journal.changes(0);
  reading = false;
  const rows = new Set(answer.rows.map(([rowUrl]) => rowUrl));
  for (let i = 0; i < MODULES; i += 1) assert.ok(rows.has(url(`m${i}.mjs`)), `m${i}.mjs`);
  // Read in one go, the answer leaves one turn (its jobs' `linked` settling); a slice at a time, more.
  assert.ok(turns >= 3, `${turns} turns of the event loop`);
});
