import { readFileSync } from 'node:fs';
import { test } from 'vitest';
import { FAULT_OPS } from '../../spec/calls.js';
import { parseScenario } from '../../spec/parse.js';
import { BUILTIN_SCENARIOS, SIMULATION_SCENARIOS } from '../../spec/scenarios/index.js';
import { describePath, lockstepBfs } from './lockstep-bfs.js';

type J = Record<string, unknown>;
const clone = (x: unknown): J => JSON.parse(JSON.stringify(x));
const MAX = Number(process.env.MAXS ?? 20000);
const ONLY = process.env.ONLY;

function variants(): [string, unknown][] {
  const out: [string, unknown][] = [];
  const ex = JSON.parse(readFileSync('/work/shared/examples/scenario.json', 'utf8'));
  out.push(['example', ex]);
  out.push(['large-mixed', SIMULATION_SCENARIOS['large-mixed']]);
  for (const [name, raw] of Object.entries(BUILTIN_SCENARIOS)) {
    const f = clone(raw);
    (f.bounds as J).faults = [...FAULT_OPS];
    f.name = `${name}+faults`;
    out.push([f.name as string, f]);
    for (const rev of ['v6.3', 'v6.12']) {
      const r = clone(raw);
      r.kernel = { ...((r.kernel as J) ?? {}), revision: rev };
      r.name = `${name}@${rev}`;
      out.push([r.name as string, r]);
    }
    const o = clone(raw);
    const b = o.bounds as J;
    if (Array.isArray(b.calls))
      b.calls = [
        ...(b.calls as string[]),
        'iommu_get_domain_for_dev',
        'iommu_group_show_type',
        'iommu_sva_get_pasid',
        'dma_opt_mapping_size',
        'iommu_map',
        'iommu_unmap',
        'iommu_iotlb_sync',
        'iommu_iova_to_phys',
        'iommu_group_replace_domain',
        'iommu_replace_device_pasid',
        'iommu_attach_group',
        'iommu_detach_group',
      ];
    o.name = `${name}+optin`;
    out.push([o.name as string, o]);
  }
  out.push([
    'rd-multi',
    {
      name: 'rd-multi',
      kernel: { 'iommu.strict': false },
      iommus: [{ name: 'm0', driver: 'mock', caps: ['IOMMU_CAP_DEFERRED_FLUSH'], max_pasids: 8 }],
      devices: [
        { name: 'a', iommu: 'm0', group: 'g0', max_pasids: 8 },
        { name: 'b', iommu: 'm0', group: 'g0', require_direct: true, max_pasids: 4 },
      ],
      bounds: {
        domains: 1,
        pasids: [1, 4],
        faults: [...FAULT_OPS],
        types: ['identity', 'DMA', 'DMA-FQ', 'auto', 'blocked'],
      },
    },
  ]);
  out.push([
    'two-groups-one-iommu',
    {
      name: 'two-groups-one-iommu',
      iommus: [
        { name: 's0', driver: 'arm-smmu-v3', caps: [], max_pasids: 4 },
        { name: 's1', driver: 'arm-smmu-v3', caps: ['IOMMU_CAP_DEFERRED_FLUSH'], max_pasids: 4 },
      ],
      devices: [
        { name: 'a', iommu: 's0', group: 'g0', max_pasids: 4 },
        { name: 'b', iommu: 's0', group: 'g1', max_pasids: 2 },
        { name: 'c', iommu: 's1', group: 'g2', max_pasids: 4 },
      ],
      bounds: {
        domains: 2,
        pasids: [1, 2],
        mms: 1,
        faults: ['set_dev_pasid', 'domain_alloc_paging', 'attach_dev'],
      },
    },
  ]);
  out.push([
    'config-edge',
    {
      name: 'config-edge',
      kernel: { CONFIG_IOMMU_DEFAULT_PASSTHROUGH: true, CC_ATTR_MEM_ENCRYPT: true },
      iommus: [
        { name: 'z', driver: 's390', caps: [], rtr_avail: true },
        { name: 'a', driver: 'amd', caps: ['IOMMU_CAP_DEFERRED_FLUSH'], max_pasids: 8 },
      ],
      devices: [
        { name: 'z0', iommu: 'z', group: 'g0' },
        { name: 'a0', iommu: 'a', group: 'g1', untrusted: true, max_pasids: 8 },
        { name: 'a1', iommu: 'a', group: 'g2', max_pasids: 8 },
      ],
      buffers: [{ name: 'b0', size: 4096 }],
      bounds: {
        faults: [...FAULT_OPS],
        types: ['identity', 'DMA', 'DMA-FQ', 'auto', 'DMA\n', 'x'],
      },
    },
  ]);
  out.push([
    'no-dma',
    {
      name: 'no-dma',
      kernel: { CONFIG_IOMMU_DMA: false },
      iommus: [
        { name: 'z', driver: 's390', caps: [] },
        { name: 'a', driver: 'amd', caps: [], max_pasids: 8 },
      ],
      devices: [
        { name: 'z0', iommu: 'z', group: 'g0' },
        { name: 'a0', iommu: 'a', group: 'g1', untrusted: true },
        { name: 'a1', iommu: 'a', group: 'g2', max_pasids: 8 },
      ],
      bounds: { types: ['identity', 'DMA', 'auto'] },
    },
  ]);
  return out;
}

test('stress', () => {
  for (const [name, raw] of variants()) {
    if (ONLY && !name.includes(ONLY)) continue;
    const p = parseScenario(raw);
    if (!p.ok) {
      console.log('BAD', name, p);
      continue;
    }
    const t0 = performance.now();
    const r = lockstepBfs(p.value, MAX);
    console.log(
      `${name}: states=${r.states} trans=${r.transitions} complete=${r.complete} div=${r.divergences.length} viol=${r.violations.length} ${((performance.now() - t0) / 1000).toFixed(1)}s`,
    );
    const seenD = new Set<string>();
    for (const d of r.divergences) {
      const k = d.path[d.path.length - 1].type + d.message.slice(0, 40);
      if (seenD.has(k) || seenD.size >= 4) continue;
      seenD.add(k);
      console.log('  DIV', d.message, '\n  ', describePath(d.path));
    }
    const seen = new Set<string>();
    for (const v of r.violations) {
      if (seen.has(v.invariant)) continue;
      seen.add(v.invariant);
      console.log('  VIOL', v.invariant, v.message, '\n  ', describePath(v.path));
    }
  }
}, 3_600_000);
