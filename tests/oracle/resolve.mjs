// Node's own answer for each resolution query, one JSON object per line in and out.
//   node --expose-internals [--conditions=NAME] [--preserve-symlinks] tests/oracle/resolve.mjs < queries.jsonl
// A query is {"specifier", "parent" (a file: URL), "kind" ("static", "reexport", "dynamic" or "require")};
// the answer is {"url", "format"} or {"error": code, "hint"} (the file Node suggests, if any). Import kinds
// go through Node's defaultResolve with its default conditions (which include any --conditions), require
// through createRequire(parent).resolve. With "load": true the resolved module is also loaded (import or
// require), and a failure to load is the answer: Node refuses TypeScript under node_modules only then.
// Node 20 computes its "Did you mean" hint for a relative specifier from the working directory (its
// temporary CommonJS module has no filename), so each import query runs from the parent's folder: the hint
// is then the one a user running that file from its folder sees.
import Module, { createRequire, isBuiltin } from 'node:module';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const { defaultResolve } = require('internal/modules/esm/resolve');

async function answer({ specifier, parent, kind, load }) {
  try {
    if (kind === 'require') {
      const found = createRequire(fileURLToPath(parent)).resolve(specifier);
      if (load) createRequire(fileURLToPath(parent))(specifier);
      if (isBuiltin(found)) return { url: found.startsWith('node:') ? found : `node:${found}` };
      return { url: pathToFileURL(found).href };
    }
    process.chdir(dirname(fileURLToPath(parent)));
    for (const key of Object.keys(Module._pathCache)) delete Module._pathCache[key];
    const { url, format } = defaultResolve(specifier, { parentURL: parent });
    if (load) await import(url);
    return { url, format: format ?? null };
  } catch (error) {
    const hint = /Did you mean to import (".*")\?/.exec(error.message ?? '');
    return { error: error.code ?? error.name, hint: hint ? JSON.parse(hint[1]) : null };
  }
}

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
const out = [];
for await (const line of lines) {
  if (line.trim()) out.push(JSON.stringify(await answer(JSON.parse(line))));
}
process.stdout.write(out.length ? out.join('\n') + '\n' : '');
