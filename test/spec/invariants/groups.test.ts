/**
 * Group and domain-lifecycle invariants (spec/invariants/groups.ts) on hand-made observations:
 * each fires on one broken fact, naming the values, and holds just on the other side of it.
 */
import { describe, expect, test } from 'vitest';
import {
  DirectRegionsMapped,
  NeverDomainless,
  OneCurrentDomain,
  RequireDirectNeverBlocked,
  StaticDomainsIntact,
  TypeOK,
  UntrustedNeverIdentity,
  UntrustedStrict,
} from '../../../spec/invariants/groups.js';
import { directPfn } from '../../../spec/layout.js';
import {
  DEV_DEFAULTS,
  dmaDomain,
  makeObs,
  staticDomain,
  withGroupView,
} from '../../__helpers__/observation.js';

const G1 = { default_domain: 3, blocking_domain: -1, domain: 3, pasids: [] };

describe('TypeOK', () => {
  test('fires on a group pointing at a freed domain, naming it', () => {
    const o = makeObs({
      groups: [{ default_domain: 2, blocking_domain: 1, domain: 9, pasids: [] }, G1],
    });
    expect(TypeOK.holds(o)).toBe('group 0: domain 9 is not a live domain');
  });
  test('fires on pasid_array keys out of order, naming them', () => {
    const pasids = [
      { pasid: 2, domain: 2 },
      { pasid: 2, domain: 3 },
    ];
    const o = makeObs({
      groups: [{ default_domain: 2, blocking_domain: 1, domain: 2, pasids }, G1],
    });
    expect(TypeOK.holds(o)).toBe('group 0: pasid_array keys 2, 2 are not sorted and unique');
  });
  test('fires on a PASID entry whose domain was freed', () => {
    const pasids = [{ pasid: 1, domain: 7 }];
    const o = makeObs({
      groups: [{ default_domain: 2, blocking_domain: 1, domain: 2, pasids }, G1],
    });
    expect(TypeOK.holds(o)).toBe('group 0: PASID 1 points at a freed domain');
  });
  test('holds: sorted unique keys, no blocking domain (-1) is not a dangling pointer', () => {
    const pasids = [
      { pasid: 1, domain: 2 },
      { pasid: 2, domain: 3 },
    ];
    const o = makeObs({
      groups: [{ default_domain: 2, blocking_domain: 1, domain: 2, pasids }, G1],
    });
    expect(TypeOK.holds(o)).toBeNull();
  });
});

describe('NeverDomainless', () => {
  test('fires on a group without a current domain, naming the values', () => {
    const o = makeObs({
      groups: [{ default_domain: 2, blocking_domain: 1, domain: -1, pasids: [] }, G1],
    });
    expect(NeverDomainless.holds(o)).toBe('group 0 has no domain (domain -1, default_domain 2)');
  });
  test('holds on domain id 0 (the lowest id is a domain)', () => {
    const o = makeObs({
      groups: [{ default_domain: 2, blocking_domain: 1, domain: 0, pasids: [] }, G1],
    });
    expect(NeverDomainless.holds(o)).toBeNull();
  });
});

describe('OneCurrentDomain', () => {
  test("fires when the hardware routes a member's RID to another domain", () => {
    const o = makeObs();
    const bad = { ...o, route: () => ({ kind: 'translate' as const, domain: 3 }) };
    expect(OneCurrentDomain.holds(bad)).toBe(
      'device 0 of group 0 is routed to {"kind":"translate","domain":3}, group->domain is 2 (DMA)',
    );
  });
  test('fires when an identity group is not bypassed', () => {
    const o = makeObs({
      groups: [{ default_domain: 0, blocking_domain: 1, domain: 0, pasids: [] }, G1],
    });
    const bad = { ...o, route: () => ({ kind: 'abort' as const }) };
    expect(OneCurrentDomain.holds(bad)).toContain('group->domain is 0 (IDENTITY)');
  });
  test('holds: identity bypasses, blocked aborts; a device between syncs is not judged', () => {
    const id = makeObs({
      groups: [{ default_domain: 0, blocking_domain: 1, domain: 0, pasids: [] }, G1],
    });
    expect(OneCurrentDomain.holds(id)).toBeNull();
    const blocked = makeObs({
      groups: [{ default_domain: 2, blocking_domain: 1, domain: 1, pasids: [] }, G1],
    });
    expect(OneCurrentDomain.holds(blocked)).toBeNull();
    const o = makeObs({ hw_updates: [{ iommu: 0, dev: 0, ssid: -1, safe: true }] });
    const mid = {
      ...o,
      route: (dev: number) => (dev === 0 ? { kind: 'abort' as const } : o.route(dev, 0)),
    };
    expect(OneCurrentDomain.holds(mid)).toBeNull();
  });
});

describe('RequireDirectNeverBlocked', () => {
  const devs = [{ ...DEV_DEFAULTS[0], require_direct: true }, DEV_DEFAULTS[1]];
  test('fires when a require_direct device sits on the blocking domain', () => {
    const o = makeObs({
      devs,
      groups: [{ default_domain: 2, blocking_domain: 1, domain: 1, pasids: [] }, G1],
    });
    expect(RequireDirectNeverBlocked.holds(o)).toBe(
      'require_direct device 0 is on blocking domain 1 of group 0',
    );
  });
  test('holds on the default domain, and for a blocked group without such a device', () => {
    expect(RequireDirectNeverBlocked.holds(makeObs({ devs }))).toBeNull();
    const o = makeObs({
      groups: [{ default_domain: 2, blocking_domain: 1, domain: 1, pasids: [] }, G1],
    });
    expect(RequireDirectNeverBlocked.holds(o)).toBeNull();
  });
});

describe('DirectRegionsMapped', () => {
  const devs = [{ ...DEV_DEFAULTS[0], require_direct: true }, DEV_DEFAULTS[1]];
  const pfn = directPfn(0);
  const withMap = (paddr: number) =>
    makeObs({
      devs,
      domains: [
        staticDomain(0, 'IDENTITY'),
        staticDomain(1, 'BLOCKED'),
        dmaDomain(2, { mappings: [{ iova_pfn: pfn, paddr_pfn: paddr, pages: 1 }] }),
        dmaDomain(3),
      ],
    });
  test('fires when the direct page is mapped one page off, naming the pfn', () => {
    expect(DirectRegionsMapped.holds(withMap(pfn + 1))).toBe(
      `direct region pfn 0x${pfn.toString(16)} of device 0 is not mapped 1:1 in default domain 2`,
    );
  });
  test('holds when it is mapped 1:1', () => {
    expect(DirectRegionsMapped.holds(withMap(pfn))).toBeNull();
  });
});

describe('UntrustedNeverIdentity', () => {
  const untrusted = [{ ...DEV_DEFAULTS[0], untrusted: true }, DEV_DEFAULTS[1]];
  test('fires on an identity default domain for an untrusted PCI device', () => {
    const o = withGroupView(makeObs({ devs: untrusted }), 0, { default_type: 'IDENTITY' });
    expect(UntrustedNeverIdentity.holds(o)).toBe(
      'group 0 with an untrusted device has an IDENTITY default domain',
    );
  });
  test('holds for an untrusted non-PCI device, and for DMA_FQ (UntrustedStrict judges that)', () => {
    const nonPci = [{ ...DEV_DEFAULTS[0], untrusted: true, pci: false }, DEV_DEFAULTS[1]];
    expect(
      UntrustedNeverIdentity.holds(
        withGroupView(makeObs({ devs: nonPci }), 0, { default_type: 'IDENTITY' }),
      ),
    ).toBeNull();
    expect(
      UntrustedNeverIdentity.holds(
        withGroupView(makeObs({ devs: untrusted }), 0, { default_type: 'DMA_FQ' }),
      ),
    ).toBeNull();
  });
});

describe('UntrustedStrict', () => {
  const untrusted = [{ ...DEV_DEFAULTS[0], untrusted: true }, DEV_DEFAULTS[1]];
  test('fires on a flush-queue default domain for an untrusted device', () => {
    const o = withGroupView(makeObs({ devs: untrusted }), 0, { default_type: 'DMA_FQ' });
    expect(UntrustedStrict.holds(o)).toBe(
      'group 0 with an untrusted device has a DMA_FQ default domain',
    );
  });
  test('holds on strict DMA, and a trusted device may use DMA_FQ', () => {
    expect(UntrustedStrict.holds(makeObs({ devs: untrusted }))).toBeNull();
    expect(
      UntrustedStrict.holds(withGroupView(makeObs(), 0, { default_type: 'DMA_FQ' })),
    ).toBeNull();
  });
});

describe('StaticDomainsIntact', () => {
  const map = [{ iova_pfn: 5, paddr_pfn: 5, pages: 1 }];
  test('fires on a static identity domain holding a mapping', () => {
    const o = makeObs({
      domains: [
        { ...staticDomain(0, 'IDENTITY'), mappings: map },
        staticDomain(1, 'BLOCKED'),
        dmaDomain(2),
        dmaDomain(3),
      ],
    });
    expect(StaticDomainsIntact.holds(o)).toBe('static IDENTITY domain 0 holds mappings');
  });
  test('holds on a non-static identity domain with a mapping', () => {
    const o = makeObs({
      domains: [
        { ...staticDomain(0, 'IDENTITY'), is_static: false, mappings: map },
        staticDomain(1, 'BLOCKED'),
        dmaDomain(2),
        dmaDomain(3),
      ],
    });
    expect(StaticDomainsIntact.holds(o)).toBeNull();
  });
});
