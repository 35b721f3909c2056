// The live module graph kept current as the app loads and graphkit evicts, answered as changes since a version.
//
// Walking the whole loadCache on every save costs what the app holds; the journal instead hears of every job
// Node inserts (an own `set` on the loadCache instance, verified on Node 18-26), of every entry evict.mjs
// removes or restores (`touch`), and of every import() row that changes (snapshot.mjs). An answer holds one
// row per URL that may have changed: its module as a full snapshot lists it (null when gone) and every edge
// the snapshot derives from that URL's entries: its linked jobs, its require.cache children, the edge from
// a requirer that is not itself cached, its import() calls.
// Three things are re-read on every answer because Node changes them without touching the cache: jobs that
// had not finished loading (their status and `linked` settle later), require.cache (one pass comparing
// children counts, CommonJS modules are loaded without the ESM cache), and the cache size (a guard: any
// insertion the hook missed makes the journal rescan the keys).
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import {
  cacheGet, cacheHas, cacheKeys, cacheSize, jobStatus, settleLinked, slotJobs, watchCacheWrites,
} from './internals/loader.mjs';
import { dynamicImporters, dynamicImportsFrom, onDynamicImport } from './imports.mjs';
import { isProbeUrl } from './own.mjs';
import { Field, ImportKind, Status } from './protocol.mjs';
import {
  addLinkedEdges, edge, forgetPackageTypes, moduleFormat, moduleKind, requireEdges,
} from './snapshot.mjs';

const require = createRequire(import.meta.url);
/** @type {Set<string>} */
const SETTLED = new Set([Status.EVALUATED, Status.ERRORED]);

let version = 0; // answers given so far; 0 means the reader holds nothing
let rescan = true; // the next answer re-reads every key (first answer, or a cache that was replaced)
/**
 * @typedef {import('./snapshot.mjs').Edge} Edge
 * @typedef {import('./snapshot.mjs').Module} Module
 * @typedef {{url: string, module: NodeJS.Module, children: number, loaded: boolean,
 *   parentCached: boolean | null}} RequireSeen
 */
/**
 * An answer's row: [url, null | [kind, format, status], [[from (null: the row's url), to, kind, specifier,
 * error], ...]].
 * @typedef {[string, [string, string, string] | null, (string | null)[][]]} Row
 */

/** @type {Set<string>} */
const dirty = new Set(); // URLs whose row may differ from the last answer
/** @type {Set<string>} */
const unsettled = new Set(); // URLs whose job had not finished loading at the last answer
/** @type {Set<string>} */
const known = new Set(); // loadCache keys as of the last answer
/** @type {Map<string, RequireSeen>} */
const requireSeen = new Map(); // require.cache path -> what the last answer saw of it
/** @type {Map<string, string>} */
const requirePaths = new Map(); // the same entries by URL: an ES module's row needs no path conversion
/** @type {Set<Map<string, boolean>>} */
const windows = new Set(); // open insertion records: url -> whether the key existed when first set

/**
 * Every entry Node's loader sets or deletes, heard before the write.
 * @param {string} url
 * @param {boolean} isSet
 */
function heard(url, isSet) {
  if (isSet) {
    for (const window of windows) {
      if (!window.has(url)) window.set(url, cacheHas(url));
    }
  }
  dirty.add(url);
}

function hook() {
  if (watchCacheWrites(heard)) rescan = true; // a cache not heard before: its earlier writes were not
}

/** Starts hearing of the loader's insertions and of import() calls; the host calls it before the app runs. */
export function startJournal() {
  hook();
  onDynamicImport(touch);
}

/**
 * A URL whose entries changed behind the hook (evict.mjs deletes and restores with cacheDelete/cacheSet).
 * @param {string} url
 */
export function touch(url) {
  dirty.add(url);
}

/** Records, until `close`, every URL the loader inserts: url -> whether its key was in the cache before. */
export function record() {
  hook();
  /** @type {Map<string, boolean>} */
  const window = new Map();
  windows.add(window);
  return { inserted: window, close: () => windows.delete(window) };
}

/** URLs that may hold a job still loading: every other one had settled when last looked at. */
export function maybeLoading() {
  return [...unsettled, ...dirty];
}

// Rows an answer reads in one go: a whole answer (20,000 rows after a save every module imports) read at
// once held the app's requests for a fifth of a second.
const SLICE_ROWS = 1000;

/**
 * The first `count` members of `set`, taken out of it.
 * @template T
 * @param {Set<T>} set
 * @param {number} count
 */
function take(set, count) {
  /** @type {T[]} */
  const taken = [];
  for (const member of set) {
    if (taken.length === count) break;
    taken.push(member);
  }
  for (const member of taken) set.delete(member);
  return taken;
}

/**
 * The jobs the rows of `urls` read: their `linked` settle once for all, not with one await per row.
 * @param {string[]} urls
 */
function jobsAt(urls) {
  return urls.flatMap((url) => slotJobs(cacheGet(url)).map(([, job]) => job));
}

/**
 * @param {string} url
 * @returns {Row}
 */
function row(url) {
  /** @type {Module | null} */
  let module = null;
  let loading = false;
  /** @type {Edge[]} */
  const edges = [];
  const slots = cacheGet(url);
  if (slots !== undefined) {
    for (const [type, job] of slotJobs(slots)) {
      addLinkedEdges(edges, url, job);
      const status = jobStatus(job);
      loading ||= !SETTLED.has(status);
      // A url can sit in several type slots; the javascript slot is what plain imports see.
      if (module === null || type === 'javascript') {
        module = { url, kind: moduleKind(url), format: moduleFormat(url, type, job), status };
      }
    }
  }
  if (loading) unsettled.add(url);
  else unsettled.delete(url);
  const path = requirePaths.get(url);
  const cjs = path === undefined ? undefined : require.cache[path];
  if (cjs !== undefined) {
    module ??= {
      url, kind: moduleKind(url), format: moduleFormat(url, 'javascript'),
      status: cjs.loaded ? Status.EVALUATED : Status.INSTANTIATED,
    };
    edges.push(...requireEdges(url, cjs));
  }
  for (const dynamic of dynamicImportsFrom(url)) {
    // A call still in flight has neither target nor error yet: its row reports again once it settles.
    if (dynamic.to === null && dynamic.error === null) continue;
    const kind = dynamic.startup ? ImportKind.STARTUP : ImportKind.DYNAMIC;
    edges.push(edge(dynamic.from, dynamic.to, kind, dynamic.specifier, dynamic.error));
  }
  return compact(url, module, edges);
}

// An answer can hold every module of the app: rows travel as arrays, the row's own URL said once.
// [url, null | [kind, format, status], [[from (null: the row's url), to, kind, specifier, error], ...]]
/**
 * @param {string} url
 * @param {Module | null} module
 * @param {Edge[]} edges
 * @returns {Row}
 */
function compact(url, module, edges) {
  return [
    url,
    module === null ? null : [module.kind, module.format, module.status],
    edges.map((e) => [e.from === url ? null : e.from, e.to, e.kind, e.specifier, e.error]),
  ];
}

// CommonJS loads reach require.cache, not the hooked loadCache: one pass compares what each entry holds.
function scanRequireCache() {
  const cache = require.cache;
  let present = 0;
  for (const path in cache) {
    const module = cache[path];
    if (module === undefined) continue;
    present += 1;
    const seen = requireSeen.get(path);
    const children = module.children?.length ?? 0;
    const parentCached = module.parent?.filename ? module.parent.filename in cache : null;
    if (
      seen === undefined || seen.module !== module || seen.children !== children
      || seen.loaded !== module.loaded || seen.parentCached !== parentCached
    ) {
      const url = seen?.url ?? pathToFileURL(path).href;
      requireSeen.set(path, { url, module, children, loaded: module.loaded, parentCached });
      requirePaths.set(url, path);
      dirty.add(url);
    }
  }
  if (present === requireSeen.size) return;
  for (const [path, seen] of requireSeen) {
    if (cache[path] === undefined) {
      requireSeen.delete(path);
      requirePaths.delete(seen.url);
      dirty.add(seen.url);
    }
  }
}

function keysToRescan() {
  for (const key of cacheKeys()) {
    if (!known.has(key)) dirty.add(key);
  }
  for (const key of known) {
    if (!cacheHas(key)) dirty.add(key);
  }
}

/**
 * The rows that changed since answer `since` (every row when `since` is not the last answer given, so a
 * reader that missed one starts over): {full, version, rows}.
 * @param {number | undefined} since
 */
export async function changes(since) {
  hook();
  const full = since === 0 || since !== version || rescan;
  if (full) {
    known.clear();
    unsettled.clear();
    requireSeen.clear();
    requirePaths.clear();
    for (const key of cacheKeys()) dirty.add(key);
    for (const url of dynamicImporters()) dirty.add(url);
  }
  rescan = false;
  for (const url of unsettled) dirty.add(url);
  scanRequireCache();
  forgetPackageTypes();
  /** @type {Row[]} */
  const rows = [];
  // Rows wait for their jobs' `linked`, during which the app may load more: read until nothing is left.
  // A slice at a time, with a turn of the event loop between two: the app serves its requests meanwhile.
  for (let slice = 0; dirty.size > 0; slice += 1) {
    if (slice > 0) await new Promise((resolve) => setImmediate(resolve));
    const urls = take(dirty, SLICE_ROWS);
    await settleLinked(jobsAt(urls));
    for (const url of urls) {
      if (cacheHas(url)) known.add(url);
      else known.delete(url);
      if (!isProbeUrl(url)) rows.push(row(url));
    }
    if (dirty.size === 0 && cacheSize() !== known.size) keysToRescan();
  }
  version += 1;
  return { [Field.FULL]: full, [Field.VERSION]: version, [Field.ROWS]: rows };
}
