/** SVA invariants (spec/invariants/sva.ts) on hand-made observations. */
import { describe, expect, test } from 'vitest';
import { SvaBondAttached, SvaUsersMatchBonds } from '../../../spec/invariants/sva.js';
import { dmaDomain, makeObs, staticDomain } from '../../__helpers__/observation.js';

const sva = (users: number) =>
  dmaDomain(4, {
    type: 'SVA',
    fq: null,
    dma_initialised: false,
    iova: null,
    sva_mm: 0,
    sva_users: users,
  });
const domains = (users: number) => [
  staticDomain(0, 'IDENTITY'),
  staticDomain(1, 'BLOCKED'),
  dmaDomain(2),
  dmaDomain(3),
  sva(users),
];
const G1 = { default_domain: 3, blocking_domain: -1, domain: 3, pasids: [] };
const attached = [
  { default_domain: 2, blocking_domain: 1, domain: 2, pasids: [{ pasid: 1, domain: 4 }] },
  G1,
];
const bond = { name: 'h0', dev: 0, domain: 4, users: 1 };
const mms = [{ pasid: 1, sva_domains: [4] }];

describe('SvaUsersMatchBonds', () => {
  test('fires when users counts one bond too many', () => {
    const o = makeObs({ domains: domains(2), groups: attached, bonds: [bond], mms, ida: [1] });
    expect(SvaUsersMatchBonds.holds(o)).toBe('SVA domain 4 has users 2 but 1 bond(s)');
  });
  test('fires on an SVA domain alive with no bond', () => {
    const o = makeObs({ domains: domains(0), mms, ida: [1] });
    expect(SvaUsersMatchBonds.holds(o)).toBe('SVA domain 4 is alive with no bond');
  });
  test('holds at one user, one bond', () => {
    expect(
      SvaUsersMatchBonds.holds(
        makeObs({ domains: domains(1), groups: attached, bonds: [bond], mms, ida: [1] }),
      ),
    ).toBeNull();
  });
});

describe('SvaBondAttached', () => {
  test("fires on a bond whose domain is not at the mm's PASID", () => {
    const o = makeObs({ domains: domains(1), bonds: [bond], mms, ida: [1] });
    expect(SvaBondAttached.holds(o)).toBe('bond h0 is not attached at PASID 1');
  });
  test('fires on a bond whose domain was freed', () => {
    expect(SvaBondAttached.holds(makeObs({ bonds: [bond], mms, ida: [1] }))).toBe(
      'bond h0 points at a freed domain',
    );
  });
  test('holds when attached there', () => {
    expect(
      SvaBondAttached.holds(
        makeObs({ domains: domains(1), groups: attached, bonds: [bond], mms, ida: [1] }),
      ),
    ).toBeNull();
  });
});
