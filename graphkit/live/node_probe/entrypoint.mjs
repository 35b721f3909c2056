// Node 22+ keeps the main module's record (and its run's promise) on the global object under private
// symbols, for its exit-time checks. After a re-run the new entry instance is the app's main module: the
// references move to it, or the first instance, with the whole first app, would stay alive for good.
import { createRequire } from 'node:module';
import { getLoadCache } from './loader.mjs';

const require = createRequire(import.meta.url);

function privateSymbols() {
  // internal/test/binding warns when loaded: that warning is about this require, not about the app.
  const emitWarning = process.emitWarning;
  process.emitWarning = () => {};
  try {
    return require('internal/test/binding').internalBinding('util').privateSymbols ?? {};
  } catch {
    return {};
  } finally {
    process.emitWarning = emitWarning;
  }
}

let symbols;

/** Points Node's main-module references at the current instance of `entry` (a module URL). */
export function adopt(entry) {
  symbols ??= privateSymbols();
  const module = Map.prototype.get.call(getLoadCache(), entry)?.javascript?.module;
  if (module === undefined) return;
  const { entry_point_module_private_symbol: moduleKey, entry_point_promise_private_symbol: promiseKey } = symbols;
  if (moduleKey !== undefined && globalThis[moduleKey] !== undefined) globalThis[moduleKey] = module;
  if (promiseKey !== undefined && globalThis[promiseKey] !== undefined) {
    globalThis[promiseKey] = Promise.resolve({ __proto__: null, module });
  }
}
