// Listening-socket handover between a released server and the one a re-run opens on the same address.
// Run with: node --expose-internals --test node_probe/test/handover.test.mjs
import assert from 'node:assert/strict';
import http from 'node:http';
import { once } from 'node:events';
import { test } from 'node:test';
import net from 'node:net';
import { addressKey, claim, claimedAmong, giveBack, offer, settle, upgradedOf, watchServer } from '../handover.mjs';

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

/** @param {string} text */
async function listening(text) {
  const server = http.createServer((request, response) => response.end(text));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

/** @param {number} port */
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

// A raw client asking to upgrade to `protocol`; resolves once the server has switched, with the socket.
/**
 * @param {number} port
 * @param {string} protocol
 */
async function upgraded(port, protocol) {
  const socket = net.connect(port, '127.0.0.1');
  socket.write(`GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: ${protocol}\r\n\r\n`);
  await once(socket, 'data'); // the 101 response
  return socket;
}

// Everything `socket` receives until the server ends it.
/** @param {net.Socket} socket */
async function rest(socket) {
  /** @type {Buffer[]} */
  const chunks = [];
  socket.on('data', (/** @type {Buffer} */ chunk) => chunks.push(chunk));
  await once(socket, 'end');
  socket.destroy();
  return Buffer.concat(chunks);
}

test('upgraded connections of a retired server end, a websocket with close code 1012 first', async () => {
  const old = http.createServer();
  old.on('upgrade', (request, socket) => {
    socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: x\r\n\r\n');
  });
  watchServer(old);
  old.listen(0, '127.0.0.1');
  await once(old, 'listening');
  const port = portOf(old);
  const websocket = await upgraded(port, 'websocket');
  const other = await upgraded(port, 'h2c');
  assert.equal(upgradedOf(old), 2);
  const key = addressKey([0, '127.0.0.1']);
  offer(key, old);
  const next = http.createServer();
  next.listen(claim(key, next));
  await once(next, 'listening');
  const closed = once(old, 'close');
  settle();
  const [frame, plain] = await Promise.all([rest(websocket), rest(other)]);
  assert.deepEqual([...frame.subarray(0, 4)], [0x88, 17, 0x03, 0xf4]); // a close frame, code 1012
  assert.equal(frame.subarray(4).toString(), 'service restart');
  assert.equal(plain.length, 0);
  next.close();
  await closed; // once both upgraded connections are gone
});
