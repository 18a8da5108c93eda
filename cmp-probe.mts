import { parseAllDocuments } from 'yaml';
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { kustomize } from './test/support/kustomize.ts';
for (const [dir, file] of [['deploy/kubernetes/base', '/tmp/base-real.yaml'], ['deploy/kubernetes/production', '/tmp/prod-real.yaml'], ['deploy/kubernetes/production/replay', '/tmp/replay-real.yaml']]) {
  const key = (o: any) => `${o.kind}/${o.metadata.name}`;
  const real = new Map(parseAllDocuments(readFileSync(file, 'utf8')).map((d) => d.toJS()).map((o) => [key(o), o]));
  const mine = new Map(kustomize(dir).map((o) => [key(o), o]));
  const same = real.size === mine.size && [...real].every(([k, v]) => isDeepStrictEqual(v, mine.get(k)));
  console.log(dir, real.size, mine.size, same ? 'IDENTICAL' : 'DIFFERENT');
  if (!same) for (const [k, v] of real) if (!isDeepStrictEqual(v, mine.get(k))) console.log('  differs:', k, JSON.stringify(v).slice(0, 200), '\n  mine:', JSON.stringify(mine.get(k)).slice(0, 200));
}
