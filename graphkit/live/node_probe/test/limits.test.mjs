// Time limits on app code the host awaits: a callback that never settles is skipped, never waited for.
// Run with: node --expose-internals --test node_probe/test/limits.test.mjs
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as hot from '../hot.mjs';
import { callWithin, settleWithin, Unsettled } from '../limits.mjs';

test('a callback that settles in time gives its value, one that does not is Unsettled', async () => {
  assert.equal(await callWithin(1000, async (x) => x + 1, 1), 2);
  await assert.rejects(callWithin(20, () => new Promise(() => {})), Unsettled);
  await assert.rejects(callWithin(1000, () => { throw new RangeError('own'); }), RangeError);
});

test('settleWithin gives the late value once the limit passes', async () => {
  const late = Symbol('late');
  assert.equal(await settleWithin(new Promise(() => {}), 10, late), late);
  assert.equal(await settleWithin(Promise.resolve(3), 1000, late), 3);
});

test('a dispose callback that never settles is reported by module and the next one still runs', async () => {
  hot.exposeHot();
  const url = 'file:///limits/never.mjs';
  const handle = /** @type {Record<symbol, hot.CreateHot>} */ (globalThis)[Symbol.for('graphkit.hot')]({ url });
  /** @type {string[]} */
  const ran = [];
  handle.dispose(() => ran.push('first'));
  handle.dispose(() => new Promise(() => {}));
  const errors = await hot.dispose([url], 20);
  assert.deepEqual(errors.map((e) => [e.url, e.error instanceof Unsettled]), [[url, true]]);
  assert.deepEqual(ran, ['first']);  // newest first: the stuck one was skipped, the older one ran
});
