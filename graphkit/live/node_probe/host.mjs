// The graphkit HMR host, preloaded with `node --expose-internals --import host.mjs ENTRY`.
//
// The app runs normally; a control channel on an inherited fd (one end of a socketpair; the launcher names
// it in GRAPHKIT_HOST_FD, which is removed so the app's own children never see it) carries JSON lines.
// Each request is {id, cmd, ...}; each reply {id, ok, ...}. Commands:
//   ping                    -> {node, pid}
//   snapshot                -> {graph}: the live module graph document
//   changes {since}         -> {full, version, rows, accepting}: what changed since answer `since`
//                              (journal.mjs), and the modules whose current instance called hot.accept
//   accepting               -> {urls}: modules whose current instance called hot.accept
//   apply {plan, entry, callbackMs} -> {result}: see evict.mjs (a plan that evicts the entry re-runs the app)
//   sweep                   -> {urls}: drops modules whose load failed, so the next import() retries
//   folders                 -> {folders}: the folders holding the app's own loaded modules
//   booted                  -> {idleMs}: once the app has booted (startup.mjs), how long ago it last was busy
//   quiet {waitMs}          -> {quiet, waitedMs}: once the app's event loop is mostly idle (quiet.mjs),
//                              another request arrives or waitMs passed
//   written {paths}         -> {written: {path: [startMs, endMs]}}: of `paths`, those the app wrote itself
//                              (writes.mjs), with the wall-clock interval of the last write
//   kept                    -> {kept}: [importer, module] pairs whose old instance the app still holds
//                              after the last reload in place (kept.mjs); collects garbage only when
//                              that reload re-imported a module its importer had import()ed once
//   stopping                -> no reply: graphkit is about to close the channel and stop the app itself
//                              (one SIGTERM, or none when the terminal's SIGINT reached the app), so the
//                              close that follows is no orphaning. Read on arrival, never queued.
//   run                     -> no reply: an app started with GRAPHKIT_HOST_HOLD=1 runs its entry now. Node
//                              starts (and loads this host) while graphkit gets ready to watch, and no save
//                              made once the entry runs can be missed. Read on arrival, never queued.
// Requests run one at a time, so an apply never overlaps another; a request holds the queue for at most
// its holdMs (a reload stuck in a top-level await must not block it forever: its reply comes when it
// settles, and evict.mjs refuses another reload meanwhile). Channel text is only ever parsed as JSON,
// never evaluated. Once the entry runs the socket is unref'd: it never keeps the app alive; when it closes
// without `stopping` first, graphkit is gone and the app stops (orphaned() below).
// Development only: this relies on Node internals that change between versions.
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import readline from 'node:readline';
import { isMainThread } from 'node:worker_threads';
import { trackEffects } from './effects.mjs';
import { applyPlan, sweepFailed } from './evict.mjs';
import { moduleFolders } from './folders.mjs';
import { acceptingUrls, exposeHot } from './hot.mjs';
import * as journal from './journal.mjs';
import { heldOld, keptOld } from './kept.mjs';
import { settleWithin } from './limits.mjs';
import { requireFeatures } from './internals/features.mjs';
import { cacheHas } from './internals/loader.mjs';
import { readSourcesSynchronously } from './internals/source.mjs';
import { arrived, quiet } from './quiet.mjs';
import { watchDynamicImports } from './imports.mjs';
import { snapshot } from './snapshot.mjs';
import { Command, Field } from './protocol.mjs';
import { booted, mainUrls, track, watchListening } from './startup.mjs';
import { setKillGrace } from './processes.mjs';
import { watchWrites, writtenAmong } from './writes.mjs';

/**
 * A request as graphkit sends it (JSON: each command reads its own fields).
 * @typedef {{id?: unknown, cmd?: string, holdMs?: number, since?: number, paths?: string[], waitMs?: unknown,
 *   plan?: PlanFields, entry?: string, callbackMs?: number}} Request
 * @typedef {Omit<import('./evict.mjs').Plan, 'entry' | 'callbackMs'>} PlanFields
 * @typedef {(request: Request, arrival: number) => Promise<object>} Handler
 * @typedef {{killMs: number, kernelSignals: boolean}} Guard
 */

const HOLD_MS = 10_000; // when a request names no holdMs
const BOOT_WAIT_MS = 10_000;

// Instances outlive an eviction that did not re-import them only until release(): ask the cache too.
const accepting = () => acceptingUrls().filter(cacheHas).sort();

/** @type {Record<string, Handler>} */
const commands = {
  [Command.PING]: async () => ({ [Field.NODE]: process.version, [Field.PID]: process.pid }),
  [Command.SNAPSHOT]: async () => ({ [Field.GRAPH]: await snapshot() }),
  [Command.CHANGES]: async (request) => ({
    ...await journal.changes(request[Field.SINCE]), [Field.ACCEPTING]: accepting(),
  }),
  [Command.ACCEPTING]: async () => ({ [Field.URLS]: accepting() }),
  [Command.SWEEP]: async () => ({ [Field.URLS]: await sweepFailed() }),
  [Command.FOLDERS]: async () => ({ [Field.FOLDERS]: moduleFolders() }),
  // For graphkit to time a start: how long ago the app was last busy booting (a listen, an import()).
  [Command.BOOTED]: async () => ({ [Field.IDLE_MS]: performance.now() - (await booted(BOOT_WAIT_MS)).until }),
  [Command.KEPT]: async () => {
    const { kept, checked } = await keptOld();
    return { [Field.KEPT]: kept, [Field.CHECKED]: checked };
  },
  [Command.HELD]: async () => {
    const { held, pending } = heldOld();
    return { [Field.URLS]: held, [Field.PENDING]: pending };
  },
  [Command.WRITTEN]: async (request) => ({ [Field.WRITTEN]: writtenAmong(request[Field.PATHS] ?? []) }),
  [Command.QUIET]: async (request, arrival) => quiet(Number(request[Field.WAIT_MS]) || 0, arrival),
  [Command.APPLY]: async (request) => ({
    [Field.RESULT]: await applyPlan({
      .../** @type {PlanFields} */ (request[Field.PLAN]), // an apply request always carries one
      entry: request[Field.ENTRY],
      callbackMs: request[Field.CALLBACK_MS],
    }),
  }),
};

// graphkit closed the channel without `stopping`: it is gone (killed, crashed), and the app must not run on
// alone. It gets one SIGTERM, as from graphkit: the kernel's (PR_SET_PDEATHSIG, set by graphkit's lifeline
// where it can) or else our own; its handlers have graphkit's grace period, then it exits as SIGTERM would.
/** @param {Guard} guard */
function orphaned({ killMs, kernelSignals }) {
  setTimeout(() => process.exit(128 + 15), killMs).unref();
  if (!kernelSignals) process.kill(process.pid, 'SIGTERM');
}

/**
 * `run` is called on the `run` command; while it has not been, the channel keeps the app alive.
 * @param {number} fd
 * @param {Guard} guard
 * @param {(() => void) | null} run
 */
function serve(fd, guard, run) {
  const channel = new net.Socket({ fd, readable: true, writable: true });
  if (run === null) channel.unref();
  channel.on('error', () => channel.destroy());
  let stopping = false;
  channel.on('close', () => {
    if (!stopping) orphaned(guard);
  });
  let queue = Promise.resolve();
  /** @param {object} reply */
  const send = (reply) => {
    if (!channel.destroyed) channel.write(`${JSON.stringify(reply)}\n`);
  };
  const lines = readline.createInterface({ input: channel, crlfDelay: Infinity });
  // readline re-emits the channel's errors (ECONNRESET when graphkit goes away): unheard, they crash the app.
  lines.on('error', () => {});
  lines.on('line', (line) => {
    const arrival = arrived();
    /** @type {Request | undefined} */
    let request;
    try {
      request = JSON.parse(line);
    } catch {
      request = undefined;
    }
    if (request?.[Field.CMD] === Command.STOPPING) {
      stopping = true;
      return;
    }
    if (request?.[Field.CMD] === Command.RUN) {
      channel.unref();
      run?.();
      return;
    }
    queue = queue.then(async () => {
      const refuse = (/** @type {unknown} */ id, /** @type {string} */ error) =>
        send({ [Field.ID]: id, [Field.OK]: false, [Field.ERROR]: `graphkit host: ${error}` });
      if (request === undefined) {
        refuse(null, `request is not JSON: ${line.slice(0, 80)}`);
        return;
      }
      const { [Field.ID]: id = null, [Field.CMD]: name, [Field.HOLD_MS]: holdMs } = request ?? {};
      const command = name !== undefined && Object.hasOwn(commands, name) ? commands[name] : undefined;
      if (command === undefined) {
        refuse(id, `unknown command ${String(name)}`);
        return;
      }
      const replied = Promise.resolve().then(() => command(request, arrival)).then(
        (fields) => send({ [Field.ID]: id, [Field.OK]: true, ...fields }),
        (error) => refuse(id, `${name}: ${error?.message ?? error}`),
      );
      await settleWithin(replied, typeof holdMs === 'number' && Number.isFinite(holdMs) ? holdMs : HOLD_MS);
    });
  });
}

exposeHot();
const fd = Number(process.env.GRAPHKIT_HOST_FD);
const guard = {
  killMs: Number(process.env.GRAPHKIT_HOST_KILL_MS) || 10_000,
  kernelSignals: process.env.GRAPHKIT_HOST_KERNEL_GUARD === '1',
};
const holding = process.env.GRAPHKIT_HOST_HOLD === '1';
delete process.env.GRAPHKIT_HOST_FD;
delete process.env.GRAPHKIT_HOST_KILL_MS;
delete process.env.GRAPHKIT_HOST_KERNEL_GUARD;
delete process.env.GRAPHKIT_HOST_HOLD;
if (isMainThread && Number.isInteger(fd) && fd > 2) {
  requireFeatures();
  setKillGrace(guard.killMs); // what a released child or worker gets, as the app itself gets from graphkit
  // import() edges are not in the loader's cache: record them from the start so boundaries are known.
  const entries = mainUrls();
  let run = null;
  const running = holding ? new Promise((done) => {
    run = done;
  }) : Promise.resolve();
  // The boot starts once the entry may run: a CommonJS main runs before the next turn of the event loop,
  // an ES module main adds its own evaluation (snapshot.mjs).
  track(running.then(() => new Promise((done) => setImmediate(done))), 'starting');
  watchDynamicImports(entries);
  watchListening();
  journal.startJournal();
  readSourcesSynchronously();
  watchWrites();
  // Servers, timers and process listeners the app starts are owned by module instances from the start.
  trackEffects(entries.at(-1) ?? null);
  serve(fd, guard, holding ? run : null);
  // Node runs the entry once this preload has evaluated, top-level await included (Node 18-26).
  await running;
}
