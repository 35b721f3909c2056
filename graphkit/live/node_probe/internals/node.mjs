// How the probe reaches Node's private modules (needs --expose-internals), and the one line it ends with
// when one of them is not what it expects.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * An object of Node's internals (a loader, a ModuleJob, a module record, a private field's holder): untyped,
 * and what the probe reads of it is checked when the probe starts (internals/features.mjs).
 * @typedef {any} Internal
 */

/**
 * An Error whose message is the line graphkit shows for a Node that lacks `feature` (`what` says how).
 * @param {string} feature
 * @param {string} what
 */
export function unsupported(feature, what) {
  return new Error(`graphkit: unsupported Node ${process.version}: ${feature}: ${what}`);
}

/**
 * Node's internal module `id`, or undefined where this Node has none by that name.
 * @param {string} id
 * @returns {Internal}
 */
export function internal(id) {
  try {
    return require(id);
  } catch (error) {
    if (error?.code === 'ERR_UNKNOWN_BUILTIN_MODULE' || error?.code === 'MODULE_NOT_FOUND') return undefined;
    throw error;
  }
}

export const MAJOR = Number(process.versions.node.split('.')[0]);
