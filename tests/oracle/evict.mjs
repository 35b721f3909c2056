// Applies eviction plans inside a real Node and reports what actually happened.
// Usage: node --expose-internals evict.mjs JOBS.json   (prints one JSON array of results)
//
// Each job: { name, entry, changed: [url], evict: [url], boundaries: [{url, reason, imports}],
// modules: [url] }. For each job the oracle loads the entry, edits every changed file ('v1' -> 'v2'),
// deletes exactly the `evict` URLs from the loader's loadCache (and require.cache), re-imports what the
// boundaries import, then reports which modules evaluated and which live module still holds a stale
// instance of one of its dependencies (fixture modules export `deps()`: [[url, instance], ...]).
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

function loadCache() {
  const { getOrInitializeCascadedLoader } = require('internal/modules/esm/loader');
  if (getOrInitializeCascadedLoader) return getOrInitializeCascadedLoader().loadCache;
  return require('internal/process/esm_loader').esmLoader.loadCache; // Node 18
}

// The instance a fresh importer would get now: from the caches, evaluating only if nothing is cached.
async function current(url) {
  if (url.endsWith('.cjs')) return createRequire(url)(fileURLToPath(url));
  return import(url);
}

async function run(job) {
  globalThis.__evaluated = [];
  await import(job.entry);
  const originals = new Map(job.changed.map((url) => [url, readFileSync(fileURLToPath(url), 'utf8')]));
  try {
    for (const [url, text] of originals) writeFileSync(fileURLToPath(url), text.replaceAll("'v1'", "'v2'"));
    const cache = loadCache();
    for (const url of job.evict) {
      Map.prototype.delete.call(cache, url);
      delete require.cache[fileURLToPath(url)];
    }
    globalThis.__evaluated = [];
    for (const boundary of job.boundaries) {
      const targets = boundary.reason === 'accepts' ? [boundary.url] : boundary.imports;
      for (const url of targets) await current(url);
    }
    const reevaluated = [...globalThis.__evaluated];
    globalThis.__evaluated = [];
    // An accepting module's importers keep the instance they linked to, by design.
    const accepting = new Set(job.boundaries.filter((b) => b.reason === 'accepts').map((b) => b.url));
    const stale = [];
    const oldCode = [];
    for (const url of job.modules) {
      const instance = await current(url);
      if (job.changed.includes(url) && instance.stamp !== 'v2') oldCode.push(url);
      for (const [dep, held] of instance.deps()) {
        if (!accepting.has(dep) && held !== (await current(dep))) stale.push([url, dep]);
      }
    }
    return { name: job.name, reevaluated, late: globalThis.__evaluated, stale, oldCode };
  } finally {
    for (const [url, text] of originals) writeFileSync(fileURLToPath(url), text);
  }
}

const jobs = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const results = [];
for (const job of jobs) results.push(await run(job));
process.stdout.write(JSON.stringify(results));
