/**
 * `node scripts/code-size.ts [DIR ...]` — the longest product files and functions (default:
 * node-core and electron, tests left out), so "no file over ~300 lines, no function over ~80"
 * can be checked rather than guessed. Prints the top of each list; asserts nothing.
 */
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const roots = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['node-core', 'electron'];
const files: string[] = [];
const walk = (dir: string): void => {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!['test', 'node_modules'].includes(entry.name)) walk(full);
    } else if (/\.tsx?$/.test(entry.name) && !/\.(test|spec|d)\.tsx?$/.test(entry.name)) files.push(full);
  }
};
roots.forEach(walk);

const fileSizes: Array<[string, number]> = [];
const functionSizes: Array<[string, number]> = [];
for (const file of files) {
  const text = fs.readFileSync(file, 'utf8');
  fileSizes.push([file, text.split('\n').length]);
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = source.getLineAndCharacterOfPosition(node.getStart()).line;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      const name = (node as ts.FunctionLikeDeclaration).name?.getText() ?? (ts.isVariableDeclaration(node.parent) ? node.parent.name.getText() : ts.isPropertyAssignment(node.parent) ? node.parent.name.getText() : '(anonymous)');
      functionSizes.push([`${file}:${start + 1} ${name}`, end - start + 1]);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
}

const top = (rows: Array<[string, number]>, n: number) => rows.sort((a, b) => b[1] - a[1]).slice(0, n);
console.log('longest files (lines):');
for (const [name, lines] of top(fileSizes, 12)) console.log(`  ${String(lines).padStart(5)}  ${name}`);
console.log('longest functions (lines):');
for (const [name, lines] of top(functionSizes, 15)) console.log(`  ${String(lines).padStart(5)}  ${name}`);
