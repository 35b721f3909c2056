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
//   apply {plan, entry}     -> {result}: see evict.mjs
//   sweep                   -> {urls}: drops modules whose load failed, so the next import() retries
// Requests run one at a time, so an apply never overlaps another. Channel text is only ever parsed as
// JSON, never evaluated. The socket is unref'd: it never keeps the app alive.
// Development only: this relies on Node internals that change between versions.
import net from 'node:net';
import readline from 'node:readline';
import { isMainThread } from 'node:worker_threads';
import { applyPlan, sweepFailed } from './evict.mjs';
import { acceptingUrls, install } from './hot.mjs';
import * as journal from './journal.mjs';
import { getLoadCache } from './loader.mjs';
import { snapshot, watchDynamicImports } from './snapshot.mjs';

// Instances outlive an eviction that did not re-import them only until release(): ask the cache too.
const accepting = () => acceptingUrls().filter((url) => Map.prototype.has.call(getLoadCache(), url)).sort();

const commands = {
  ping: async () => ({ node: process.version, pid: process.pid }),
  snapshot: async () => ({ graph: await snapshot() }),
  changes: async (request) => ({ ...await journal.changes(request.since), accepting: accepting() }),
  accepting: async () => ({ urls: accepting() }),
  sweep: async () => ({ urls: await sweepFailed() }),
  apply: async (request) => ({ result: await applyPlan({ ...request.plan, entry: request.entry }) }),
};

function serve(fd) {
  const channel = new net.Socket({ fd, readable: true, writable: true });
  channel.unref();
  channel.on('error', () => channel.destroy());
  let queue = Promise.resolve();
  const send = (reply) => {
    if (!channel.destroyed) channel.write(`${JSON.stringify(reply)}\n`);
  };
  const lines = readline.createInterface({ input: channel, crlfDelay: Infinity });
  // readline re-emits the channel's errors (ECONNRESET when graphkit goes away): unheard, they crash the app.
  lines.on('error', () => {});
  lines.on('line', (line) => {
    queue = queue.then(async () => {
      let request;
      try {
        request = JSON.parse(line);
      } catch {
        send({ id: null, ok: false, error: `graphkit host: request is not JSON: ${line.slice(0, 80)}` });
        return;
      }
      const command = Object.hasOwn(commands, request?.cmd) ? commands[request.cmd] : undefined;
      if (command === undefined) {
        send({ id: request?.id ?? null, ok: false, error: `graphkit host: unknown command ${String(request?.cmd)}` });
        return;
      }
      try {
        send({ id: request.id, ok: true, ...(await command(request)) });
      } catch (error) {
        send({ id: request.id, ok: false, error: `graphkit host: ${request.cmd}: ${error?.message ?? error}` });
      }
    });
  });
}

install();
const fd = Number(process.env.GRAPHKIT_HOST_FD);
delete process.env.GRAPHKIT_HOST_FD;
if (isMainThread && Number.isInteger(fd) && fd > 2) {
  // import() edges are not in the loader's cache: record them from the start so boundaries are known.
  watchDynamicImports();
  journal.install();
  serve(fd);
}
