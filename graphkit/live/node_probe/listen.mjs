// The one wrap of net.Server.prototype.listen (node:net, and through it http, https, http2). One handler
// (effects.mjs) decides how a call listens: as asked, on a listening socket handed over by a released
// server, or not at all (code of a rolled-back re-run); each call that does listen is told to the observers
// first (startup.mjs ends the boot by them).
import net from 'node:net';

/**
 * @typedef {import('./internals/servers.mjs').Server} Server
 * @typedef {(server: Server, args: unknown[], listen: (args: unknown[]) => Server) => Server} Handler
 */

/** @type {((server: Server) => void)[]} */
const observers = [];
/** @type {Handler} */
let handler = (_server, args, listen) => listen(args);
let installed = false;

function install() {
  if (installed) return;
  installed = true;
  const listen = net.Server.prototype.listen;
  /**
   * @this {Server}
   * @param {unknown[]} args
   */
  net.Server.prototype.listen = function (...args) {
    return handler(this, args, (call) => {
      for (const observe of observers) observe(this);
      return listen.apply(this, /** @type {any} */ (call));
    });
  };
}

/**
 * `observer(server)` hears of each server about to listen.
 * @param {(server: Server) => void} observer
 */
export function observeListen(observer) {
  install();
  observers.push(observer);
}

/**
 * `next(server, args, listen)` makes each listen() call: `listen(args)` listens, observers told.
 * @param {Handler} next
 */
export function handleListen(next) {
  install();
  handler = next;
}
