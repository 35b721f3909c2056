// Whether the app is booting: an import() made then is part of the app's start-up, which its importer does
// not repeat unless the app runs again, so the planner treats it as linking.
//
// Boot starts with the evaluation of the entry (the first run, or a re-run) and lasts until all of:
// - the entry's evaluation has settled (top-level awaits included);
// - no import() the app made meanwhile is still in flight;
// - a server has started listening and nothing was imported for SETTLE_MS since, or, for an app that has
//   not listened, nothing was imported for QUIET_MS and it is reading no file (for READING_MS at most).
// A first connection to a server it opened ends the boot at once (once the entry has settled): from then
// on the app serves, and what it imports, it imports per request.
// Both start-up styles count: `await app.register(...); await app.listen(...)`, and the callback
// `app.listen(port, cb)` of Fastify's docs, whose plugin loaders import() after the entry has returned and
// before the server listens.
import { realpathSync } from 'node:fs';
import { observeListen } from './listen.mjs';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

const SETTLE_MS = 50;
const QUIET_MS = 250;
// An app that has not listened yet and still reads files is still starting (a CLI reading its package.json
// before it imports the app): its boot waits for that I/O, up to this long after its last import().
const READING_MS = 2000;
const RECHECK_MS = 25;

/**
 * @typedef {{evaluating: number, starting: number, inFlight: number, listened: boolean, busyUntil: number,
 *   imported: Set<string>, ended: Promise<unknown>, end: () => void}} Boot
 * @typedef {{until: number, imported: Set<string>, over: boolean}} Booted
 */

/** @type {Boot | null} */
let boot = null; // {evaluating, starting, inFlight, listened, busyUntil, imported, ended: Promise, end}
/** @type {Boot | null} */
let last = null; // the boot that ended last
/** @type {NodeJS.Timeout | undefined} */
let timer;

/**
 * Counts `promise` (the evaluation of the entry) as boot until it settles, starting one; returns it.
 * `counter` 'starting' counts a promise that a client connecting does not wait for.
 * @template {Promise<unknown>} P
 * @param {P} promise
 * @param {'evaluating' | 'starting'} [counter]
 * @returns {P}
 */
export function track(promise, counter = 'evaluating') {
  if (boot === null) {
    /** @type {((value?: unknown) => void) | undefined} */
    let settle;
    const ended = new Promise((done) => {
      settle = done;
    });
    boot = {
      evaluating: 0, starting: 0, inFlight: 0, listened: false, busyUntil: performance.now(), imported: new Set(), ended,
      end: /** @type {() => void} */ (settle), // set as the promise was made
    };
  }
  const current = boot;
  current[counter] += 1;
  const settled = () => {
    current[counter] -= 1;
    activity(current);
  };
  promise.then(settled, settled);
  return promise;
}

export function startingUp() {
  return boot !== null;
}

/**
 * An import() the app made (`call`): while booting, boot lasts until it settles.
 * @param {Promise<unknown>} call
 */
export function importing(call) {
  if (boot === null) return;
  const current = boot;
  current.inFlight += 1;
  const settled = () => {
    current.inFlight -= 1;
    activity(current);
  };
  call.then(settled, settled);
}

/**
 * The app imported `url` by import(): remembered while booting, for `booted` to report.
 * @param {string} url
 */
export function imported(url) {
  boot?.imported.add(url);
}

/**
 * Resolves once the boot under way (or the last one) has ended, or `limitMs` has passed, to {until: when it
 * was last busy (performance.now() time), imported: the URLs the app import()ed meanwhile, over}.
 * @param {number} limitMs
 * @returns {Promise<Booted>}
 */
export async function booted(limitMs) {
  const current = boot ?? last;
  if (current === null) return { until: performance.now(), imported: new Set(), over: true };
  /** @type {NodeJS.Timeout | undefined} */
  let limit;
  const late = new Promise((done) => {
    limit = setTimeout(done, limitMs, false);
  });
  const over = await Promise.race([current.ended.then(() => true), late]);
  clearTimeout(limit);
  return { until: current.busyUntil, imported: current.imported, over };
}

/** @param {Boot} current */
function activity(current) {
  if (current !== boot) return; // that boot has ended
  boot.busyUntil = performance.now();
  clearTimeout(timer);
  if (busy(boot)) return;
  timer = setTimeout(finish, boot.listened ? SETTLE_MS : QUIET_MS);
  timer.unref();
}

/** @param {Boot} current */
function busy(current) {
  return current.evaluating > 0 || current.starting > 0 || current.inFlight > 0;
}

function finish() {
  if (boot === null || busy(boot)) return;
  if (!boot.listened && readingFiles() && performance.now() - boot.busyUntil < READING_MS) {
    timer = setTimeout(finish, RECHECK_MS);
    timer.unref();
    return;
  }
  // A timer made late by a long synchronous stretch (a framework's constructor) fires before what that
  // stretch scheduled with setImmediate (avvio loading plugins): the boot ends only if that too is quiet.
  const current = boot;
  const since = current.busyUntil;
  // Not unref'd: the loop would then block in its poll for I/O before running it.
  setImmediate(() => {
    if (current === boot && !busy(current) && current.busyUntil === since) end(current);
  });
}

function readingFiles() {
  return process.getActiveResourcesInfo().some((name) => name.startsWith('FSReq') || name === 'FileHandle');
}

/** @param {Boot} current the boot under way */
function end(current) {
  clearTimeout(timer);
  last = current;
  boot = null;
  current.end();
}

/** Notes servers that start listening while booting (node:net, and through it http, https, http2). */
export function watchListening() {
  observeListen((server) => {
    const current = boot;
    if (current === null) return;
    server.once('listening', () => {
      current.listened = true;
      activity(current);
    });
    // A client connecting means the app serves: what it imports from now on, it imports per request.
    server.once('connection', () => {
      if (current === boot && current.evaluating === 0) end(current);
    });
  });
}

const argv = [...process.argv];

/** Gives a re-run the command line Node gave the app (fastify-cli's cli.js splices it away as it runs). */
export function restoreArgv() {
  process.argv.splice(0, process.argv.length, ...argv);
}

/** The URLs Node may name the main module by (it resolves symlinks unless told not to). */
export function mainUrls() {
  const main = process.argv[1];
  if (typeof main !== 'string') return [];
  const urls = [pathToFileURL(resolve(main)).href];
  try {
    urls.push(pathToFileURL(realpathSync(main)).href);
  } catch {
    // A main that does not exist fails on its own.
  }
  return [...new Set(urls)];
}
