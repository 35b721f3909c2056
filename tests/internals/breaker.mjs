// Preloaded before the probe (NODE_OPTIONS=--import): takes one private part of Node, named by
// GRAPHKIT_BREAK, away from the probe's internals/ modules alone, as a Node that moved it would. Node's
// own code still sees it, so whatever fails is the probe's own detection.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const binding = (name) => {
  const emitWarning = process.emitWarning;
  process.emitWarning = () => {};
  try {
    return require('internal/test/binding').internalBinding(name);
  } finally {
    process.emitWarning = emitWarning;
  }
};
// Whether the code asking is the probe's (the first caller outside this file), not Node's own.
function fromProbe() {
  const { prepareStackTrace } = Error;
  Error.prepareStackTrace = (_, sites) => sites;
  const sites = new Error().stack;
  Error.prepareStackTrace = prepareStackTrace;
  const caller = sites.find((site) => site.getFileName() !== import.meta.url)?.getFileName() ?? '';
  return /\/node_probe\/internals\//.test(caller);
}

function hide(object, key) {
  let value = object[key];
  Object.defineProperty(object, key, {
    configurable: true,
    enumerable: true,
    get: () => (fromProbe() ? undefined : value),
    set: (next) => {
      value = next;
    },
  });
}

function loader() {
  const cascaded = require('internal/modules/esm/loader').getOrInitializeCascadedLoader;
  return typeof cascaded === 'function' ? cascaded() : require('internal/process/esm_loader').esmLoader;
}

const breaks = {
  loader() {
    const modern = require('internal/modules/esm/loader');
    if (typeof modern.getOrInitializeCascadedLoader === 'function') hide(modern, 'getOrInitializeCascadedLoader');
    else hide(require('internal/process/esm_loader'), 'esmLoader');
  },
  import() {
    hide(loader(), 'import');
  },
  layout() {
    const cache = loader().loadCache;
    const get = Map.prototype.get;
    Map.prototype.get = function (key) {
      const value = get.call(this, key);
      return this === cache && value !== undefined && fromProbe() ? Object.create(null) : value;
    };
  },
  'module records'() {
    hide(binding('module_wrap').ModuleWrap.prototype, 'evaluate');
  },
  'main module references'() {
    hide(binding('util').privateSymbols, 'entry_point_module_private_symbol');
  },
  'error decoration'() {
    hide(require('internal/util'), 'decorateErrorStack');
  },
  'server handles'() {
    hide(require('internal/async_hooks').symbols, 'owner_symbol');
  },
  'newer major'() {
    Object.defineProperty(process.versions, 'node', { value: '99.0.0' });
  },
};

breaks[process.env.GRAPHKIT_BREAK]();
