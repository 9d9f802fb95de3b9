/** JUnit XML: one <testsuite> per scenario, one <testcase> per invariant. */
import type { CheckSuite } from './cases.js';

function esc(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

export function toJUnit(name: string, suites: readonly CheckSuite[]): string {
  const total = suites.reduce((n, s) => n + s.cases.length, 0);
  const failures = suites.reduce(
    (n, s) => n + s.cases.filter((c) => c.status === 'fail').length,
    0,
  );
  const skipped = suites.reduce((n, s) => n + s.cases.filter((c) => c.status === 'skip').length, 0);
  const out = [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="${esc(name)}" tests="${total}" failures="${failures}" skipped="${skipped}">`,
  ];
  for (const s of suites) {
    const f = s.cases.filter((c) => c.status === 'fail').length;
    const k = s.cases.filter((c) => c.status === 'skip').length;
    const time = s.seconds === undefined ? '' : ` time="${s.seconds.toFixed(3)}"`;
    out.push(
      `  <testsuite name="${esc(s.name)}" tests="${s.cases.length}" failures="${f}" skipped="${k}"${time}>`,
    );
    for (const c of s.cases) {
      out.push(`    <testcase classname="${esc(s.name)}" name="${esc(c.name)}">`);
      if (c.status === 'fail')
        out.push(
          `      <failure message="${esc(c.message ?? '')}">${esc(c.detail ?? '')}</failure>`,
        );
      if (c.status === 'skip') out.push(`      <skipped message="${esc(c.message ?? '')}"/>`);
      out.push('    </testcase>');
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return `${out.join('\n')}\n`;
}
