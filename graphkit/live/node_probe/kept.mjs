// Old instances the app kept. A reload in place re-imports an evicted import() target itself, and the app's
// importer gets the new code at its next import(). An importer that called that import() once and kept the
// namespace (a lazy singleton: `routes ??= await import('./routes.mjs')`) never asks again: it serves the
// old code. After a full garbage collection the old namespace is still alive only if something reaches it:
// the namespace kept, or a function of the old module (its closures reach their module, which holds its
// namespace). Only importers that called once are suspects: one that imports per use gets the new code
// at its next call, and a full collection (100 ms and more in a large app) is not paid for it. Node 18
// frees evicted modules only under memory pressure: every suspect would outlive the collection, kept or
// not, and re-running the app for each would lose its state. There nothing is checked (a known limit).
import { createRequire } from 'node:module';
import { importedOnce } from './imports.mjs';
import { BoundaryReason } from './protocol.mjs';

const CHECKS = Number(process.versions.node.split('.')[0]) >= 20;
/** @typedef {{from: string, to: string, ref: WeakRef<object>}} Suspect */
/** @type {Suspect[]} */
let suspects = [];
/** @type {(() => void) | null} */
let collect = null;

/**
 * The WeakRefs to check after the reload in place of `plan`, taken before it evicts anything: for each
 * import() boundary, the namespaces of evicted targets it imported once.
 * @param {{boundaries: {url: string, reason: string, imports: string[]}[]}} plan
 * @returns {Suspect[]}
 */
export function oldNamespaces(plan) {
  /** @type {Suspect[]} */
  const found = [];
  if (!CHECKS) return found;
  for (const boundary of plan.boundaries) {
    if (boundary.reason !== BoundaryReason.DYNAMIC_IMPORT) continue;
    for (const to of boundary.imports) {
      const ref = importedOnce(boundary.url, to);
      if (ref !== null && ref.deref() !== undefined) found.push({ from: boundary.url, to, ref });
    }
  }
  return found;
}

/**
 * What the next keptOld() checks: the old namespaces of the reload that just committed.
 * @param {Suspect[]} found
 */
export function suspect(found) {
  suspects = found;
}

/**
 * [importer, module] pairs whose old instance the app still holds; collects garbage when there are any.
 * @returns {Promise<string[][]>}
 */
export async function keptOld() {
  const checking = suspects;
  suspects = [];
  if (checking.length === 0) return [];
  // A WeakRef's target lives until the end of the job that made or read it: collect in later ones, twice
  // (what the first collection frees can release more).
  collect ??= garbageCollector();
  for (let i = 0; i < 2; i += 1) {
    await new Promise((done) => setImmediate(done));
    collect();
  }
  return checking.filter(({ ref }) => ref.deref() !== undefined).map(({ from, to }) => [from, to]);
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
