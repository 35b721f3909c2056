// Node's own modules that only `--expose-internals` reaches: untyped, and what the probe reads of them is
// checked at run time (graphkit/live/node_probe/loader.mjs).
declare module 'internal/*';
