// The folders that hold the app's own loaded modules (not under node_modules, not the probe's), as Node
// resolved them: a workspace package linked through node_modules shows at its real path. graphkit asks
// about once a second while idle, so an answer reads only what was loaded since the last one: once a
// folder held a loaded module it stays in the answer (graphkit never stops watching a folder either).
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { cacheGet, cacheKeys, cacheSize, jobUrl, slotJobs } from './internals/loader.mjs';
import { isProbeUrl } from './own.mjs';

const require = createRequire(import.meta.url);

const folders = new Set();
const seenKeys = new Set(); // loadCache keys already placed
const seenPaths = new Set(); // require.cache paths already placed
let keysAtLastRead = -1; // loading adds keys: an unchanged count means nothing new to read

/** @param {string} url */
function local(url) {
  return url.startsWith('file:') && !isProbeUrl(url) && !url.includes('/node_modules/');
}

function placeKeys() {
  for (const key of cacheKeys()) {
    if (seenKeys.has(key)) continue;
    seenKeys.add(key);
    for (const [, job] of slotJobs(cacheGet(key))) {
      const url = jobUrl(key, job);
      if (local(url)) folders.add(dirname(fileURLToPath(url)));
    }
  }
}

export function moduleFolders() {
  const keys = cacheSize();
  if (keys !== keysAtLastRead) {
    keysAtLastRead = keys;
    placeKeys();
  }
  for (const path of Object.keys(require.cache)) {
    if (seenPaths.has(path)) continue;
    seenPaths.add(path);
    if (local(pathToFileURL(path).href)) folders.add(dirname(path));
  }
  return [...folders].sort();
}
