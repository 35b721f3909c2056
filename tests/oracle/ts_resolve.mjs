// TypeScript's own resolver (the compiler installed by scripts/install-ts-corpus.sh), as tsc and bundlers
// read source written for them: reads a JSON array of file paths on stdin, writes
// {path: {specifier: resolved file | null}} for every import TypeScript's parser finds in each file.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const ts = require('../../.cache/ts-corpus/node_modules/typescript');

const options = {
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  allowImportingTsExtensions: true,
  noEmit: true,
};
const host = ts.sys;

// Every import and re-export declaration and every import() with a literal, from TypeScript's own parse.
function specifiers(path) {
  const file = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
  const found = [];
  const visit = (node) => {
    const named = ts.isImportDeclaration(node) || ts.isExportDeclaration(node) ? node.moduleSpecifier : null;
    if (named && ts.isStringLiteral(named)) found.push(named.text);
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [argument] = node.arguments;
      if (argument && ts.isStringLiteralLike(argument)) found.push(argument.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

const found = {};
for (const path of JSON.parse(readFileSync(0, 'utf8'))) {
  const row = (found[path] = {});
  for (const specifier of specifiers(path)) {
    const { resolvedModule } = ts.resolveModuleName(specifier, path, options, host);
    row[specifier] = resolvedModule ? host.realpath(resolvedModule.resolvedFileName) : null;
  }
}
process.stdout.write(JSON.stringify(found));
