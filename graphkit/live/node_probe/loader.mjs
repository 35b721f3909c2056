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

// What each `linked` promise settled to (its jobs, or REJECTED; PENDING until then), so a caller reads it
// without awaiting every job. Keyed by the promise: frontier.mjs swaps a job's `linked` for a while. An array
// `linked` (v24+, ModuleJobSync) is settled by nature.
const settled = new WeakMap();
const PENDING = 'pending';
const REJECTED = 'rejected';

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

function record(linked) {
  if (Array.isArray(linked) || typeof linked?.then !== 'function' || settled.has(linked)) return;
  settled.set(linked, PENDING);
  linked.then((jobs) => settled.set(linked, jobs), () => settled.set(linked, REJECTED));
}

/**
 * Gives the `linked` promises of `jobs` one turn to settle (a settled one always does, one still linking
 * must not hang the caller): afterwards linkedNow and jobStatus know what each settled to.
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

/** The jobs `job` links to, as far as known now: none while its `linked` promise is unsettled or failed. */
export function linkedNow(job) {
  const linked = job.linked;
  if (Array.isArray(linked)) return linked;
  record(linked);
  const state = settled.get(linked);
  return Array.isArray(state) ? state : [];
}

export async function jobDependencies(job) {
  await settleLinked([job]);
  return Array.prototype.slice.call(linkedNow(job));
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
  record(linked);
  const state = Array.isArray(linked) ? linked : settled.get(linked);
  if (state === REJECTED) return Status.ERRORED;
  if (job.module === undefined) return Status.LINKING;
  return Array.isArray(state) ? Status.LINKED : Status.LINKING;
}

export function isProbeUrl(url) {
  return typeof url === 'string' && url.startsWith(PROBE_DIR);
}
