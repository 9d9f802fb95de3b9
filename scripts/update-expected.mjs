#!/usr/bin/env node
// Regenerates spec/expected.json from `iommu-spec explore --json` (run `npm run build` first).
// The regression test (test/check/core/expected.test.ts) asserts these counts.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';

const out = execFileSync('node', ['bin/iommu-spec.mjs', 'explore', '--json', '--no-progress'], {
  encoding: 'utf8',
});
const r = JSON.parse(out);
const expected = {};
for (const s of r.scenarios)
  expected[s.scenario] = {
    result: s.result,
    states: s.states,
    transitions: s.transitions,
    depth: s.depth,
  };
writeFileSync('spec/expected.json', `${JSON.stringify(expected, null, 2)}\n`);
console.log(`spec/expected.json: ${Object.keys(expected).length} scenarios`);
