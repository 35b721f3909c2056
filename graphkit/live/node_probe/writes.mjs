// The files the app writes itself, and when: an app that rewrites a JSON it imported (at start-up, or on a
// timer) must not have graphkit reload it for its own write, forever. Each write through node:fs (write,
// append, copy, rename onto, a write stream) is kept as the wall-clock interval it ran in; graphkit compares
// a saved file's mtime with it (`written` command), so a developer's save is never taken for the app's.
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * What a wrapped call wrote, from its arguments and the time it started.
 * @typedef {(args: unknown[], startMs: number) => void} Target
 * @typedef {[startMs: number, endMs: number]} Interval
 */

const KEEP = 256; // paths remembered; the oldest go first
/** @type {Map<string, Interval>} */
const writes = new Map(); // absolute path -> [startMs, endMs] of its last write by the app

/**
 * @param {unknown} target a path, a file URL, a Buffer or a file descriptor
 * @returns {string | null}
 */
function pathOf(target) {
  if (typeof target === 'string') return resolve(target);
  if (target instanceof URL && target.protocol === 'file:') return fileURLToPath(target);
  if (Buffer.isBuffer(target)) return resolve(target.toString());
  return null; // a file descriptor: whose file is not known
}

/**
 * @param {string | null} path
 * @param {number} startMs
 * @param {number} [endMs]
 */
function note(path, startMs, endMs = Date.now()) {
  if (path === null) return;
  writes.delete(path);
  writes.set(path, [startMs, endMs]);
  if (writes.size > KEEP) writes.delete(writes.keys().next().value);
}

/**
 * A rename moves a write made under another name (write to a temporary file, rename onto the target).
 * @param {unknown} from
 * @param {unknown} to
 * @param {number} startMs
 */
function moved(from, to, startMs) {
  const source = pathOf(from);
  const before = source === null ? undefined : writes.get(source);
  note(pathOf(to), before?.[0] ?? startMs);
}

/**
 * @param {Record<string, unknown>} object
 * @param {string} name
 * @param {Target} target
 */
function wrapSync(object, name, target) {
  const original = object[name];
  if (typeof original !== 'function') return;
  /** @param {unknown[]} args */
  object[name] = function (...args) {
    const startMs = Date.now();
    const result = original.apply(this, args);
    target(args, startMs);
    return result;
  };
}

/**
 * @param {Record<string, unknown>} object
 * @param {string} name
 * @param {Target} target
 */
function wrapCallback(object, name, target) {
  const original = object[name];
  if (typeof original !== 'function') return;
  /** @param {unknown[]} args */
  object[name] = function (...args) {
    const startMs = Date.now();
    const last = args.length - 1;
    if (typeof args[last] === 'function') {
      const callback = args[last];
      /**
       * @param {unknown} error
       * @param {unknown[]} rest
       */
      args[last] = function (error, ...rest) {
        if (!error) target(args, startMs);
        return callback.call(this, error, ...rest);
      };
    }
    return original.apply(this, args);
  };
}

/**
 * @param {Record<string, unknown>} object
 * @param {string} name
 * @param {Target} target
 */
function wrapPromise(object, name, target) {
  const original = object[name];
  if (typeof original !== 'function') return;
  /** @param {unknown[]} args */
  object[name] = function (...args) {
    const startMs = Date.now();
    return original.apply(this, args).then((/** @type {unknown} */ result) => {
      target(args, startMs);
      return result;
    });
  };
}

/** @type {Target} */
const written = ([file], startMs) => note(pathOf(file), startMs);
/** @type {Target} */
const copied = ([, destination], startMs) => note(pathOf(destination), startMs);
/** @type {Target} */
const renamed = ([from, to], startMs) => moved(from, to, startMs);

/** Starts keeping the app's writes; the host calls it before the app runs. */
export function watchWrites() {
  for (const [name, target] of /** @type {[string, Target][]} */ ([
    ['writeFile', written], ['appendFile', written], ['copyFile', copied], ['rename', renamed],
  ])) {
    wrapSync(fs, `${name}Sync`, target);
    wrapCallback(fs, name, target);
    wrapPromise(fs.promises, name, target);
  }
  const createWriteStream = fs.createWriteStream;
  /**
   * @param {import('node:fs').PathLike} file
   * @param {[options?: Parameters<typeof createWriteStream>[1]]} rest
   */
  fs.createWriteStream = function (file, ...rest) {
    const startMs = Date.now();
    const stream = createWriteStream.call(this, file, ...rest);
    stream.once('finish', () => note(pathOf(file), startMs));
    return stream;
  };
  syncBuiltinESMExports(); // `import { writeFileSync } from 'node:fs'` writes through these too
}

/**
 * Of `paths` (absolute), those the app wrote, each with the wall-clock interval of its last write.
 * @param {string[]} paths
 */
export function writtenAmong(paths) {
  /** @type {Record<string, Interval>} */
  const found = {};
  for (const path of paths) {
    const interval = writes.get(path);
    if (interval !== undefined) found[path] = interval;
  }
  return found;
}
