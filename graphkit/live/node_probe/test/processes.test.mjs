// How a released child process ends: SIGTERM first, SIGKILL only for one still running after the grace.
// Run with: node --test node_probe/test/processes.test.mjs
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { endChild } from '../processes.mjs';

// A child that prints "ready" once its SIGTERM handler is in place; `onTerm` is what that handler runs.
/** @param {string} onTerm */
async function child(onTerm) {
  const code = `process.on('SIGTERM', () => { ${onTerm} }); setInterval(() => {}, 1000); console.log('ready');`;
  const started = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  await once(started.stdout, 'data');
  return started;
}

test('a child that exits on SIGTERM ends with its own exit, before any SIGKILL', async () => {
  const started = await child('process.exit(7)');
  assert.equal(endChild(started, 5000), true);
  const [code, signal] = await once(started, 'exit');
  assert.deepEqual([code, signal], [7, null]);
  assert.equal(endChild(started), false); // already gone: nothing to release
});

test('a child that ignores SIGTERM is killed once the grace has passed', async () => {
  const started = await child('console.log("ignored")');
  assert.equal(endChild(started, 300), true);
  assert.equal(String((await once(started.stdout, 'data'))[0]).trim(), 'ignored');
  const [code, signal] = await once(started, 'exit');
  assert.deepEqual([code, signal], [null, 'SIGKILL']);
});
