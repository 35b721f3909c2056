// V8 module records (ModuleWrap) and Node's error decoration: every supported Node (18-26) evaluates a module
// graph through ModuleWrap.prototype.evaluate of its root, and prints an uncaught error with the
// "file:line, source line, caret" header that internal/util's decorateErrorStack puts on its stack.
import { cacheEntries } from './loader.mjs';
import { internal, unsupported } from './node.mjs';

/** ModuleWrap.prototype, from a module record in the cache (the probe's own are there from the start). */
export function moduleWrapPrototype() {
  const module = cacheEntries().find(({ job }) => typeof job.module?.evaluate === 'function')?.job.module;
  if (module === undefined) throw unsupported('module records', 'no ModuleWrap with an evaluate method');
  return Object.getPrototypeOf(module);
}

/**
 * Puts Node's own header for an uncaught error on `error`'s stack.
 * @param {Error} error
 */
export function decorateErrorStack(error) {
  const decorate = internal('internal/util')?.decorateErrorStack;
  if (typeof decorate !== 'function') throw unsupported('error decoration', 'internal/util has no decorateErrorStack');
  decorate(error);
}

export function probeModuleRecords() {
  moduleWrapPrototype();
}

export function probeErrorDecoration() {
  if (typeof internal('internal/util')?.decorateErrorStack !== 'function') {
    throw unsupported('error decoration', 'internal/util has no decorateErrorStack');
  }
}
