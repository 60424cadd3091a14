// Compares two trees written by bench/snapshot.mjs: which generated files were added, removed or changed, and
// which objects of the rendered overlays (what reaches the cluster) were added, removed or changed.
//   node bench/compare.mjs /tmp/before /tmp/after   (exit 0 either way; the listing is the result)
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

const [before, after] = process.argv.slice(2);
if (!before || !after) {
  console.error('usage: node bench/compare.mjs <before-dir> <after-dir>');
  process.exit(2);
}
const files = (dir) => (existsSync(dir) ? readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath ?? e.path, e.name).slice(dir.length + 1)).sort() : []);
const objects = (path) => {
  const map = new Map();
  if (!existsSync(path)) return map;
  for (const doc of parseAllDocuments(readFileSync(path, 'utf8'))) {
    const o = doc.toJS();
    if (o) map.set(`${o.kind} ${o.metadata?.namespace ?? '-'}/${o.metadata?.name}`, JSON.stringify(o));
  }
  return map;
};

let same = true;
for (const name of [...new Set([...readdirSync(before), ...readdirSync(after)])].sort()) {
  const g = (d) => files(join(d, name, 'generated'));
  const [a, b] = [new Set(g(before)), new Set(g(after))];
  const read = (d, p) => readFileSync(join(d, name, 'generated', p), 'utf8');
  const added = [...b].filter((p) => !a.has(p));
  const removed = [...a].filter((p) => !b.has(p));
  const changed = [...a].filter((p) => b.has(p) && read(before, p) !== read(after, p));
  console.log(`${name}: generated/ ${added.length} added, ${removed.length} removed, ${changed.length} changed (${a.size} -> ${b.size} files)`);
  for (const [label, list] of [['+', added], ['-', removed], ['~', changed]]) for (const p of list) console.log(`  ${label} ${p}`);
  const overlays = [...new Set([...files(join(before, name, 'rendered')), ...files(join(after, name, 'rendered'))])];
  for (const o of overlays) {
    const [x, y] = [objects(join(before, name, 'rendered', o)), objects(join(after, name, 'rendered', o))];
    const diff = [...new Set([...x.keys(), ...y.keys()])].filter((k) => x.get(k) !== y.get(k)).map((k) => `${x.has(k) ? (y.has(k) ? '~' : '-') : '+'} ${k}`);
    const bytes = existsSync(join(before, name, 'rendered', o)) && existsSync(join(after, name, 'rendered', o)) && readFileSync(join(before, name, 'rendered', o), 'utf8') === readFileSync(join(after, name, 'rendered', o), 'utf8');
    console.log(`  rendered ${o}: ${bytes ? 'byte-identical' : `${diff.length} objects differ`}`);
    for (const d of diff) console.log(`    ${d}`);
    if (!bytes) same = false;
  }
}
console.log(same ? 'every rendered overlay is byte-identical' : 'some rendered overlays differ (listed above)');
