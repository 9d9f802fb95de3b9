/**
 * Witnesses: states a scenario says must be reachable (TLC's missing REACHABLE / WITNESS). A
 * witness holds when one reachable spec state satisfies all of its facts. A fact is one small
 * predicate over the spec view (spec/view.ts), words separated by blanks:
 *
 *   [not] group G domain [==|!=] D        group->domain; D is default, blocking, NULL, d<k>, or
 *                                         private (any domain a caller allocated)
 *   [not] group G default_type [==|!=] T  IDENTITY, DMA, DMA_FQ or NONE
 *   [not] group G owner [==|!=] O         the DMA owner cookie, or none
 *   [not] group G owner_cnt CMP N
 *   [not] group G pasids CMP N            entries in the pasid_array
 *   [not] group G pasid P [==|!=] D       the entry at PASID P: D as above, sva (any SVA domain),
 *                                         sva:<mm>, any (attached to anything) or none (free)
 *   [not] device V bound | unbound
 *   [not] device V maps CMP N             live dma_map_single mappings of its driver
 *   [not] mm M pasid CMP N                the mm's global PASID (-1: none)
 *   [not] mm M bonds CMP N                its SVA bonds
 *   [not] mm M users CMP N                the references on its bonds, summed
 *   [not] domain d<k> allocated | free    a user domain slot
 *   [not] domains CMP N                   user domains allocated
 *   [not] driver_pasids CMP N             global PASIDs drivers hold
 *
 * CMP is one of == != >= <= > <. G is a group's name in the scenario; V a device's name or dev<i>
 * (its index); M is mm<i> (i below bounds.mms). Example: `group g0 domain private`,
 * `group g0 pasids >= 2`, `mm mm0 bonds >= 1`, `device dev0 bound`.
 */
import { inputError, type Parsed } from '../../../spec/input-error.js';
import { groupNames, type Scenario } from '../../../spec/scenario.js';
import type { SpecView } from '../../../spec/view.js';

export type Fact = (v: SpecView) => boolean;

export interface CompiledWitness {
  readonly name: string;
  readonly facts: readonly string[];
  readonly holds: (v: SpecView) => boolean;
}

type Cmp = '==' | '!=' | '>=' | '<=' | '>' | '<';
const CMPS: readonly Cmp[] = ['==', '!=', '>=', '<=', '>', '<'];
const TYPES = ['IDENTITY', 'DMA', 'DMA_FQ', 'NONE'];

function compare(a: number, op: Cmp, b: number): boolean {
  switch (op) {
    case '==':
      return a === b;
    case '!=':
      return a !== b;
    case '>=':
      return a >= b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    default:
      return a < b;
  }
}

class FactError extends Error {}

function fail(message: string): never {
  throw new FactError(message);
}

/** The words after the property: [CMP] N. */
function numberTest(words: readonly string[], what: string): (n: number) => boolean {
  if (words.length !== 2 || !CMPS.includes(words[0] as Cmp))
    fail(`${what} takes a comparison and a number, as in "${what} >= 1"`);
  const op = words[0] as Cmp;
  if (!/^-?\d+$/.test(words[1])) fail(`${what}: "${words[1]}" is not a whole number`);
  const n = Number(words[1]);
  return (x) => compare(x, op, n);
}

/** The words after the property: [==|!=] VALUE, VALUE checked by `accepts`. */
function equalityTest(
  words: readonly string[],
  what: string,
  accepts: (value: string) => string | null,
  matches: (actual: string, value: string) => boolean,
): (actual: string) => boolean {
  let op: '==' | '!=' = '==';
  let rest = words;
  if (words[0] === '==' || words[0] === '!=') {
    op = words[0];
    rest = words.slice(1);
  } else if (CMPS.includes(words[0] as Cmp)) {
    fail(`${what} compares with == or != only`);
  }
  if (rest.length !== 1) fail(`${what} takes one value, as in "${what} ${example(what)}"`);
  const problem = accepts(rest[0]);
  if (problem !== null) fail(`${what}: ${problem}`);
  const value = rest[0];
  return (actual) => matches(actual, value) === (op === '==');
}

function example(what: string): string {
  if (what === 'default_type') return 'DMA';
  if (what === 'owner') return 'vfio';
  return 'default';
}

function domainAccepts(allowPasidForms: boolean): (v: string) => string | null {
  return (v) => {
    if (['default', 'blocking', 'NULL', 'private'].includes(v) || /^d\d+$/.test(v)) return null;
    if (allowPasidForms && (['sva', 'any', 'none'].includes(v) || /^sva:\d+$/.test(v))) return null;
    return `"${v}" is not a domain (default, blocking, NULL, private, d<k>${allowPasidForms ? ', sva, sva:<mm>, any, none' : ''})`;
  };
}

function domainMatches(actual: string, value: string): boolean {
  if (value === 'private') return /^d\d+$/.test(actual);
  if (value === 'sva') return actual.startsWith('sva:');
  if (value === 'any') return actual !== 'none';
  return actual === value;
}

interface Names {
  readonly groups: readonly string[];
  readonly devices: readonly string[];
  readonly mms: number;
  readonly domains: number;
}

function namesOf(s: Scenario): Names {
  return {
    groups: groupNames(s),
    devices: s.devices.map((d) => d.name),
    mms: s.bounds.mms,
    domains: s.bounds.domains,
  };
}

function groupIndex(names: Names, g: string | undefined): number {
  if (g === undefined) fail('"group" needs a group name');
  const i = names.groups.indexOf(g);
  if (i < 0) fail(`no group "${g}" in the scenario (groups: ${names.groups.join(', ')})`);
  return i;
}

function deviceIndex(names: Names, d: string | undefined): number {
  if (d === undefined) fail('"device" needs a device name');
  const i = names.devices.indexOf(d);
  if (i >= 0) return i;
  const m = /^dev(\d+)$/.exec(d);
  if (m !== null && Number(m[1]) < names.devices.length) return Number(m[1]);
  fail(
    `no device "${d}" in the scenario (devices: ${names.devices.map((n, k) => `${n} or dev${k}`).join(', ')})`,
  );
}

function mmIndex(names: Names, m: string | undefined): number {
  if (m === undefined) fail('"mm" needs an mm name (mm0, mm1, ...)');
  const r = /^mm(\d+)$/.exec(m);
  if (r === null || Number(r[1]) >= names.mms)
    fail(
      `no mm "${m}": the scenario has ${names.mms} (${Array.from({ length: names.mms }, (_, i) => `mm${i}`).join(', ') || 'none'}; bounds.mms)`,
    );
  return Number(r[1]);
}

function groupFact(names: Names, w: readonly string[]): Fact {
  const g = groupIndex(names, w[1]);
  const prop = w[2];
  const rest = w.slice(3);
  switch (prop) {
    case 'domain': {
      const t = equalityTest(rest, 'domain', domainAccepts(false), domainMatches);
      return (v) => t(v.groups[g].domain);
    }
    case 'default_type': {
      const t = equalityTest(
        rest,
        'default_type',
        (x) => (TYPES.includes(x) ? null : `"${x}" is not a type (${TYPES.join(', ')})`),
        (a, b) => a === b,
      );
      return (v) => t(v.groups[g].default_type);
    }
    case 'owner': {
      const t = equalityTest(
        rest,
        'owner',
        () => null,
        (a, b) => a === b,
      );
      return (v) => t(v.groups[g].owner ?? 'none');
    }
    case 'owner_cnt': {
      const t = numberTest(rest, 'owner_cnt');
      return (v) => t(v.groups[g].owner_cnt);
    }
    case 'pasids': {
      const t = numberTest(rest, 'pasids');
      return (v) => t(v.groups[g].pasids.length);
    }
    case 'pasid': {
      const p = rest[0];
      if (p === undefined || !/^\d+$/.test(p))
        fail('"pasid" takes a PASID number and a domain, as in "pasid 1 private"');
      const pasid = Number(p);
      const t = equalityTest(rest.slice(1), 'pasid', domainAccepts(true), domainMatches);
      return (v) => t(v.groups[g].pasids.find((e) => e[0] === pasid)?.[1] ?? 'none');
    }
    default:
      return fail(
        `unknown group property "${prop ?? ''}" (domain, default_type, owner, owner_cnt, pasids, pasid)`,
      );
  }
}

function deviceFact(names: Names, w: readonly string[]): Fact {
  const d = deviceIndex(names, w[1]);
  const prop = w[2];
  if ((prop === 'bound' || prop === 'unbound') && w.length === 3) {
    const want = prop === 'bound';
    return (v) => v.devices[d].bound === want;
  }
  if (prop === 'maps') {
    const t = numberTest(w.slice(3), 'maps');
    return (v) => t(v.devices[d].maps);
  }
  return fail(`unknown device property "${w.slice(2).join(' ')}" (bound, unbound, maps)`);
}

function mmFact(names: Names, w: readonly string[]): Fact {
  const m = mmIndex(names, w[1]);
  const prop = w[2];
  const rest = w.slice(3);
  switch (prop) {
    case 'pasid': {
      const t = numberTest(rest, 'pasid');
      return (v) => t(v.mms[m].pasid);
    }
    case 'bonds': {
      const t = numberTest(rest, 'bonds');
      return (v) => t(v.mms[m].bonds.length);
    }
    case 'users': {
      const t = numberTest(rest, 'users');
      return (v) => t(v.mms[m].bonds.reduce((n, b) => n + b[1], 0));
    }
    default:
      return fail(`unknown mm property "${prop ?? ''}" (pasid, bonds, users)`);
  }
}

function domainFact(names: Names, w: readonly string[]): Fact {
  const r = /^d(\d+)$/.exec(w[1] ?? '');
  if (r === null || Number(r[1]) >= names.domains)
    fail(
      `no domain slot "${w[1] ?? ''}": the scenario has d0 to d${names.domains - 1} (bounds.domains)`,
    );
  const slot = Number(r[1]);
  if (w.length !== 3 || (w[2] !== 'allocated' && w[2] !== 'free'))
    fail('"domain d<k>" is followed by allocated or free');
  const want = w[2] === 'allocated';
  return (v) => v.user_domains.includes(slot) === want;
}

function compileFact(names: Names, text: string): Fact {
  let w = text.trim().split(/\s+/);
  let negate = false;
  if (w[0] === 'not') {
    negate = true;
    w = w.slice(1);
  }
  let f: Fact;
  switch (w[0]) {
    case 'group':
      f = groupFact(names, w);
      break;
    case 'device':
      f = deviceFact(names, w);
      break;
    case 'mm':
      f = mmFact(names, w);
      break;
    case 'domain':
      f = domainFact(names, w);
      break;
    case 'domains': {
      const t = numberTest(w.slice(1), 'domains');
      f = (v) => t(v.user_domains.length);
      break;
    }
    case 'driver_pasids': {
      const t = numberTest(w.slice(1), 'driver_pasids');
      f = (v) => t(v.driver_pasids.length);
      break;
    }
    default:
      fail(
        `a fact starts with group, device, mm, domain, domains or driver_pasids (optionally after "not"), not "${w[0] ?? ''}"`,
      );
  }
  return negate ? (v) => !f(v) : f;
}

/** One fact, for a scenario: a predicate over its spec view, or an input error. */
export function parseFact(scenario: Scenario, text: string, where = 'fact'): Parsed<Fact> {
  try {
    return { ok: true, value: compileFact(namesOf(scenario), text) };
  } catch (e) {
    if (e instanceof FactError) return inputError(where, `"${text}": ${e.message}`);
    throw e;
  }
}

/** Every witness of a scenario, compiled; `where` names the scenario in errors. */
export function parseWitnesses(
  scenario: Scenario,
  where = `scenario ${scenario.name}`,
): Parsed<readonly CompiledWitness[]> {
  const out: CompiledWitness[] = [];
  for (const [i, w] of scenario.witnesses.entries()) {
    const facts: Fact[] = [];
    for (const [j, text] of w.facts.entries()) {
      const f = parseFact(scenario, text, `${where}.witnesses[${i}].facts[${j}]`);
      if (!f.ok) return f;
      facts.push(f.value);
    }
    out.push({ name: w.name, facts: w.facts, holds: (v) => facts.every((f) => f(v)) });
  }
  return { ok: true, value: out };
}
