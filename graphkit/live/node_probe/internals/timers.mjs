// Whether a Timeout has fired (a one-shot) or was cleared: the `_destroyed` field Node's timers keep, read
// here alone.

/**
 * True once `timer` will never run its callback again.
 * @param {NodeJS.Timeout} timer
 */
export function timerDone(timer) {
  return /** @type {{_destroyed?: boolean}} */ (/** @type {unknown} */ (timer))._destroyed === true;
}
