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
import * as kept from './kept.mjs';
import { adopt } from './internals/entrypoint.mjs';
import { cacheDelete, cacheEntries, cacheGet, cacheHas, cacheSet, jobStatus, slotJobs } from './internals/loader.mjs';
import { decorateErrorStack } from './internals/modules.mjs';
import { forgetCalls, startupImports } from './imports.mjs';
import * as startup from './startup.mjs';
import { callWithin } from './limits.mjs';
import * as validate from './validate.mjs';
import { ApplyField, BoundaryReason, Effect, Status } from './protocol.mjs';

/**
 * @typedef {import('./internals/loader.mjs').Slots} Slots
 * @typedef {import('./snapshot.mjs').Thrown} Thrown
 * @typedef {{url: string, reason: string, imports: string[]}} Boundary
 */
/**
 * A plan as graphkit sends it: the URLs to evict in reload order (cycles as one group), the boundaries
 * that survive it, the files changed, the app's entry and how long each hot callback may take.
 * @typedef {{evict: string[][], boundaries: Boundary[], changed: string[], entry?: string, callbackMs?: number}} Plan
 */
/**
 * Where a reload failed, as graphkit/live/host.py reads it.
 * @typedef {{message: string, file: string | null, line: number | null, column: number | null}} Described
 * @typedef {Readonly<Record<string, number>>} Released
 * @typedef {{ok: boolean, evicted: number, reimported: number, ms: number, warnings: string[],
 *   error: Described | null, released: Released, handedOver: number, stale: string[], checking: number}} Answer
 */

const require = createRequire(import.meta.url);
const LINKING_WAIT_MS = 2000;
const BOOT_WAIT_MS = 10_000; // how long a re-run app may take to boot before the answer goes without it
/** @type {Readonly<Record<string, number>>} */
const NOTHING_RELEASED = Object.freeze(Object.fromEntries(Object.values(Effect).map((kind) => [kind, 0])));

/**
 * @param {string} url
 * @returns {string | null}
 */
function pathOf(url) {
  return url.startsWith('file:') ? fileURLToPath(url) : null;
}

// A plan comes over the channel: it may only name modules the app has loaded from files. Anything else (a
// data: URL, a file it never loaded) would be code the channel had the app evaluate.
/** @param {string[]} urls as the channel sent them: checked here */
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
/** @param {string} url */
function drop(url) {
  cacheDelete(url);
  journal.touch(url);
}

/**
 * @param {string} url
 * @param {Slots} slots
 */
function restore(url, slots) {
  cacheSet(url, slots);
  journal.touch(url);
}

// Once nothing is linking, a job in one of these states belongs to an import that failed.
/** @type {Set<string>} */
const STALE = new Set([Status.ERRORED, Status.LINKED, Status.INSTANTIATED]);

/** @param {Slots} slots */
function neverEvaluated(slots) {
  for (const [, job] of slotJobs(slots)) {
    if (jobStatus(job) !== Status.EVALUATED) return true;
  }
  return false;
}

/** @param {string} url */
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
 * @param {string[]} order
 * @param {Boundary[]} boundaries
 * @param {string | undefined} entry
 */
function reimportTargets(order, boundaries, entry) {
  const evicted = new Set(order);
  /** @type {Set<string>} */
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
 * @param {Set<string>} evicted
 */
function reimportedByBoot(evicted) {
  return bootTargets(evicted, (from) => !evicted.has(from));
}

// The evicted modules the app import()ed at boot (from importers that `by` accepts) that still exist: a
// deleted one is not imported again.
/** @param {Set<string>} evicted @param {(from: string) => boolean} [by] */
function bootTargets(evicted, by = () => true) {
  /** @type {Set<string>} */
  const found = new Set();
  for (const [from, to] of startupImports()) {
    if (!evicted.has(to) || !by(from)) continue;
    const path = pathOf(to);
    if (path === null || existsSync(path)) found.add(to);
  }
  return [...found];
}

/**
 * @param {Thrown & {path?: unknown}} error
 * @returns {Described}
 */
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
/**
 * @param {string} message
 * @param {string | null} file
 * @param {number | null} [line]
 * @param {number | null} [column]
 * @returns {Described}
 */
function located(message, file, line = null, column = null) {
  return {
    [ApplyField.MESSAGE]: message, [ApplyField.FILE]: file, [ApplyField.LINE]: line, [ApplyField.COLUMN]: column,
  };
}

/**
 * @param {{ok: boolean, evicted: number, reimported: number, started: number, warnings: string[],
 *   error?: Described | null, released: Released, handedOver?: number, ended?: number, stale?: string[],
 *   checking?: number}} fields
 * @returns {Answer}
 */
function answer({
  ok, evicted, reimported, started, warnings, error = null, released, handedOver = 0,
  ended = performance.now(), stale = [], checking = 0,
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
    [ApplyField.CHECKING]: checking,
  };
}

/**
 * @param {string} url
 * @param {string} phase
 * @param {Thrown} error
 */
function warning(url, phase, error) {
  return `${url}: ${phase} failed: ${String(error?.message ?? error).split('\n')[0]}`;
}

/** @type {number | null} */
let running = null; // when the reload in progress started

function refuseWhileRunning() {
  if (running === null) return;
  const seconds = ((performance.now() - running) / 1000).toFixed(1);
  throw new Error(`the reload started ${seconds} s ago has not finished yet`);
}

/**
 * Runs one plan: {evict: [[url, ...], ...] in reload order, boundaries: [{url, reason, imports}], changed,
 * entry}. A plan that evicts the entry re-runs the app. Resolves to {ok, evicted, reimported, ms, warnings,
 * error, released: a count per Effect, handedOver, stale, checking}; never rejects for app errors. A re-run is
 * answered once the app has booted again (startup.mjs) and its released cluster workers were replaced;
 * `stale` names the evicted modules its boot did not import again, whose new code is therefore not what
 * the app serves; `checking` counts the old instances the `kept` command would check (kept.mjs). A re-run
 * whose server cannot listen is rolled back like one that throws. Each hot callback
 * may take `callbackMs` (default hot.CALLBACK_MS) before it is skipped. A plan sent while an earlier one
 * is still re-importing (a slow top-level await) is refused, never overlapped.
 * @param {Plan} plan
 * @returns {Promise<Answer>}
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

/**
 * One reload, as a transaction in phases: `evict` takes the evicted modules out of both caches (kept for a
 * rollback), `link` has the new graph loaded and linked with every re-imported module waiting at the gate,
 * `swap` disposes the old instances and releases their effects then opens the gate, `evaluate` waits for
 * the new code to run, and `commit` waits for a re-run app's boot, then settles the handover and calls the
 * accept and update callbacks. A failure up to `link` puts the old modules back untouched; one after it
 * (`abandon`) also disposes what the attempt started and gives the old instances back their effects.
 */
class Reload {
  // Each phase sets what the phases after it read: evict the saved state, link the gate and imports, swap
  // the old instances, acceptors and ticket, evaluate the new namespaces.
  /** @type {[string, Slots][]} */
  saved;
  /** @type {import('./kept.mjs').OldModule[]} */
  oldModules;
  /** @type {[string, NodeJS.Module][]} */
  savedRequire;
  /** @type {() => void} */
  revealSurvivors;
  /** @type {ReturnType<typeof journal.record>} */
  recording;
  /** @type {import('./validate.mjs').Hold} */
  gate;
  /** @type {Promise<unknown>[]} */
  imports;
  /** @type {import('./hot.mjs').SavedInstance[]} */
  instances;
  /** @type {{url: string, callback: import('./hot.mjs').Acceptor}[]} */
  acceptors;
  /** @type {import('./effects.mjs').Ticket} */
  ticket;
  /** @type {Map<string, unknown>} */
  namespaces;

  /** @param {Plan} plan */
  constructor(plan) {
    this.started = performance.now();
    this.plan = plan;
    this.limitMs = plan.callbackMs ?? hot.CALLBACK_MS;
    this.order = plan.evict.flat();
    this.evicted = new Set(this.order);
    this.rerun = plan.entry !== undefined && this.evicted.has(plan.entry);
    this.targets = reimportTargets(this.order, plan.boundaries, plan.entry);
    refuseForeign([...this.targets, ...(plan.entry ? [plan.entry] : [])]);
    this.byBoot = this.rerun ? reimportedByBoot(this.evicted) : [];
    // Taken before anything is evicted or imported again: the app's own import() then returns the new ones.
    this.oldInstances = this.rerun ? [] : kept.oldInstances(plan);
    /** @type {string[]} */
    this.warnings = [];
    // What this attempt's code starts, also after its evaluation (a callback listen), is marked with it.
    /** @type {import('./effects.mjs').Attempt} */
    this.attempt = { failed: false };
  }

  async evict() {
    this.saved = this.order.flatMap((url) => {
      const slots = cacheGet(url);
      return slots === undefined ? [] : [[url, slots]];
    });
    this.savedRequire = [];
    for (const url of this.order) {
      const path = pathOf(url);
      if (path !== null && require.cache[path] !== undefined) {
        this.savedRequire.push([path, require.cache[path]]);
        delete require.cache[path];
      }
    }
    this.oldModules = this.rerun ? kept.oldModules(this.saved) : [];
    this.revealSurvivors = await hideSurvivors(this.saved, this.evicted);
    this.recording = journal.record();
    for (const url of this.order) drop(url);
    forgetCalls(this.order); // after the old instances were taken (the constructor)
  }

  // The old code keeps serving: drop what the attempt loaded, put the saved jobs back unchanged. Returns the
  // URLs the attempt loaded for the first time.
  rollBack() {
    const added = [];
    for (const [url, existed] of this.recording.inserted) {
      if (!existed && !this.evicted.has(url)) added.push(url);
      // A key that was there before gained a type slot: kept unless that job never ran (v18-22 leave them).
      if (!existed || this.evicted.has(url) || neverEvaluated(cacheGet(url))) drop(url);
    }
    for (const [url, slots] of this.saved) restore(url, slots);
    for (const url of [...this.order, ...added]) {
      const path = pathOf(url);
      if (path !== null) delete require.cache[path];
    }
    for (const [path, module] of this.savedRequire) require.cache[path] = module;
    return added;
  }

  // Once the imports have settled, whatever the outcome: the journal stops recording the attempt and the
  // survivors get their own `linked` back.
  finish() {
    this.recording.close();
    this.revealSurvivors();
  }

  /**
   * @param {Described} described
   * @param {Released} [released]
   */
  failure(described, released = NOTHING_RELEASED) {
    return answer({
      ok: false, evicted: this.order.length, reimported: 0, started: this.started, warnings: this.warnings,
      error: described, released,
    });
  }

  /** Null once every re-imported module waits at the gate; the failure's answer otherwise. */
  async link() {
    this.gate = validate.hold(this.targets);
    this.imports = this.targets.map((url) => effects.runAs(url, () => import(url), this.attempt));
    for (const pending of this.imports) pending.catch(() => {}); // each is awaited later, or settled on a refusal
    try {
      await this.gate.reached(this.imports);
      return null;
    } catch (error) {
      this.gate.refuse(error);
      await Promise.allSettled(this.imports);
      this.rollBack();
      this.finish();
      return this.failure(describe(error));
    }
  }

  async swap() {
    const { plan, order } = this;
    this.instances = hot.saveInstances(order);
    const accepting = plan.boundaries.filter((b) => b.reason === BoundaryReason.ACCEPTS).map((b) => b.url);
    this.acceptors = hot.acceptorsOf(accepting);
    // Importers go before what they import, so a dependency is still alive while its importer cleans up.
    for (const { url, error } of await hot.dispose([...order].reverse(), this.limitMs)) {
      this.warnings.push(warning(url, 'dispose', error));
    }
    this.ticket = effects.release([...order].reverse());
    if (this.rerun) startup.restoreArgv();
    this.gate.open();
    if (this.rerun) startup.track(this.imports[this.targets.indexOf(/** @type {string} */ (plan.entry))]);
  }

  /** Null once the new modules have evaluated; the failure's answer (the old code serving again) otherwise. */
  async evaluate() {
    this.namespaces = new Map();
    try {
      for (const [index, url] of this.targets.entries()) this.namespaces.set(url, await this.imports[index]);
    } catch (error) {
      await Promise.allSettled(this.imports);
      return this.abandon(describe(error));
    }
    this.finish();
    return null;
  }

  /**
   * The old code serves again: what the attempt evaluated is disposed and released.
   * @param {Described} described
   */
  async abandon(described) {
    this.attempt.failed = true; // a server it still asks to listen later (a callback listen) never listens
    const added = this.rollBack();
    this.finish(); // again after a commit that found a failed listen: both steps hold when repeated
    // Instances the attempt created (new versions of evicted modules, and modules it loaded for the first
    // time) are gone with it: their dispose callbacks and effect release close what they opened.
    for (const { url, error } of await hot.dispose([...hot.replaced(this.instances), ...added], this.limitMs)) {
      this.warnings.push(warning(url, 'dispose', error));
    }
    // The owners of evicted URLs are now those of the attempt's instances (the old ones are in the ticket).
    effects.restore(this.ticket, effects.release([...this.order, ...added]));
    hot.restoreInstances(this.instances);
    return this.failure(described, this.ticket.released);
  }

  async commit() {
    const { plan, order, targets, ticket, attempt, limitMs, warnings } = this;
    // The re-run app serves once it has booted (a callback listen finishes after the entry's evaluation);
    // until then the released servers keep serving, and only then is it known what the app imported again.
    const boot = this.rerun ? await startup.booted(BOOT_WAIT_MS) : null;
    // A server of the re-run that could not listen (its port taken): the re-run failed, the old server
    // stays. Node's own code raised the error: it names the module whose code asked for the listen.
    if (attempt.listenError !== undefined) {
      const { error, url } = attempt.listenError;
      return this.abandon(located(String(error?.message ?? error).split('\n')[0], url));
    }
    attempt.settled = true;
    kept.suspect(this.oldInstances, this.namespaces);
    hot.release(this.instances);
    if (this.rerun) adopt(/** @type {string} */ (plan.entry));
    const handedOver = handover.claimedAmong(ticket.offered);
    handover.settle();
    kept.checkWhenOver(this.oldModules, ticket.offered);
    // Released cluster workers go once the re-run's workers listen: the reload takes until then.
    const replaced = await effects.settle(ticket, BOOT_WAIT_MS) ? performance.now() : undefined;
    for (const { url, callback } of this.acceptors) {
      try {
        await callWithin(limitMs, callback, this.namespaces.get(url));
      } catch (error) {
        warnings.push(warning(url, 'accept', error));
      }
    }
    const event = Object.freeze({ changed: [...plan.changed], evicted: order, reimported: targets });
    const survivors = plan.boundaries.filter((b) => !this.evicted.has(b.url)).map((b) => b.url);
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
      started: this.started,
      warnings,
      released: ticket.released,
      handedOver,
      ended: replaced ?? boot?.until,
      stale: boot === null ? [] : this.byBoot.filter((url) => !boot.imported.has(url)),
      checking: this.oldInstances.length,
    });
  }
}

/** @param {Plan} plan */
async function reload(plan) {
  kept.suspect([]);
  const transaction = new Reload(plan);
  await waitUntilNothingLinks();
  await transaction.evict();
  const unlinked = await transaction.link();
  if (unlinked !== null) return unlinked;
  await transaction.swap();
  return await transaction.evaluate() ?? transaction.commit();
}
