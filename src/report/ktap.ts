/**
 * KTAP (Documentation/dev-tools/ktap.rst), the format kernel CI reads from kselftest and KUnit:
 * one subtest per scenario, one test line per invariant; skips carry "# SKIP".
 */
import type { CheckSuite } from './cases.js';

export function toKtap(suites: readonly CheckSuite[]): string {
  const out = ['KTAP version 1', `1..${suites.length}`];
  suites.forEach((s, i) => {
    out.push('    KTAP version 1', `    # Subtest: ${s.name}`, `    1..${s.cases.length}`);
    s.cases.forEach((c, j) => {
      if (c.status === 'fail') {
        out.push(`    not ok ${j + 1} ${c.name}`);
        if (c.message) out.push(`    # ${c.message}`);
      } else if (c.status === 'skip') {
        out.push(`    ok ${j + 1} ${c.name} # SKIP ${c.message ?? ''}`.trimEnd());
      } else {
        out.push(`    ok ${j + 1} ${c.name}`);
      }
    });
    const failed = s.cases.some((c) => c.status === 'fail');
    const skipped = !failed && s.cases.every((c) => c.status === 'skip');
    out.push(`${failed ? 'not ok' : 'ok'} ${i + 1} ${s.name}${skipped ? ' # SKIP' : ''}`);
  });
  return `${out.join('\n')}\n`;
}
