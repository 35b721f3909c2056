// node --expose-internals dump.mjs ENTRY [--wait MS] [--out FILE]
// Imports ENTRY, waits until it has booted (startup.mjs) and MS more milliseconds, writes the live graph
// document to FILE (stdout when absent) and exits, even when the app keeps the event loop alive.
import { renameSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { requireFeatures } from './internals/features.mjs';
import { watchDynamicImports } from './imports.mjs';
import { problemFrom, snapshot } from './snapshot.mjs';
import { booted, track, watchListening } from './startup.mjs';

const BOOT_WAIT_MS = 10_000;

/** @param {string[]} argv */
function parseArgs(argv) {
  /** @type {{entry: string | undefined, wait: number, out: string | undefined}} */
  const options = { entry: undefined, wait: 0, out: undefined };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--wait') options.wait = Number(argv[++i]);
    else if (argv[i] === '--out') options.out = argv[++i];
    else options.entry ??= argv[i];
  }
  return options;
}

/**
 * @param {string} message
 * @returns {never}
 */
function fail(message) {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

const options = parseArgs(process.argv.slice(2));
if (options.entry === undefined || !Number.isFinite(options.wait)) {
  fail('graphkit: usage: node --expose-internals dump.mjs ENTRY [--wait MS] [--out FILE]');
}
const entryUrl = pathToFileURL(resolve(options.entry)).href;
requireFeatures();
watchDynamicImports([]);
watchListening();

// The app's own failures are part of what the dump reports, never a reason to lose it.
/** @type {import('./snapshot.mjs').Problem[]} */
const problems = [];
const seen = new Set();
/** @param {import('./snapshot.mjs').Thrown} error */
function report(error) {
  // One failure can surface twice (the rejected import and an unhandled rejection of the same error).
  if (seen.has(error)) return;
  seen.add(error);
  problems.push(problemFrom(error, entryUrl));
}
process.on('uncaughtException', report);
process.on('unhandledRejection', report);

try {
  await track(import(entryUrl)); // import() calls made until the app has booted are its start-up
} catch (error) {
  report(error);
}
await booted(BOOT_WAIT_MS);
await new Promise((done) => setTimeout(done, options.wait));

const document = await snapshot();
document.problems.push(...problems);
const text = `${JSON.stringify(document)}\n`;
if (options.out === undefined) {
  process.stdout.write(text, () => process.exit(0));
} else {
  // Written whole, then renamed: a reader never sees half a document.
  writeFileSync(`${options.out}.partial`, text);
  renameSync(`${options.out}.partial`, options.out);
  process.exit(0);
}
