// How a released instance's processes end: child processes, cluster workers and worker threads.
//
// A child process gets SIGTERM, then SIGKILL if it is still running after the grace (graphkit watch's
// --kill-timeout, 10 s unless told). Cluster workers
// are replaced, not just stopped: the old ones go on serving until the re-run app's workers listen (they
// share the primary's listening socket, so no connection is refused), then they are disconnected (requests
// in flight finish) and killed if still running after the grace. Their end is the old code's business: the
// re-run app's cluster listeners never hear of it (a respawn-on-exit handler would double the workers),
// nor do the old code's own 'exit' listeners on what it started.
import cluster from 'node:cluster';
import { workerState } from './internals/workers.mjs';

/**
 * @typedef {import('node:child_process').ChildProcess} ChildProcess
 * @typedef {import('node:cluster').Worker} Worker
 */

let killGraceMs = 10_000;

/**
 * How long a released child or worker has between SIGTERM and SIGKILL.
 * @param {number} ms
 */
export function setKillGrace(ms) {
  killGraceMs = ms;
}
/** @type {WeakSet<object>} */
const retired = new WeakSet(); // cluster workers replaced by a re-run

/** @param {ChildProcess} child */
function running(child) {
  return child.exitCode === null && child.signalCode === null;
}

/**
 * @param {ChildProcess} child
 * @param {number} [graceMs]
 */
function killAfterGrace(child, graceMs = killGraceMs) {
  const timer = setTimeout(() => {
    if (running(child)) child.kill('SIGKILL');
  }, graceMs);
  timer.unref();
  child.once('exit', () => clearTimeout(timer));
}

/**
 * Ends a child process the released instance started (SIGKILL after `graceMs`); false if it had exited.
 * @param {ChildProcess} child
 * @param {number} [graceMs]
 */
export function endChild(child, graceMs = killGraceMs) {
  if (!running(child)) return false;
  silence(child);
  child.kill('SIGTERM');
  killAfterGrace(child, graceMs);
  return true;
}

// The old code hears nothing of the end it asked for: an 'exit' handler that starts another child (or
// worker, or thread) would bring back what was released.
/** @param {import('node:events').EventEmitter} emitter */
export function silence(emitter) {
  emitter.removeAllListeners('exit');
  emitter.removeAllListeners('close');
}

/**
 * Whether a cluster worker is still one to replace (not dead, not already on its way out).
 * @param {Worker} worker
 */
export function workerAlive(worker) {
  return !worker.isDead() && !retired.has(worker) && running(worker.process);
}

/** Hides every cluster event about a retired worker from the app's listeners. */
export function hideRetiredWorkers() {
  if (!cluster.isPrimary) return;
  /** @type {(this: unknown, ...args: unknown[]) => boolean} */
  const emit = cluster.emit;
  /**
   * @param {string | symbol} event
   * @param {object} worker a Worker, or the settings of 'setup'
   * @param {unknown[]} rest
   */
  cluster.emit = function (event, worker, ...rest) {
    if (retired.has(worker)) return false;
    return emit.call(this, event, worker, ...rest);
  };
}

/**
 * The workers that are not `old`, once each one listens (when the old ones did) or is online, or exits.
 * @param {Worker[]} old
 * @param {number} limitMs
 */
function replacements(old, limitMs) {
  const served = old.some((worker) => workerState(worker) === 'listening');
  const ready = served ? ['listening'] : ['online', 'listening'];
  // cluster deletes a worker's entry when it exits: every value is a worker.
  const fresh = /** @type {Worker[]} */ (Object.values(cluster.workers ?? {}))
    .filter((worker) => !old.includes(worker));
  const waits = fresh.map((worker) => new Promise((/** @type {(value?: unknown) => void} */ done) => {
    if (ready.includes(workerState(worker)) || worker.isDead()) return done();
    for (const event of [...ready, 'exit']) worker.once(event, done);
  }));
  /** @type {NodeJS.Timeout} */
  let timer;
  const deadline = new Promise((done) => {
    timer = setTimeout(done, limitMs);
  });
  return Promise.race([Promise.all(waits), deadline]).finally(() => clearTimeout(timer));
}

/**
 * Replaces `old` cluster workers: waits (at most `limitMs`) for the re-run's workers, then retires the old.
 * @param {Worker[]} old
 * @param {number} limitMs
 */
export async function replaceWorkers(old, limitMs) {
  if (old.length === 0) return;
  await replacements(old, limitMs);
  retireWorkers(old);
}

/**
 * Disconnects cluster workers (requests in flight finish), killed if still running after the grace.
 * @param {Iterable<Worker>} workers
 */
export function retireWorkers(workers) {
  for (const worker of workers) {
    if (!workerAlive(worker)) continue;
    retired.add(worker);
    silence(worker);
    worker.disconnect();
    killAfterGrace(worker.process);
  }
}
