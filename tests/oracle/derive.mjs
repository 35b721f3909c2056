// Module statuses from what observe_hooks.mjs saw, by the ECMAScript module semantics and nothing of
// Node's loader state. Pure: observations in, {status, edges} out.
//
// - errored: it failed to load or parse, or one of its own imports failed to resolve, load or parse
//   (Node creates no record for such a request, so linking the importer fails); or it threw during
//   evaluation, or was on the evaluation stack of a throw (InnerModuleEvaluation records the error on
//   every module of the depth-first path to the thrower, request order, and on any later importer that
//   meets the recorded error).
// - evaluated: its code started (one suspended in top-level await counts); a module without code of its
//   own (JSON, CommonJS seen from ESM, a builtin) once an importer's code started or CommonJS says it
//   loaded; a builtin always (Node evaluates a builtin's facade as it creates it).
// - instantiated: in the graph of an import whose every module linked, and not reached by evaluation.
// - linked: parsed, with its own imports in place, but in no graph that linked.
// Not observed, as no fixture needs it: a throw in a graph only the app's own import() reached (the
// oracle sees the entry's promise alone), and a link error for an export name that does not exist.
const ESM = new Set(['module', 'module-typescript']);

/**
 * @param {{ entry: string, entryRejected: boolean, loads: Map<string, {format: string|null, failed: boolean}>,
 *   requests: {parent: string, url: string|null, isStatic: boolean}[], parsed: Set<string>,
 *   evaluation: Map<string, string>, cjsLoaded: Map<string, boolean> }} seen
 */
export function derive(seen) {
  const { loads, requests, parsed, evaluation, cjsLoaded } = seen;
  const deps = new Map();
  for (const { parent, url, isStatic } of requests) {
    if (isStatic) deps.set(parent, [...(deps.get(parent) ?? []), url]);
  }
  const depsOf = (url) => deps.get(url) ?? [];
  const isBuiltin = (url) => url.startsWith('node:');
  const failedItself = (url) => {
    if (isBuiltin(url)) return false;
    const load = loads.get(url);
    return !load || load.failed || (ESM.has(load.format) && !parsed.has(url));
  };
  const linkFailed = (url) => failedItself(url) || depsOf(url).some((d) => d === null || failedItself(d));

  const closure = (root) => {
    const seenUrls = new Set();
    const walk = (url) => {
      if (url === null || seenUrls.has(url)) return;
      seenUrls.add(url);
      depsOf(url).forEach(walk);
    };
    walk(root);
    return seenUrls;
  };
  const roots = [seen.entry, ...requests.filter((r) => !r.isStatic && r.url).map((r) => r.url)];
  const linkedRoots = roots.filter((root) => [...closure(root)].every((u) => !linkFailed(u)));
  const instantiated = new Set(linkedRoots.flatMap((root) => [...closure(root)]));

  const isEsm = (url) => ESM.has(loads.get(url)?.format ?? '');
  const reached = (url) => {
    if (isEsm(url)) return evaluation.has(url);
    if (isBuiltin(url) || cjsLoaded.get(url) === true) return true;
    return requests.some((r) => r.isStatic && r.url === url && evaluation.has(r.parent));
  };
  // A thrower started and never finished, and the import failed (else it waits in top-level await).
  const esmThrowers = [...evaluation].filter(([, phase]) => phase === 'start').map(([url]) => url);
  const throwers = new Set(seen.entryRejected ? esmThrowers : []);
  if (seen.entryRejected && throwers.size === 0) {
    // Fallback: Node reads CommonJS source itself (a load hook's source is ignored on 18 and 20), so its
    // code runs unmarked. With no ES module to blame, an imported CommonJS module that never loaded threw
    // (Node 18's ERR_REQUIRE_ESM); CommonJS deletes a failed module from require.cache.
    for (const url of instantiated) if (loads.get(url)?.format === 'commonjs' && !reached(url)) throwers.add(url);
  }

  const errored = new Set([...loads.keys()].filter(linkFailed));
  const visited = new Set();
  const evaluate = (url) => {
    if (errored.has(url)) return false;
    if (visited.has(url)) return true;
    visited.add(url);
    const ok = depsOf(url).every(evaluate) && !throwers.has(url);
    if (!ok) errored.add(url);
    return ok;
  };
  linkedRoots.forEach(evaluate);

  const status = new Map();
  for (const url of new Set([...loads.keys(), ...requests.map((r) => r.url ?? '').filter(isBuiltin)])) {
    if (errored.has(url)) status.set(url, 'errored');
    else if (reached(url)) status.set(url, 'evaluated');
    else status.set(url, instantiated.has(url) ? 'instantiated' : 'linked');
  }
  const edges = [...deps].filter(([url]) => !linkFailed(url)).flatMap(([url, to]) => to.map((t) => [url, t]));
  return { status, edges };
}
