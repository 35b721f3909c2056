import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cacheEntries, jobDependencies, jobStatus, jobUrl, linkedNow, settleLinked } from '../internals/loader.mjs';
import { isProbeUrl } from '../own.mjs';
import { snapshot } from '../snapshot.mjs';

const diamond = new URL('../../../../fixtures/graphs/diamond/main.mjs', import.meta.url).href;
const throws = new URL('../../../../fixtures/graphs/throws/main.mjs', import.meta.url).href;

test('every cache entry has a url and a known status', async () => {
  await import(diamond);
  const entries = cacheEntries();
  assert.ok(entries.some((e) => e.url === diamond));
  for (const { url, job } of entries) {
    assert.equal(typeof url, 'string');
    await jobDependencies(job);
    assert.ok(['linking', 'linked', 'instantiated', 'evaluated', 'errored'].includes(jobStatus(job)), url);
  }
});

test('linked dependencies of the diamond entry are its two sides', async () => {
  await import(diamond);
  const main = cacheEntries().find((e) => e.url === diamond);
  assert.ok(main);
  const deps = (await jobDependencies(main.job)).map((job) => jobUrl(undefined, job).split('/').pop());
  assert.deepEqual(deps, ['left.mjs', 'right.mjs']);
});

test('a throw during evaluation leaves the thrower errored and its later sibling instantiated', async () => {
  await assert.rejects(import(throws), /boom during evaluation/);
  const status = Object.fromEntries(cacheEntries().map((e) => [e.url.split('/').pop(), jobStatus(e.job)]));
  assert.equal(status['boom.mjs'], 'errored');
  assert.equal(status['never.mjs'], 'instantiated');
  assert.equal(status['fine.mjs'], 'evaluated');
});

test('the snapshot never lists the probe or the test runner modules it imported itself', async () => {
  await import(diamond);
  const document = await snapshot();
  assert.equal(document.version, 1);
  assert.ok(document.modules.some((m) => m.url === diamond));
  assert.ok(!document.modules.some((m) => isProbeUrl(m.url)));
  assert.ok(!document.edges.some((e) => isProbeUrl(e.from) || isProbeUrl(e.to)));
});

// Jobs shaped as Node 18-22 leave them: `linked` a promise of the jobs linked.
test('a linked promise reads as no jobs until it was seen to settle, then as its jobs; a swapped one afresh', async () => {
  /** @type {{url: string, linked: object[]}} */
  const dependency = { url: 'file:///dep.mjs', linked: [] };
  /** @type {((jobs: object[]) => void) | undefined} */
  let link;
  const job = { url: 'file:///main.mjs', linked: new Promise((resolve) => { link = resolve; }) };
  await settleLinked([job]); // still linking: one turn, then on
  assert.deepEqual(linkedNow(job), []);
  /** @type {(jobs: object[]) => void} */ (link)([dependency]);
  await settleLinked([job]);
  assert.deepEqual(linkedNow(job), [dependency]);
  job.linked = Promise.resolve([]); // what frontier.mjs does to a survivor for the length of a reload
  await settleLinked([job]);
  assert.deepEqual(linkedNow(job), []);
  const failed = { url: 'file:///failed.mjs', module: {}, linked: Promise.reject(new Error('no such module')) };
  await settleLinked([failed]);
  assert.deepEqual(linkedNow(failed), []);
  assert.equal(jobStatus(failed), 'errored');
});
