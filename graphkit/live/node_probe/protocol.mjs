// Every value that crosses the control channel or the graph document, mirrored from
// graphkit/model/protocol.py: a test compares the two, so a value added on one side only fails the suite.

export const ImportKind = Object.freeze({
  STATIC: 'static',
  REEXPORT: 'reexport',
  DYNAMIC: 'dynamic',
  STARTUP: 'startup',
  REQUIRE: 'require',
  TYPE: 'type',
});

export const ModuleKind = Object.freeze({
  LOCAL: 'local',
  PACKAGE: 'package',
  BUILTIN: 'builtin',
  MISSING: 'missing',
});

export const Format = Object.freeze({
  MODULE: 'module',
  COMMONJS: 'commonjs',
  JSON: 'json',
  WASM: 'wasm',
  ADDON: 'addon',
  BUILTIN: 'builtin',
  MODULE_TYPESCRIPT: 'module-typescript',
  COMMONJS_TYPESCRIPT: 'commonjs-typescript',
});

export const Status = Object.freeze({
  LINKING: 'linking',
  LINKED: 'linked',
  INSTANTIATED: 'instantiated',
  EVALUATED: 'evaluated',
  ERRORED: 'errored',
});

export const PlanStatus = Object.freeze({
  OK: 'in-place',
  NOOP: 'noop',
  RERUN: 'rerun',
  FULL_RELOAD: 'restart',
});

export const BoundaryReason = Object.freeze({
  DYNAMIC_IMPORT: 'dynamic-import',
  ACCEPTS: 'accepts',
});

export const Command = Object.freeze({
  PING: 'ping',
  SNAPSHOT: 'snapshot',
  CHANGES: 'changes',
  ACCEPTING: 'accepting',
  APPLY: 'apply',
  SWEEP: 'sweep',
  FOLDERS: 'folders',
  BOOTED: 'booted',
  QUIET: 'quiet',
  STOPPING: 'stopping',
  WRITTEN: 'written',
  RUN: 'run',
  KEPT: 'kept',
  HELD: 'held',
});

export const Field = Object.freeze({
  ID: 'id',
  CMD: 'cmd',
  HOLD_MS: 'holdMs',
  OK: 'ok',
  ERROR: 'error',
  NODE: 'node',
  PID: 'pid',
  GRAPH: 'graph',
  SINCE: 'since',
  FULL: 'full',
  VERSION: 'version',
  ROWS: 'rows',
  ACCEPTING: 'accepting',
  URLS: 'urls',
  FOLDERS: 'folders',
  IDLE_MS: 'idleMs',
  WAIT_MS: 'waitMs',
  QUIET: 'quiet',
  WAITED_MS: 'waitedMs',
  PLAN: 'plan',
  ENTRY: 'entry',
  CALLBACK_MS: 'callbackMs',
  RESULT: 'result',
  PATHS: 'paths',
  WRITTEN: 'written',
  KEPT: 'kept',
  CHECKED: 'checked',
  PENDING: 'pending',
});

export const ApplyField = Object.freeze({
  OK: 'ok',
  EVICTED: 'evicted',
  REIMPORTED: 'reimported',
  MS: 'ms',
  WARNINGS: 'warnings',
  ERROR: 'error',
  MESSAGE: 'message',
  FILE: 'file',
  LINE: 'line',
  COLUMN: 'column',
  RELEASED: 'released',
  HANDED_OVER: 'handedOver',
  STALE: 'stale',
  CHECKING: 'checking',
});

export const Effect = Object.freeze({
  SERVER: 'server',
  TIMER: 'timer',
  LISTENER: 'listener',
  CHILD: 'child',
  WORKER: 'worker',
  THREAD: 'thread',
  INPUT: 'input',
  UPGRADED: 'upgraded',
});
