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
// re-run adds the new one beside it, so the old code may still answer. The check waits until the servers
// the reload released have closed (their requests in flight run the old code), then collects; what is
// still alive is reported to graphkit (`held`), which restarts the app. Not on Node 18 either.
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
/** @type {string[]} */
let held = []; // evicted modules found alive once their reload was over, not reported yet
let checks = 0; // those checks still waiting or collecting
// A released server closes once its requests in flight are answered and its idle connections closed
// (handover.mjs, after a second's grace): the check waits for that, at most this long.
const CLOSE_WAIT_MS = 3000;
const SETTLE_MS = 250; // for requests in flight on servers that stay, and their callbacks
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
    let value;
    try {
      value = /** @type {Record<string, unknown>} */ (namespace)[name];
    } catch {
      continue; // a binding its module never initialized (it threw first)
    }
    if ((typeof value === 'object' && value !== null) || typeof value === 'function') {
      found.set(name, new WeakRef(value));
    }
  }
  return found;
}

/**
 * What the next keptOld() checks: the old instances of the reload that just committed, less the exported
 * objects the new instances (`namespaces`, by URL) export too.
 * @param {Suspect[]} found
 * @param {Map<string, unknown>} [namespaces]
 */
export function suspect(found, namespaces = new Map()) {
  for (const { to, exported } of found) {
    const now = /** @type {Record<string, unknown> | undefined} */ (namespaces.get(to));
    for (const [name, ref] of exported) {
      let value;
      try {
        value = now?.[name];
      } catch {
        continue;
      }
      if (value !== undefined && value === ref.deref()) exported.delete(name);
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
 * instances the app still holds.
 * @param {OldModule[]} old
 * @param {import('node:net').Server[]} servers
 */
export function checkWhenOver(old, servers) {
  if (old.length === 0) return;
  // Made here, not in the check: a server the check referred to would keep its app, the old code, alive.
  const closed = servers.map((server) => new Promise((done) => {
    if (!server.listening && !connectionCount(server)) done(undefined);
    else server.once('close', done);
  }));
  checks += 1;
  void (async () => {
    try {
      await new Promise((done) => setTimeout(done, SETTLE_MS).unref());
      let timer;
      const late = new Promise((done) => {
        timer = setTimeout(done, CLOSE_WAIT_MS);
        timer.unref();
      });
      await Promise.race([Promise.all(closed), late]);
      clearTimeout(timer);
      await collectGarbage();
      held.push(...new Set(old.filter(({ namespace }) => namespace.deref() !== undefined).map(({ url }) => url)));
    } finally {
      checks -= 1;
    }
  })();
}

/**
 * The evicted modules found still alive once their reload was over (each reported once), and how many
 * checks are still to come.
 * @returns {{held: string[], pending: number}}
 */
export function heldOld() {
  const found = held;
  held = [];
  return { held: found, pending: checks };
}

// A WeakRef's target lives until the end of the job that made or read it: collect in later ones, twice (what
// the first collection frees can release more).
async function collectGarbage() {
  collect ??= garbageCollector();
  for (let i = 0; i < 2; i += 1) {
    await new Promise((done) => setImmediate(done));
    collect();
  }
}

// V8's gc(), reached without --expose-gc on the app's command line: the flag holds for a context made while it
// is set, and is unset at once, so the app's own contexts get no gc(). node:v8 and node:vm are loaded only
// then: loading them costs every start 10 ms.
/** @returns {() => void} */
function garbageCollector() {
  const load = createRequire(import.meta.url);
  /** @type {typeof import('node:v8')} */
  const v8 = load('node:v8');
  /** @type {typeof import('node:vm')} */
  const vm = load('node:vm');
  v8.setFlagsFromString('--expose-gc');
  try {
    return vm.runInNewContext('gc');
  } finally {
    v8.setFlagsFromString('--no-expose-gc');
  }
}
