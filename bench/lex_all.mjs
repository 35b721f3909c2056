// Reads and lexes every .js/.mjs file under a folder with es-module-lexer: the speed floor for extraction.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';

const [peers, root] = process.argv.slice(2);
const { init, parse } = await import(createRequire(join(peers, 'x.js')).resolve('es-module-lexer'));
await init;
let files = 0;
let imports = 0;
const walk = (dir) => {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path);
    else if (/\.m?js$/.test(entry.name)) {
      imports += parse(readFileSync(path, 'utf8'))[0].length;
      files += 1;
    }
  }
};
walk(root);
console.log(JSON.stringify({ files, imports }));
