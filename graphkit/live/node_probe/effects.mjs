// Effects that module instances leave running, owned per instance and released when it is evicted:
// listening servers (node:net, and through it http, https, http2), setTimeout/setInterval timers and
// process listeners.
//
// An effect belongs to the module instance whose code created it:
// - during a module's evaluation, the bottom-most module top-level frame on the stack (V8 gives a module's
//   top-level code no function name and an enclosing position of 1:1, also after a top-level await): the
//   entry calling startTicker() from a surviving ticker.mjs owns that interval, ticker.mjs does not;
// - later, the module whose evaluation or effect the asynchronous continuation comes from: timers and
//   servers are created inside AsyncLocalStorage.run with their owner, so their callbacks carry it on;
// - else the app's entry, when the stack holds any app frame (untracked otherwise: Node's own work).
// Callbacks of a server's connections run in a request scope: a setTimeout made while serving a request
// belongs to that request and is never released (a request in flight on the old server must complete), an
// interval is. Owners are keyed by module URL and dropped when released, so nothing here keeps an old
// instance (or its app object) alive.
import { AsyncLocalStorage } from 'node:async_hooks';
import { syncBuiltinESMExports } from 'node:module';
import net from 'node:net';
import timers from 'node:timers';
import { addressKey, claim, giveBack, offer, withdraw } from './handover.mjs';
import { isProbeUrl } from './own.mjs';
import { Effect } from './protocol.mjs';

const context = new AsyncLocalStorage();
const owners = new Map(); // module URL -> owner of its current instance
const ADDRESS = Symbol('graphkit.address');
const PRUNE_AT = 64;
let entryUrl = null;

class Owner {
  constructor(url) {
    this.url = url;
    this.intervals = new Set();
    this.timeouts = new Set();
    this.servers = new Set();
    this.listeners = [];
    this.limit = PRUNE_AT;
  }

  addTimer(timer, repeats) {
    const set = repeats ? this.intervals : this.timeouts;
    set.add(timer);
    if (set.size >= this.limit) {
      // Timers that fired or were cleared: an app that keeps starting them must not grow this.
      for (const old of set) if (old._destroyed) set.delete(old);
      this.limit = Math.max(PRUNE_AT, set.size * 2);
    }
  }
}

function ownerOf(url) {
  let owner = owners.get(url);
  if (owner === undefined) {
    owner = new Owner(url);
    owners.set(url, owner);
  }
  return owner;
}

function callSites() {
  const { prepareStackTrace, stackTraceLimit } = Error;
  Error.stackTraceLimit = Infinity;
  Error.prepareStackTrace = (_, sites) => sites;
  const holder = {};
  Error.captureStackTrace(holder, callSites);
  const sites = holder.stack;
  Error.prepareStackTrace = prepareStackTrace;
  Error.stackTraceLimit = stackTraceLimit;
  return Array.isArray(sites) ? sites : [];
}

function isModuleTopLevel(site, file) {
  return file.startsWith('file:') && site.getFunctionName() === null
    && site.getEnclosingLineNumber?.() === 1 && site.getEnclosingColumnNumber?.() === 1;
}

/**
 * Who owns an effect created now: {url, request} (the URL of the owning module instance; request true in a
 * server's request scope), or null for an untracked one. `perRequest` false skips the stack walk for a
 * one-shot timer made while serving a request: it is never released.
 */
function attribute(perRequest) {
  const store = context.getStore();
  if (store?.request && !perRequest) return null;
  const sites = callSites();
  // Past this module's frames (the patched function), the caller tells who made the effect: the probe, or
  // Node itself (http's own connection-checking interval), manage theirs.
  const first = sites.findIndex((site) => site.getFileName() !== import.meta.url);
  const caller = first < 0 ? undefined : sites[first].getFileName();
  if (typeof caller === 'string' && (isProbeUrl(caller) || caller.startsWith('node:'))) return null;
  let app = false;
  for (let i = sites.length - 1; i >= first && first >= 0; i -= 1) {
    const file = sites[i].getFileName();
    if (typeof file !== 'string' || file.startsWith('node:') || isProbeUrl(file)) continue;
    if (isModuleTopLevel(sites[i], file)) return { url: file, request: false };
    app = true;
  }
  if (store !== undefined) return store;
  return app && entryUrl !== null ? { url: entryUrl, request: false } : null;
}

/** @returns {any} the timer function, tracked: it stands in for `original` */
function wrapTimer(original, repeats) {
  const wrapped = function (callback, ...rest) {
    const scope = attribute(repeats);
    if (scope === null) return original.call(this, callback, ...rest);
    // Created inside its owner's context, the timer runs its callback there: what it starts is owned too.
    const timer = context.run(scope, () => original.call(this, callback, ...rest));
    if (repeats || !scope.request) ownerOf(scope.url).addTimer(timer, repeats);
    return timer;
  };
  for (const key of Reflect.ownKeys(original)) {
    if (!(key in wrapped)) wrapped[key] = original[key]; // util.promisify.custom and the like
  }
  Object.defineProperty(wrapped, 'name', { value: original.name });
  return wrapped;
}

function patchTimers() {
  const setTimeout = wrapTimer(globalThis.setTimeout, false);
  const setInterval = wrapTimer(globalThis.setInterval, true);
  globalThis.setTimeout = setTimeout;
  globalThis.setInterval = setInterval;
  timers.setTimeout = setTimeout;
  timers.setInterval = setInterval;
  syncBuiltinESMExports(); // `import { setInterval } from 'node:timers'` sees the tracked one too
}

function patchListen() {
  const listen = net.Server.prototype.listen;
  net.Server.prototype.listen = function (...args) {
    const scope = attribute(true);
    // Code of a rolled-back re-run still booting (its plugins loaded after the entry threw): the old app
    // keeps the address.
    if (context.getStore()?.attempt?.failed) return this;
    if (scope === null || scope.request) return listen.apply(this, args);
    const owner = ownerOf(scope.url);
    const key = addressKey(args);
    this[ADDRESS] = key;
    owner.servers.add(this);
    this.once('close', () => owner.servers.delete(this));
    // A released server listening on the same address gives its socket: no connection is refused.
    const handle = claim(key, this);
    const callback = args.findLast((arg) => typeof arg === 'function');
    const call = handle === null ? args : callback === undefined ? [handle] : [handle, callback];
    return context.run({ url: scope.url, request: true }, () => listen.apply(this, call));
  };
}

const LISTENER_METHODS = ['on', 'addListener', 'once', 'prependListener', 'prependOnceListener'];

function patchProcess() {
  for (const method of LISTENER_METHODS) {
    const original = process[method];
    process[method] = function (event, listener) {
      const scope = typeof listener === 'function' ? attribute(true) : null;
      if (scope !== null && !scope.request) ownerOf(scope.url).listeners.push({ event, listener });
      return original.call(this, event, listener);
    };
  }
}

/** Starts tracking; `entry` is the URL of the app's entry, the owner of what nothing else owns. */
export function install(entry) {
  entryUrl = entry;
  patchTimers();
  patchListen();
  patchProcess();
}

/**
 * Runs `fn` (an import() of `url`) so that what its evaluation continues with belongs to `url`. `attempt`
 * is the reload's {failed}: once it is rolled back (failed true), a server its code asks to listen never does.
 */
export function runAs(url, fn, attempt) {
  return context.run({ url, request: false, attempt }, fn);
}

/**
 * Releases what the current instances of `urls` own, after their dispose callbacks ran: process listeners
 * removed, timers cleared, servers offered for handover (they keep accepting until claimed or settled).
 * Returns a ticket: counts per effect kind, and what `restore` needs.
 */
export function release(urls) {
  const released = { [Effect.SERVER]: 0, [Effect.TIMER]: 0, [Effect.LISTENER]: 0 };
  const ticket = { released, owners: [], offered: [] };
  for (const url of urls) {
    const owner = owners.get(url);
    if (owner === undefined) continue;
    owners.delete(url);
    ticket.owners.push(owner);
    for (const { event, listener } of owner.listeners) {
      if (process.listeners(event).includes(listener)) {
        process.removeListener(event, listener);
        released[Effect.LISTENER] += 1;
      }
    }
    for (const timer of owner.intervals) {
      if (!timer._destroyed) released[Effect.TIMER] += 1;
      clearInterval(timer);
    }
    for (const timer of owner.timeouts) {
      if (!timer._destroyed) released[Effect.TIMER] += 1;
      clearTimeout(timer);
    }
    for (const server of owner.servers) {
      released[Effect.SERVER] += 1;
      if (offer(server[ADDRESS] ?? null, server)) ticket.offered.push(server);
    }
    owner.listeners = [];
    owner.intervals.clear();
    owner.timeouts.clear();
  }
  return ticket;
}

/**
 * After a re-import failed: the old owners come back with the servers they still have, and the servers the
 * failed attempt opened (`failed`, its own release ticket) close, each first giving back the listening
 * socket it took from an old server: the old code serves on.
 */
export function restore(ticket, failed) {
  withdraw([...ticket.offered, ...failed.offered]);
  for (const owner of ticket.owners) owners.set(owner.url, owner);
  for (const owner of failed.owners) for (const server of owner.servers) giveBack(server);
}
