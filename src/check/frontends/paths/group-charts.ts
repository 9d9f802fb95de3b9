/** Chart-path definitions of the per-group charts: the iommu_group chart and a (group, PASID) slot. */
import {
  type GroupEvent,
  iommuGroupMachine,
} from '../../../../machines/charts/iommu_group.machine.js';
import {
  type PasidSlotEvent,
  pasidSlotMachine,
} from '../../../../machines/charts/pasid_slot.machine.js';
import {
  currentDomainName,
  type GroupSnapshot,
  type KernelSpecState,
  type PasidSlotSnapshot,
  replaceAt,
  slotAt,
} from '../../../../machines/router/state.js';
import {
  attachFacts,
  pasidFacts as pasidFactsOf,
  type ResolvedDomain,
  sameDriver,
  sysfsFacts,
} from '../../../../machines/rules/iommu.js';
import type { CallName } from '../../../../spec/calls.js';
import {
  type ChartDef,
  type Env,
  Labels,
  mayHavePasids,
  reachableDefaultTypes,
  unique,
  userDomainIommus,
  userDomainName,
  valueName,
} from './env.js';

/** The kernel call that sends each group event (the driver core's bind and unbind use the group). */
const GROUP_CALLS: Readonly<Record<GroupEvent['type'], CallName>> = {
  iommu_device_use_default_domain: 'device_driver_attach',
  iommu_device_unuse_default_domain: 'device_release_driver',
  iommu_group_claim_dma_owner: 'iommu_group_claim_dma_owner',
  iommu_device_claim_dma_owner: 'iommu_device_claim_dma_owner',
  iommu_group_release_dma_owner: 'iommu_group_release_dma_owner',
  iommu_device_release_dma_owner: 'iommu_device_release_dma_owner',
  iommu_attach_device: 'iommu_attach_device',
  iommu_attach_group: 'iommu_attach_group',
  iommu_group_replace_domain: 'iommu_group_replace_domain',
  iommu_detach_device: 'iommu_detach_device',
  iommu_detach_group: 'iommu_detach_group',
  iommu_group_store_type: 'iommu_group_store_type',
  iommu_group_show_type: 'iommu_group_show_type',
  iommu_get_domain_for_dev: 'iommu_get_domain_for_dev',
};

export function groupDef(env: Env, g: number): ChartDef<typeof iommuGroupMachine> {
  const { topo, calls, scenario } = env;
  const labels = new Labels<GroupEvent>();
  const members = topo.groups[g].devices;
  const multi = members.length > 1;
  const pasidOpts = mayHavePasids(env, g) ? [true, false] : [true];
  const callOf = (type: GroupEvent['type']): CallName => GROUP_CALLS[type];
  const blocking: ResolvedDomain = {
    name: 'blocking',
    region: 'blocking',
    kind: 'blocked',
    iommu: topo.groups[g].iommu,
  };
  const events = (s: GroupSnapshot): GroupEvent[] => {
    const out: GroupEvent[] = [];
    const add = (label: string, ev: GroupEvent) => {
      if (calls.has(callOf(ev.type))) labels.add(out, label, ev);
    };
    const users = s.context.owner_cnt;
    const dmaApi = s.matches({ ownership: 'dma_api' });
    const owned = s.matches({ ownership: 'owned' });
    // The boot state with this group in place; a DMA-API user means its first member is bound.
    const synth: KernelSpecState = {
      ...env.boot,
      groups: replaceAt(env.boot.groups, g, s),
      devices: dmaApi
        ? replaceAt(
            env.boot.devices,
            members[0],
            env.charts.device.fire(env.boot.devices[members[0]], {
              type: 'device_driver_attach',
              group_ret: 0,
            }).next,
          )
        : env.boot.devices,
    };
    const pasids = (pe: boolean) => (pe ? '' : ', PASIDs attached');
    // Each member binds its driver once (driver core), not onto a multi-device group an unowned
    // caller left on its private domain (contract); release only a bound driver, PASIDs gone.
    const strandedPrivate = multi && s.matches({ domain: 'private', ownership: 'unowned' });
    if (!(dmaApi && users >= members.length) && !strandedPrivate)
      for (const pe of pasidOpts)
        add(`device_driver_attach${pasids(pe)}`, {
          type: 'iommu_device_use_default_domain',
          pasid_array_empty: pe,
        });
    if (dmaApi)
      add('device_release_driver', {
        type: 'iommu_device_unuse_default_domain',
        pasid_array_empty: true,
      });
    // Claims: with an owner, on a group with a default domain; each member claims once.
    if (s.context.default_type !== 'NONE') {
      const attach = attachFacts(topo, synth, g, blocking, s.matches({ domain: 'blocking' }));
      for (const owner of scenario.bounds.owners)
        for (const pe of pasidOpts) {
          const claim = { owner, pasid_array_empty: pe, attach };
          add(`iommu_group_claim_dma_owner(${owner}${pasids(pe)})`, {
            type: 'iommu_group_claim_dma_owner',
            ...claim,
          });
          if (!(owned && users >= members.length))
            add(`iommu_device_claim_dma_owner(${owner}${pasids(pe)})`, {
              type: 'iommu_device_claim_dma_owner',
              ...claim,
            });
        }
    }
    // Releases: only by the owner, after its PASIDs are detached (unless claims remain).
    if (owned) {
      add('iommu_group_release_dma_owner', {
        type: 'iommu_group_release_dma_owner',
        pasid_array_empty: true,
      });
      for (const pe of users > 1 ? pasidOpts : [true])
        add(`iommu_device_release_dma_owner${pasids(pe)}`, {
          type: 'iommu_device_release_dma_owner',
          pasid_array_empty: pe,
        });
    }
    // RID attach and detach with the caller's user domains, on each IOMMU they may be from.
    for (let slot = 0; slot < scenario.bounds.domains; slot++)
      for (const iommu of userDomainIommus(env)) {
        const name = `d${slot}`;
        const d: ResolvedDomain = { name, region: 'private', kind: 'paging', iommu };
        const current = currentDomainName(s) === name;
        const common = {
          compatible: sameDriver(topo, iommu, topo.groups[g].iommu),
          target: { name, region: 'private' } as const,
          attach: attachFacts(topo, synth, g, d, current),
        };
        const shown = userDomainName(env, slot, iommu);
        add(`iommu_attach_device(${shown})`, {
          type: 'iommu_attach_device',
          singleton: !multi,
          ...common,
        });
        if (!(multi && dmaApi))
          add(`iommu_attach_group(${shown})`, { type: 'iommu_attach_group', ...common });
        if (owned)
          add(`iommu_group_replace_domain(${shown})`, {
            type: 'iommu_group_replace_domain',
            ...common,
          });
        if (current && !multi)
          add(`iommu_detach_device(${shown})`, {
            type: 'iommu_detach_device',
            current: true,
            singleton: true,
          });
        if (current) add(`iommu_detach_group(${shown})`, { type: 'iommu_detach_group' });
      }
    for (const t of scenario.bounds.types)
      add(`iommu_group_store_type(${JSON.stringify(t)})`, {
        type: 'iommu_group_store_type',
        ...sysfsFacts(topo, synth, g, t),
      });
    add('iommu_group_show_type', { type: 'iommu_group_show_type' });
    add('iommu_get_domain_for_dev', { type: 'iommu_get_domain_for_dev' });
    return out;
  };
  return {
    chart: 'iommu_group',
    instance: `group ${g}`,
    machine: iommuGroupMachine,
    compiled: env.charts.group,
    project: (s) => s.groups[g],
    events,
    calls: (type) => [callOf(type)],
    describe: (s) => {
      const c = s.context;
      const extra = [
        c.default_type,
        c.private_domain ?? '',
        c.owner === null ? '' : `owner=${c.owner}`,
        `owner_cnt=${c.owner_cnt}`,
      ].filter((x) => x !== '');
      return `${valueName(s.value)} [${extra.join(' ')}]`;
    },
    label: labels.get,
  };
}

/* pasid_slot ------------------------------------------------------------------------------- */

export function slotDef(env: Env, g: number, pasid: number): ChartDef<typeof pasidSlotMachine> {
  const { topo, calls, scenario } = env;
  const labels = new Labels<PasidSlotEvent>();
  const members = topo.groups[g].devices;
  const devName = (dev: number) => (scenario.devices.length > 1 ? `, dev ${dev}` : '');
  // The domains a caller may hold at this PASID: its user domains, and the group's default
  // domain through the IDXD pattern (a driver's own global PASID, so only where the scenario
  // allocates global PASIDs), in every kind the default domain can have.
  const held: ResolvedDomain[] = [];
  for (let slot = 0; slot < scenario.bounds.domains; slot++)
    for (const iommu of userDomainIommus(env))
      held.push({ name: `d${slot}`, region: 'private', kind: 'paging', iommu });
  const defaultKinds = reachableDefaultTypes(env, g).flatMap((type) =>
    type === 'NONE' ? [] : [type === 'IDENTITY' ? ('identity' as const) : ('paging' as const)],
  );
  if (calls.has('iommu_alloc_global_pasid'))
    for (const kind of unique(defaultKinds))
      held.push({ name: 'default', region: 'default', kind, iommu: topo.groups[g].iommu });
  const events = (s: PasidSlotSnapshot): PasidSlotEvent[] => {
    const out: PasidSlotEvent[] = [];
    for (const dev of members)
      for (const d of held) {
        const shown =
          d.name === 'default' ? 'default' : userDomainName(env, Number(d.name.slice(1)), d.iommu);
        const call = (attach: boolean) => ({
          domain: d.name,
          pasid,
          facts: pasidFacts(env, d, dev, pasid, attach),
        });
        if (calls.has('iommu_attach_device_pasid'))
          labels.add(out, `iommu_attach_device_pasid(${shown}${devName(dev)})`, {
            type: 'iommu_attach_device_pasid',
            handle: null,
            ...call(true),
          });
        if (calls.has('iommu_replace_device_pasid') && scenario.kernel.revision === 'newest')
          labels.add(out, `iommu_replace_device_pasid(${shown}${devName(dev)})`, {
            type: 'iommu_replace_device_pasid',
            handle: `h${pasid}`,
            ...call(false),
          });
      }
    if (calls.has('iommu_sva_bind_device'))
      for (const dev of members)
        for (let mm = 0; mm < scenario.bounds.mms; mm++) {
          const d: ResolvedDomain = {
            name: `sva:${mm}`,
            region: 'private',
            kind: 'sva',
            iommu: topo.devices[dev].iommu,
          };
          labels.add(out, `iommu_sva_bind_device(dev ${dev}, mm ${mm})`, {
            type: 'iommu_attach_device_pasid',
            domain: d.name,
            handle: `sva:${dev}:${mm}`,
            pasid,
            facts: pasidFacts(env, d, dev, pasid, true),
          });
        }
    if (s.matches('attached')) {
      const sva = s.context.domain?.startsWith('sva:') === true;
      if (calls.has(sva ? 'iommu_sva_unbind_device' : 'iommu_detach_device_pasid'))
        labels.add(out, sva ? 'iommu_sva_unbind_device' : 'iommu_detach_device_pasid', {
          type: 'iommu_detach_device_pasid',
        });
    }
    return out;
  };
  const SLOT_CALLS: Record<PasidSlotEvent['type'], readonly CallName[]> = {
    iommu_attach_device_pasid: ['iommu_attach_device_pasid', 'iommu_sva_bind_device'],
    iommu_replace_device_pasid: ['iommu_replace_device_pasid'],
    iommu_detach_device_pasid: ['iommu_detach_device_pasid', 'iommu_sva_unbind_device'],
  };
  return {
    chart: 'pasid_slot',
    instance: `group ${g} PASID ${pasid}`,
    machine: pasidSlotMachine,
    compiled: env.charts.slot,
    project: (s) => slotAt(s, g, pasid),
    events,
    calls: (type) => SLOT_CALLS[type],
    describe: (s) =>
      s.matches('attached')
        ? `attached [${s.context.domain}${s.context.handle === null ? '' : ` handle=${s.context.handle}`}]`
        : 'free',
    label: labels.get,
  };
}

/** machines/rules/iommu.ts pasidFacts with nothing armed (no built-in scenario arms faults). */
export function pasidFacts(
  env: Env,
  d: ResolvedDomain,
  dev: number,
  pasid: number,
  attach: boolean,
) {
  return pasidFactsOf(env.topo, env.boot.armed, d, dev, pasid, attach);
}

/* dma_mapping ------------------------------------------------------------------------------ */
