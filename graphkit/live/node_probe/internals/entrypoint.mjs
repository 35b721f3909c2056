// Node 22+ keeps the main module's record (and its run's promise) on the global object under private
// symbols, for its exit-time checks. After a re-run the new entry instance is the app's main module: the
// references move to it, or the first instance, with the whole first app, would stay alive for good.
import { cacheGet } from './loader.mjs';
import { MAJOR, internal, unsupported } from './node.mjs';

const FIRST_MAJOR = 22; // the first to keep them
/** @type {Record<string, symbol | undefined> | undefined} */
let symbols;

function privateSymbols() {
  if (symbols !== undefined) return symbols;
  // internal/test/binding warns when loaded: that warning is about this require, not about the app.
  const emitWarning = process.emitWarning;
  process.emitWarning = () => {};
  try {
    symbols = /** @type {Record<string, symbol | undefined>} */ (
      internal('internal/test/binding')?.internalBinding('util')?.privateSymbols ?? {});
  } finally {
    process.emitWarning = emitWarning;
  }
  return symbols;
}

/**
 * Points Node's main-module references at the current instance of `entry` (a module URL).
 * @param {string} entry
 */
export function adopt(entry) {
  const module = cacheGet(entry)?.javascript?.module;
  if (module === undefined) return;
  const { entry_point_module_private_symbol: moduleKey, entry_point_promise_private_symbol: promiseKey } = privateSymbols();
  // The keys are private symbols, which no type of globalThis declares.
  const global = /** @type {Record<symbol, unknown>} */ (globalThis);
  if (moduleKey !== undefined && global[moduleKey] !== undefined) global[moduleKey] = module;
  if (promiseKey !== undefined && global[promiseKey] !== undefined) {
    global[promiseKey] = Promise.resolve({ __proto__: null, module });
  }
}

export function probeEntrypoint() {
  if (MAJOR < FIRST_MAJOR) return;
  const { entry_point_module_private_symbol: moduleKey, entry_point_promise_private_symbol: promiseKey } = privateSymbols();
  if (typeof moduleKey !== 'symbol' || typeof promiseKey !== 'symbol') {
    throw unsupported('the main module references', "internalBinding('util').privateSymbols has no "
      + 'entry_point_module_private_symbol and entry_point_promise_private_symbol');
  }
}
