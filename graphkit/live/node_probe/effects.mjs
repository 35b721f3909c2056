// Effects that module instances leave running, owned per instance and released when it is evicted:
// listening servers (node:net, and through it http, https, http2) and the connections they upgraded,
// setTimeout/setInterval timers and those of node:timers/promises, process and cluster listeners, child
// processes, cluster workers, worker threads, readline interfaces and process.stdin listeners.
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
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { handleListen } from './listen.mjs';
import timers from 'node:timers';
import { promisify } from 'node:util';
import { addressKey, claim, giveBack, offer, upgradedOf, watchServer, withdraw } from './handover.mjs';
import { timerDone } from './internals/timers.mjs';
import { isProbeUrl } from './own.mjs';
import {
  endChild, hideRetiredWorkers, replaceWorkers, retireWorkers, silence, workerAlive,
} from './processes.mjs';
import { Effect } from './protocol.mjs';

/**
 * @typedef {import('node:events').EventEmitter} EventEmitter
 * @typedef {import('node:child_process').ChildProcess} ChildProcess
 * @typedef {import('node:cluster').Worker} ClusterWorker
 * @typedef {import('node:worker_threads').Worker} Thread
 * @typedef {import('node:readline').Interface & {input?: import('node:stream').Readable}} Lines
 * @typedef {import('./handover.mjs').Server & {[ADDRESS]?: string | null}} Server
 */
/**
 * An object or function read or written by key, which its own type does not allow.
 * @typedef {Record<PropertyKey, unknown>} Keyed
 */
/**
 * A reload attempt: `failed` once rolled back, `settled` once committed, and the error of a server its code
 * could not make listen.
 * @typedef {{failed: boolean, settled?: boolean, listenError?: {error: Error, url: string}}} Attempt
 */
/**
 * Who owns what is created now: a module instance (`request`: inside a server's request scope).
 * @typedef {{url: string, request: boolean, attempt?: Attempt}} Scope
 * @typedef {{emitter: EventEmitter, event: string | symbol, listener: (...args: any[]) => void, kind: string}} Listener
 * @typedef {{released: Record<string, number>, owners: Owner[], offered: Server[], listeners: Listener[],
 *   children: ChildProcess[], threads: Thread[], inputs: Lines[], workers: ClusterWorker[]}} Ticket
 */

const require = createRequire(import.meta.url);
/** @type {AsyncLocalStorage<Scope>} */
const context = new AsyncLocalStorage();
/** @type {Map<string, Owner>} */
const owners = new Map(); // module URL -> owner of its current instance
const ADDRESS = Symbol('graphkit.address');
// The modules whose frames stand between an effect's maker and attribute(): this one's patches, listen.mjs.
const WRAPPERS = new Set([import.meta.url, new URL('./listen.mjs', import.meta.url).href]);
const PRUNE_AT = 64;
/** @type {string | null} */
let entryUrl = null;

class Owner {
  /** @param {string} url */
  constructor(url) {
    this.url = url;
    /** @type {Set<NodeJS.Timeout>} */
    this.intervals = new Set();
    /** @type {Set<NodeJS.Timeout>} */
    this.timeouts = new Set();
    /** @type {Set<Server>} */
    this.servers = new Set();
    /** @type {Listener[]} */
    this.listeners = []; // {emitter, event, listener, kind}
    /** @type {Set<ChildProcess>} */
    this.children = new Set(); // child processes
    /** @type {Set<ClusterWorker>} */
    this.workers = new Set(); // cluster workers
    /** @type {Set<Thread>} */
    this.threads = new Set(); // worker_threads Workers
    /** @type {Set<Lines>} */
    this.inputs = new Set(); // readline interfaces
    /** @type {Set<AbortController>} */
    this.aborts = new Set(); // AbortControllers of pending node:timers/promises timers
    this.limit = PRUNE_AT;
  }

  /**
   * Adds `item` to `set` until it ends (`event` on it): an app that keeps starting them must not grow this.
   * @template {EventEmitter} T
   * @param {Set<T>} set
   * @param {T} item
   * @param {string} event
   */
  hold(set, item, event) {
    set.add(item);
    item.once(event, () => set.delete(item));
  }

  /**
   * @param {NodeJS.Timeout} timer
   * @param {boolean} repeats
   */
  addTimer(timer, repeats) {
    const set = repeats ? this.intervals : this.timeouts;
    set.add(timer);
    if (set.size >= this.limit) {
      // Timers that fired or were cleared: an app that keeps starting them must not grow this.
      for (const old of set) if (timerDone(old)) set.delete(old);
      this.limit = Math.max(PRUNE_AT, set.size * 2);
    }
  }
}

/** @param {string} url */
function ownerOf(url) {
  let owner = owners.get(url);
  if (owner === undefined) {
    owner = new Owner(url);
    owners.set(url, owner);
  }
  return owner;
}

/** @returns {NodeJS.CallSite[]} */
function callSites() {
  const { prepareStackTrace, stackTraceLimit } = Error;
  Error.stackTraceLimit = Infinity;
  Error.prepareStackTrace = (_, sites) => sites;
  /** @type {{stack?: unknown}} */
  const holder = {};
  Error.captureStackTrace(holder, callSites);
  const sites = holder.stack;
  Error.prepareStackTrace = prepareStackTrace;
  Error.stackTraceLimit = stackTraceLimit;
  return Array.isArray(sites) ? sites : [];
}

/**
 * @param {NodeJS.CallSite} site
 * @param {string} file
 */
function isModuleTopLevel(site, file) {
  return file.startsWith('file:') && site.getFunctionName() === null
    && site.getEnclosingLineNumber?.() === 1 && site.getEnclosingColumnNumber?.() === 1;
}

/**
 * Who owns an effect created now: {url, request} (the URL of the owning module instance; request true in a
 * server's request scope), or null for an untracked one. `perRequest` false skips the stack walk for a
 * one-shot timer made while serving a request: it is never released.
 * @param {boolean} perRequest
 * @returns {Scope | null}
 */
function attribute(perRequest) {
  const store = context.getStore();
  if (store?.request && !perRequest) return null;
  const sites = callSites();
  // Past the wrappers' frames (the patched function), the caller tells who made the effect: the probe, or
  // Node itself (http's own connection-checking interval), manage theirs.
  const first = sites.findIndex((site) => !WRAPPERS.has(site.getFileName() ?? ''));
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

/**
 * @param {Function} original
 * @param {boolean} repeats
 * @returns {any} the timer function, tracked: it stands in for `original`
 */
function wrapTimer(original, repeats) {
  /**
   * @param {unknown} callback
   * @param {unknown[]} rest
   */
  const wrapped = function (callback, ...rest) {
    const scope = attribute(repeats);
    if (scope === null) return original.call(this, callback, ...rest);
    // Created inside its owner's context, the timer runs its callback there: what it starts is owned too.
    const timer = context.run(scope, () => original.call(this, callback, ...rest));
    if (repeats || !scope.request) ownerOf(scope.url).addTimer(timer, repeats);
    return timer;
  };
  const from = /** @type {Keyed} */ (/** @type {unknown} */ (original));
  const to = /** @type {Keyed} */ (/** @type {unknown} */ (wrapped));
  for (const key of Reflect.ownKeys(original)) {
    if (!(key in wrapped)) to[key] = from[key]; // util.promisify.custom and the like
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
}

function patchListen() {
  handleListen((listening, args, listen) => {
    const server = /** @type {Server} */ (listening);
    const scope = attribute(true);
    // Code of a rolled-back re-run still booting (its plugins loaded after the entry threw): the old app
    // keeps the address.
    if (context.getStore()?.attempt?.failed) return server;
    if (scope === null || scope.request) return listen(args);
    const owner = ownerOf(scope.url);
    const key = addressKey(args);
    server[ADDRESS] = key;
    owner.servers.add(server);
    server.once('close', () => owner.servers.delete(server));
    watchServer(server);
    const attempt = context.getStore()?.attempt;
    if (attempt !== undefined) watchListenError(server, attempt, scope.url);
    // A released server listening on the same address gives its socket: no connection is refused.
    const handle = claim(key, server);
    const callback = args.findLast((arg) => typeof arg === 'function');
    const call = handle === null ? args : callback === undefined ? [handle] : [handle, callback];
    return context.run({ url: scope.url, request: true }, () => listen(call));
  });
}

// A server that a re-run asks to listen and that fails to (EADDRINUSE...) fails the re-run, which is rolled
// back: the error is the attempt's (`attempt.listenError`), the app's own 'error' listeners hear it too.
// Once the attempt has settled, an error nobody else hears is thrown as it would be without graphkit.
/**
 * @param {Server} server
 * @param {Attempt} attempt
 * @param {string} url
 */
function watchListenError(server, attempt, url) {
  /** @param {Error} error */
  const onError = (error) => {
    if (!attempt.settled) {
      attempt.listenError ??= { error, url };
      return;
    }
    if (server.listenerCount('error') === 0) throw error;
  };
  server.once('error', onError);
  server.once('listening', () => server.removeListener('error', onError));
}

/** @type {('on' | 'addListener' | 'once' | 'prependListener' | 'prependOnceListener')[]} */
const LISTENER_METHODS = ['on', 'addListener', 'once', 'prependListener', 'prependOnceListener'];

// Listeners the app adds to `emitter` belong to the instance that adds them; `kind` is the Effect counted.
/**
 * @param {EventEmitter} emitter
 * @param {string} kind
 */
function trackListeners(emitter, kind) {
  for (const method of LISTENER_METHODS) {
    const original = emitter[method];
    /**
     * @param {string | symbol} event
     * @param {(...args: any[]) => void} listener
     */
    emitter[method] = function (event, listener) {
      const scope = typeof listener === 'function' ? attribute(true) : null;
      if (scope !== null && !scope.request) ownerOf(scope.url).listeners.push({ emitter, event, listener, kind });
      return original.call(this, event, listener);
    };
  }
}

// process.stdin is made on first use: its listeners are tracked from then on.
function trackStdin() {
  const descriptor = Object.getOwnPropertyDescriptor(process, 'stdin');
  const make = descriptor?.get;
  if (typeof make !== 'function') return;
  let tracked = false;
  Object.defineProperty(process, 'stdin', {
    ...descriptor,
    get() {
      const stdin = make.call(this);
      if (!tracked) {
        tracked = true;
        trackListeners(stdin, Effect.INPUT);
      }
      return stdin;
    },
  });
}

/**
 * Replaces `module[name]` (a function that makes an effect) with one that hands what it made to `own`.
 * @template T
 * @param {Keyed} module
 * @param {string} name
 * @param {(owner: Owner, made: T) => void} own
 */
function wrapMaker(module, name, own) {
  const original = module[name];
  if (typeof original !== 'function') return;
  /** @param {unknown[]} args */
  const wrapped = function (...args) {
    const scope = attribute(true);
    const made = original.apply(this, args);
    if (scope !== null && !scope.request) own(ownerOf(scope.url), made);
    return made;
  };
  Object.defineProperty(wrapped, 'name', { value: original.name });
  module[name] = wrapped;
}

function patchProcesses() {
  const childProcess = require('node:child_process');
  for (const name of ['spawn', 'fork', 'exec', 'execFile']) {
    wrapMaker(childProcess, name, (owner, child) => owner.hold(owner.children, child, 'exit'));
  }
  const cluster = /** @type {import('node:cluster').Cluster} */ (require('node:cluster'));
  if (cluster.isPrimary) {
    trackListeners(cluster, Effect.LISTENER);
    hideRetiredWorkers();
    wrapMaker(/** @type {Keyed} */ (/** @type {unknown} */ (cluster)), 'fork',
      (owner, worker) => owner.hold(owner.workers, worker, 'exit'));
  }
  const threads = require('node:worker_threads');
  threads.Worker = class Worker extends threads.Worker {
    /**
     * @param {string | URL} filename
     * @param {import('node:worker_threads').WorkerOptions} [options]
     */
    constructor(filename, options) {
      const scope = attribute(true);
      super(filename, options);
      if (scope === null || scope.request) return;
      const owner = ownerOf(scope.url);
      owner.hold(owner.threads, this, 'exit');
    }
  };
  for (const id of ['node:readline', 'node:readline/promises']) {
    const readline = require(id);
    wrapMaker(readline, 'createInterface', (owner, lines) => owner.hold(owner.inputs, lines, 'close'));
  }
}

// A node:timers/promises timer of a released instance is aborted and its promise never settles: the code
// awaiting it stops there (an `await setTimeout()` loop, a `for await` over setInterval) with no rejection
// to crash the app. An abort the app asked for (its own signal) rejects as usual.
/**
 * @param {Function} original
 * @param {boolean} repeats
 */
function wrapPromiseTimer(original, repeats) {
  /**
   * @param {unknown} delay
   * @param {unknown} value
   * @param {{signal?: AbortSignal}} [options]
   */
  const wrapped = function (delay, value, options) {
    const scope = attribute(repeats);
    const plain = options === undefined || (typeof options === 'object' && options !== null);
    if (scope === null || (scope.request && !repeats) || !plain) return original.call(this, delay, value, options);
    const owner = ownerOf(scope.url);
    const controller = new AbortController();
    const theirs = options?.signal;
    if (theirs?.aborted) controller.abort(theirs.reason);
    theirs?.addEventListener?.('abort', () => controller.abort(theirs.reason), { once: true });
    owner.aborts.add(controller);
    const done = () => owner.aborts.delete(controller);
    /** @param {unknown} result */
    const settled = (result) => {
      done();
      return result;
    };
    /** @param {unknown} error */
    const failed = (error) => {
      done();
      if (controller.signal.aborted && !theirs?.aborted) return new Promise(() => {});
      throw error;
    };
    const made = original.call(this, delay, value, { ...options, signal: controller.signal });
    if (!repeats) return made.then(settled, failed);
    return {
      next: () => made.next().then((/** @type {IteratorResult<unknown>} */ step) => (step.done ? settled(step) : step), failed),
      return: (/** @type {unknown} */ result) => made.return(result).then(settled, failed),
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  };
  Object.defineProperty(wrapped, 'name', { value: original.name });
  return wrapped;
}

function patchPromiseTimers() {
  const promiseTimers = require('node:timers/promises');
  promiseTimers.setTimeout = wrapPromiseTimer(promiseTimers.setTimeout, false);
  promiseTimers.setImmediate = wrapPromiseTimer(promiseTimers.setImmediate, false);
  promiseTimers.setInterval = wrapPromiseTimer(promiseTimers.setInterval, true);
  // scheduler.wait and util.promisify(setTimeout) reach Node's own promise timer, not these exports.
  if (typeof promiseTimers.scheduler?.wait === 'function') {
    promiseTimers.scheduler.wait = function wait(delay, options) {
      return promiseTimers.setTimeout(delay, undefined, options);
    };
  }
  /** @type {Keyed} */ (/** @type {unknown} */ (globalThis.setTimeout))[promisify.custom] = promiseTimers.setTimeout;
}

/**
 * Starts tracking; `entry` is the URL of the app's entry, the owner of what nothing else owns (null when the
 * app has no main module).
 * @param {string | null} entry
 */
export function trackEffects(entry) {
  entryUrl = entry;
  patchTimers();
  patchPromiseTimers();
  patchListen();
  trackListeners(process, Effect.LISTENER);
  trackStdin();
  patchProcesses();
  syncBuiltinESMExports(); // named imports of the builtins see the tracked functions too
}

/**
 * Runs `fn` (an import() of `url`) so that what its evaluation continues with belongs to `url`. `attempt`
 * is the reload's {failed}: once it is rolled back (failed true), a server its code asks to listen never does.
 * @template T
 * @param {string} url
 * @param {() => T} fn
 * @param {Attempt} attempt
 * @returns {T}
 */
export function runAs(url, fn, attempt) {
  return context.run({ url, request: false, attempt }, fn);
}

/**
 * Releases what the current instances of `urls` own, after their dispose callbacks ran: listeners removed,
 * timers cleared, servers offered for handover (they keep accepting until claimed or settled); child
 * processes, worker threads, readline interfaces and cluster workers are kept until `settle` ends them.
 * Returns a ticket: counts per effect kind, and what `restore` and `settle` need.
 * @param {string[]} urls
 */
export function release(urls) {
  const released = Object.fromEntries(Object.values(Effect).map((kind) => [kind, 0]));
  /** @type {Ticket} */
  const ticket = {
    released, owners: [], offered: [], listeners: [], children: [], threads: [], inputs: [], workers: [],
  };
  for (const url of urls) {
    const owner = owners.get(url);
    if (owner === undefined) continue;
    owners.delete(url);
    ticket.owners.push(owner);
    for (const entry of owner.listeners) {
      const { emitter, event, listener, kind } = entry;
      if (emitter.listeners(event).includes(listener)) {
        emitter.removeListener(event, listener);
        ticket.listeners.push(entry);
        released[kind] += 1;
      }
    }
    // stdin left flowing with nobody reading would hold the app's event loop and drop what is typed.
    if (owner.listeners.some(({ kind }) => kind === Effect.INPUT) && process.stdin.listenerCount('data') === 0) {
      process.stdin.pause();
    }
    for (const timer of owner.intervals) {
      if (!timerDone(timer)) released[Effect.TIMER] += 1;
      clearInterval(timer);
    }
    for (const timer of owner.timeouts) {
      if (!timerDone(timer)) released[Effect.TIMER] += 1;
      clearTimeout(timer);
    }
    for (const controller of owner.aborts) {
      released[Effect.TIMER] += 1;
      controller.abort();
    }
    // Processes, threads and readline interfaces go once the reload has succeeded: a rolled-back one keeps them.
    ticket.children.push(...owner.children);
    ticket.threads.push(...owner.threads);
    ticket.inputs.push(...owner.inputs);
    const workers = [...owner.workers].filter(workerAlive);
    ticket.workers.push(...workers);
    released[Effect.CHILD] += owner.children.size;
    released[Effect.THREAD] += owner.threads.size;
    released[Effect.INPUT] += owner.inputs.size;
    released[Effect.WORKER] += workers.length;
    for (const server of owner.servers) {
      released[Effect.SERVER] += 1;
      released[Effect.UPGRADED] += upgradedOf(server);
      if (offer(server[ADDRESS] ?? null, server)) ticket.offered.push(server);
    }
  }
  return ticket;
}

/**
 * After a re-import failed: the old owners come back with the servers and cluster workers they still have
 * and their listeners, and the servers the failed attempt opened (`failed`, its own release ticket) close,
 * each first giving back the listening socket it took from an old server: the old code serves on. The
 * attempt's other effects were released with `failed`; its cluster workers are retired.
 * @param {Ticket} ticket
 * @param {Ticket} failed
 */
export function restore(ticket, failed) {
  withdraw([...ticket.offered, ...failed.offered]);
  for (const owner of ticket.owners) owners.set(owner.url, owner);
  for (const owner of failed.owners) for (const server of owner.servers) giveBack(server);
  for (const { emitter, event, listener } of ticket.listeners) emitter.on(event, listener);
  end(failed);
  retireWorkers(failed.workers); // the old workers stay
}

/**
 * After a reload succeeded: the released child processes, worker threads and readline interfaces end, and
 * the released cluster workers give way to the re-run's (waiting at most `limitMs` for them to listen).
 * Resolves to whether there were workers to replace.
 * @param {Ticket} ticket
 * @param {number} limitMs
 */
export async function settle(ticket, limitMs) {
  end(ticket);
  await replaceWorkers(ticket.workers, limitMs);
  return ticket.workers.length > 0;
}

/** @param {Ticket} ticket */
function end(ticket) {
  for (const child of ticket.children) endChild(child);
  for (const thread of ticket.threads) {
    silence(thread);
    thread.terminate();
  }
  for (const lines of ticket.inputs) closeInput(lines);
}

/** @param {Lines} lines */
function closeInput(lines) {
  const { input } = lines;
  lines.removeAllListeners(); // the old code hears nothing more, not even 'close'
  lines.close();
  // Closing pauses the input stream, which the re-run's own interface may be reading too.
  if (input && (input.listenerCount?.('data') > 0 || input.listenerCount?.('keypress') > 0)) input.resume();
}
