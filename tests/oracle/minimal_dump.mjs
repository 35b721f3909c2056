// An independent, deliberately plain reading of Node's loadCache, to check the probe against.
// node --expose-internals minimal_dump.mjs ENTRY WAIT_MS -> one line "ORACLE {modules, edges}" on stdout.
import { createRequire } from 'node:module';
import { inspect } from 'node:util';

const require = createRequire(import.meta.url);
const [entry, waitMs] = process.argv.slice(2);
process.on('uncaughtException', () => {});
process.on('unhandledRejection', () => {});
try {
  await import(new URL(entry, `file://${process.cwd()}/`).href);
} catch {
  // The probe reports the failure; the oracle only reads the cache it leaves.
}
await new Promise((done) => setTimeout(done, Number(waitMs)));

let loader;
try {
  loader = require('internal/modules/esm/loader').getOrInitializeCascadedLoader();
} catch {
  loader = require('internal/process/esm_loader').esmLoader;
}
const names = ['uninstantiated', 'instantiating', 'instantiated', 'evaluating', 'evaluated', 'errored'];
const modules = {};
const edges = [];
for (const [key, slots] of Map.prototype.entries.call(loader.loadCache)) {
  for (const type of Object.keys(slots)) {
    const job = slots[type];
    if (!job || key === import.meta.url) continue;
    const linkedState = Array.isArray(job.linked) ? 'fulfilled'
      : /<rejected>/.test(inspect(job.linked, { depth: 0 })) ? 'rejected'
      : /<pending>/.test(inspect(job.linked, { depth: 0 })) ? 'pending' : 'fulfilled';
    const v8 = job.module ? names[job.module.getStatus()] : undefined;
    let status;
    if (v8 === 'errored' || linkedState === 'rejected') status = 'errored';
    else if (v8 === 'evaluated' || v8 === 'evaluating') status = 'evaluated';
    else if (v8 === 'instantiated') status = 'instantiated';
    else status = job.module && linkedState === 'fulfilled' ? 'linked' : 'linking';
    if (type === 'javascript' || !(key in modules)) modules[key] = status;
    if (linkedState === 'fulfilled') {
      const deps = Array.isArray(job.linked) ? job.linked : await job.linked;
      for (let i = 0; i < deps.length; i++) edges.push([key, deps[i].url ?? deps[i].module.url]);
    }
  }
}
for (const url of Object.keys(modules)) {
  if (url.startsWith('node:') && !edges.some(([, to]) => to === url)) delete modules[url];
}
for (const path of Object.keys(require.cache)) {
  const url = new URL(`file://${path}`).href;
  if (!(url in modules)) modules[url] = require.cache[path].loaded ? 'evaluated' : 'instantiated';
}
process.stdout.write(`\nORACLE ${JSON.stringify({ modules, edges })}\n`, () => process.exit(0));
