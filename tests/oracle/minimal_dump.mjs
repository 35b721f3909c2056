// The live graph as Node's public hooks observe it, to check the probe against: no Node internals.
// node minimal_dump.mjs ENTRY WAIT_MS -> one line "ORACLE {modules, edges}" on stdout.
// observe_hooks.mjs reports resolutions, loads and evaluation; derive.mjs turns them into statuses.
import module, { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { MessageChannel } from 'node:worker_threads';
import { derive } from './derive.mjs';
import * as hooks from './observe_hooks.mjs';

const require = createRequire(import.meta.url);
const [entry, waitMs] = process.argv.slice(2);
const sleep = (ms) => new Promise((done) => setTimeout(done, ms));
process.on('uncaughtException', () => {});
process.on('unhandledRejection', () => {});

const flags = new SharedArrayBuffer(4 * 65536);
const started = new Int32Array(flags);
const events = [];
const evaluation = new Map();
globalThis[Symbol.for(hooks.MARK)] = (index, phase) => {
  if (phase === 'start') Atomics.store(started, index, 1);
  evaluation.set(index, phase);
};
if (module.registerHooks) {
  hooks.initialize({ port: { postMessage: (event) => events.push(event) }, flags });
  module.registerHooks({ resolve: hooks.resolve, load: hooks.load });
} else {
  // Node 18.19+ and 20: the hooks run in a thread of their own and post their events back.
  const { port1, port2 } = new MessageChannel();
  port1.on('message', (event) => events.push(event));
  port1.unref();
  module.register('./observe_hooks.mjs', import.meta.url, { data: { port: port2, flags }, transferList: [port2] });
}
/** Events posted by a hooks thread arrive as messages: give them a moment to land. */
const settled = () => (module.registerHooks ? Promise.resolve() : sleep(50));

const entryUrl = pathToFileURL(entry).href;
let entryRejected = false;
try {
  await import(entryUrl);
} catch {
  entryRejected = true;
}
await sleep(Number(waitMs));
await settled();

function observed() {
  const loads = new Map();
  const urlOf = new Map();
  for (const e of events) {
    if (e.type !== 'load') continue;
    loads.set(e.url, e);
    if (e.index) urlOf.set(e.index, e.url);
  }
  const cjs = Object.entries(require.cache);
  const cjsLoaded = new Map(cjs.map(([path, record]) => [pathToFileURL(path).href, record?.loaded === true]));
  return {
    entry: entryUrl,
    entryRejected,
    loads,
    requests: events.filter((e) => e.type === 'resolve'),
    parsed: new Set(events.filter((e) => e.type === 'parsed').map((e) => e.url)),
    evaluation: new Map([...evaluation].map(([index, phase]) => [urlOf.get(index), phase])),
    cjsLoaded,
  };
}
const seen = observed();
const { status, edges } = derive(seen);

/**
 * Whether Node still holds `url` in its module map: importing it again loads it anew only if not. Newer
 * Node forgets a module whose load or link failed so that a later import can retry; which ones differs
 * by major, and only a failed module can be forgotten.
 */
async function forgotten(url) {
  const loadsOf = () => events.filter((e) => e.type === 'load' && e.url === url).length;
  const before = loadsOf();
  await Promise.race([import(url).catch(() => {}), sleep(2000)]);
  await settled();
  return loadsOf() > before;
}

const isCjs = (url) => seen.loads.get(url)?.format === 'commonjs';
const imported = (url) => seen.requests.some((r) => r.url === url && !isCjs(r.parent));
const modules = {};
for (const [url, value] of status) {
  if (url.startsWith('node:')) continue;
  if (seen.loads.get(url)?.format === 'commonjs' && !imported(url)) continue; // CommonJS's cache reports it below
  if ((value === 'errored' || value === 'linked') && await forgotten(url)) continue;
  modules[url] = value;
}
const present = edges.filter(([from]) => from in modules);
for (const [, to] of present) if (to.startsWith('node:')) modules[to] = status.get(to);
for (const [url, loaded] of seen.cjsLoaded) if (!(url in modules)) modules[url] = loaded ? 'evaluated' : 'instantiated';
process.stdout.write(`\nORACLE ${JSON.stringify({ modules, edges: present })}\n`, () => process.exit(0));
