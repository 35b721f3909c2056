// Whether the app's entry is still evaluating (top-level await included): an import() made then is part of
// the app's start-up, which its importer does not repeat, so the planner treats it as linking.
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

let running = 0;

/** Counts `promise` (the evaluation of the entry) as start-up until it settles; returns it. */
export function track(promise) {
  running += 1;
  const done = () => {
    running -= 1;
  };
  promise.then(done, done);
  return promise;
}

export function startingUp() {
  return running > 0;
}

/** The URLs Node may name the main module by (it resolves symlinks unless told not to). */
export function mainUrls() {
  const main = process.argv[1];
  if (typeof main !== 'string') return [];
  const urls = [pathToFileURL(resolve(main)).href];
  try {
    urls.push(pathToFileURL(realpathSync(main)).href);
  } catch {
    // A main that does not exist fails on its own.
  }
  return [...new Set(urls)];
}
