// Public module customization hooks that report what the loader does, for minimal_dump.mjs.
// The same functions serve module.registerHooks (in-thread, synchronous `next*`) and module.register
// (a hooks thread, asynchronous `next*`): `initialize` receives a port for the events and a shared
// buffer in which the main thread flags each ES module whose evaluation started.
//
// Events: {type: 'resolve', parent, specifier, url|null, isStatic}, {type: 'parsed', url},
// {type: 'load', url, format, index, failed}. Each ES module's source gets, on its first line so that
// line numbers stay right, a static import of PARSED (Node resolves a module's requests only once it
// has parsed, so that resolution proves the parse) and a call marking its evaluation started, and on
// a last line of its own a call marking it finished.
//
// A resolution is a static import when its parent is an ES module whose evaluation has not started:
// a module's static imports are all resolved while its graph links, before any of its code runs, while
// import() and require() can only run from its code once it has started.

export const PARSED = 'data:text/javascript,export{}//graphkit-oracle-parsed';
export const MARK = 'graphkit.oracle.evaluation';
const ESM = new Set(['module', 'module-typescript']);

/** @type {(event: object) => void} */
let emit = () => {};
/** @type {Int32Array} */
let started = new Int32Array(1);
const indexOf = new Map();

export function initialize({ port, flags }) {
  emit = (event) => port.postMessage(event);
  started = new Int32Array(flags);
}

/** Runs `next`, then `report` on its result or failure, whether `next` is synchronous or not. */
function observe(next, report) {
  let result;
  try {
    result = next();
  } catch (error) {
    report(null);
    throw error;
  }
  if (typeof result?.then !== 'function') return report(result);
  return result.then(report, (error) => {
    report(null);
    throw error;
  });
}

export function resolve(specifier, context, nextResolve) {
  const parent = context.parentURL;
  const index = indexOf.get(parent);
  const isStatic = index !== undefined && Atomics.load(started, index) === 0;
  return observe(() => nextResolve(specifier, context), (result) => {
    if (specifier === PARSED) emit({ type: 'parsed', url: parent });
    else emit({ type: 'resolve', parent, specifier, url: result?.url ?? null, isStatic });
    return result;
  });
}

function instrument(source, index) {
  const text = typeof source === 'string' ? source : new TextDecoder().decode(source);
  const mark = (phase) => `globalThis[Symbol.for('${MARK}')](${index},'${phase}');`;
  // A hashbang must open the source: keep it as a comment on the same first line.
  const body = text.startsWith('#!') ? `//${text.slice(2)}` : text;
  return `import '${PARSED}';${mark('start')}${body}\n${mark('finish')}\n`;
}

export function load(url, context, nextLoad) {
  if (url === PARSED) return nextLoad(url, context);
  return observe(() => nextLoad(url, context), (result) => {
    if (!result) {
      emit({ type: 'load', url, format: null, index: 0, failed: true });
      return result;
    }
    const { format, source } = result;
    if (!ESM.has(format) || source === null || source === undefined) {
      emit({ type: 'load', url, format, index: 0, failed: false });
      return result;
    }
    const index = indexOf.size + 1;
    indexOf.set(url, index);
    emit({ type: 'load', url, format, index, failed: false });
    return { ...result, source: instrument(source, index) };
  });
}
