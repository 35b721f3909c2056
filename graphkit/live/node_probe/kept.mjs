// Old instances the app kept. A reload in place re-imports an evicted import() target itself, and the app's
// importer gets the new code at its next import(). An importer that called that import() once and kept the
// namespace (a lazy singleton: `routes ??= await import('./routes.mjs')`) or an object it exported
// (`config ??= (await import('./config.mjs')).default`) never asks again: it serves the old code. After a
// full garbage collection an old instance is still alive only if something reaches it: the namespace, a
// function of the old module (its closures reach their module, which holds its namespace), or an exported
// object that the new instance does not export too (one it shares, such as a re-export of a module that
// stays, says nothing). A primitive the app copied out (a string) cannot be seen. Only importers that
// called once are suspects: one that imports per use gets the new code at its next call, and a full
// collection (100 ms and more in a large app) is not paid for it. Node 18 frees evicted modules only under
// memory pressure, so an instance still alive tells nothing there: every suspect counts as kept, unchecked.
//
// Any other evicted instance is checked too, once the reload is over: an app that registers a module's
// handler in one that stays (a registry, a listener on a package's emitter) keeps the old handler, and a
// re-run adds the new one beside it, so the old code may still answer. The modules a re-run evicted are
// checked: the check waits until the servers the re-run released have closed (their requests in flight
// run the old code), then collects, and once more a second later for what is still alive; what is alive
// then is reported to graphkit (`held`), which restarts the app. Re-runs in a row are checked once, after
// the last. Not on Node 18 either, nor in an app whose heap is too big to collect at once.
import { createRequire } from 'node:module';
import { importedOnce } from './imports.mjs';
import { namespaceOf, slotJobs } from './internals/loader.mjs';
import { connectionCount } from './internals/servers.mjs';
import { BoundaryReason } from './protocol.mjs';

const CHECKS = Number(process.versions.node.split('.')[0]) >= 20;
/**
 * An importer's one import() of an evicted module: WeakRefs to its old namespace and to the objects that
 * namespace exported, by export name.
 * @typedef {{from: string, to: string, namespace: WeakRef<object>, exported: Map<string, WeakRef<object>>}} Suspect
 */
/** @typedef {{url: string, namespace: WeakRef<object>}} OldModule an evicted ES module instance */
/** @type {Suspect[]} */
let suspects = [];
/** @type {OldModule[]} */
let watched = []; // evicted instances of committed reloads, still to be checked
/** @type {Promise<unknown>[]} */
let closing = []; // the closes of the servers those reloads released
let round = 0; // committed reloads so far: the latest one's check is the one that runs
/** @type {string[]} */
let held = []; // evicted modules found alive once their reload was over, not reported yet
// A released server closes once its requests in flight are answered and its idle connections closed
// (handover.mjs, after a second's grace): the check waits for that, at most this long.
const CLOSE_WAIT_MS = 3000;
const SETTLE_MS = 250; // for requests in flight on servers that stay, and their callbacks
const RECHECK_MS = 1000; // a module found alive is checked once more after this: it is held, not busy
// A full collection takes time in proportion to the live heap (three took 130 ms over 72 MB of small
// objects on a 2-core machine): an app with a heap over this is not checked.
const HEAP_CHECKED = 64 * 2 ** 20;
/** @type {(() => void) | null} */
let collect = null;

/**
 * The old instances to check after the reload in place of `plan`, taken before it evicts anything: for each
 * import() boundary, the evicted targets it imported once.
 * @param {{boundaries: {url: string, reason: string, imports: string[]}[]}} plan
 * @returns {Suspect[]}
 */
export function oldInstances(plan) {
  /** @type {Suspect[]} */
  const found = [];
  for (const boundary of plan.boundaries) {
    if (boundary.reason !== BoundaryReason.DYNAMIC_IMPORT) continue;
    for (const to of boundary.imports) {
      const namespace = importedOnce(boundary.url, to);
      const old = namespace?.deref();
      if (namespace && old) found.push({ from: boundary.url, to, namespace, exported: exportedObjects(old) });
    }
  }
  return found;
}

/**
 * @param {object} namespace
 * @returns {Map<string, WeakRef<object>>}
 */
function exportedObjects(namespace) {
  const found = new Map();
  for (const name of Object.keys(namespace)) {
    const value = exportOf(namespace, name);
    if ((typeof value === 'object' && value !== null) || typeof value === 'function') {
      found.set(name, new WeakRef(value));
    }
  }
  return found;
}

/**
 * @param {object} namespace
 * @param {string} name
 * @returns {unknown} the export's value; undefined for a binding its module never initialized (it threw)
 */
function exportOf(namespace, name) {
  try {
    return /** @type {Record<string, unknown>} */ (namespace)[name];
  } catch {
    return undefined;
  }
}

/**
 * What the next keptOld() checks: the old instances of the reload that just committed, less the exported
 * objects the new instances (`namespaces`, by URL) export too.
 * @param {Suspect[]} found
 * @param {Map<string, unknown>} [namespaces]
 */
export function suspect(found, namespaces = new Map()) {
  for (const { to, exported } of found) {
    const now = /** @type {object | undefined} */ (namespaces.get(to));
    for (const [name, ref] of exported) {
      if (now !== undefined && exportOf(now, name) === ref.deref()) exported.delete(name);
    }
  }
  suspects = found;
}

/**
 * [importer, module] pairs whose old instance the app still holds (collecting garbage when there are any),
 * and whether that was checked: false on a Node that cannot tell, where every suspect counts.
 * @returns {Promise<{kept: string[][], checked: boolean}>}
 */
export async function keptOld() {
  const checking = suspects;
  suspects = [];
  if (checking.length > 0 && CHECKS) await collectGarbage();
  const alive = (/** @type {WeakRef<object>} */ ref) => ref.deref() !== undefined;
  const kept = checking.filter(
    ({ namespace, exported }) => !CHECKS || alive(namespace) || [...exported.values()].some(alive),
  );
  return { kept: kept.map(({ from, to }) => [from, to]), checked: CHECKS };
}

/**
 * The evicted ES module instances of a reload, taken before anything is evicted: [url, loadCache entry].
 * @param {[string, import('./internals/loader.mjs').Slots][]} saved
 * @returns {OldModule[]}
 */
export function oldModules(saved) {
  if (!CHECKS) return [];
  /** @type {OldModule[]} */
  const found = [];
  for (const [url, slots] of saved) {
    for (const [, job] of slotJobs(slots)) {
      const namespace = namespaceOf(job);
      if (namespace !== null) found.push({ url, namespace: new WeakRef(namespace) });
    }
  }
  return found;
}

/**
 * Checks, once a committed reload is over (`servers`, the ones it released, closed), which of its `old`
 * instances the app still holds. Reloads in a row are checked once, after the last.
 * @param {OldModule[]} old
 * @param {import('node:net').Server[]} servers
 */
export function checkWhenOver(old, servers) {
  if (old.length === 0) return;
  watched.push(...old);
  // Made here, not in the check: a server the check referred to would keep its app, the old code, alive.
  for (const server of servers) {
    closing.push(new Promise((done) => {
      if (!server.listening && !connectionCount(server)) done(undefined);
      else server.once('close', done);
    }));
  }
  round += 1;
  void check(round);
}

/** @param {number} mine the round of the reload that asked: a later one's check takes over */
async function check(mine) {
  await delay(SETTLE_MS);
  await Promise.race([Promise.all(closing), delay(CLOSE_WAIT_MS)]);
  if (mine === round && loadV8().getHeapStatistics().used_heap_size > HEAP_CHECKED) {
    watched = []; // collecting this heap would hold the app's event loop too long
    closing = [];
    return;
  }
  for (let attempt = 1; mine === round; attempt += 1) {
    await collectGarbage();
    if (mine !== round) return;
    watched = watched.filter(({ namespace }) => namespace.deref() !== undefined);
    if (watched.length === 0 || attempt === 2) break;
    await delay(RECHECK_MS); // a slow request in flight on the old code, on a server that stays
  }
  if (mine !== round) return;
  held.push(...new Set(watched.map(({ url }) => url)));
  watched = [];
  closing = [];
}

/** @param {number} ms */
function delay(ms) {
  return new Promise((done) => setTimeout(done, ms).unref());
}

/**
 * The evicted modules found still alive once their reload was over (each reported once), and how many
 * old instances are still to be checked.
 * @returns {{held: string[], pending: number}}
 */
export function heldOld() {
  const found = held;
  held = [];
  return { held: found, pending: watched.length };
}

// A WeakRef's target lives until the end of the job that made or read it: collect in later ones. Three
// collections: what one frees can release more, and on Node 20 an old module that only compiled code
// still refers to goes at the third.
async function collectGarbage() {
  collect ??= garbageCollector();
  for (let i = 0; i < 3; i += 1) {
    await new Promise((done) => setImmediate(done));
    collect();
  }
}

// node:v8 and node:vm are loaded only when first needed: loading them costs every start 10 ms.
/** @type {typeof import('node:v8') | null} */
let v8 = null;
function loadV8() {
  v8 ??= /** @type {typeof import('node:v8')} */ (createRequire(import.meta.url)('node:v8'));
  return v8;
}

// V8's gc(), reached without --expose-gc on the app's command line: the flag holds for a context made while it
// is set, and is unset at once, so the app's own contexts get no gc().
/** @returns {() => void} */
function garbageCollector() {
  /** @type {typeof import('node:vm')} */
  const vm = createRequire(import.meta.url)('node:vm');
  loadV8().setFlagsFromString('--expose-gc');
  try {
    return vm.runInNewContext('gc');
  } finally {
    loadV8().setFlagsFromString('--no-expose-gc');
  }
}
