// Preloaded into the user's own command: node --expose-internals --import attach.mjs app.mjs [args]
// GRAPHKIT_PROBE_OUT names the file the live graph document goes to (never the app's stdout);
// GRAPHKIT_PROBE_WAIT is how many milliseconds after the main module finished evaluating to dump.
// The document is written once: after that wait, or when the app is about to exit, whichever is first.
import { renameSync, writeFileSync } from 'node:fs';
import { cacheEntries, getLoader, jobStatus } from './loader.mjs';
import { snapshot, watchDynamicImports } from './snapshot.mjs';
import { mainUrls } from './startup.mjs';

const out = process.env.GRAPHKIT_PROBE_OUT;
const waitMs = Number(process.env.GRAPHKIT_PROBE_WAIT ?? 0);
// The app's own child processes must not dump over this one.
delete process.env.GRAPHKIT_PROBE_OUT;
delete process.env.GRAPHKIT_PROBE_WAIT;

let dumped = false;

async function dump() {
  if (dumped) return;
  dumped = true;
  const document = await snapshot();
  writeFileSync(`${out}.partial`, `${JSON.stringify(document)}\n`);
  renameSync(`${out}.partial`, out);
}

function mainFinished() {
  const main = cacheEntries().find(({ job }) => job.isMain === true);
  // A CommonJS main never reaches loadCache; it has run once require.main is loaded.
  if (main === undefined) return process.mainModule?.loaded === true;
  const status = jobStatus(main.job);
  return status === 'evaluated' || status === 'errored';
}

if (out === undefined) {
  process.stderr.write('graphkit: attach.mjs needs GRAPHKIT_PROBE_OUT\n');
} else {
  try {
    watchDynamicImports(mainUrls(), getLoader());
  } catch (error) {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  const poll = setInterval(() => {
    if (!mainFinished()) return;
    clearInterval(poll);
    setTimeout(dump, waitMs).unref();
  }, 5);
  poll.unref();
  process.once('beforeExit', dump);
}
