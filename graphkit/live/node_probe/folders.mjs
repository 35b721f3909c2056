// The folders that hold the app's own loaded modules (not under node_modules, not the probe's), as Node
// resolved them: a workspace package linked through node_modules shows at its real path. Cheap enough to
// ask for often: it reads only the cache keys, never a module's edges.
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { cacheEntries, isProbeUrl } from './loader.mjs';

const require = createRequire(import.meta.url);

function local(url) {
  return url.startsWith('file:') && !isProbeUrl(url) && !url.includes('/node_modules/');
}

export function moduleFolders() {
  const folders = new Set();
  for (const { url } of cacheEntries()) {
    if (local(url)) folders.add(dirname(fileURLToPath(url)));
  }
  for (const path of Object.keys(require.cache)) {
    if (local(pathToFileURL(path).href)) folders.add(dirname(path));
  }
  return [...folders].sort();
}
