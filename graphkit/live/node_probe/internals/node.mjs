// How the probe reaches Node's private modules (needs --expose-internals), and the one line it ends with
// when one of them is not what it expects.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** An Error whose message is the line graphkit shows for a Node that lacks `feature` (`what` says how). */
export function unsupported(feature, what) {
  return new Error(`graphkit: unsupported Node ${process.version}: ${feature}: ${what}`);
}

/** Node's internal module `id`, or undefined where this Node has none by that name. */
export function internal(id) {
  try {
    return require(id);
  } catch (error) {
    if (error?.code === 'ERR_UNKNOWN_BUILTIN_MODULE' || error?.code === 'MODULE_NOT_FOUND') return undefined;
    throw error;
  }
}

export const MAJOR = Number(process.versions.node.split('.')[0]);
