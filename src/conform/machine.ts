/**
 * A scenario as a QEMU machine: which emulated IOMMU, which emulated PCI devices at which
 * addresses (a shared iommu_group as functions of one multi-function slot without ACS, which
 * the kernel's pci_device_group() puts in one group), the kernel command line, and everything
 * the scenario asks for that QEMU cannot express, with the reason. Pure.
 */
import type { KernelRevision } from '../../spec/kernel-ref.js';
import { groupNames, type Scenario } from '../../spec/scenario.js';

/** The real kernels `conform` runs: Debian 12's 6.1 and the 6.12 backport. */
export const CONFORM_KERNELS = ['6.12', '6.1'] as const;
export type ConformKernel = (typeof CONFORM_KERNELS)[number];

/**
 * The emulator revision held to each real kernel. The emulator has no v6.1 revision yet; v6.3 is
 * the nearest older one it models (the differences are listed in conform/README.md and conform/differences/).
 */
export const EMULATOR_REVISION: Readonly<Record<ConformKernel, KernelRevision>> = {
  '6.12': 'v6.12',
  '6.1': 'v6.3',
};

/** One scenario device as a guest PCI function. */
export interface GuestDevice {
  readonly name: string;
  /** Its address in the guest: 0000:00:SS.F. */
  readonly bdf: string;
  /** The in-kernel driver that binds it (drivers/tty/serial/8250/8250_pci.c registers "serial"). */
  readonly driver: string;
  readonly group: string;
}

export interface Machine {
  readonly kernel: ConformKernel;
  /** qemu-system-x86_64 arguments, without -kernel, -initrd and -append. */
  readonly qemuArgs: readonly string[];
  /** The kernel command line. */
  readonly append: string;
  readonly devices: readonly GuestDevice[];
  readonly buffers: readonly { readonly name: string; readonly size: number }[];
}

export type MachineResult =
  | { readonly ok: true; readonly machine: Machine }
  | { readonly ok: false; readonly unsupported: readonly string[] };

/** q35's bus 0 slots free for devices: 00.0 is the host bridge and 1f.* the ICH9 functions. */
const FIRST_SLOT = 0x01;
const LAST_SLOT = 0x1e;
const BDF = /^0000:00:([0-9a-f]{2})\.([0-7])$/;

const hex2 = (n: number) => n.toString(16).padStart(2, '0');

/**
 * Addresses for the devices: a scenario whose names are bus-0 BDFs that already give every group
 * its own slot (members as functions of it, function 0 present) keeps them; otherwise each group
 * gets the next free slot and its members functions 0, 1, ... in scenario order.
 */
function placeDevices(scenario: Scenario): Map<string, { slot: number; fn: number }> | string {
  const groups = groupNames(scenario);
  for (const g of groups) {
    if (scenario.devices.filter((d) => d.group === g).length > 8)
      return `group ${g} has more than 8 devices: one PCI slot holds at most 8 functions`;
  }
  const byName = new Map<string, { slot: number; fn: number }>();
  let asNamed = true;
  const slotGroup = new Map<number, string>();
  for (const d of scenario.devices) {
    const m = BDF.exec(d.name);
    if (m === null) {
      asNamed = false;
      break;
    }
    const slot = Number.parseInt(m[1], 16);
    const fn = Number(m[2]);
    const owner = slotGroup.get(slot);
    if (slot < FIRST_SLOT || slot > LAST_SLOT || (owner !== undefined && owner !== d.group)) {
      asNamed = false;
      break;
    }
    slotGroup.set(slot, d.group);
    byName.set(d.name, { slot, fn });
  }
  if (asNamed) {
    for (const g of groups) {
      const slots = new Set(
        scenario.devices.filter((d) => d.group === g).map((d) => byName.get(d.name)?.slot),
      );
      const hasFn0 = scenario.devices.some((d) => d.group === g && byName.get(d.name)?.fn === 0);
      if (slots.size !== 1 || !hasFn0) asNamed = false;
    }
  }
  if (asNamed) return byName;
  if (groups.length > LAST_SLOT - FIRST_SLOT + 1) return 'more groups than free PCI slots on bus 0';
  const placed = new Map<string, { slot: number; fn: number }>();
  groups.forEach((g, i) => {
    let fn = 0;
    for (const d of scenario.devices)
      if (d.group === g) placed.set(d.name, { slot: FIRST_SLOT + i, fn: fn++ });
  });
  return placed;
}

/** What of the scenario QEMU and Debian's kernels cannot express, one reason each. */
export function scenarioUnsupported(scenario: Scenario, kernel: ConformKernel): string[] {
  const out: string[] = [];
  const k = scenario.kernel;
  if (scenario.iommus.length !== 1)
    out.push(
      `${scenario.iommus.length} IOMMUs: a QEMU x86 machine emulates one IOMMU (one -device intel-iommu or amd-iommu)`,
    );
  for (const m of scenario.iommus) {
    if (m.driver !== 'intel-vtd' && m.driver !== 'amd') {
      out.push(
        m.driver === 'arm-smmu-v3'
          ? `IOMMU ${m.name}: arm-smmu-v3 needs qemu-system-aarch64 -M virt,iommu=smmuv3 and an arm64 agent build, which conform does not drive`
          : `IOMMU ${m.name}: QEMU emulates no ${m.driver} IOMMU`,
      );
    }
    if (m.driver === 'amd' && scenario.kernel['iommu.strict'] !== true) {
      out.push(
        `IOMMU ${m.name}: QEMU's amd-iommu reports NpCache, with which the AMD driver forces strict mode (amd_iommu_init_pci: iommu_set_dma_strict); the scenario can say so only with iommu.strict=true`,
      );
    }
    if (
      m.driver === 'intel-vtd' &&
      kernel === '6.12' &&
      !m.caps.includes('IOMMU_CAP_DEFERRED_FLUSH')
    ) {
      out.push(
        `IOMMU ${m.name}: the real VT-d driver always reports IOMMU_CAP_DEFERRED_FLUSH (intel_iommu_capable), the scenario leaves it out`,
      );
    }
  }
  for (const d of scenario.devices) {
    if (d.untrusted)
      out.push(
        `device ${d.name}: untrusted (an external-facing port) cannot be set on a QEMU device`,
      );
    if (d.require_direct)
      out.push(
        `device ${d.name}: require_direct needs a firmware RMRR/IVMD region for the device, which QEMU's DMAR/IVRS tables do not describe`,
      );
    if (d.shadow_on_flush) out.push(`device ${d.name}: shadow_on_flush has no QEMU device model`);
    if (d.max_pasids > 0)
      out.push(
        `device ${d.name}: max_pasids ${d.max_pasids}: QEMU's emulated PCI devices have no PASID capability`,
      );
    if (!d.pci)
      out.push(`device ${d.name}: a non-PCI device; QEMU's x86 IOMMUs translate PCI only`);
  }
  if (scenario.faults.length > 0)
    out.push('injected driver-op faults (scenario faults) have no real-kernel counterpart');
  if (k.CONFIG_IOMMU_DEFAULT_PASSTHROUGH)
    out.push('CONFIG_IOMMU_DEFAULT_PASSTHROUGH=y: Debian builds CONFIG_IOMMU_DEFAULT_DMA_LAZY=y');
  if (k.CONFIG_IOMMU_DEFAULT_DMA_STRICT)
    out.push('CONFIG_IOMMU_DEFAULT_DMA_STRICT=y: Debian builds CONFIG_IOMMU_DEFAULT_DMA_LAZY=y');
  if (!k.CONFIG_IOMMU_DMA) out.push('CONFIG_IOMMU_DMA=n: Debian builds it in');
  if (k.CC_ATTR_MEM_ENCRYPT) out.push('CC_ATTR_MEM_ENCRYPT: no memory encryption under QEMU TCG');
  return out;
}

/** The machine for a scenario, or why there is none. */
export function describeMachine(scenario: Scenario, kernel: ConformKernel): MachineResult {
  const unsupported = scenarioUnsupported(scenario, kernel);
  const placed = placeDevices(scenario);
  if (typeof placed === 'string') unsupported.push(placed);
  if (unsupported.length > 0 || typeof placed === 'string') return { ok: false, unsupported };
  const iommu = scenario.iommus[0];
  const args = ['-accel', 'tcg', '-cpu', 'max', '-m', '512', '-smp', '1'];
  args.push('-nographic', '-nodefaults', '-no-reboot', '-serial', 'stdio', '-net', 'none');
  // no_timer_check: under TCG on a loaded host the IO-APIC timer test can miss its window and
  // panic ("timer doesn't work through Interrupt-remapped IO-APIC"); it tests QEMU, not the IOMMU
  const append = ['console=ttyS0', 'quiet', 'loglevel=3', 'panic=-1', 'no_timer_check'];
  if (iommu.driver === 'intel-vtd') {
    args.push('-M', 'q35,kernel-irqchip=split');
    // caching mode is the scenario's (caching_mode): with it the VT-d driver forces strict mode
    // ("IOMMU batching disallowed due to virtualization"); emulated devices do not need it.
    args.push(
      '-device',
      `intel-iommu,intremap=on,caching-mode=${iommu.caching_mode ? 'on' : 'off'}`,
    );
    append.push('intel_iommu=on');
  } else {
    args.push('-M', 'q35');
    args.push('-device', 'amd-iommu');
    append.push('amd_iommu=on');
  }
  const k = scenario.kernel;
  if (k['iommu.passthrough'] !== undefined)
    append.push(`iommu.passthrough=${k['iommu.passthrough'] ? 1 : 0}`);
  if (k['iommu.strict'] !== undefined) append.push(`iommu.strict=${k['iommu.strict'] ? 1 : 0}`);
  if (k['iommu.forcedac']) append.push('iommu.forcedac=1');
  const devices: GuestDevice[] = [];
  const multi = new Set<number>();
  for (const p of placed.values()) if (p.fn > 0) multi.add(p.slot);
  scenario.devices.forEach((d, i) => {
    const p = placed.get(d.name);
    if (p === undefined) return;
    const addr = `${hex2(p.slot)}.${p.fn}`;
    args.push('-chardev', `null,id=c${i}`);
    const mf = p.fn === 0 && multi.has(p.slot) ? ',multifunction=on' : '';
    args.push('-device', `pci-serial,chardev=c${i},addr=${addr}${mf}`);
    devices.push({ name: d.name, bdf: `0000:00:${addr}`, driver: 'serial', group: d.group });
  });
  return {
    ok: true,
    machine: {
      kernel,
      qemuArgs: args,
      append: append.join(' '),
      devices,
      buffers: scenario.buffers.map((b) => ({ name: b.name, size: b.size })),
    },
  };
}
