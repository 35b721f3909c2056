// Time limits for the host: app code it awaits (hot callbacks, re-imports) must never hold it forever.

/** The error a callback gets when it has not settled within its limit. */
export class Unsettled extends Error {
  /** @param {number} ms */
  constructor(ms) {
    super(`did not settle within ${ms / 1000} s; skipped`);
    this.name = 'Unsettled';
  }
}

/**
 * Settles like `promise`, or resolves to `late` once `ms` milliseconds have passed, whichever is first.
 * The timer keeps the app alive while it waits (a dispose callback may close what did) and is cleared as
 * soon as `promise` settles.
 * @template T, L
 * @param {Promise<T>} promise
 * @param {number} ms
 * @param {L} [late]
 * @returns {Promise<T | L>}
 */
export function settleWithin(promise, ms, late) {
  /** @type {NodeJS.Timeout} */
  let timer;
  const expired = new Promise((resolve) => {
    timer = setTimeout(resolve, ms, late);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

/**
 * Calls `callback(...args)` and awaits it for at most `ms`; rejects with Unsettled after that.
 * @template {unknown[]} A, T
 * @param {number} ms
 * @param {(...args: A) => T} callback
 * @param {A} args
 * @returns {Promise<Awaited<T>>}
 */
export async function callWithin(ms, callback, ...args) {
  const late = Symbol('late');
  const outcome = await settleWithin(Promise.resolve().then(() => callback(...args)), ms, late);
  if (outcome === late) throw new Unsettled(ms);
  return outcome;
}
