// The live module graph as a graphkit graph document (schema version 1, as graphkit.model.codec writes it).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dynamicRows, settleTarget } from './imports.mjs';
import { cacheEntries, jobStatus, jobUrl, linkedNow, settleLinked } from './internals/loader.mjs';
import { isProbeUrl } from './own.mjs';
import { Format, ImportKind, ModuleKind, Status } from './protocol.mjs';

/**
 * @typedef {import('./internals/loader.mjs').ModuleJob} ModuleJob
 * @typedef {{url: string, kind: string, format: string, status: string}} Module
 * @typedef {{from: string, to: string | null, kind: string, specifier: string | null, line: number | null,
 *   column: number | null, error: string | null}} Edge
 * @typedef {{url: string, line: number | null, column: number | null, code: string, message: string}} Problem
 * @typedef {{version: number, node: string, modules: Module[], edges: Edge[], problems: Problem[]}} Graph
 */
/**
 * What is read of a thrown value, which may be anything.
 * @typedef {{stack?: string, code?: string, name?: string, message?: string}} Thrown
 */

const require = createRequire(import.meta.url);
const SCHEMA_VERSION = 1;
/** @type {Record<string, string>} */
const EXTENSION_FORMATS = {
  '.mjs': Format.MODULE, '.cjs': Format.COMMONJS, '.json': Format.JSON, '.node': Format.ADDON, '.wasm': Format.WASM, '.mts': Format.MODULE, '.cts': Format.COMMONJS,
};
const TYPESCRIPT_EXTENSIONS = new Set(['.ts', '.mts', '.cts']);
// Node 22.18+ strips types itself and names TypeScript formats; under a loader (tsx on Node 20) it sees JavaScript.
const NATIVE_TYPESCRIPT = Boolean(process.features.typescript);

/**
 * The require edges of one require.cache entry: to its children, and from a parent that is not cached.
 * @param {string} url
 * @param {NodeJS.Module} cjs
 */
export function requireEdges(url, cjs) {
  /** @type {Edge[]} */
  const edges = [];
  for (const child of cjs.children ?? []) {
    edges.push(edge(url, pathToFileURL(child.filename ?? child.id).href, ImportKind.REQUIRE, null));
  }
  // A require made through createRequire(import.meta.url) in an ES module has a parent that is not
  // itself cached (it stands for the ES module): its first requirer is all Node remembers.
  const parent = cjs.parent;
  if (parent?.filename && !(parent.filename in require.cache)) {
    const from = pathToFileURL(parent.filename).href;
    if (!isProbeUrl(from)) edges.push(edge(from, url, ImportKind.REQUIRE, null));
  }
  return edges;
}

/**
 * @param {string} url
 * @returns {string}
 */
export function moduleKind(url) {
  if (url.startsWith('node:')) return ModuleKind.BUILTIN;
  return /\/node_modules\//.test(url) ? ModuleKind.PACKAGE : ModuleKind.LOCAL;
}

// Folder -> the `type` of its nearest package.json, for one snapshot: an app of .js files shares a few.
/** @type {Map<string, string>} */
const packageTypes = new Map();

/** @param {string} path */
function packageType(path) {
  const folder = dirname(path);
  let type = packageTypes.get(folder);
  if (type === undefined) {
    type = readPackageType(folder);
    packageTypes.set(folder, type);
  }
  return type;
}

/**
 * @param {string} folder
 * @returns {string}
 */
function readPackageType(folder) {
  for (let dir = folder; ; dir = dirname(dir)) {
    try {
      return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).type === 'module' ? Format.MODULE : Format.COMMONJS;
    } catch (error) {
      if (error?.code !== 'ENOENT' && error?.code !== 'ENOTDIR') return Format.COMMONJS;
    }
    if (dirname(dir) === dir) return Format.COMMONJS;
  }
}

// Node keeps no format on the job: read what the module record tells (v22+ marks synthetic modules,
// which wrap CommonJS, JSON, addons and builtins), else infer from the extension as Node does.
/**
 * @param {string} url
 * @param {string} type
 * @param {ModuleJob} [job]
 * @returns {string}
 */
export function moduleFormat(url, type, job) {
  if (url.startsWith('node:')) return Format.BUILTIN;
  if (type === 'json') return Format.JSON;
  if (!url.startsWith('file:')) return job?.module?.synthetic === true ? Format.COMMONJS : Format.MODULE;
  const ext = extname(fileURLToPath(url));
  const typed = (/** @type {string} */ format) => (NATIVE_TYPESCRIPT && TYPESCRIPT_EXTENSIONS.has(ext) ? `${format}-typescript` : format);
  if (job?.module?.synthetic === false) return ext === '.wasm' ? Format.WASM : typed(Format.MODULE);
  if (job?.module?.synthetic === true) {
    return ext === '.node' ? Format.ADDON : ext === '.json' ? Format.JSON : typed(Format.COMMONJS);
  }
  return typed(EXTENSION_FORMATS[ext] ?? packageType(fileURLToPath(url)));
}

/**
 * @param {import('./internals/node.mjs').Internal} module a V8 module record
 * @returns {string[] | null}
 */
function requestSpecifiers(module) {
  if (module === undefined) return null;
  if (typeof module.getModuleRequests === 'function') {
    return module.getModuleRequests().map((/** @type {{specifier: string}} */ r) => r.specifier);
  }
  if (typeof module.getStaticDependencySpecifiers === 'function') {
    return Array.prototype.slice.call(module.getStaticDependencySpecifiers());
  }
  return null;
}

/**
 * @param {string} from
 * @param {string | null} to
 * @param {string} kind
 * @param {string | null} specifier
 * @param {string | null} [error]
 * @returns {Edge}
 */
export function edge(from, to, kind, specifier, error = null) {
  return { from, to, kind, specifier, line: null, column: null, error };
}

/**
 * Appends to `edges` the static edges of `url`'s job, as far as known now (see settleLinked).
 * @param {Edge[]} edges
 * @param {string} url
 * @param {ModuleJob} job
 */
export function addLinkedEdges(edges, url, job) {
  const dependencies = linkedNow(job);
  if (dependencies.length === 0) return;
  const specifiers = requestSpecifiers(job.module);
  // linked holds one job per module request, in request order; without that match the specifier is unknown.
  const aligned = specifiers !== null && specifiers.length === dependencies.length;
  for (let index = 0; index < dependencies.length; index += 1) {
    const target = jobUrl(undefined, dependencies[index]);
    if (!isProbeUrl(target)) edges.push(edge(url, target, ImportKind.STATIC, aligned ? specifiers[index] : null));
  }
}

// CommonJS -> CommonJS edges never reach loadCache: require.cache keeps them as module.children.
function requireGraph() {
  /** @type {{url: string, status: string}[]} */
  const modules = [];
  /** @type {Edge[]} */
  const edges = [];
  for (const [path, module] of Object.entries(require.cache)) {
    if (module === undefined) continue;
    const url = pathToFileURL(path).href;
    if (isProbeUrl(url)) continue;
    modules.push({ url, status: module.loaded ? Status.EVALUATED : Status.INSTANTIATED });
    edges.push(...requireEdges(url, module));
  }
  return { modules, edges };
}

/** Forgets the package.json types read so far: each snapshot or journal answer reads them afresh. */
export function forgetPackageTypes() {
  packageTypes.clear();
}

/** @returns {Promise<Graph>} */
export async function snapshot() {
  packageTypes.clear();
  /** @type {Map<string, Module>} */
  const modules = new Map();
  /** @type {Edge[]} */
  const edges = [];
  const entries = cacheEntries();
  await settleLinked(entries.map((entry) => entry.job));
  for (const { url, type, job } of entries) {
    if (isProbeUrl(url)) continue;
    addLinkedEdges(edges, url, job);
    // A url can sit in several type slots; the javascript slot is what plain imports see.
    if (!modules.has(url) || type === 'javascript') {
      modules.set(url, { url, kind: moduleKind(url), format: moduleFormat(url, type, job), status: jobStatus(job) });
    }
  }
  // The probe's own imports put builtins in loadCache too: keep a builtin only when an app module imports it.
  const targets = new Set(edges.map((e) => e.to));
  for (const url of modules.keys()) {
    if (url.startsWith('node:') && !targets.has(url)) modules.delete(url);
  }
  const cjs = requireGraph();
  for (const { url, status } of cjs.modules) {
    if (!modules.has(url)) {
      modules.set(url, { url, kind: moduleKind(url), format: moduleFormat(url, 'javascript'), status });
    }
  }
  edges.push(...cjs.edges);
  for (const row of dynamicRows()) {
    if (row.to === null && row.error === null) await settleTarget(row);
    edges.push(edge(row.from, row.to, row.startup ? ImportKind.STARTUP : ImportKind.DYNAMIC, row.specifier, row.error));
  }
  return {
    version: SCHEMA_VERSION,
    node: process.version.slice(1),
    modules: [...modules.values()].sort((a, b) => (a.url < b.url ? -1 : a.url > b.url ? 1 : 0)),
    edges,
    problems: [],
  };
}

// A thrown value as a graph problem, placed at the first app frame of its stack (a file URL or, for
// CommonJS, an absolute path), else at `fallbackUrl`. V8 keeps no file name in a SyntaxError raised while
// compiling an ES module, so those land on the entry.
/**
 * @param {Thrown} error
 * @param {string} fallbackUrl
 * @returns {Problem}
 */
export function problemFrom(error, fallbackUrl) {
  const text = String(error?.stack ?? error);
  let where;
  for (const match of text.matchAll(/(?:^|[\s(])(file:\/\/\/[^\s:)]+|\/[^\s:)]+):(\d+):(\d+)/gm)) {
    const url = match[1].startsWith('file:') ? match[1] : pathToFileURL(match[1]).href;
    if (!isProbeUrl(url)) {
      where = { url, line: Number(match[2]), column: Number(match[3]) };
      break;
    }
  }
  return {
    url: where?.url ?? fallbackUrl,
    line: where?.line ?? null,
    column: where?.column ?? null,
    code: error?.code ?? error?.name ?? 'Error',
    message: String(error?.message ?? error).split('\n')[0],
  };
}
