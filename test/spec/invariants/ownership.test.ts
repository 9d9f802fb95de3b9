/** DMA ownership invariants (spec/invariants/ownership.ts) on hand-made observations. */
import { describe, expect, test } from 'vitest';
import {
  BoundDriversCounted,
  OwnedGroupOffDefault,
  OwnerExcludesDmaApiDrivers,
  OwnerImpliesCount,
} from '../../../spec/invariants/ownership.js';
import { makeObs, specView, withGroupView } from '../../__helpers__/observation.js';

const bound0 = specView({
  devices: [
    { bound: true, maps: 0 },
    { bound: false, maps: 0 },
  ],
});
const bound1 = specView({
  devices: [
    { bound: false, maps: 0 },
    { bound: true, maps: 0 },
  ],
});
const onBlocking = [
  { default_domain: 2, blocking_domain: 1, domain: 1, pasids: [] },
  { default_domain: 3, blocking_domain: -1, domain: 3, pasids: [] },
];

describe('OwnerImpliesCount', () => {
  test('fires on an owner with owner_cnt 0', () => {
    const o = withGroupView(makeObs(), 0, { owner: 'vfio', owner_cnt: 0 });
    expect(OwnerImpliesCount.holds(o)).toBe('group 0 owned by vfio with owner_cnt 0');
  });
  test('holds at owner_cnt 1', () => {
    expect(
      OwnerImpliesCount.holds(withGroupView(makeObs(), 0, { owner: 'vfio', owner_cnt: 1 })),
    ).toBeNull();
  });
});

describe('OwnerExcludesDmaApiDrivers', () => {
  test('fires on a bound DMA-API driver in an owned group', () => {
    const o = withGroupView(makeObs({ view: bound0 }), 0, { owner: 'vfio', owner_cnt: 1 });
    expect(OwnerExcludesDmaApiDrivers.holds(o)).toBe(
      'device 0 has a DMA-API driver while group 0 is owned',
    );
  });
  test('holds when the bound driver is in another group', () => {
    const o = withGroupView(makeObs({ view: bound1 }), 0, { owner: 'vfio', owner_cnt: 1 });
    expect(OwnerExcludesDmaApiDrivers.holds(o)).toBeNull();
  });
});

describe('OwnedGroupOffDefault', () => {
  test('fires on an owned group still on its default domain', () => {
    const o = withGroupView(makeObs(), 0, { owner: 'vfio', owner_cnt: 1 });
    expect(OwnedGroupOffDefault.holds(o)).toBe('group 0 owned by vfio is on its default domain 2');
  });
  test('holds once the claim moved it to the blocking domain', () => {
    const o = withGroupView(makeObs({ groups: onBlocking }), 0, { owner: 'vfio', owner_cnt: 1 });
    expect(OwnedGroupOffDefault.holds(o)).toBeNull();
  });
});

describe('BoundDriversCounted', () => {
  test('fires when owner_cnt misses a bound driver', () => {
    expect(BoundDriversCounted.holds(makeObs({ view: bound0 }))).toBe(
      'group 0: owner_cnt 0 with 1 bound driver(s)',
    );
  });
  test('holds when it counts it, and an explicit owner is not counted by drivers', () => {
    expect(
      BoundDriversCounted.holds(withGroupView(makeObs({ view: bound0 }), 0, { owner_cnt: 1 })),
    ).toBeNull();
    expect(
      BoundDriversCounted.holds(withGroupView(makeObs(), 0, { owner: 'vfio', owner_cnt: 1 })),
    ).toBeNull();
  });
});
