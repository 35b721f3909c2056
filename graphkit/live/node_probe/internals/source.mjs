// Node 18 and 20 read each ES module's source through fs/promises: open, fstat, read and close, four trips to
// the thread pool and a FileHandle per module. A reload that reaches the whole app re-reads all of it that
// way, which costs more than compiling it. Their default load takes a source given in its context instead,
// so the loader's `load` is wrapped to read `file:` sources synchronously, as Node 22 and later do themselves
// (their `load` is synchronous: left alone). The wrapper steps aside while loader customizations are active
// (--loader, module.register: a hook may load another URL with the context it was given) and under a
// policy manifest (its integrity check is part of the read); a read that fails is left to Node, whose error
// the user then sees. Development only: this relies on Node internals.
import { readFileSync } from 'node:fs';
import { getLoader } from './loader.mjs';
import { internal } from './node.mjs';

// Source formats that defaultLoad reads; CommonJS goes to the CommonJS loader, which reads on its own.
const SKIPPED = /\.(?:cjs|node)$/;

/** Reads sources synchronously where Node 18 and 20 would not; an optimisation: any other shape is left alone. */
export function readSourcesSynchronously() {
  const loader = getLoader();
  if (loader.load?.constructor?.name !== 'AsyncFunction' || typeof loader.setCustomizations !== 'function') return;
  const getOptionValue = internal('internal/options')?.getOptionValue;
  if (typeof getOptionValue !== 'function') return;
  if (getOptionValue('--experimental-loader').length > 0 || getOptionValue('--experimental-policy')) return;
  let customized = false;
  const { load, setCustomizations } = loader;
  /** @param {unknown} customizations */
  loader.setCustomizations = function (customizations) {
    customized = Boolean(customizations);
    return setCustomizations.call(this, customizations);
  };
  /**
   * @param {string} url
   * @param {{format?: string, source?: unknown} | undefined} context
   */
  loader.load = function (url, context) {
    // Given a source, Node 20 runs CommonJS through its ESM-side CommonJS loader, whose require() of a
    // builtin fails ("request for 'node:fs' is not in cache"): a module resolved as CommonJS reads as usual.
    const commonjs = context?.format === 'commonjs';
    if (customized || commonjs || (context?.source !== undefined && context?.source !== null) || !url.startsWith('file:') || SKIPPED.test(url)) {
      return load.call(this, url, context);
    }
    let source;
    try {
      source = readFileSync(new URL(url));
    } catch {
      return load.call(this, url, context);
    }
    return load.call(this, url, { ...context, source });
  };
}
