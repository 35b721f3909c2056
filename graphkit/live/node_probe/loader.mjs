// Access to Node's ESM loader cache (needs --expose-internals). The layout is detected by feature, never
// by version number, so an unknown layout fails with one line naming the version and what is missing.
import { createRequire } from 'node:module';
import { Status } from './protocol.mjs';

const require = createRequire(import.meta.url);
const PROBE_DIR = new URL('./', import.meta.url).href;

// V8's Module::Status values, unchanged on every supported major.
const V8_INSTANTIATED = 2;
const V8_EVALUATING = 3;
const V8_EVALUATED = 4;
const V8_ERRORED = 5;

// How each job's `linked` promise settled; an array `linked` (v24+, ModuleJobSync) is settled by nature.
const settled = new WeakMap();

function unsupported(what) {
  return new Error(`graphkit: unsupported Node ${process.version}: ${what}`);
}

function tryRequire(id) {
  try {
    return require(id);
  } catch (error) {
    if (error?.code === 'ERR_UNKNOWN_BUILTIN_MODULE' || error?.code === 'MODULE_NOT_FOUND') return undefined;
    throw error;
  }
}

function isMapLike(value) {
  try {
    Map.prototype.has.call(value, '');
    return true;
  } catch {
    return false;
  }
}

let cachedLoader;

export function getLoader() {
  if (cachedLoader !== undefined) return cachedLoader;
  const cascaded = tryRequire('internal/modules/esm/loader')?.getOrInitializeCascadedLoader;
  const loader = typeof cascaded === 'function' ? cascaded() : tryRequire('internal/process/esm_loader')?.esmLoader;
  if (loader === undefined || loader === null) {
    throw unsupported('no internal/modules/esm/loader.getOrInitializeCascadedLoader nor '
      + 'internal/process/esm_loader.esmLoader (is --expose-internals set?)');
  }
  if (!isMapLike(loader.loadCache)) throw unsupported('the ESM loader has no loadCache map');
  cachedLoader = loader;
  return loader;
}

export function getLoadCache() {
  return getLoader().loadCache;
}

export function cacheEntries(cache = getLoadCache()) {
  const entries = [];
  for (const [key, slots] of Map.prototype.entries.call(cache)) {
    // The per-url object has a null prototype: for...in sees exactly its type slots.
    for (const type in slots) {
      const job = slots[type];
      if (job !== undefined && job !== null) entries.push({ url: jobUrl(key, job), type, job });
    }
  }
  return entries;
}

function record(job, linked) {
  if (Array.isArray(linked) || linked === undefined) return;
  if (!settled.has(job)) {
    settled.set(job, 'pending');
    linked.then(() => settled.set(job, 'fulfilled'), () => settled.set(job, 'rejected'));
  }
}

export async function jobDependencies(job) {
  const linked = job.linked;
  if (Array.isArray(linked)) return Array.prototype.slice.call(linked);
  if (linked === undefined || typeof linked.then !== 'function') return [];
  record(job, linked);
  if (settled.get(job) === 'fulfilled') return Array.prototype.slice.call(await linked);
  // A job still linking must not hang the caller: a settled promise wins the race against setImmediate.
  const pending = Symbol('pending');
  const outcome = await Promise.race([
    linked.then((jobs) => jobs, () => null),
    new Promise((resolve) => setImmediate(resolve, pending)),
  ]);
  if (outcome === pending || outcome === null) return [];
  return Array.prototype.slice.call(outcome);
}

export function jobUrl(key, job) {
  return job.url ?? job.module?.url ?? key;
}

export function jobStatus(job) {
  const status = job.module?.getStatus?.();
  if (status === V8_ERRORED) return Status.ERRORED;
  if (status === V8_EVALUATED) return Status.EVALUATED;
  // V8 reports evaluating only while the body runs synchronously (one awaiting top-level await already
  // reports evaluated): either way the module has started running and is not a failed load.
  if (status === V8_EVALUATING) return Status.EVALUATED;
  if (status === V8_INSTANTIATED) return Status.INSTANTIATED;
  const linked = job.linked;
  let state;
  if (Array.isArray(linked)) {
    state = 'fulfilled';
  } else {
    record(job, linked);
    state = settled.get(job);
  }
  if (state === 'rejected') return Status.ERRORED;
  if (job.module === undefined) return Status.LINKING;
  return state === 'fulfilled' ? Status.LINKED : Status.LINKING;
}

export function isProbeUrl(url) {
  return typeof url === 'string' && url.startsWith(PROBE_DIR);
}
