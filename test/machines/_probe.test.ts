import { test } from 'vitest';
import { parseScenario } from '../../spec/parse.js';
import { BUILTIN_SCENARIOS } from '../../spec/scenarios/index.js';
import { describePath, lockstepBfs } from './lockstep-bfs.js';

test('probe', () => {
  for (const [name, raw] of Object.entries(BUILTIN_SCENARIOS)) {
    const p = parseScenario(raw);
    if (!p.ok) throw new Error(name);
    const t0 = performance.now();
    const r = lockstepBfs(p.value, 20000);
    console.log(
      `${name}: states=${r.states} trans=${r.transitions} complete=${r.complete} div=${r.divergences.length} viol=${r.violations.length} ${((performance.now() - t0) / 1000).toFixed(1)}s`,
    );
    for (const d of r.divergences.slice(0, 2))
      console.log('  DIV', d.message, '\n  ', describePath(d.path));
    const seen = new Set<string>();
    for (const v of r.violations) {
      if (seen.has(v.invariant)) continue;
      seen.add(v.invariant);
      console.log('  VIOL', v.invariant, v.message, '\n  ', describePath(v.path));
    }
  }
});
