// A net.Server's listening handle: `server._handle`, and the handle's owner under internal/async_hooks'
// owner_symbol, through which Node finds the server a new connection belongs to. Moving a handle from one
// server to another moves the listening socket without closing it.
import { internal, unsupported } from './node.mjs';

/**
 * The private fields read here, on the public types they belong to.
 * @typedef {{close(): void, [owner: symbol]: unknown}} ListeningHandle
 * @typedef {import('node:net').Server & {_handle?: ListeningHandle | null, _connections?: number}} Server
 * @typedef {import('node:net').Socket & {_httpMessage?: import('node:http').ServerResponse | null}} Socket
 */

function ownerSymbol() {
  const symbol = internal('internal/async_hooks')?.symbols?.owner_symbol;
  if (typeof symbol !== 'symbol') throw unsupported('server handles', 'internal/async_hooks has no symbols.owner_symbol');
  return symbol;
}

/**
 * The listening handle of `server`, or null.
 * @param {Server} server
 * @returns {ListeningHandle | null}
 */
export function handleOf(server) {
  return server._handle ?? null;
}

/**
 * Takes the listening handle away from `server` (which then no longer closes it); returns it, or null.
 * @param {Server} server
 * @returns {ListeningHandle | null}
 */
export function takeHandle(server) {
  const handle = server._handle ?? null;
  if (handle !== null) server._handle = null;
  return handle;
}

/**
 * Makes `handle` the listening handle of `server`: new connections on it are `server`'s.
 * @param {Server} server
 * @param {ListeningHandle} handle
 */
export function giveHandle(server, handle) {
  handle[ownerSymbol()] = server;
  server._handle = handle;
}

/**
 * Closes `server`'s listening handle at once, if it has one.
 * @param {Server} server
 */
export function closeHandle(server) {
  const handle = takeHandle(server);
  if (handle !== null) handle.close();
}

/**
 * Whether `value` is a server or socket (a listen() argument that hands over its handle).
 * @param {{_handle?: unknown}} value
 */
export function holdsHandle(value) {
  return value._handle !== undefined;
}

/**
 * How many connections `server` has open.
 * @param {Server} server
 * @returns {number | undefined}
 */
export function connectionCount(server) {
  return server._connections;
}

/**
 * The response `socket` is sending, if any (http sets it while a response is in progress).
 * @param {Socket} socket
 * @returns {import('node:http').ServerResponse | null}
 */
export function responseOf(socket) {
  return socket._httpMessage ?? null;
}

/**
 * The sockets of an http server with a response in progress (http's connection list, an internal of every
 * supported Node; none found means the caller's idle-connection grace alone closes them).
 * @param {Server} server
 * @returns {Socket[]}
 */
export function busySockets(server) {
  const key = Object.getOwnPropertySymbols(server).find((symbol) => symbol.description === 'http.server.connections');
  const connections = key === undefined ? undefined
    : /** @type {Record<symbol, import('./node.mjs').Internal>} */ (/** @type {unknown} */ (server))[key];
  /** @type {{socket: Socket}[]} */
  const parsers = typeof connections?.all === 'function' ? connections.all() : [];
  return parsers.map((parser) => parser.socket).filter((socket) => responseOf(socket)?.writableFinished === false);
}

export function probeServerHandles() {
  ownerSymbol();
}
