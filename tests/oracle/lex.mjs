// es-module-lexer as an oracle: reads a JSON array of file paths on stdin, writes one JSON object
// {path: [[kind, specifier, line, glob], ...] | {error}} for all of them (one process for a whole corpus).
import { readFileSync } from 'node:fs';
import { init, parse } from '../../.cache/corpus/node_modules/es-module-lexer/dist/lexer.js';

const KINDS = { static: 'static', 'reexport-star': 'reexport', dynamic: 'dynamic', 'import-meta': 'import-meta' };

function lineOf(starts, offset) {
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (starts[mid] <= offset) low = mid;
    else high = mid - 1;
  }
  return low + 1;
}

function lex(path) {
  // Read as a tool would (`utf8` keeps a BOM as U+FEFF); lines count LF only, as tree-sitter rows do.
  const source = readFileSync(path, 'utf8');
  const starts = [0];
  for (let i = source.indexOf('\n'); i !== -1; i = source.indexOf('\n', i + 1)) starts.push(i + 1);
  const [imports] = parse(source, path);
  return imports.map((record) => {
    let kind = KINDS[record.type] ?? record.type;
    if (record.type === 'static' && source.startsWith('export', record.importStart)) kind = 'reexport';
    const at = record.type === 'dynamic' ? record.dynamicStart : record.start;
    return [kind, record.specifier ?? null, lineOf(starts, at), record.type === 'dynamic' && record.glob];
  });
}

await init();
const paths = JSON.parse(readFileSync(0, 'utf8'));
const out = {};
for (const path of paths) {
  try {
    out[path] = lex(path);
  } catch (error) {
    out[path] = { error: String(error.message).split('\n')[0] };
  }
}
process.stdout.write(JSON.stringify(out));
