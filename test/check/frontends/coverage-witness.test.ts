/**
 * The witness fact language (src/check/frontends/coverage-witness.ts): each predicate over a hand-made
 * spec view, and the input errors a malformed fact gets (exit 2 in the CLI).
 */
import { describe, expect, test } from 'vitest';
import type { SpecView } from '../../../spec/view.js';
import { parseFact, parseWitnesses } from '../../../src/check/frontends/coverage-witness.js';
import { scenario } from '../../__helpers__/scenarios.js';

const SC = scenario({
  name: 'facts',
  iommus: [{ name: 'm0', driver: 'mock', caps: [], max_pasids: 16 }],
  devices: [
    { name: '0000:00:01.0', iommu: 'm0', group: 'gA', max_pasids: 16 },
    { name: '0000:00:02.0', iommu: 'm0', group: 'gB' },
  ],
  bounds: { domains: 2, mms: 2 },
  witnesses: [{ name: 'w', facts: ['group gA domain private'] }],
});

const VIEW: SpecView = {
  groups: [
    {
      default_type: 'DMA_FQ',
      domain: 'd1',
      owner: null,
      owner_cnt: 1,
      pasids: [
        [1, 'd0'],
        [2, 'sva:1'],
      ],
    },
    { default_type: 'IDENTITY', domain: 'blocking', owner: 'vfio', owner_cnt: 1, pasids: [] },
  ],
  devices: [
    { bound: true, maps: 2 },
    { bound: false, maps: 0 },
  ],
  user_domains: [0, 1],
  driver_pasids: [3],
  mms: [
    { pasid: -1, bonds: [] },
    {
      pasid: 2,
      bonds: [
        [0, 2],
        [1, 1],
      ],
    },
  ],
};

function holds(text: string): boolean {
  const f = parseFact(SC, text);
  if (!f.ok) throw new Error(f.message);
  return f.value(VIEW);
}

function error(text: string): string {
  const f = parseFact(SC, text, 'here');
  if (f.ok) throw new Error(`"${text}" parsed`);
  expect(f.where).toBe('here');
  return f.message;
}

describe('facts over the spec view', () => {
  test.each([
    ['group gA domain private', true],
    ['group gA domain d1', true],
    ['group gA domain == default', false],
    ['group gA domain != default', true],
    ['group gB domain blocking', true],
    ['group gA default_type DMA_FQ', true],
    ['group gB default_type != IDENTITY', false],
    ['group gB owner == vfio', true],
    ['group gA owner none', true],
    ['group gA owner_cnt >= 1', true],
    ['group gA owner_cnt > 1', false],
    ['group gA pasids >= 2', true],
    ['group gA pasids == 3', false],
    ['group gA pasid 1 private', true],
    ['group gA pasid 2 sva', true],
    ['group gA pasid 2 sva:1', true],
    ['group gA pasid 2 == sva:0', false],
    ['group gA pasid 3 none', true],
    ['group gA pasid 1 any', true],
    ['group gB pasid 1 != none', false],
    ['device 0000:00:01.0 bound', true],
    ['device dev1 unbound', true],
    ['device dev0 maps == 2', true],
    ['device dev1 maps > 0', false],
    ['mm mm0 pasid == -1', true],
    ['mm mm1 pasid >= 1', true],
    ['mm mm1 bonds == 2', true],
    ['mm mm1 users == 3', true],
    ['domain d1 allocated', true],
    ['domain d0 free', false],
    ['domains == 2', true],
    ['driver_pasids < 1', false],
    ['not device dev1 bound', true],
    ['not group gA pasids >= 2', false],
    ['  group   gA  domain   private  ', true],
  ])('%s is %s', (text, expected) => {
    expect(holds(text)).toBe(expected);
  });
});

describe('malformed facts are input errors that say what is wrong', () => {
  test.each([
    ['group g0 domain private', 'no group "g0" in the scenario (groups: gA, gB)'],
    ['group gA colour red', 'unknown group property "colour"'],
    ['group gA domain >= default', 'domain compares with == or != only'],
    ['group gA domain sva', '"sva" is not a domain'],
    ['group gA default_type DMA-FQ', '"DMA-FQ" is not a type (IDENTITY, DMA, DMA_FQ, NONE)'],
    ['group gA pasids 2', 'pasids takes a comparison and a number'],
    ['group gA pasids >= two', 'pasids: "two" is not a whole number'],
    ['group gA pasid private', '"pasid" takes a PASID number and a domain'],
    ['device dev7 bound', 'no device "dev7" in the scenario'],
    ['device dev0 mapped', 'unknown device property "mapped"'],
    ['mm mm2 bonds >= 1', 'no mm "mm2": the scenario has 2 (mm0, mm1; bounds.mms)'],
    ['mm mm0 refs >= 1', 'unknown mm property "refs"'],
    ['domain d2 allocated', 'no domain slot "d2"'],
    ['domain d0 mapped', '"domain d<k>" is followed by allocated or free'],
    ['iommu m0 up', 'a fact starts with group, device, mm, domain, domains or driver_pasids'],
    ['not', 'a fact starts with group'],
  ])('%s', (text, message) => {
    expect(error(text)).toContain(message);
  });

  test('the message quotes the fact', () => {
    expect(error('device dev7 bound')).toMatch(/^"device dev7 bound": /);
  });

  test('parseWitnesses compiles every witness, or names the first bad fact', () => {
    const ok = parseWitnesses(SC);
    expect(ok.ok).toBe(true);
    if (ok.ok) expect(ok.value[0].holds(VIEW)).toBe(true);
    const bad = parseWitnesses({
      ...SC,
      witnesses: [{ name: 'a', facts: ['device dev0 bound', 'device dev0 maps'] }],
    });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.where).toBe('scenario facts.witnesses[0].facts[1]');
  });
});
