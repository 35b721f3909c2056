// Lets a reload load, link and instantiate the new module graph before anything of the old one is disposed:
// the re-imports start at once, and the evaluation of each re-imported module waits at a gate in front of
// V8's evaluate. A syntax error, a missing file or a missing export rejects its import() before the gate;
// the old instances have then not been touched. Every supported Node (18-26) evaluates a module graph
// through ModuleWrap.prototype.evaluate of its root, which is what the gate wraps.
import { moduleWrapPrototype } from './internals/modules.mjs';

/**
 * @typedef {{urls: Set<string>, opened: Promise<unknown>, arrive(url: string): void}} Gate
 * @typedef {{reached(imports: Promise<unknown>[]): Promise<unknown>, open(): void, refuse(error: unknown): void}} Hold
 */

/** @type {Gate | null} */
let current = null; // the gate of the reload under way: {urls, arrive, opened, release, refuse}

let installed = false;

function installGate() {
  if (installed) return;
  const proto = moduleWrapPrototype();
  const evaluate = proto.evaluate;
  /** @param {unknown[]} args */
  proto.evaluate = function (...args) {
    const gate = current;
    if (gate === null || !gate.urls.has(this.url)) return evaluate.apply(this, args);
    gate.arrive(this.url);
    return gate.opened.then(() => evaluate.apply(this, args));
  };
  installed = true;
}

/**
 * Closes the gate for `urls`; `reached(imports)` (one import per url, in order) resolves once each url waits
 * there (the graph is linked), rejects with the first failed import. Then `open()` lets them evaluate, or
 * `refuse(error)` fails them.
 * @param {string[]} urls
 * @returns {Hold}
 */
export function hold(urls) {
  installGate();
  const waiting = new Set(urls);
  /** @type {(value?: unknown) => void} */
  let allArrived;
  const arrived = new Promise((resolve) => {
    allArrived = resolve;
    if (waiting.size === 0) allArrived();
  });
  /** @type {(value?: unknown) => void} */
  let release;
  /** @type {(error: unknown) => void} */
  let refuse;
  const opened = new Promise((resolve, reject) => {
    release = resolve;
    refuse = reject;
  });
  opened.catch(() => {}); // refusing a gate nobody reached is not an unhandled rejection
  /** @type {Gate} */
  const gate = {
    urls: new Set(urls),
    opened,
    arrive(url) {
      waiting.delete(url);
      if (waiting.size === 0) allArrived();
    },
  };
  current = gate;
  return {
    reached(imports) {
      // A module record named otherwise than its cache key (a load hook's responseURL) is evaluated without
      // stopping here: its settled import is its arrival.
      for (const [index, pending] of imports.entries()) pending.then(() => gate.arrive(urls[index]), () => {});
      return Promise.race([arrived, Promise.all(imports)]);
    },
    open() {
      current = null;
      release();
    },
    refuse(error) {
      current = null;
      refuse(error);
    },
  };
}
