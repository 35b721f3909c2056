// The app's import() calls, tracked from the start: one row per (importer, specifier) with its latest outcome.
// The loader's cache holds no import() edges, and a boot is timed by the calls made while it lasts
// (startup.mjs). The journal hears of every row that changes.
import { interceptImport, resolver } from './internals/loader.mjs';
import { isProbeUrl } from './own.mjs';
import { importing, imported, startingUp, track } from './startup.mjs';

/**
 * @typedef {import('./internals/loader.mjs').ImportAttributes} ImportAttributes
 * @typedef {{from: string, specifier: string, to: string | null, error: string | null,
 *   attributes: ImportAttributes, startup: boolean, calls: number, namespace: WeakRef<object> | null}}
 *   DynamicImport
 */

// Dynamic import() calls seen since watchDynamicImports(), one row per (importer, specifier) with its latest
// outcome {from, specifier, to, error, startup, calls, namespace}: an app that imports per request must not
// grow this. `startup` stays true while every call was made as the app booted (see startup.mjs); `calls`
// counts the calls, and `namespace` is a WeakRef to what the latest one returned (kept.mjs).
/** @type {Map<string, DynamicImport>} */
const dynamicImports = new Map();
// The same rows by importer, and who hears of a row that changed: the journal keeps the live graph current.
/** @type {Map<string, DynamicImport[]>} */
const dynamicByImporter = new Map();
/** @type {(importer: string) => void} */
let onDynamicChange = () => {};
let watching = false;
/** @type {import('./internals/loader.mjs').Resolve} */
let resolveUrl; // (specifier, parentURL, attributes) -> the URL the loader resolves it to

/**
 * @param {string} url
 * @returns {DynamicImport[]}
 */
export function dynamicImportsFrom(url) {
  return dynamicByImporter.get(url) ?? [];
}

export function dynamicImporters() {
  return dynamicByImporter.keys();
}

/** @param {(importer: string) => void} listener */
export function onDynamicImport(listener) {
  onDynamicChange = listener;
}

/**
 * Records import() calls; `entryUrls` are the URLs Node may name the main entry by, to time start-up.
 * @param {string[]} [entryUrls]
 */
export function watchDynamicImports(entryUrls = []) {
  if (watching) return;
  watching = true;
  resolveUrl = resolver();
  interceptImport(async (original, specifier, parentURL, attributes) => {
    const call = original();
    // The main entry is imported with no parent (as a URL object on v22+): its evaluation starts the boot.
    if (typeof parentURL !== 'string' && entryUrls.includes(String(specifier))) track(call);
    if (typeof parentURL !== 'string' || isProbeUrl(parentURL)) return call;
    importing(call);
    const key = `${parentURL}\0${specifier}`;
    let row = dynamicImports.get(key);
    if (row === undefined) {
      row = {
        from: parentURL, specifier, to: null, error: null, attributes: attributes ?? {}, startup: startingUp(),
        calls: 0, namespace: null,
      };
      dynamicImports.set(key, row);
      const rows = dynamicByImporter.get(parentURL);
      if (rows === undefined) dynamicByImporter.set(parentURL, [row]);
      else rows.push(row);
      onDynamicChange(parentURL);
    } else if (row.startup && !startingUp()) {
      row.startup = false; // called again after start-up: a boundary like any import()
      onDynamicChange(parentURL);
    }
    row.calls += 1;
    let namespace;
    try {
      namespace = await call;
    } catch (error) {
      const code = error?.code ?? error?.name ?? 'Error';
      if (row.error !== code) {
        row.error = code;
        onDynamicChange(parentURL);
      }
      throw error;
    }
    if (row.to === null || row.error !== null) {
      row.error = null;
      await settleTarget(row);
      onDynamicChange(parentURL);
    }
    if (row.to !== null) imported(row.to);
    // Only a first call's namespace is ever checked (kept.mjs): an import() made per use makes no WeakRef.
    row.namespace = row.calls === 1 ? new WeakRef(/** @type {object} */ (namespace)) : null;
    return namespace;
  });
}

/** Every import() row: {from, specifier, to, error, attributes, startup}. */
export function dynamicRows() {
  return dynamicImports.values();
}

/**
 * The namespace that `from`'s one import() of `to` returned, as a WeakRef; null when `from` called import()
 * of `to` more than once (it imports per use) or never.
 * @param {string} from
 * @param {string} to
 * @returns {WeakRef<object> | null}
 */
export function importedOnce(from, to) {
  const rows = dynamicImportsFrom(from).filter((row) => row.to === to);
  const calls = rows.reduce((sum, row) => sum + row.calls, 0);
  return calls === 1 ? rows.find((row) => row.namespace !== null)?.namespace ?? null : null;
}

/**
 * Starts the call counts of `urls` over: their instances are evicted, and a new instance of an importer that
 * keeps what its one import() returned calls it once again.
 * @param {Iterable<string>} urls
 */
export function forgetCalls(urls) {
  for (const url of urls) {
    for (const row of dynamicImportsFrom(url)) {
      row.calls = 0;
      row.namespace = null;
    }
  }
}

/**
 * Import() targets that every call reached during the app's start-up, as [from, to] URL pairs.
 * @returns {[string, string][]}
 */
export function startupImports() {
  return [...dynamicImports.values()].flatMap((row) => (row.startup && row.to !== null ? [[row.from, row.to]] : []));
}

// Fills in the row's target, or the code of the error that resolving it gives: an edge never goes out
// with neither (one still in flight when the snapshot is taken included). Never throws into the app.
/** @param {DynamicImport} row */
export async function settleTarget(row) {
  try {
    row.to = await resolveUrl(row.specifier, row.from, row.attributes);
  } catch (error) {
    row.error = error?.code ?? error?.name ?? 'Error';
  }
}
