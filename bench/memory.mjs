// Reloads a module holding 1 MiB many times and reports the heap, for bench/memory.py.
//
//   node --expose-internals --expose-gc bench/memory.mjs MODE COUNT APP_URL [PLAN_JSON]
//
// MODE graphkit: every reload is graphkit's own eviction path, node_probe/evict.mjs applyPlan(PLAN_JSON)
// with the plan graphkit.planning.planner.plan made for the app, exactly what `graphkit watch` sends to its host; the app's
// next `import('./blob.mjs')` must then return a new instance. MODE query: the app imports
// `./blob.mjs?t=N`, a new URL each time. Prints `progress N` lines while it runs (a run that dies of an
// out-of-memory error shows how far it got) and one final JSON line.
import { applyPlan } from '../graphkit/live/node_probe/evict.mjs';

const [mode, countText, appUrl, planText] = process.argv.slice(2);
const count = Number(countText);
const MiB = 1024 * 1024;
let freed = 0;
const registry = new FinalizationRegistry(() => {
  freed += 1;
});

// Finalizers run from the event loop, so yield after each collection to let them count.
async function collect(rounds) {
  for (let i = 0; i < rounds; i += 1) {
    globalThis.gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed / MiB;
}

const app = await import(appUrl);
// As host.mjs passes it: the plan document plus the entry, which is re-imported if evicted.
const plan = mode === 'graphkit' ? { ...JSON.parse(planText), entry: appUrl } : null;
let current = mode === 'graphkit' ? await app.load() : await app.loadQuery(0);
const before = await collect(3);
let fresh = 0;
let failed = null;
const started = performance.now();
for (let i = 1; i <= count; i += 1) {
  let next;
  if (mode === 'graphkit') {
    const result = await applyPlan(plan);
    if (!result.ok) {
      failed = result.error?.message ?? 'apply failed';
      break;
    }
    next = await app.load();
  } else {
    next = await app.loadQuery(i);
  }
  if (next !== current && next.blob.length === MiB) fresh += 1;
  registry.register(current, null);
  current = next;
  if (i % 10 === 0) process.stdout.write(`progress ${i}\n`);
}
const ms = performance.now() - started;
const afterOne = await collect(1);
const freedOne = freed;
const afterMany = await collect(10);
process.stdout.write(`${JSON.stringify({
  node: process.version, mode, count, fresh, failed, ms, before, afterOne, freedOne, afterMany, freedMany: freed,
})}\n`);
