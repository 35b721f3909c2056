// A cluster worker's state as the cluster module keeps it ('none', 'online', 'listening', 'dead'): an
// undocumented field of every supported Node, read here alone.

/**
 * The cluster's own state of `worker`.
 * @param {import('node:cluster').Worker} worker
 * @returns {string}
 */
export function workerState(worker) {
  return /** @type {{state?: string}} */ (worker).state ?? 'none';
}
