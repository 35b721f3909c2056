// Applies an eviction plan in the running app: evict, link the new graph, dispose, release effects, evaluate,
// notify; rolls back on failure.
// Development only: it rewrites Node's internal ESM loadCache (--expose-internals).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import * as effects from './effects.mjs';
import * as handover from './handover.mjs';
import * as hot from './hot.mjs';
import { hideSurvivors } from './frontier.mjs';
import * as journal from './journal.mjs';
import { adopt } from './internals/entrypoint.mjs';
import { cacheDelete, cacheEntries, cacheGet, cacheHas, cacheSet, jobStatus, slotJobs } from './internals/loader.mjs';
import { decorateErrorStack } from './internals/modules.mjs';
import { startupImports } from './imports.mjs';
import * as startup from './startup.mjs';
import { callWithin } from './limits.mjs';
import * as validate from './validate.mjs';
import { ApplyField, BoundaryReason, Effect, Status } from './protocol.mjs';

const require = createRequire(import.meta.url);
const LINKING_WAIT_MS = 2000;
const BOOT_WAIT_MS = 10_000; // how long a re-run app may take to boot before the answer goes without it
/** @type {Readonly<Record<string, number>>} */
const NOTHING_RELEASED = Object.freeze(Object.fromEntries(Object.values(Effect).map((kind) => [kind, 0])));

function pathOf(url) {
  return url.startsWith('file:') ? fileURLToPath(url) : null;
}

// A plan comes over the channel: it may only name modules the app has loaded from files. Anything else (a
// data: URL, a file it never loaded) would be code the channel had the app evaluate.
function refuseForeign(urls) {
  for (const url of urls) {
    const path = typeof url === 'string' ? pathOf(url) : null;
    if (path === null || !(cacheHas(url) || require.cache[path] !== undefined)) {
      throw new Error(`the plan names ${String(url).slice(0, 120)}, which is not a file the app has loaded`);
    }
  }
}

// Entries go one by one (never LoadCache.delete, which mutates the per-url object a rollback holds), and the
// journal hears of each. The cost is what is evicted, never what the app holds.
function drop(url) {
  cacheDelete(url);
  journal.touch(url);
}

function restore(url, slots) {
  cacheSet(url, slots);
  journal.touch(url);
}

// Once nothing is linking, a job in one of these states belongs to an import that failed.
/** @type {Set<string>} */
const STALE = new Set([Status.ERRORED, Status.LINKED, Status.INSTANTIATED]);

function neverEvaluated(slots) {
  for (const [, job] of slotJobs(slots)) {
    if (jobStatus(job) !== Status.EVALUATED) return true;
  }
  return false;
}

function linking(url) {
  for (const [, job] of slotJobs(cacheGet(url))) {
    if (jobStatus(job) === Status.LINKING) return true;
  }
  return false;
}

async function waitUntilNothingLinks() {
  const deadline = performance.now() + LINKING_WAIT_MS;
  for (;;) {
    // Every job that settled was seen settled by the journal: only the others can still be linking.
    const busy = journal.maybeLoading().find(linking);
    if (busy === undefined) return;
    if (performance.now() > deadline) throw new Error(`${busy}: still linking after ${LINKING_WAIT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * Drops every job whose load failed (a module that did not parse or link, one whose evaluation threw, on
 * v18-22 the importers left behind with a rejected `linked`, and siblings linked but never evaluated), so
 * the app's next import() tries again instead of replaying the cached failure. Resolves to the URLs dropped.
 */
export async function sweepFailed() {
  refuseWhileRunning();
  await waitUntilNothingLinks();
  const failed = new Set(cacheEntries().filter(({ job }) => STALE.has(jobStatus(job))).map(({ url }) => url));
  for (const url of failed) {
    drop(url);
    const path = pathOf(url);
    if (path !== null) delete require.cache[path];
  }
  return [...failed].sort();
}

/**
 * The evicted modules that survivors reach: dynamic-import targets, accepting modules, the entry; with the
 * entry, also what evicted modules import() at start-up, so that it is linked before anything is disposed
 * (imported ahead of the entry, it is evaluated first and the entry's import() finds it loaded).
 */
function reimportTargets(order, boundaries, entry) {
  const evicted = new Set(order);
  const wanted = new Set();
  for (const boundary of boundaries) {
    if (boundary.reason === BoundaryReason.ACCEPTS) wanted.add(boundary.url);
    else for (const url of boundary.imports) wanted.add(url);
  }
  if (entry && evicted.has(entry)) {
    wanted.add(entry);
    for (const to of bootTargets(evicted)) wanted.add(to);
  }
  return order.filter((url) => wanted.has(url));
}

/**
 * The evicted modules that only the app's boot imports again: import() targets of modules that stay (a
 * package's plugin loader). graphkit loads them ahead of the re-run, but their new code is live only if
 * the re-run app imports them too.
 */
function reimportedByBoot(evicted) {
  return bootTargets(evicted, (from) => !evicted.has(from));
}

// The evicted modules the app import()ed at boot (from importers that `by` accepts) that still exist: a
// deleted one is not imported again.
/** @param {Set<string>} evicted @param {(from: string) => boolean} [by] */
function bootTargets(evicted, by = () => true) {
  const found = new Set();
  for (const [from, to] of startupImports()) {
    if (evicted.has(to) && by(from) && (pathOf(to) === null || existsSync(pathOf(to)))) found.add(to);
  }
  return [...found];
}

function describe(error) {
  if (error instanceof Error) decorateErrorStack(error);
  const message = String(error?.message ?? error).split('\n')[0];
  const stack = String(error?.stack ?? '');
  // V8 prints a compile error as "file:///x.mjs:LINE", the source line, then a caret under the column;
  // Node's type stripping (ERR_INVALID_TYPESCRIPT_SYNTAX) shows a line of context above the source line.
  const head = /^(file:\/\/[^\n]*?):(\d+)\n(?:[^\n]*\n){1,2}?( *)\^/.exec(stack);
  if (head) return located(message, head[1], Number(head[2]), head[3].length + 1);
  const frame = /(file:\/\/[^\s()]+?):(\d+):(\d+)/.exec(stack);
  if (frame) return located(message, frame[1], Number(frame[2]), Number(frame[3]));
  // A deleted file whose resolution Node cached fails at load time: the error names the path it read.
  if (error?.code === 'ENOENT' && typeof error.path === 'string') {
    return located(message, pathToFileURL(error.path).href);
  }
  const from = / imported from (\S+)/.exec(message);
  const file = from ? (from[1].startsWith('file:') ? from[1] : pathToFileURL(from[1]).href) : null;
  return located(message, file);
}

// The answer's fields are ApplyField values (protocol.mjs), the names graphkit/live/host.py reads.
function located(message, file, line = null, column = null) {
  return {
    [ApplyField.MESSAGE]: message, [ApplyField.FILE]: file, [ApplyField.LINE]: line, [ApplyField.COLUMN]: column,
  };
}

function answer({
  ok, evicted, reimported, started, warnings, error = null, released, handedOver = 0,
  ended = performance.now(), stale = [],
}) {
  return {
    [ApplyField.OK]: ok,
    [ApplyField.EVICTED]: evicted,
    [ApplyField.REIMPORTED]: reimported,
    [ApplyField.MS]: ended - started,
    [ApplyField.WARNINGS]: warnings,
    [ApplyField.ERROR]: error,
    [ApplyField.RELEASED]: released,
    [ApplyField.HANDED_OVER]: handedOver,
    [ApplyField.STALE]: stale,
  };
}

function warning(url, phase, error) {
  return `${url}: ${phase} failed: ${String(error?.message ?? error).split('\n')[0]}`;
}

let running = null; // when the reload in progress started

function refuseWhileRunning() {
  if (running === null) return;
  const seconds = ((performance.now() - running) / 1000).toFixed(1);
  throw new Error(`the reload started ${seconds} s ago has not finished yet`);
}

/**
 * Runs one plan: {evict: [[url, ...], ...] in reload order, boundaries: [{url, reason, imports}], changed,
 * entry}. A plan that evicts the entry re-runs the app. Resolves to {ok, evicted, reimported, ms, warnings,
 * error, released: a count per Effect, handedOver, stale}; never rejects for app errors. A re-run is
 * answered once the app has booted again (startup.mjs) and its released cluster workers were replaced;
 * `stale` names the evicted modules its boot did not import again, whose new code is therefore not what
 * the app serves. A re-run whose server cannot listen is rolled back like one that throws. Each hot callback
 * may take `callbackMs` (default hot.CALLBACK_MS) before it is skipped. A plan sent while an earlier one
 * is still re-importing (a slow top-level await) is refused, never overlapped.
 *
 * The new graph is loaded, linked and instantiated first (validate.mjs): a module that does not compile,
 * link or exist leaves the old instances untouched. Then the old instances are disposed, their effects
 * released (effects.mjs), and the new ones evaluated; a throw there rolls back to the saved jobs.
 */
export async function applyPlan(plan) {
  refuseWhileRunning();
  running = performance.now();
  try {
    return await reload(plan);
  } finally {
    running = null;
  }
}

async function reload(plan) {
  const started = performance.now();
  const limitMs = plan.callbackMs ?? hot.CALLBACK_MS;
  const order = plan.evict.flat();
  const evicted = new Set(order);
  const rerun = Boolean(plan.entry) && evicted.has(plan.entry);
  const targets = reimportTargets(order, plan.boundaries, plan.entry);
  refuseForeign([...targets, ...(plan.entry ? [plan.entry] : [])]);
  const byBoot = rerun ? reimportedByBoot(evicted) : [];
  await waitUntilNothingLinks();

  const warnings = [];
  const saved = order.flatMap((url) => {
    const slots = cacheGet(url);
    return slots === undefined ? [] : [[url, slots]];
  });
  const savedRequire = [];
  for (const url of order) {
    const path = pathOf(url);
    if (path !== null && require.cache[path] !== undefined) {
      savedRequire.push([path, require.cache[path]]);
      delete require.cache[path];
    }
  }
  const revealSurvivors = await hideSurvivors(saved, evicted);
  const recording = journal.record();
  for (const url of order) drop(url);
  // The old code keeps serving: drop what the attempt loaded, put the saved jobs back unchanged.
  const rollBack = () => {
    const added = [];
    for (const [url, existed] of recording.inserted) {
      if (!existed && !evicted.has(url)) added.push(url);
      // A key that was there before gained a type slot: kept unless that job never ran (v18-22 leave them).
      if (!existed || evicted.has(url) || neverEvaluated(cacheGet(url))) drop(url);
    }
    for (const [url, slots] of saved) restore(url, slots);
    for (const url of [...order, ...added]) {
      const path = pathOf(url);
      if (path !== null) delete require.cache[path];
    }
    for (const [path, module] of savedRequire) require.cache[path] = module;
    return added;
  };
  const failure = (described, released = NOTHING_RELEASED) => answer({
    ok: false, evicted: order.length, reimported: 0, started, warnings, error: described, released,
  });

  // Once the imports have settled, whatever the outcome: the journal stops recording the attempt and the
  // survivors get their own `linked` back.
  const finish = () => {
    recording.close();
    revealSurvivors();
  };
  const gate = validate.hold(targets);
  // What this attempt's code starts, also after its evaluation (a callback listen), is marked with it.
  const attempt = { failed: false };
  const imports = targets.map((url) => effects.runAs(url, () => import(url), attempt));
  for (const pending of imports) pending.catch(() => {}); // each is awaited below, or settled on a refusal
  try {
    await gate.reached(imports);
  } catch (error) {
    gate.refuse(error);
    await Promise.allSettled(imports);
    rollBack();
    finish();
    return failure(describe(error));
  }

  const instances = hot.saveInstances(order);
  const acceptors = hot.acceptorsOf(plan.boundaries.filter((b) => b.reason === BoundaryReason.ACCEPTS).map((b) => b.url));
  // Importers go before what they import, so a dependency is still alive while its importer cleans up.
  for (const { url, error } of await hot.dispose([...order].reverse(), limitMs)) {
    warnings.push(warning(url, 'dispose', error));
  }
  const ticket = effects.release([...order].reverse());
  if (rerun) startup.restoreArgv();
  gate.open();
  if (rerun) startup.track(imports[targets.indexOf(plan.entry)]);

  // The old code serves again: what the attempt evaluated is disposed and released.
  const abandon = async (described) => {
    attempt.failed = true; // a server it still asks to listen later (a callback listen) never listens
    const added = rollBack();
    finish();
    // Instances the attempt created (new versions of evicted modules, and modules it loaded for the first
    // time) are gone with it: their dispose callbacks and effect release close what they opened.
    for (const { url, error: failed } of await hot.dispose([...hot.replaced(instances), ...added], limitMs)) {
      warnings.push(warning(url, 'dispose', failed));
    }
    // The owners of evicted URLs are now those of the attempt's instances (the old ones are in the ticket).
    effects.restore(ticket, effects.release([...order, ...added]));
    hot.restoreInstances(instances);
    return failure(described, ticket.released);
  };
  const namespaces = new Map();
  try {
    for (const [index, url] of targets.entries()) namespaces.set(url, await imports[index]);
  } catch (error) {
    await Promise.allSettled(imports);
    return abandon(describe(error));
  }

  finish();
  // The re-run app serves once it has booted (a callback listen finishes after the entry's evaluation);
  // until then the released servers keep serving, and only then is it known what the app imported again.
  const boot = rerun ? await startup.booted(BOOT_WAIT_MS) : null;
  // A server of the re-run that could not listen (its port taken): the re-run failed, the old server stays.
  // Node's own code raised the error: it names the module whose code asked for the listen.
  if (attempt.listenError !== undefined) {
    const { error, url } = attempt.listenError;
    return abandon(located(String(error?.message ?? error).split('\n')[0], url));
  }
  attempt.settled = true;
  hot.release(instances);
  if (rerun) adopt(plan.entry);
  const handedOver = handover.claimedAmong(ticket.offered);
  handover.settle();
  // Released cluster workers go once the re-run's workers listen: the reload takes until then.
  const replaced = await effects.settle(ticket, BOOT_WAIT_MS) ? performance.now() : undefined;
  for (const { url, callback } of acceptors) {
    try {
      await callWithin(limitMs, callback, namespaces.get(url));
    } catch (error) {
      warnings.push(warning(url, 'accept', error));
    }
  }
  const event = Object.freeze({ changed: [...plan.changed], evicted: order, reimported: targets });
  const survivors = plan.boundaries.filter((b) => !evicted.has(b.url)).map((b) => b.url);
  for (const { url, callback } of hot.listenersOf(survivors)) {
    try {
      await callWithin(limitMs, callback, event);
    } catch (error) {
      warnings.push(warning(url, 'update', error));
    }
  }
  return answer({
    ok: true,
    evicted: order.length,
    reimported: targets.length,
    started,
    warnings,
    released: ticket.released,
    handedOver,
    ended: replaced ?? boot?.until,
    stale: byBoot.filter((url) => !boot.imported.has(url)),
  });
}
