// Waiting until the app is quiet: an idle event loop answers within a window, a busy one keeps the wait
// going until its limit, and a request that arrives later ends it at once.
// Run with: node --expose-internals --test node_probe/test/quiet.test.mjs
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { arrived, quiet } from '../quiet.mjs';

// The wait's own timers never keep the app alive: the test does.
const alive = setInterval(() => {}, 60_000);
after(() => clearInterval(alive));

// Keeps the event loop busy (a callback of `ms` every `every` ms) until the returned function is called.
/**
 * @param {number} ms
 * @param {number} [every]
 */
function busy(ms, every = 1) {
  const timer = setInterval(() => {
    const until = performance.now() + ms;
    while (performance.now() < until);
  }, every);
  return () => clearInterval(timer);
}

test('an idle event loop is quiet within a window or two', async () => {
  const answer = await quiet(5000);
  assert.equal(answer.quiet, true);
  assert.ok(answer.waitedMs < 1000, `waited ${answer.waitedMs} ms`);
});

test('a busy event loop is waited for until it is quiet, or until the limit', async () => {
  let stop = busy(10);
  const limited = await quiet(300);
  stop();
  assert.equal(limited.quiet, false);
  assert.ok(limited.waitedMs >= 300, `waited ${limited.waitedMs} ms`);

  stop = busy(10);
  setTimeout(stop, 300);
  const settled = await quiet(5000);
  assert.equal(settled.quiet, true);
  assert.ok(settled.waitedMs >= 250, `answered after ${settled.waitedMs} ms, while the loop was busy`);
});

test('a request that arrives after the waiting one ends its wait at once', async () => {
  const stop = busy(10);
  const mine = arrived();
  arrived(); // came in while `mine` was queued, before its wait started
  const first = await quiet(5000, mine);
  assert.equal(first.quiet, false);
  assert.ok(first.waitedMs < 100, `waited ${first.waitedMs} ms`);

  const waiting = quiet(5000, arrived());
  setTimeout(arrived, 100);
  const second = await waiting;
  stop();
  assert.equal(second.quiet, false);
  assert.ok(second.waitedMs >= 90 && second.waitedMs < 1000, `waited ${second.waitedMs} ms`);
});
