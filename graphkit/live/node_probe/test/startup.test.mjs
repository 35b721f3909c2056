// When the app's boot ends (startup.mjs): the import() calls made until then are its start-up.
// Run with: node --expose-internals --test node_probe/test/startup.test.mjs
import assert from 'node:assert/strict';
import http from 'node:http';
import { once } from 'node:events';
import { test } from 'node:test';
import { booted, imported, importing, startingUp, track, watchListening } from '../startup.mjs';

/** The TCP port `server` listens on. @param {import('node:net').Server} server */
const portOf = (server) => /** @type {import('node:net').AddressInfo} */ (server.address()).port;

watchListening();

const settle = () => {
  /** @type {((value?: unknown) => void) | undefined} */
  let done;
  const promise = new Promise((resolve) => {
    done = resolve;
  });
  return { promise, done: /** @type {(value?: unknown) => void} */ (done) };
};

test('a boot lasts while the entry evaluates and its import() calls are in flight, then until a server listens', async (t) => {
  const entry = settle();
  track(entry.promise);
  const call = settle();
  importing(call.promise);
  imported('file:///app/routes/a.mjs');
  entry.done();
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(startingUp(), true); // the import() is still in flight
  call.done();
  const server = http.createServer((request, response) => response.end('ok'));
  t.after(() => server.close()); // a failed assertion must not leave the server keeping the test alive
  server.listen(0, '127.0.0.1');
  const boot = await booted(5000);
  assert.equal(boot.over, true);
  assert.equal(startingUp(), false);
  assert.deepEqual([...boot.imported], ['file:///app/routes/a.mjs']);
});

test('a first client connection ends the boot at once, an import() still in flight or not', async (t) => {
  const entry = settle();
  track(entry.promise);
  entry.done();
  importing(settle().promise); // never settles: only the connection can end this boot
  let booting;
  const server = http.createServer((request, response) => {
    booting = startingUp();
    response.end('ok');
  });
  t.after(() => server.close());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(startingUp(), true);
  const response = await fetch(`http://127.0.0.1:${portOf(server)}/`, { headers: { connection: 'close' } });
  assert.equal(await response.text(), 'ok');
  assert.equal(booting, false); // the request is served after the boot
});

test('an app that never listens boots until it has imported nothing for a quarter of a second', async () => {
  const started = performance.now(); // the quiet quarter second counts from the boot's last activity
  const entry = settle();
  track(entry.promise);
  entry.done();
  await booted(5000);
  assert.ok(performance.now() - started >= 250);
  assert.equal(startingUp(), false);
});
