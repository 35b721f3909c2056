// Listening-socket handover between a released server and the one a re-run opens on the same address.
// Run with: node --expose-internals --test node_probe/test/handover.test.mjs
import assert from 'node:assert/strict';
import http from 'node:http';
import { once } from 'node:events';
import { test } from 'node:test';
import { addressKey, claim, claimedAmong, offer } from '../handover.mjs';

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

test('a claimed socket moves to the new server: same port, new handler, old server closed', async () => {
  const old = http.createServer((request, response) => response.end('old'));
  old.listen(0, '127.0.0.1');
  await once(old, 'listening');
  const { port } = old.address();
  const key = addressKey([0, '127.0.0.1']);
  assert.equal(offer(key, old), true);
  const next = http.createServer((request, response) => response.end('new'));
  const closed = once(old, 'close');
  next.listen(claim(key));
  await once(next, 'listening');
  await closed;
  assert.equal(next.address().port, port);
  assert.equal(claimedAmong([old]), 1);
  assert.equal(claim(key), null); // taken once
  const response = await fetch(`http://127.0.0.1:${port}/`);
  assert.equal(await response.text(), 'new');
  next.close();
});
