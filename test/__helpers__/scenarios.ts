/**
 * Shared scenario builders and a thin driver for the emulator, for the errno-path tests in
 * test/kernel. Scenarios are validated by the real parser (spec/parse.ts), so a builder that
 * produces a bad scenario fails loudly instead of silently testing something else.
 */
import type { CallName, FaultOp } from '../../spec/calls.js';
import type { KernelRet } from '../../spec/events.js';
import { parseScenario } from '../../spec/parse.js';
import type { Scenario, ScenarioInput } from '../../spec/scenario.js';
import { BUILTIN_SCENARIOS } from '../../spec/scenarios/index.js';
import { bootEmulator } from '../../src/check/core/emulator.js';
import { type EmuArgs, kernel_call } from '../../src/kernel/dispatch.js';
import { cloneKernelState } from '../../src/kernel/state.js';
import type { IommuDomain, KernelConfig, KernelState } from '../../src/kernel/types.js';

export type IommuInput = ScenarioInput['iommus'][number];
export type DeviceInput = ScenarioInput['devices'][number];
export type KernelInput = NonNullable<ScenarioInput['kernel']>;

/** Parse a scenario with the project's own validator; a builder bug throws here. */
export function scenario(input: unknown): Scenario {
  const r = parseScenario(input);
  if (!r.ok) throw new Error(`test scenario is invalid: ${r.where}: ${r.message}`);
  return r.value;
}

/** A built-in scenario (spec/scenarios/*.json), parsed. */
export function builtin(name: string): Scenario {
  return scenario(BUILTIN_SCENARIOS[name]);
}

export interface BuildOptions {
  readonly name?: string;
  readonly kernel?: KernelInput;
  readonly iommus?: IommuInput[];
  readonly faults?: { op: FaultOp; nth: number }[];
  readonly buffers?: { name: string; size: number }[];
  readonly dma?: ScenarioInput['dma'];
}

/** The default IOMMU of the builders: a mock driver with deferred flush and 16 PASIDs. */
export const MOCK_IOMMU: IommuInput = {
  name: 'm0',
  driver: 'mock',
  caps: ['IOMMU_CAP_DEFERRED_FLUSH'],
  max_pasids: 16,
};

/** A scenario from devices (group "g0" and IOMMU "m0" unless given) and options. */
export function build(devices: Partial<DeviceInput>[], opts: BuildOptions = {}): Scenario {
  const iommus = opts.iommus ?? [MOCK_IOMMU];
  return scenario({
    name: opts.name ?? 'test',
    kernel: opts.kernel ?? {},
    iommus,
    devices: devices.map((d, i) => ({
      name: d.name ?? `dev${i}`,
      iommu: d.iommu ?? iommus[0].name,
      group: d.group ?? 'g0',
      ...d,
    })),
    buffers: opts.buffers ?? [
      { name: 'b0', size: 4096 },
      { name: 'b1', size: 4096 },
    ],
    faults: opts.faults ?? [],
    ...(opts.dma ? { dma: opts.dma } : {}),
    bounds: { mms: 2 },
  });
}

/** One IOMMU instance of the given driver. */
export function iommu(driver: IommuInput['driver'], over: Partial<IommuInput> = {}): IommuInput {
  return {
    name: over.name ?? `${driver}0`,
    driver,
    caps: ['IOMMU_CAP_DEFERRED_FLUSH'],
    max_pasids: 16,
    ...over,
  };
}

/** A booted emulator: the immutable topology and a private copy of the state after boot. */
export interface Env {
  readonly cfg: KernelConfig;
  readonly st: KernelState;
}

export function boot(sc: Scenario, options: { mutants?: string[] } = {}): Env {
  const emu = bootEmulator(sc, options);
  return { cfg: emu.cfg, st: cloneKernelState(emu.initial) };
}

export function devIndex(env: Env, name: string): number {
  const i = env.cfg.devices.findIndex((d) => d.name === name);
  if (i < 0) throw new Error(`no device ${name}`);
  return i;
}

export function groupIndex(env: Env, name: string): number {
  const i = env.cfg.groups.findIndex((g) => g.name === name);
  if (i < 0) throw new Error(`no group ${name}`);
  return i;
}

export function bufIndex(env: Env, name: string): number {
  const i = env.cfg.buffers.findIndex((b) => b.name === name);
  if (i < 0) throw new Error(`no buffer ${name}`);
  return i;
}

/** Arguments by name: devices, groups and buffers by their scenario names. */
export interface CallArgs {
  dev?: string;
  group?: string;
  domain?: number;
  pasid?: number;
  sysfs?: string;
  owner?: string | null;
  buf?: string;
  size?: number;
  iova?: number;
  mm?: number;
  handle?: string | null;
  iommu?: number;
  op?: FaultOp;
}

/** Run one kernel call through src/kernel/dispatch.ts kernel_call, mutating env.st. */
export function call(env: Env, name: CallName, a: CallArgs = {}): KernelRet {
  const dev = a.dev === undefined ? -1 : devIndex(env, a.dev);
  const args: EmuArgs = {
    dev,
    group:
      a.group !== undefined ? groupIndex(env, a.group) : dev >= 0 ? env.cfg.devices[dev].group : -1,
    domain: a.domain ?? -1,
    pasid: a.pasid ?? 0,
    sysfs: a.sysfs ?? '',
    owner: a.owner === undefined ? null : a.owner,
    buf: a.buf === undefined ? 0 : bufIndex(env, a.buf),
    size: a.size ?? 0,
    iova: a.iova ?? 0,
    mm: a.mm ?? 0,
    handle: a.handle === undefined ? null : a.handle,
    iommu: a.iommu ?? 0,
    op: a.op ?? 'attach_dev',
  };
  return kernel_call(env.cfg, env.st, name, args);
}

/** Like call(), for allocators: the returned domain id, failing the test on an errno. */
export function allocDomain(env: Env, dev: string): number {
  const d = call(env, 'iommu_paging_domain_alloc', { dev });
  if (typeof d !== 'number' || d < 0) throw new Error(`iommu_paging_domain_alloc failed: ${d}`);
  return d;
}

export function group(env: Env, name: string) {
  return env.st.groups[groupIndex(env, name)];
}

export function domainOf(env: Env, id: number): IommuDomain {
  const d = env.st.domains[id];
  if (d === null || d === undefined) throw new Error(`domain ${id} is not live`);
  return d;
}

/** The type of the group's default domain, as iommu_group_show_type prints it. */
export function showType(env: Env, g = 'g0'): KernelRet {
  return call(env, 'iommu_group_show_type', { group: g });
}

/** The hardware PASID-table entry of a device (null when there is none). */
export function hwPasid(env: Env, dev: string, pasid: number): number[] | null {
  const t = env.st.hwdev[devIndex(env, dev)].pasid_table;
  return t?.find((e) => e.pasid === pasid)?.entry ?? null;
}

/** The number of WARN_ON()s recorded so far. */
export function warnCount(env: Env): number {
  return env.st.warnings.length;
}
