// Hands the listening socket of a released server to the server the re-run app opens on the same address,
// so no connection is refused while the app runs again. A released server keeps accepting (on the old code)
// until its socket is claimed; one left unclaimed after the app's evaluation closes after a grace period.
//
// Moving the socket: its handle is taken from the old server, then `next.listen(handle)` (0 refused
// connections on Node 18-26 in 200 switches; internals/servers.mjs). The old server then finishes what it has: requests in flight complete on the old code,
// each on a connection that closes once its response is sent. Idle keep-alive connections are closed only
// after a grace period: on Node 26, closing them right after the switch resets a connection that was
// accepted but whose request was not parsed yet (http's own close() closes them at once on Node 19+).
import {
  busySockets, closeHandle, connectionCount, giveHandle, handleOf, holdsHandle, responseOf, takeHandle,
} from './internals/servers.mjs';

const GRACE_MS = 1000;
const UPGRADED = Symbol('graphkit.upgraded'); // server -> Set of the sockets it upgraded, while open
// Claimed server -> the server that took its socket. A request that arrives on a connection the old server
// still holds (a browser's keep-alive connection) is served by that server, as a new connection would be,
// and is the last on that connection: the client's next one reaches the new server (watchServer's emit).
// Until the reload settles, a rollback undoes it.
const FORWARD = Symbol('graphkit.forward');
/**
 * @typedef {import('node:stream').Duplex} Duplex
 * @typedef {import('./internals/servers.mjs').ListeningHandle} ListeningHandle
 */
/**
 * A net or http server (only http's has closeIdleConnections), with the upgraded sockets noted here.
 * @typedef {import('./internals/servers.mjs').Server & Partial<Pick<import('node:http').Server, 'closeIdleConnections'>>
 *   & {[UPGRADED]?: Set<Duplex>, [FORWARD]?: Server | null}} Server
 */
/**
 * What addressKey reads of listen()'s options, a server or a handle.
 * @typedef {{port?: number | string, host?: unknown, path?: unknown, fd?: unknown, getAsyncId?: unknown,
 *   _handle?: unknown}} ListenOptions
 */
/** @type {WeakSet<Duplex>} */
const websockets = new WeakSet(); // upgraded sockets that speak websocket
// A websocket close frame from a server (unmasked): code 1012 "service restart", so clients reconnect.
const RESTART_FRAME = (() => {
  const reason = Buffer.from('service restart');
  return Buffer.concat([Buffer.from([0x88, 2 + reason.length, 0x03, 0xf4]), reason]);
})();
/** @type {Map<string, Server>} */
const offers = new Map(); // address key -> released server still listening
/** @type {WeakSet<Server>} */
const claimed = new WeakSet(); // released servers whose socket a new server took
// New server -> {old, handle}: claims of the reload under way, undone if it is rolled back.
/** @type {Map<Server, {old: Server, handle: ListeningHandle}>} */
const pending = new Map();

/**
 * The address a listen() call asks for, or null for listen(handle) and the like: "tcp:host:port", "pipe:path".
 * @param {unknown[]} args the arguments of listen(): port and host, a path, options, a server or a handle
 * @returns {string | null}
 */
export function addressKey(args) {
  let [first, second] = /** @type {[number | string | ListenOptions | null | undefined, unknown]} */ (args);
  if (first !== null && typeof first === 'object' && !Array.isArray(first)) {
    if (holdsHandle(first) || first.fd !== undefined || typeof first.getAsyncId === 'function') return null;
    if (typeof first.path === 'string') return `pipe:${first.path}`;
    second = first.host;
    first = first.port;
  }
  if (typeof first === 'string' && !/^\d+$/.test(first)) return `pipe:${first}`;
  if (first !== undefined && first !== null && typeof first !== 'number' && typeof first !== 'string') return null;
  const host = typeof second === 'string' ? second : '';
  return `tcp:${host}:${Number(first ?? 0)}`;
}

/**
 * Watches `server`'s events, once: the connections it upgrades (its 'upgrade' event), for `retire` to close
 * them; and, once a re-run's server took its socket, the requests that still arrive on its connections
 * (`forward`).
 * @param {Server} server
 */
export function watchServer(server) {
  if (server[UPGRADED] !== undefined) return;
  /** @type {Set<Duplex>} */
  const sockets = new Set();
  server[UPGRADED] = sockets;
  /** @type {(this: unknown, ...args: unknown[]) => boolean} */
  const emit = server.emit;
  /**
   * @param {string | symbol} event
   * @param {unknown} [request] an IncomingMessage on 'request' and 'upgrade'
   * @param {unknown} [second] its ServerResponse on 'request', its socket on 'upgrade'
   * @param {unknown[]} rest
   */
  server.emit = function (event, request, second, ...rest) {
    const to = server[FORWARD];
    if (event === 'request' && to && to.listenerCount('request') > 0) {
      /** @type {import('node:http').ServerResponse} */ (second).shouldKeepAlive = false;
      return to.emit('request', request, second, ...rest);
    }
    const socket = /** @type {Duplex | undefined} */ (second);
    if (event === 'upgrade' && socket !== undefined && !socket.destroyed) {
      const upgrade = /** @type {import('node:http').IncomingMessage | undefined} */ (request)?.headers?.upgrade;
      if (/^websocket$/i.test(String(upgrade ?? ''))) websockets.add(socket);
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    }
    return emit.call(this, event, request, second, ...rest);
  };
}

/**
 * How many upgraded connections of `server` are open.
 * @param {Server} server
 */
export function upgradedOf(server) {
  return server[UPGRADED]?.size ?? 0;
}

// Ends the upgraded connections of a retired server, a websocket with a close frame first. The old code
// hears no more of what the client sends (its reply to the close), then the connection ends; one the
// client does not close is destroyed after the grace period.
/** @param {Server} server */
function closeUpgraded(server) {
  for (const socket of server[UPGRADED] ?? []) {
    socket.removeAllListeners('data');
    if (websockets.has(socket)) socket.write(RESTART_FRAME);
    socket.end();
    const timer = setTimeout(() => socket.destroy(), GRACE_MS);
    timer.unref();
  }
}

/**
 * A released server keeps listening until the re-run app claims its address (or `settle` closes it).
 * @param {string | null} key
 * @param {Server} server
 */
export function offer(key, server) {
  if (key === null || !server.listening) {
    retire(server);
    return false;
  }
  offers.set(key, server);
  return true;
}

/**
 * The listening handle of the released server at `key`, taken from it for `next` (null when there is none).
 * The old server finishes what it has once the reload settles; until then the claim can be given back.
 * @param {string | null} key
 * @param {Server} next
 */
export function claim(key, next) {
  if (key === null) return null;
  const old = offers.get(key);
  if (old === undefined) return null;
  offers.delete(key);
  const handle = takeHandle(old);
  if (handle === null) return null;
  claimed.add(old);
  pending.set(next, { old, handle });
  old[FORWARD] = next;
  return handle;
}

/**
 * Closes `server`, opened by a re-run that was rolled back; a listening socket it claimed goes back to the
 * old server it came from, which accepts on it again (no connection is refused meanwhile).
 * @param {Server} server
 */
export function giveBack(server) {
  const taken = pending.get(server);
  pending.delete(server);
  if (taken !== undefined && handleOf(server) === taken.handle) {
    takeHandle(server);
    giveHandle(taken.old, taken.handle);
    claimed.delete(taken.old);
    taken.old[FORWARD] = null;
  }
  retire(server);
}

/**
 * How many of `servers` (released by one reload) gave their socket to a new server.
 * @param {Server[]} servers
 */
export function claimedAmong(servers) {
  return servers.filter((server) => claimed.has(server)).length;
}

/**
 * Takes back offers that no re-run claimed: the servers go on serving as if never released.
 * @param {Server[]} servers
 */
export function withdraw(servers) {
  for (const [key, server] of offers) if (servers.includes(server)) offers.delete(key);
}

/**
 * Ends a reload that succeeded: the servers whose socket was claimed finish what they have, and every offer
 * still unclaimed closes after a grace period (the re-run app listens elsewhere or not at all).
 */
export function settle() {
  for (const { old } of pending.values()) retire(old);
  pending.clear();
  const left = [...offers];
  if (left.length === 0) return;
  const timer = setTimeout(() => {
    for (const [key, server] of left) {
      if (offers.get(key) !== server) continue;
      offers.delete(key);
      retire(server);
    }
  }, GRACE_MS);
  timer.unref();
}

// Stops a server from taking new connections; in-flight requests finish, then their connections close.
/** @param {Server} server */
function retire(server) {
  closeUpgraded(server);
  // http's close() also stops the interval that checks its connections (which would keep the server, and
  // the app it serves, alive), but it closes idle connections at once: only right when there are none.
  if (typeof server.closeIdleConnections !== 'function' || connectionCount(server) === 0) {
    server.close();
    return;
  }
  closeHandle(server);
  // A request in flight, or one still arriving on a keep-alive connection, is the last on its connection.
  for (const socket of busySockets(server)) {
    const response = /** @type {import('node:http').ServerResponse} */ (responseOf(socket)); // busy: it has one
    if (!response.headersSent) response.shouldKeepAlive = false;
    else response.once('finish', () => socket.end());
  }
  server.prependListener('request', (/** @type {unknown} */ request, /** @type {import('node:http').ServerResponse} */ response) => {
    response.shouldKeepAlive = false;
  });
  const timer = setTimeout(() => {
    server.closeIdleConnections?.(); // there: any other server was closed at once above
    server.close();
  }, GRACE_MS);
  timer.unref();
}
