// Node's ESM loader (needs --expose-internals): its loadCache (url -> per-url object of type slots -> ModuleJob),
// each job's `linked` dependencies and module record, and its import()/resolve entry points. The layout is
// detected by feature, never by version number: `probe*` below are run when the probe starts
// (internals/features.mjs), so an unknown layout ends the start with one line naming what is missing.
import { Status } from '../protocol.mjs';
import { internal, unsupported } from './node.mjs';

/**
 * @typedef {import('./node.mjs').Internal} Internal
 * @typedef {Internal} Loader Node's ESM loader.
 * @typedef {Internal} ModuleJob One job of the loader: `url`, `module` (a V8 module record), `linked`.
 * @typedef {Internal} Slots A loadCache entry: a null-prototype object of type slots -> ModuleJob.
 * @typedef {Internal} LoadCache The loader's loadCache, a Map subclass.
 * @typedef {{url: string, type: string, job: ModuleJob}} CacheEntry
 */

// V8's Module::Status values, unchanged on every supported major.
const V8_INSTANTIATED = 2;
const V8_EVALUATING = 3;
const V8_EVALUATED = 4;
const V8_ERRORED = 5;

// What each `linked` promise settled to (its jobs, or REJECTED; PENDING until then), so a caller reads it
// without awaiting every job. Keyed by the promise: hideLinked swaps a job's `linked` for a while. An array
// `linked` (v24+, ModuleJobSync) is settled by nature.
/** @type {WeakMap<object, ModuleJob[] | typeof PENDING | typeof REJECTED>} */
const settled = new WeakMap();
const PENDING = 'pending';
const REJECTED = 'rejected';
// Map.prototype.size is an accessor in every engine (the language defines it so).
const mapSize = /** @type {{get(): number}} */ (Object.getOwnPropertyDescriptor(Map.prototype, 'size')).get;

/** @param {unknown} value */
function isMapLike(value) {
  try {
    Map.prototype.has.call(value, '');
    return true;
  } catch {
    return false;
  }
}

/** @type {Loader} */
let cachedLoader;

/**
 * The app's ESM loader (v18: internal/process/esm_loader.esmLoader, v20+: the cascaded loader).
 * @returns {Loader}
 */
export function getLoader() {
  if (cachedLoader !== undefined) return cachedLoader;
  const cascaded = internal('internal/modules/esm/loader')?.getOrInitializeCascadedLoader;
  const loader = typeof cascaded === 'function' ? cascaded() : internal('internal/process/esm_loader')?.esmLoader;
  if (loader === undefined || loader === null) {
    throw unsupported('the ESM loader', 'no internal/modules/esm/loader.getOrInitializeCascadedLoader nor '
      + 'internal/process/esm_loader.esmLoader (is --expose-internals set?)');
  }
  if (!isMapLike(loader.loadCache)) throw unsupported('the ESM loader', 'it has no loadCache map');
  cachedLoader = loader;
  return loader;
}

/** @returns {LoadCache} */
function getLoadCache() {
  return getLoader().loadCache;
}

// Entries go through Map.prototype, which every version's LoadCache accepts: its own get/set/delete take
// other arguments (url, type) and LoadCache.delete leaves the key behind with an empty slot.

/**
 * The per-url object of type slots of `url`, or undefined.
 * @param {string} url
 * @returns {Slots | undefined}
 */
export function cacheGet(url) {
  return Map.prototype.get.call(getLoadCache(), url);
}

/** @param {string} url */
export function cacheHas(url) {
  return Map.prototype.has.call(getLoadCache(), url);
}

/**
 * @param {string} url
 * @param {Slots} slots
 */
export function cacheSet(url, slots) {
  Map.prototype.set.call(getLoadCache(), url, slots);
}

/** @param {string} url */
export function cacheDelete(url) {
  Map.prototype.delete.call(getLoadCache(), url);
}

/**
 * @param {LoadCache} [cache]
 * @returns {MapIterator<string>}
 */
export function cacheKeys(cache = getLoadCache()) {
  return Map.prototype.keys.call(cache);
}

/**
 * @param {LoadCache} [cache]
 * @returns {number}
 */
export function cacheSize(cache = getLoadCache()) {
  return mapSize.call(cache);
}

/**
 * The jobs of a per-url object, [type, job] for each filled slot.
 * @param {Slots} slots
 */
export function slotJobs(slots) {
  /** @type {[string, ModuleJob][]} */
  const jobs = [];
  // The per-url object has a null prototype: for...in sees exactly its type slots.
  for (const type in slots) {
    if (slots[type] !== undefined && slots[type] !== null) jobs.push([type, slots[type]]);
  }
  return jobs;
}

/**
 * Every job in the cache: {url, type, job}.
 * @param {LoadCache} [cache]
 */
export function cacheEntries(cache = getLoadCache()) {
  /** @type {CacheEntry[]} */
  const entries = [];
  for (const [key, slots] of Map.prototype.entries.call(cache)) {
    for (const [type, job] of slotJobs(slots)) entries.push({ url: jobUrl(key, job), type, job });
  }
  return entries;
}

/**
 * Has `onWrite(url, isSet)` hear of every entry Node's loader sets or deletes (an own method on the cache
 * instance, verified on Node 18-26), before the write. True when it hooked a cache it had not hooked before
 * (the first call, or a cache that was replaced): writes before then were not heard.
 */
/** @type {LoadCache | null} */
let hooked = null;
/** @param {(url: string, isSet: boolean) => void} onWrite */
export function watchCacheWrites(onWrite) {
  const cache = getLoadCache();
  if (hooked === cache) return false;
  const { set, delete: remove } = cache;
  Object.defineProperty(cache, 'set', {
    configurable: true,
    writable: true,
    /**
     * @param {string} url
     * @param {unknown[]} rest
     */
    value(url, ...rest) {
      onWrite(url, true);
      return set.call(this, url, ...rest);
    },
  });
  Object.defineProperty(cache, 'delete', {
    configurable: true,
    writable: true,
    /**
     * @param {string} url
     * @param {unknown[]} rest
     */
    value(url, ...rest) {
      onWrite(url, false);
      return remove.call(this, url, ...rest);
    },
  });
  hooked = cache;
  return true;
}

/** @param {ModuleJob[] | Promise<ModuleJob[]>} linked */
function record(linked) {
  if (Array.isArray(linked) || typeof linked?.then !== 'function' || settled.has(linked)) return;
  settled.set(linked, PENDING);
  linked.then((jobs) => settled.set(linked, jobs), () => settled.set(linked, REJECTED));
}

/**
 * Gives the `linked` promises of `jobs` one turn to settle (a settled one always does, one still linking
 * must not hang the caller): afterwards linkedNow and jobStatus know what each settled to.
 * @param {Iterable<ModuleJob>} jobs
 */
export async function settleLinked(jobs) {
  let waiting = false;
  for (const job of jobs) {
    const linked = job.linked;
    record(linked);
    waiting ||= settled.get(linked) === PENDING;
  }
  if (waiting) await new Promise((resolve) => setImmediate(resolve));
}

/**
 * The jobs `job` links to, as far as known now: none while its `linked` promise is unsettled or failed.
 * @param {ModuleJob} job
 * @returns {ModuleJob[]}
 */
export function linkedNow(job) {
  const linked = job.linked;
  if (Array.isArray(linked)) return linked;
  record(linked);
  const state = settled.get(linked);
  return Array.isArray(state) ? state : [];
}

/**
 * @param {ModuleJob} job
 * @returns {Promise<ModuleJob[]>}
 */
export async function jobDependencies(job) {
  await settleLinked([job]);
  return Array.prototype.slice.call(linkedNow(job));
}

/**
 * Makes `job` link to nothing until the returned function puts its own `linked` back.
 * @param {ModuleJob} job
 * @returns {() => void}
 */
export function hideLinked(job) {
  const linked = job.linked;
  job.linked = Array.isArray(linked) ? [] : Promise.resolve([]);
  return () => {
    job.linked = linked;
  };
}

/**
 * @param {string | undefined} key the job's loadCache key, if known: its URL when the job names none
 * @param {ModuleJob} job
 * @returns {string}
 */
export function jobUrl(key, job) {
  return job.url ?? job.module?.url ?? key;
}

/**
 * @param {ModuleJob} job
 * @returns {string}
 */
export function jobStatus(job) {
  const status = job.module?.getStatus?.();
  if (status === V8_ERRORED) return Status.ERRORED;
  if (status === V8_EVALUATED) return Status.EVALUATED;
  // V8 reports evaluating only while the body runs synchronously (one awaiting top-level await already
  // reports evaluated): either way the module has started running and is not a failed load.
  if (status === V8_EVALUATING) return Status.EVALUATED;
  if (status === V8_INSTANTIATED) return Status.INSTANTIATED;
  const linked = job.linked;
  record(linked);
  const state = Array.isArray(linked) ? linked : settled.get(linked);
  if (state === REJECTED) return Status.ERRORED;
  if (job.module === undefined) return Status.LINKING;
  return Array.isArray(state) ? Status.LINKED : Status.LINKING;
}

/**
 * The namespace of a job's module once it has evaluated (V8 makes it on first ask); null before, or after
 * it threw.
 * @param {ModuleJob} job
 * @returns {object | null}
 */
export function namespaceOf(job) {
  const status = job.module?.getStatus?.();
  if (status !== V8_EVALUATED && status !== V8_EVALUATING) return null;
  try {
    return job.module.getNamespace();
  } catch {
    return null; // a layout whose module record has no getNamespace: nothing is checked
  }
}

/**
 * Routes every import() through `around(call, specifier, parentURL, attributes)`, where `call()` is Node's
 * own. Every import() (v18: esmLoader.import, v20+: cascadedLoader.import) passes the importer's URL; the
 * entry point and preloads pass none (the entry as a URL object on v22+).
 * @param {ImportAround} around
 */
export function interceptImport(around) {
  const loader = getLoader();
  const original = loader.import;
  /**
   * @param {string} specifier
   * @param {string | URL | undefined} parentURL
   * @param {ImportAttributes | undefined} attributes
   * @param {unknown[]} rest
   */
  loader.import = function (specifier, parentURL, attributes, ...rest) {
    const call = () => original.call(loader, specifier, parentURL, attributes, ...rest);
    return around(call, specifier, parentURL, attributes);
  };
}

/**
 * @typedef {Record<string, string>} ImportAttributes
 * @typedef {(call: () => Promise<unknown>, specifier: string, parentURL: string | URL | undefined,
 *   attributes: ImportAttributes | undefined) => Promise<unknown>} ImportAround
 * @typedef {(specifier: string, parentURL: string | undefined, attributes?: ImportAttributes) => Promise<string>} Resolve
 */

/**
 * (specifier, parentURL, attributes) -> the URL the loader resolves it to, as a promise.
 * @returns {Resolve}
 */
export function resolver() {
  const loader = getLoader();
  // v18-22: resolve(specifier, parentURL, attributes); v24+: resolveSync(parentURL, {specifier, attributes}).
  return typeof loader.resolve === 'function'
    ? async (specifier, parentURL, attributes) => (await loader.resolve(specifier, parentURL, attributes)).url
    : async (specifier, parentURL, attributes) => loader.resolveSync(parentURL, { specifier, attributes }).url;
}

// Probes, run once when the probe starts.

export function probeLoader() {
  getLoader();
}

export function probeImport() {
  const loader = getLoader();
  if (typeof loader.import !== 'function') throw unsupported('the ESM loader', 'it has no import method');
  if (typeof loader.resolve !== 'function' && typeof loader.resolveSync !== 'function') {
    throw unsupported('the ESM loader', 'it has neither resolve nor resolveSync');
  }
}

/** The probe's own module, loaded by now, has the layout every reader here relies on. */
export function probeLayout() {
  const own = import.meta.url;
  const slots = cacheGet(own);
  const job = slots?.javascript;
  if (job === undefined || job === null) {
    throw unsupported('the ESM loader', 'loadCache entries are not {url: {javascript: ModuleJob}}');
  }
  if (!Array.isArray(job.linked) && typeof job.linked?.then !== 'function') {
    throw unsupported('the ESM loader', 'a ModuleJob has no linked dependencies');
  }
  if (typeof job.module?.getStatus !== 'function' || job.module.getStatus() !== V8_EVALUATED) {
    throw unsupported('the ESM loader', "a ModuleJob's module record reports no V8 status");
  }
}
