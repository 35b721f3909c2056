// The hot-reload runtime API that app modules call; installed by host.mjs under `graphkit watch`.
//
//   const hot = globalThis[Symbol.for('graphkit.hot')]?.(import.meta);  // undefined without the host
//   hot?.dispose((data) => { clearInterval(timer); data.count = count; }); // before this instance goes
//   const count = hot?.data.count ?? 0;                                    // what the previous one left
//   hot?.accept((next) => { ... });        // self-accepting: called with the new namespace
//   hot?.on('update', (event) => { ... }); // on a surviving boundary: event.evicted, event.changed, ...
//
// Development only: the host evicts modules from Node's internal ESM cache (--expose-internals).
// Records are keyed by import.meta.url; each evaluation of a module is a new instance whose handlers
// replace the previous instance's, so an evicted instance is not kept alive by its own callbacks.
// `data` is one object per URL that lives across reloads (dispose callbacks write to it). When a reload
// fails and is rolled back, the old instance keeps serving but its dispose callbacks have already run:
// what they wrote to `data` stays there for the next attempt.

import { callWithin } from './limits.mjs';

/**
 * What one instance leaves the next, across reloads.
 * @typedef {Record<string, unknown>} HotData
 * @typedef {(data: HotData) => unknown} Disposer
 * @typedef {(namespace: unknown) => unknown} Acceptor Called with the new namespace.
 * @typedef {{changed: string[], evicted: string[], reimported: string[]}} UpdateEvent
 * @typedef {(event: UpdateEvent) => unknown} UpdateListener
 * @typedef {{disposers: Disposer[], acceptors: Acceptor[], listeners: UpdateListener[], disposed: boolean}} Instance
 * @typedef {[url: string, instance: Instance | null]} SavedInstance
 * @typedef {{url: string, phase: string, error: import('./snapshot.mjs').Thrown}} CallbackError
 * @typedef {typeof createHot} CreateHot What `globalThis[Symbol.for('graphkit.hot')]` holds.
 */

const KEY = Symbol.for('graphkit.hot');
// How long a dispose callback may take when the caller names no limit.
export const CALLBACK_MS = 5000;
/** @type {Map<string, {data: HotData, instance: Instance | null}>} */
const records = new Map(); // url -> {data, instance}

/** @param {string} url */
function record(url) {
  let rec = records.get(url);
  if (rec === undefined) {
    rec = { data: {}, instance: null };
    records.set(url, rec);
  }
  return rec;
}

/**
 * The API a module gets for its `import.meta` (only its URL is read).
 * @param {{url: string}} meta
 */
function createHot(meta) {
  const rec = record(meta.url);
  /** @type {Instance} */
  const instance = { disposers: [], acceptors: [], listeners: [], disposed: false };
  rec.instance = instance;
  return Object.freeze({
    url: meta.url,
    data: rec.data,
    /** @param {Disposer} callback */
    dispose(callback) {
      instance.disposers.push(callback);
    },
    /** @param {Acceptor} [callback] */
    accept(callback = () => {}) {
      instance.acceptors.push(callback);
    },
    /**
     * @param {unknown} event
     * @param {UpdateListener} callback
     */
    on(event, callback) {
      if (event !== 'update') throw new TypeError(`graphkit hot: unknown event ${String(event)} in ${meta.url}`);
      instance.listeners.push(callback);
    },
  });
}

/** Gives every module the hot API (`globalThis[Symbol.for('graphkit.hot')](import.meta)`). */
export function exposeHot() {
  if (/** @type {Record<symbol, unknown>} */ (globalThis)[KEY] === undefined) {
    Object.defineProperty(globalThis, KEY, { value: createHot, enumerable: false });
  }
}

/**
 * The current instances of `urls`, to restore after a failed reload.
 * @param {string[]} urls
 * @returns {SavedInstance[]}
 */
export function saveInstances(urls) {
  return urls.map((url) => [url, records.get(url)?.instance ?? null]);
}

/**
 * Puts saved instances back (their disposers already ran and stay spent).
 * @param {SavedInstance[]} saved
 */
export function restoreInstances(saved) {
  for (const [url, instance] of saved) record(url).instance = instance;
}

/**
 * Runs dispose callbacks of the current instances of `urls`, newest registration first, each awaited for
 * at most `limitMs` (one that has not settled by then is skipped and reported as an Unsettled error);
 * errors are collected, never thrown. An instance is disposed at most once.
 * @param {string[]} urls
 * @param {number} [limitMs]
 */
export async function dispose(urls, limitMs = CALLBACK_MS) {
  /** @type {CallbackError[]} */
  const errors = [];
  for (const url of urls) {
    const rec = records.get(url);
    const instance = rec?.instance;
    if (!instance || instance.disposed) continue;
    instance.disposed = true;
    for (const callback of instance.disposers.reverse()) {
      try {
        await callWithin(limitMs, callback, rec.data);
      } catch (error) {
        errors.push({ url, phase: 'dispose', error });
      }
    }
    instance.disposers.length = 0;
  }
  return errors;
}

/**
 * Accept callbacks that the current (about to be replaced) instances of `urls` registered.
 * @param {string[]} urls
 * @returns {{url: string, callback: Acceptor}[]}
 */
export function acceptorsOf(urls) {
  return urls.flatMap((url) => (records.get(url)?.instance?.acceptors ?? []).map((callback) => ({ url, callback })));
}

/** @param {string} url */
export function accepts(url) {
  return (records.get(url)?.instance?.acceptors.length ?? 0) > 0;
}

/** Modules whose current instance called accept: a walk over the modules that use the hot API only. */
export function acceptingUrls() {
  return [...records.keys()].filter(accepts);
}

/**
 * Update listeners of the current instances of `urls`.
 * @param {string[]} urls
 * @returns {{url: string, callback: UpdateListener}[]}
 */
export function listenersOf(urls) {
  return urls.flatMap((url) => (records.get(url)?.instance?.listeners ?? []).map((callback) => ({ url, callback })));
}

/**
 * URLs of `saved` whose current instance is not the saved one: a reload attempt evaluated them.
 * @param {SavedInstance[]} saved
 */
export function replaced(saved) {
  return saved.filter(([url, instance]) => (records.get(url)?.instance ?? null) !== instance).map(([url]) => url);
}

/**
 * Drops saved instances that no evaluation replaced: evicted and not re-imported, they must be freed.
 * @param {SavedInstance[]} saved
 */
export function release(saved) {
  for (const [url, instance] of saved) {
    const rec = records.get(url);
    if (rec && rec.instance === instance) rec.instance = null;
  }
}
