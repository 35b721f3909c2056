// Preloaded into the user's own command: node --expose-internals --import attach.mjs app.mjs [args]
// GRAPHKIT_PROBE_OUT names the file the live graph document goes to (never the app's stdout);
// GRAPHKIT_PROBE_WAIT is how many milliseconds after the main module finished evaluating (top-level awaits
// included) to dump.
// The document is written once: after that wait, or when the app is about to exit, whichever is first.
import { renameSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { requireFeatures } from './internals/features.mjs';
import { cacheEntries, interceptImport, jobStatus } from './internals/loader.mjs';
import { watchDynamicImports } from './imports.mjs';
import { snapshot } from './snapshot.mjs';
import { mainUrls } from './startup.mjs';
import { Status } from './protocol.mjs';

const out = /** @type {string} */ (process.env.GRAPHKIT_PROBE_OUT); // graphkit/live/probe.py sets it
const waitMs = Number(process.env.GRAPHKIT_PROBE_WAIT ?? 0);
// The app's own child processes must not dump over this one.
delete process.env.GRAPHKIT_PROBE_OUT;
delete process.env.GRAPHKIT_PROBE_WAIT;

let dumped = false;
const QUIET_MS = 1000;
// The entry's import() as Node runs it (no importing module): it settles once the entry's evaluation has,
// top-level awaits included; until then a module it awaits may be half loaded.
/** @type {Promise<unknown> | undefined} */
let entryImport;
let entrySettled = false;

// import() calls of the app still in flight, and since when the app has been evaluated with none.
let inFlight = 0;
/** @type {number | undefined} */
let quietSince;

function watchEntryImport() {
  interceptImport((original, specifier, parentURL) => {
    const call = original();
    if (typeof parentURL !== 'string' && entryImport === undefined) {
      entryImport = call;
      const settle = () => {
        entrySettled = true;
      };
      call.then(settle, settle);
    } else if (typeof parentURL === 'string') {
      inFlight += 1;
      const settle = () => {
        inFlight -= 1;
      };
      call.then(settle, settle);
    }
    return call;
  });
}

async function dump() {
  if (dumped) return;
  dumped = true;
  const document = await snapshot();
  writeFileSync(`${out}.partial`, `${JSON.stringify(document)}\n`);
  renameSync(`${out}.partial`, out);
}

function mainFinished() {
  if (entrySettled) return true;
  const main = cacheEntries().find(({ job }) => job.isMain === true);
  // A CommonJS main never reaches loadCache; it has run once require.main is loaded.
  if (main === undefined) return entryImport === undefined && process.mainModule?.loaded === true;
  const status = jobStatus(main.job);
  if (status !== Status.EVALUATED && status !== Status.ERRORED) return false;
  if (entryImport === undefined) return true;
  // V8 calls a module evaluated once its body has run up to a top-level await, so the entry's import is
  // what tells that it finished. An entry that awaits forever (a `for await` server loop) is dumped
  // after QUIET_MS with no import() in flight, never in the middle of one.
  if (inFlight > 0) {
    quietSince = undefined;
    return false;
  }
  quietSince ??= performance.now();
  return performance.now() - quietSince >= QUIET_MS;
}

if (out === undefined) {
  process.stderr.write('graphkit: attach.mjs needs GRAPHKIT_PROBE_OUT\n');
} else {
  requireFeatures();
  watchDynamicImports(mainUrls());
  watchEntryImport();
  const poll = setInterval(() => {
    if (!mainFinished()) return;
    clearInterval(poll);
    setTimeout(dump, waitMs).unref();
  }, 5);
  poll.unref();
  process.once('beforeExit', dump);
}
