// Listening-socket handover between a released server and the one a re-run opens on the same address.
// Run with: node --expose-internals --test node_probe/test/handover.test.mjs
import assert from 'node:assert/strict';
import http from 'node:http';
import { once } from 'node:events';
import { test } from 'node:test';
import { addressKey, claim, claimedAmong, giveBack, offer, settle } from '../handover.mjs';

/** The TCP port `server` listens on. @param {import('node:net').Server} server */
const portOf = (server) => /** @type {import('node:net').AddressInfo} */ (server.address()).port;

test('listen() arguments name the address they ask for', () => {
  assert.equal(addressKey([]), 'tcp::0');
  assert.equal(addressKey([3000]), 'tcp::3000');
  assert.equal(addressKey(['3000', '127.0.0.1', () => {}]), 'tcp:127.0.0.1:3000');
  assert.equal(addressKey([0, () => {}]), 'tcp::0');
  assert.equal(addressKey([{ port: 8080, host: 'localhost' }]), 'tcp:localhost:8080');
  assert.equal(addressKey(['/tmp/app.sock']), 'pipe:/tmp/app.sock');
  assert.equal(addressKey([{ path: '/tmp/app.sock' }]), 'pipe:/tmp/app.sock');
  assert.equal(addressKey([{ fd: 3 }]), null);
  assert.equal(addressKey([{ _handle: {} }]), null);
});

async function listening(text) {
  const server = http.createServer((request, response) => response.end(text));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

async function served(port) {
  const response = await fetch(`http://127.0.0.1:${port}/`, { headers: { connection: 'close' } });
  return response.text();
}

test('a claimed socket moves to the new server: same port, new handler, old server closed once settled', async () => {
  const old = await listening('old');
  const port = portOf(old);
  const key = addressKey([0, '127.0.0.1']);
  assert.equal(offer(key, old), true);
  const next = http.createServer((request, response) => response.end('new'));
  const closed = once(old, 'close');
  next.listen(claim(key, next));
  await once(next, 'listening');
  assert.equal(portOf(next), port);
  assert.equal(claimedAmong([old]), 1);
  assert.equal(claim(key, next), null); // taken once
  assert.equal(await served(port), 'new');
  settle();
  await closed;
  assert.equal(await served(port), 'new');
  next.close();
});

test('a claim given back: the old server accepts on its socket again, the new one closes', async () => {
  const old = await listening('old');
  const port = portOf(old);
  const key = addressKey([0, '127.0.0.1']);
  offer(key, old);
  const next = http.createServer((request, response) => response.end('new'));
  next.listen(claim(key, next));
  await once(next, 'listening');
  assert.equal(await served(port), 'new');
  const closed = once(next, 'close');
  giveBack(next);
  await closed;
  assert.equal(old.listening, true);
  assert.equal(claimedAmong([old]), 0);
  assert.equal(await served(port), 'old');
  old.close();
});
