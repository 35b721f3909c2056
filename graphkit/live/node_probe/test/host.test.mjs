// The host runtime inside Node: applyPlan evicts, re-imports and rolls back; hot.mjs keeps its promises.
// Run with: node --expose-internals --test node_probe/test/host.test.mjs
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { applyPlan } from '../evict.mjs';
import { cacheHas } from '../internals/loader.mjs';
import * as hot from '../hot.mjs';

hot.exposeHot();
const dir = mkdtempSync(join(tmpdir(), 'graphkit-host-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const url = (/** @type {string} */ name) => pathToFileURL(join(dir, name)).href;
const write = (/** @type {string} */ name, /** @type {string} */ text) => writeFileSync(join(dir, name), text);

// entry.mjs reaches a.mjs through import(); a.mjs links b.mjs and the CommonJS c.cjs.
write('entry.mjs', "export const load = () => import('./a.mjs');\n");
write('a.mjs', "import { b } from './b.mjs';\nimport c from './c.cjs';\nexport const value = `${b}+${c}`;\n");
write('b.mjs', "export const b = 'b1';\n");
write('c.cjs', "module.exports = 'c1';\n");
const plan = (/** @type {string[]} */ ...changed) => ({
  evict: [...changed.map((name) => [url(name)]), [url('a.mjs')]],
  boundaries: [{ url: url('entry.mjs'), reason: 'dynamic-import', imports: [url('a.mjs')] }],
  changed: changed.map(url),
  entry: url('entry.mjs'),
});

test('a reload re-imports what the boundary reaches, CommonJS included', async () => {
  const { load } = await import(url('entry.mjs'));
  assert.equal((await load()).value, 'b1+c1');
  write('b.mjs', "export const b = 'b2';\n");
  write('c.cjs', "module.exports = 'c2';\n");
  const result = await applyPlan(plan('b.mjs', 'c.cjs'));
  assert.deepEqual([result.ok, result.evicted, result.reimported], [true, 3, 1]);
  assert.equal((await load()).value, 'b2+c2');
});

test('a failed reload leaves the identical old namespace in place', async () => {
  const { load } = await import(url('entry.mjs'));
  const before = await load();
  for (const broken of ["export const b = ;\n", "throw new Error('nope');\n", "export { x as b } from './gone.mjs';\n"]) {
    write('b.mjs', broken);
    const result = await applyPlan(plan('b.mjs'));
    assert.equal(result.ok, false, broken);
    assert.equal(result.error?.file?.endsWith('.mjs'), true, JSON.stringify(result.error));
    assert.equal(await load(), before, broken);
  }
  write('b.mjs', "export const b = 'b3';\n");
  assert.equal((await applyPlan(plan('b.mjs'))).ok, true);
  assert.equal((await load()).value, 'b3+c2');
});

test('a failed reload disposes and drops the modules it loaded for the first time', async () => {
  const { load } = await import(url('entry.mjs'));
  const before = await load();
  write('n.mjs', [
    "const hot = globalThis[Symbol.for('graphkit.hot')]?.(import.meta);",
    'const timer = setInterval(() => {}, 1000).unref();',
    'hot.dispose(() => { clearInterval(timer); globalThis.newModuleDisposed = true; });',
    'export const n = 1;',
  ].join('\n'));
  write('b.mjs', "import './n.mjs';\nexport const b = 'b4';\nthrow new Error('b fails after n loaded');\n");
  const result = await applyPlan(plan('b.mjs'));
  assert.equal(result.ok, false);
  assert.equal(/** @type {Record<string, unknown>} */ (globalThis).newModuleDisposed, true);
  assert.equal(cacheHas(url('n.mjs')), false);
  assert.equal(await load(), before);
  write('b.mjs', "export const b = 'b3';\n");
  assert.equal((await applyPlan(plan('b.mjs'))).ok, true);
});

test('dispose runs newest first, once, and data outlives the instance', async () => {
  write('d.mjs', [
    "const hot = globalThis[Symbol.for('graphkit.hot')]?.(import.meta);",
    'export const seen = hot.data.log ?? [];',
    "hot.dispose((data) => { data.log = [...seen, 'first']; });",
    "hot.dispose((data) => { data.log = [...seen, 'second']; });",
    '',
  ].join('\n'));
  const first = await import(url('d.mjs'));
  assert.deepEqual(first.seen, []);
  const reload = {
    evict: [[url('d.mjs')]],
    boundaries: [{ url: url('entry.mjs'), reason: 'dynamic-import', imports: [url('d.mjs')] }],
    changed: [url('d.mjs')],
  };
  assert.equal((await applyPlan(reload)).ok, true);
  const second = await import(url('d.mjs'));
  assert.notEqual(second, first);
  // The newest registration ran first; the older one ran last and its write stands.
  assert.deepEqual(second.seen, ['first']);
});

test('accept callbacks get the new namespace and update listeners hear of the reload', async () => {
  write('e.mjs', [
    "const hot = globalThis[Symbol.for('graphkit.hot')]?.(import.meta);",
    "export let version = 'e1';",
    'hot.accept((next) => { version = next.version; });',
    '',
  ].join('\n'));
  write('f.mjs', [
    "const hot = globalThis[Symbol.for('graphkit.hot')]?.(import.meta);",
    'export const events = [];',
    'hot.on("update", (event) => events.push(event));',
    '',
  ].join('\n'));
  const e = await import(url('e.mjs'));
  const f = await import(url('f.mjs'));
  write('e.mjs', "export const version = 'e2';\n");
  const result = await applyPlan({
    evict: [[url('e.mjs')]],
    boundaries: [
      { url: url('e.mjs'), reason: 'accepts', imports: [] },
      { url: url('f.mjs'), reason: 'dynamic-import', imports: [] },
    ],
    changed: [url('e.mjs')],
  });
  assert.deepEqual([result.ok, result.reimported], [true, 1]);
  assert.equal(e.version, 'e2');
  assert.deepEqual(f.events, [{ changed: [url('e.mjs')], evicted: [url('e.mjs')], reimported: [url('e.mjs')] }]);
});

test('the API refuses unknown events and keeps one data object per URL', () => {
  const create = /** @type {Record<symbol, hot.CreateHot>} */ (globalThis)[Symbol.for('graphkit.hot')];
  const handle = create({ url: 'file:///virtual.mjs' });
  assert.throws(() => handle.on('change', () => {}), /unknown event change in file:\/\/\/virtual\.mjs/);
  assert.equal(create({ url: 'file:///virtual.mjs' }).data, handle.data);
  assert.notEqual(create({ url: 'file:///other.mjs' }).data, handle.data);
});
