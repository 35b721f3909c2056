// Node's type stripping, then es-module-lexer, as the oracle for TypeScript imports (Node 22.13+):
// reads a JSON array of file paths on stdin, writes {path: [[kind, specifier, line], ...] | {error, message}}.
// Stripping replaces types with blanks, so lines in the stripped text are the lines of the source.
import { readFileSync } from 'node:fs';
import { stripTypeScriptTypes } from 'node:module';
import { init, parse } from '../../.cache/corpus/node_modules/es-module-lexer/dist/lexer.js';

const KINDS = { static: 'static', 'reexport-star': 'reexport', dynamic: 'dynamic' };

function lineOf(source, offset) {
  let line = 1;
  for (let i = source.indexOf('\n'); i !== -1 && i < offset; i = source.indexOf('\n', i + 1)) line += 1;
  return line;
}

function lex(path) {
  let stripped;
  try {
    stripped = stripTypeScriptTypes(readFileSync(path, 'utf8').replace(/^\uFEFF/, ''));
  } catch (error) {
    return { error: error.code ?? error.name, message: String(error.message).split('\n')[0] };
  }
  const [imports] = parse(stripped, path);
  return imports
    .filter((record) => record.type in KINDS)
    .map((record) => {
      let kind = KINDS[record.type];
      if (record.type === 'static' && stripped.startsWith('export', record.importStart)) kind = 'reexport';
      const at = record.type === 'dynamic' ? record.dynamicStart : record.start;
      return [kind, record.specifier ?? null, lineOf(stripped, at)];
    });
}

await init();
const out = {};
for (const path of JSON.parse(readFileSync(0, 'utf8'))) out[path] = lex(path);
process.stdout.write(JSON.stringify(out));
