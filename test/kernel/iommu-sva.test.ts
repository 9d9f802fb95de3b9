/**
 * Shared virtual addressing: drivers/iommu/iommu-sva.c iommu_sva_bind_device (with
 * iommu_alloc_mm_data), iommu_sva_unbind_device, iommu_sva_get_pasid and mm_pasid_drop.
 * One test per errno rule, in kernel order.
 */
import { describe, expect, test } from 'vitest';
import { IOMMU_DOMAIN_SVA, IOMMU_PASID_INVALID } from '../../spec/domain-types.js';
import { EBUSY, EINVAL, ENOSPC, EOPNOTSUPP, EOVERFLOW } from '../../spec/errno.js';
import { ENTRY_TRANSLATE } from '../../src/drivers/table.js';
import { pasidEntry } from '../../src/kernel/iommu.js';
import {
  allocDomain,
  boot,
  build,
  builtin,
  call,
  domainOf,
  type Env,
  group,
  hwPasid,
  iommu,
  warnCount,
} from '../__helpers__/scenarios.js';

const bind = (env: Env, dev: string, mm: number, handle: string) =>
  call(env, 'iommu_sva_bind_device', { dev, mm, handle });
const unbind = (env: Env, handle: string) => call(env, 'iommu_sva_unbind_device', { handle });

/** Two PASID-capable mock devices in their own groups, one with few PASIDs. */
const devices = () =>
  boot(
    build([
      { name: 'A', max_pasids: 16, group: 'ga' },
      { name: 'B', max_pasids: 16, group: 'gb' },
      { name: 'S', max_pasids: 4, group: 'gs' },
      { name: 'N', max_pasids: 0, group: 'gn' },
    ]),
  );

describe('iommu_sva_bind_device', () => {
  test('binds: the mm gets a global PASID and an SVA domain is attached at (dev, PASID) (drivers/iommu/iommu-sva.c iommu_sva_bind_device)', () => {
    const env = devices();
    expect(bind(env, 'A', 0, 'bond')).toBe('bond');
    expect(env.st.mms[0].pasid).toBe(1);
    expect(env.st.global_pasids).toEqual([1]);
    const e = pasidEntry(env.st, 0, 1)!;
    expect(e.handle).toBe('bond');
    const d = domainOf(env, e.domain);
    expect(d.type).toBe(IOMMU_DOMAIN_SVA);
    expect(d.mm).toBe(0);
    expect(d.users).toBe(1);
    expect(hwPasid(env, 'A', 1)).toEqual([ENTRY_TRANSLATE, e.domain]);
  });

  test('-ENOSPC when the device has no PASIDs and the mm none yet (drivers/iommu/iommu-sva.c iommu_alloc_mm_data)', () => {
    const env = devices();
    expect(bind(env, 'N', 0, 'bond')).toBe(-ENOSPC);
    expect(env.st.mms[0].pasid).toBe(IOMMU_PASID_INVALID);
  });

  test('-ENOSPC when the global PASID space of the device is exhausted (drivers/iommu/iommu-sva.c iommu_alloc_mm_data)', () => {
    const env = devices();
    for (let i = 0; i < 3; i++) call(env, 'iommu_alloc_global_pasid', { dev: 'S' });
    expect(bind(env, 'S', 0, 'bond')).toBe(-ENOSPC);
    expect(env.st.svas).toEqual([]);
  });

  test("-EOVERFLOW when the mm's PASID is beyond the device's max_pasids (drivers/iommu/iommu-sva.c iommu_alloc_mm_data)", () => {
    const env = devices();
    for (let i = 0; i < 5; i++) call(env, 'iommu_alloc_global_pasid', { dev: 'A' });
    expect(bind(env, 'A', 0, 'a')).toBe('a');
    expect(env.st.mms[0].pasid).toBe(6);
    expect(bind(env, 'S', 0, 's')).toBe(-EOVERFLOW);
  });

  test('-EOVERFLOW is checked before any allocation: a PASID-less device with a PASID-holding mm gets -EOVERFLOW, not -ENOSPC (drivers/iommu/iommu-sva.c iommu_alloc_mm_data)', () => {
    const env = devices();
    bind(env, 'A', 0, 'a');
    expect(bind(env, 'N', 0, 'n')).toBe(-EOVERFLOW);
  });

  test('a second bind of the same (device, mm) takes a reference on the same handle (drivers/iommu/iommu-sva.c iommu_sva_bind_device: iommu_attach_handle_get)', () => {
    const env = devices();
    expect(bind(env, 'A', 0, 'first')).toBe('first');
    expect(bind(env, 'A', 0, 'second')).toBe('first');
    expect(env.st.svas).toHaveLength(1);
    expect(env.st.svas[0].users).toBe(2);
    expect(group(env, 'ga').pasid_array).toHaveLength(1);
  });

  test("a second device bound to the same mm reuses the mm's SVA domain (domain->users++) (drivers/iommu/iommu-sva.c iommu_sva_bind_device)", () => {
    const env = devices();
    bind(env, 'A', 0, 'a');
    bind(env, 'B', 0, 'b');
    const da = pasidEntry(env.st, 0, 1)!.domain;
    const db = pasidEntry(env.st, 1, 1)!.domain;
    expect(db).toBe(da);
    expect(domainOf(env, da).users).toBe(2);
  });

  test('-EBUSY when the PASID holds a non-SVA attachment with a handle (iommu_attach_handle_get type mismatch) (drivers/iommu/iommu-sva.c iommu_sva_bind_device)', () => {
    const env = devices();
    const d = allocDomain(env, 'A');
    // A device-local PASID that the global IDA knows nothing about.
    expect(
      call(env, 'iommu_attach_device_pasid', { domain: d, dev: 'A', pasid: 1, handle: 'h' }),
    ).toBe(0);
    expect(bind(env, 'A', 0, 'bond')).toBe(-EBUSY);
    expect(pasidEntry(env.st, 0, 1)?.domain).toBe(d);
  });

  test('-EBUSY when the PASID holds a domain attached without a handle (xa_insert on an occupied slot) (drivers/iommu/iommu.c iommu_attach_device_pasid via iommu_sva_bind_device)', () => {
    const env = devices();
    const d = allocDomain(env, 'A');
    call(env, 'iommu_attach_device_pasid', { domain: d, dev: 'A', pasid: 1 });
    const live = env.st.domains.filter((x) => x !== null).length;
    expect(bind(env, 'A', 0, 'bond')).toBe(-EBUSY);
    // The SVA domain allocated for the failed attach is freed again.
    expect(env.st.domains.filter((x) => x !== null).length).toBe(live);
  });

  test('-EOPNOTSUPP without domain_alloc_sva; the mm keeps the PASID it was given (drivers/iommu/iommu-sva.c iommu_sva_domain_alloc)', () => {
    const env = boot(
      build([{ name: 'Z', max_pasids: 16 }], {
        iommus: [iommu('s390', { caps: [], max_pasids: 16, rtr_avail: true })],
        kernel: { 'iommu.passthrough': true },
      }),
    );
    expect(bind(env, 'Z', 0, 'bond')).toBe(-EOPNOTSUPP);
    expect(env.st.mms[0].pasid).toBe(1);
  });

  test('AMD iGPU + audio group: the PASID-less audio function is skipped (newest) (drivers/iommu/iommu.c iommu_attach_device_pasid, b3f6fcd8404f)', () => {
    const env = boot(builtin('amd-igpu-audio'));
    expect(bind(env, '0000:03:00.0', 0, 'gpu')).toBe('gpu');
    expect(hwPasid(env, '0000:03:00.1', 1)).toBeNull();
  });

  test('v6.12: the PASID-less audio function makes the bind fail with -EINVAL; the mm keeps its PASID (drivers/iommu/iommu.c iommu_attach_device_pasid before b3f6fcd8404f)', () => {
    const raw = builtin('amd-igpu-audio');
    const env = boot({ ...raw, kernel: { ...raw.kernel, revision: 'v6.12' } });
    expect(bind(env, '0000:03:00.0', 0, 'gpu')).toBe(-EINVAL);
    expect(env.st.mms[0].pasid).toBe(1);
    expect(env.st.svas).toEqual([]);
  });
});

describe('iommu_sva_unbind_device', () => {
  test('dropping one of two references keeps the bond attached (drivers/iommu/iommu-sva.c iommu_sva_unbind_device: refcount_dec_and_test)', () => {
    const env = devices();
    bind(env, 'A', 0, 'bond');
    bind(env, 'A', 0, 'bond');
    expect(unbind(env, 'bond')).toBe(0);
    expect(env.st.svas[0].users).toBe(1);
    expect(pasidEntry(env.st, 0, 1)).toBeDefined();
  });

  test('the last reference detaches the PASID and frees the SVA domain with its last user (drivers/iommu/iommu-sva.c iommu_sva_unbind_device)', () => {
    const env = devices();
    bind(env, 'A', 0, 'bond');
    const d = pasidEntry(env.st, 0, 1)!.domain;
    expect(unbind(env, 'bond')).toBe(0);
    expect(pasidEntry(env.st, 0, 1)).toBeUndefined();
    expect(hwPasid(env, 'A', 1)).toBeNull();
    expect(env.st.domains[d]).toBeNull();
    expect(env.st.mms[0].sva_domains).toEqual([]);
    expect(warnCount(env)).toBe(0);
  });

  test('a shared SVA domain survives while another device still uses it (drivers/iommu/iommu-sva.c iommu_sva_unbind_device: --domain->users)', () => {
    const env = devices();
    bind(env, 'A', 0, 'a');
    bind(env, 'B', 0, 'b');
    const d = pasidEntry(env.st, 0, 1)!.domain;
    unbind(env, 'a');
    expect(env.st.domains[d]).not.toBeNull();
    expect(domainOf(env, d).users).toBe(1);
    expect(pasidEntry(env.st, 1, 1)?.domain).toBe(d);
  });

  test("the mm's PASID outlives every bond (drivers/iommu/iommu-sva.c: freed only by mm_pasid_drop)", () => {
    const env = devices();
    bind(env, 'A', 0, 'bond');
    unbind(env, 'bond');
    expect(env.st.mms[0].pasid).toBe(1);
    expect(env.st.global_pasids).toEqual([1]);
    // A new bind reuses it.
    expect(bind(env, 'B', 0, 'again')).toBe('again');
    expect(pasidEntry(env.st, 1, 1)).toBeDefined();
  });
});

describe('iommu_sva_get_pasid and mm_pasid_drop', () => {
  test("iommu_sva_get_pasid returns the mm's PASID (mm_get_enqcmd_pasid) (drivers/iommu/iommu-sva.c iommu_sva_get_pasid)", () => {
    const env = devices();
    call(env, 'iommu_alloc_global_pasid', { dev: 'A' });
    bind(env, 'A', 1, 'bond');
    expect(call(env, 'iommu_sva_get_pasid', { handle: 'bond' })).toBe(2);
  });

  test('mm_pasid_drop frees the global PASID at mm teardown (drivers/iommu/iommu-sva.c mm_pasid_drop)', () => {
    const env = devices();
    bind(env, 'A', 0, 'bond');
    unbind(env, 'bond');
    expect(call(env, 'mm_pasid_drop', { mm: 0 })).toBe(0);
    expect(env.st.mms[0].pasid).toBe(IOMMU_PASID_INVALID);
    expect(env.st.global_pasids).toEqual([]);
    expect(warnCount(env)).toBe(0);
  });

  test('mm_pasid_drop on an mm that never had a PASID does nothing (drivers/iommu/iommu-sva.c mm_pasid_drop)', () => {
    const env = devices();
    call(env, 'iommu_alloc_global_pasid', { dev: 'A' });
    expect(call(env, 'mm_pasid_drop', { mm: 1 })).toBe(0);
    expect(env.st.global_pasids).toEqual([1]);
    expect(warnCount(env)).toBe(0);
  });
});
