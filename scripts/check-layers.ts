/**
 * `npm run check:layers` — the layers of node-core must form a DAG, and so must its files.
 *
 * A layer is a folder directly under node-core (or a root file such as node.ts). Every import
 * counts for layers, `import type` included: a layer that needs another's types depends on it.
 * For files only imports that exist at run time count. Prints the layer graph (which layer
 * imports which) and every cycle; exits 1 when there is one.
 */
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..', 'node-core');
const SKIP_DIRS = new Set(['test', 'node_modules']);

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return SKIP_DIRS.has(entry.name) ? [] : sourceFiles(full);
    return /\.tsx?$/.test(entry.name) && !/\.(test|d)\.tsx?$/.test(entry.name) ? [full] : [];
  });
}

interface Import {
  readonly target: string;
  readonly typeOnly: boolean;
}

const IMPORT = /^\s*(import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s+)?['"](\.{1,2}\/[^'"]+)['"]/gm;

function importsOf(file: string, known: ReadonlySet<string>): Import[] {
  const text = fs.readFileSync(file, 'utf8');
  const found: Import[] = [];
  for (const match of text.matchAll(IMPORT)) {
    const target = path.resolve(path.dirname(file), match[3]!);
    if (!known.has(target)) continue;
    // `import { type A, type B } from` vanishes at run time like `import type`.
    const names = /\{([^}]*)\}/.exec(match[0])?.[1];
    const allTypes = names !== undefined && names.split(',').every((n) => n.trim() === '' || n.trim().startsWith('type '));
    found.push({ target, typeOnly: Boolean(match[2]) || (allTypes && !/\*|^\s*(import|export)\s+\w+\s*,/.test(match[0])) });
  }
  return found;
}

/** Tarjan's strongly connected components: each one with more than one member is a cycle. */
function cycles(graph: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next += 1;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || graph.get(v)?.has(v)) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

const files = sourceFiles(ROOT);
const known = new Set(files);
const layerOf = (file: string) => path.relative(ROOT, file).split(path.sep)[0]!;
const fileGraph = new Map<string, Set<string>>();
const layerGraph = new Map<string, Set<string>>();
for (const file of files) {
  const runtime = new Set<string>();
  const layer = layerOf(file);
  if (!layerGraph.has(layer)) layerGraph.set(layer, new Set());
  for (const { target, typeOnly } of importsOf(file, known)) {
    if (!typeOnly) runtime.add(target);
    if (layerOf(target) !== layer) layerGraph.get(layer)!.add(layerOf(target));
  }
  fileGraph.set(file, runtime);
}

console.log('node-core layers (→ imports):');
for (const [layer, uses] of [...layerGraph].sort(([a], [b]) => a.localeCompare(b))) {
  console.log(`  ${layer.padEnd(20)} → ${[...uses].sort().join(', ') || '(nothing)'}`);
}
const layerCycles = cycles(layerGraph);
const fileCycles = cycles(fileGraph);
for (const c of layerCycles) console.log(`layer cycle: ${c.join(' <-> ')}`);
for (const c of fileCycles) console.log(`file cycle: ${c.map((f) => path.relative(ROOT, f)).join(' <-> ')}`);
console.log(`${layerCycles.length} cycles among ${layerGraph.size} layers, ${fileCycles.length} among ${fileGraph.size} files`);
process.exit(layerCycles.length + fileCycles.length > 0 ? 1 : 0);
