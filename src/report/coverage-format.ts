/** The coverage report as text, JSON, and CI test cases (JUnit, KTAP): src/check/frontends/coverage.ts. */

import type { CoverageReport, MachineCoverage } from '../check/frontends/coverage.js';
import type { CheckCase, CheckSuite } from './cases.js';

function pct(covered: number, total: number): string {
  return total === 0 ? '100.0%' : `${((100 * covered) / total).toFixed(1)}%`;
}

function ratio(covered: number, total: number): string {
  return `${covered}/${total} (${pct(covered, total)})`;
}

/** The JSON of `iommu-spec coverage --json`. */
export function coverageJson(r: CoverageReport, verdict: string): unknown {
  return {
    result: verdict,
    scenarios: r.scenarios,
    machines: r.machines.map((m) => ({
      id: m.id,
      states: m.states,
      transitions: {
        covered: m.transitions.covered,
        total: m.transitions.total,
        unreachable: m.transitions.unreachable,
        uncovered: m.transitions.uncovered,
        counts: m.transitions.counts,
      },
      guards: m.guards,
    })),
    witnesses: r.witnesses,
    findings: r.findings,
  };
}

function summaryLine(m: MachineCoverage): string {
  const marked = m.transitions.unreachable > 0 ? `, ${m.transitions.unreachable} unreachable` : '';
  return `${m.id.padEnd(14)} states ${ratio(m.states.covered, m.states.total).padEnd(14)} transitions ${`${ratio(m.transitions.covered, m.transitions.total)}${marked}`.padEnd(32)} guard outcomes ${ratio(m.guards.covered, m.guards.total)}`;
}

/** The text of `iommu-spec coverage`. */
export function coverageText(r: CoverageReport, verdict: string): string[] {
  const out: string[] = [];
  const states = r.scenarios.reduce((n, s) => n + s.states, 0);
  out.push(
    `${verdict.toUpperCase()} coverage of ${r.scenarios.length} scenario(s), ${states} states explored`,
  );
  for (const s of r.scenarios)
    out.push(
      `  ${s.scenario}: ${s.result}, ${s.states} states (${s.specStates} spec states), ${s.transitions} steps${s.incomplete ? `; incomplete: ${s.incomplete}` : ''}`,
    );
  out.push('');
  for (const m of r.machines) out.push(summaryLine(m));
  out.push('');
  out.push(
    'Transitions taken, generated/distinct (every step that took it / distinct chart situations):',
  );
  for (const m of r.machines) {
    out.push(`  ${m.id}`);
    for (const t of m.transitions.counts) {
      const count =
        t.generated > 0 ? `${t.generated}/${t.distinct}` : t.unreachable ? 'unreachable' : 'NEVER';
      out.push(
        `    ${count.padStart(13)}  ${t.id}${t.guard ? ` [${t.guard}]` : ''} -> ${t.result || 'moves'}`,
      );
    }
  }
  const unreached = r.machines.flatMap((m) => m.states.uncovered.map((s) => `${m.id} ${s}`));
  if (unreached.length > 0) {
    out.push('');
    out.push(`States never reached: ${unreached.join(', ')}`);
  }
  const marked = r.machines.flatMap((m) =>
    m.transitions.uncovered.filter((u) => u.unreachable !== undefined).map((u) => ({ m, u })),
  );
  if (marked.length > 0) {
    out.push('');
    out.push(`Marked unreachable by their chart (${marked.length}; not findings):`);
    for (const { m, u } of marked) out.push(`  ${m.id} ${u.id}: ${u.unreachable}`);
  }
  if (r.witnesses.length > 0) {
    out.push('');
    out.push('Witnesses:');
    for (const w of r.witnesses)
      out.push(`  ${w.held ? 'HOLDS' : 'FAILS'}  ${w.scenario}: ${w.name} (${w.facts.join('; ')})`);
  }
  if (r.findings.length > 0) {
    out.push('');
    out.push(`Findings (${r.findings.length}):`);
    for (const f of r.findings) out.push(`  ${f.kind}: ${f.message}`);
    if (r.findings.some((f) => f.kind === 'uncovered-transition'))
      out.push(
        "  (a transition no scenario takes needs a scenario that takes it, or a mark with the reason it is unreachable in its chart's machines/charts/<chart>.doc.ts)",
      );
  }
  return out;
}

/** One suite per chart (a case per transition) and one for the witnesses. */
export function coverageSuites(r: CoverageReport): CheckSuite[] {
  const suites: CheckSuite[] = r.machines.map((m) => {
    const cases: CheckCase[] = m.transitions.counts.map((t): CheckCase => {
      const name = `${t.id}${t.guard ? ` [${t.guard}]` : ''}`;
      if (t.generated > 0 && t.unreachable !== undefined)
        return {
          name,
          status: 'fail',
          message: `marked unreachable ("${t.unreachable}") but taken by ${t.scenarios.join(', ')}`,
        };
      if (t.generated > 0) return { name, status: 'pass', message: `${t.generated}/${t.distinct}` };
      if (t.unreachable !== undefined) return { name, status: 'skip', message: t.unreachable };
      return { name, status: 'fail', message: 'no scenario takes this transition' };
    });
    for (const f of r.findings)
      if (f.kind === 'stale-mark' && f.machine === m.id && !f.message.includes(' but '))
        cases.push({ name: 'unreachable marks', status: 'fail', message: f.message });
    return { name: `coverage ${m.id}`, cases };
  });
  suites.push({
    name: 'coverage witnesses',
    cases: [
      ...r.witnesses.map(
        (w): CheckCase => ({
          name: `${w.scenario}: ${w.name}`,
          status: w.held ? 'pass' : 'fail',
          message: w.held ? undefined : `no reachable state has ${w.facts.join('; ')}`,
        }),
      ),
      ...r.scenarios
        .filter((s) => s.result !== 'pass')
        .map(
          (s): CheckCase => ({
            name: `${s.scenario}: exploration`,
            status: s.result === 'violation' ? 'fail' : 'skip',
            message: s.violation ?? s.incomplete,
          }),
        ),
    ],
  });
  return suites;
}
