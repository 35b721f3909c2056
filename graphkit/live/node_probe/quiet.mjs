// Waiting until the app is quiet: `graphkit watch` asks before its own start-up work (importing its planner,
// reading the whole live graph), which would otherwise take the CPU from the app's start-up and first
// requests. Quiet means the event loop spent less than BUSY of a WINDOW_MS window running callbacks
// (`performance.eventLoopUtilization`: the app's main thread only, whatever else the machine runs).
// A wait ends early when the host receives another request: a save is never held back by it.
// Not the end of the boot (startup.mjs): a boot ends as the app starts serving (its first connection), while
// its first requests may still load modules; quiet waits until those are served too.
import { performance } from 'node:perf_hooks';
import { Field } from './protocol.mjs';

const WINDOW_MS = 50;
const BUSY = 0.2;
// Taken before effects.mjs wraps the globals: the probe's own timers are never the app's effects.
const { setTimeout: later, clearTimeout: cancel } = globalThis;

let arrivals = 0; // requests the host received
/** @type {(() => void) | null} */
let wake = null; // ends the wait under way when a request arrives after the one that started it

/** Counts one request the host received; returns its number, for `quiet` to know what came after it. */
export function arrived() {
  arrivals += 1;
  wake?.();
  return arrivals;
}

/**
 * Resolves once the app is quiet, a request arrives after request number `after`, or `limitMs` passed:
 * {quiet: whether it was, waitedMs}.
 * @param {number} limitMs
 * @param {number} [after]
 * @returns {Promise<{quiet: boolean, waitedMs: number}>}
 */
export function quiet(limitMs, after = arrivals) {
  const started = performance.now();
  return new Promise((resolve) => {
    /** @type {NodeJS.Timeout | undefined} */
    let timer;
    let last = performance.eventLoopUtilization();
    /** @param {boolean} isQuiet */
    const done = (isQuiet) => {
      cancel(timer);
      wake = null;
      resolve({ [Field.QUIET]: isQuiet, [Field.WAITED_MS]: Math.round(performance.now() - started) });
    };
    const check = () => {
      const now = performance.eventLoopUtilization();
      const { utilization } = performance.eventLoopUtilization(now, last);
      last = now;
      if (utilization < BUSY) done(true);
      else if (performance.now() - started >= limitMs) done(false);
      else timer = later(check, WINDOW_MS).unref();
    };
    wake = () => {
      if (arrivals > after) done(false);
    };
    if (arrivals > after) done(false);
    else timer = later(check, WINDOW_MS).unref();
  });
}
