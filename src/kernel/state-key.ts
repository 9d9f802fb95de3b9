/**
 * The canonical key of an emulator state, compact: values only, each read by name in the order
 * written below, so the key is injective by construction (a field's place in the text is fixed by
 * its type, whatever order the emulator built the object in) and about a quarter of the length
 * of the state's JSON text. Every field of every state type must have an encoder here (the
 * Encoders type makes a missing one a compile error). The sync counter is a statistic, not
 * state: two states that differ only in it are the same state.
 *
 * Grammar: a number as its decimal text, a boolean as 1 or 0, a string as its JSON text, null
 * as n, a list as [a,b,...], a record as {a,b,...}.
 */
import { FAULT_OPS } from '../../spec/calls.js';
import type {
  DevState,
  DmaMapping,
  HwDevice,
  HwIommu,
  IommuDmaCookie,
  IommuDomain,
  IommuGroup,
  IommuMapping,
  IommuSva,
  IotlbEntry,
  IovaDomain,
  IovaFq,
  IovaFqEntry,
  IovaRcacheBin,
  KernelState,
  MmState,
  PasidEntry,
  PasidTableEntry,
  PendingHwWrite,
} from './types.js';

type Enc<T> = (v: T) => string;
/** One encoder per field: a field without one does not compile. */
type Encoders<T> = { readonly [K in keyof T]-?: Enc<T[K]> };

const num: Enc<number> = (v) => String(v);
const bool: Enc<boolean> = (v) => (v ? '1' : '0');
const str: Enc<string> = (v) => JSON.stringify(v);
const nums: Enc<readonly number[]> = (v) => `[${v.join(',')}]`;
const pair: Enc<readonly [number, number]> = (v) => `${v[0]},${v[1]}`;

function nullable<T>(enc: Enc<T>): Enc<T | null> {
  return (v) => (v === null ? 'n' : enc(v));
}

function list<T>(enc: Enc<T>): Enc<readonly T[]> {
  return (v) => {
    let s = '[';
    for (let i = 0; i < v.length; i++) s += (i === 0 ? '' : ',') + enc(v[i]);
    return `${s}]`;
  };
}

function record<T>(encoders: Encoders<T>): Enc<T> {
  const fields = Object.keys(encoders) as (keyof T)[];
  const encs = fields.map((f) => encoders[f]) as Enc<T[keyof T]>[];
  return (v) => {
    let s = '{';
    for (let i = 0; i < fields.length; i++) s += (i === 0 ? '' : ',') + encs[i](v[fields[i]]);
    return `${s}}`;
  };
}

const mapping = record<IommuMapping>({ iova_pfn: num, paddr_pfn: num, pages: num });
const rcacheBin = record<IovaRcacheBin>({ loaded: nums, prev: nums, depot: list(nums) });
const iovad = record<IovaDomain>({
  granule: num,
  start_pfn: num,
  dma_32bit_pfn: num,
  cached_node: num,
  cached32_node: num,
  max32_alloc_size: num,
  ranges: list(pair),
  reserved: list(pair),
  rcaches: nullable(list(rcacheBin)),
  mag_size: num,
});
const fqEntry = record<IovaFqEntry>({ iova_pfn: num, pages: num, counter: num });
const fq = record<IovaFq>({
  entries: list(fqEntry),
  size: num,
  fq_flush_start_cnt: num,
  fq_flush_finish_cnt: num,
  fq_timer_on: bool,
});
const cookie = record<IommuDmaCookie>({ iovad, fq: nullable(fq) });
const domain = record<IommuDomain>({
  id: num,
  type: num,
  iommu: num,
  is_static: bool,
  alloc_pasid: bool,
  pgtable: list(mapping),
  gather: list(pair),
  cookie: nullable(cookie),
  mm: num,
  users: num,
});
const pasidEntry = record<PasidEntry>({ pasid: num, domain: num, handle: nullable(str) });
const group = record<IommuGroup>({
  default_domain: num,
  blocking_domain: num,
  domain: num,
  owner_cnt: num,
  owner: nullable(str),
  pasid_array: list(pasidEntry),
});
const dmaMapping = record<DmaMapping>({ iova: num, size: num, buf: num });
const device = record<DevState>({
  driver_bound: bool,
  dma_iommu: bool,
  pci_32bit_workaround: bool,
  maps: list(dmaMapping),
});
const mm = record<MmState>({ pasid: num, sva_domains: nums });
const sva = record<IommuSva>({ name: str, dev: num, domain: num, users: num });
const iotlbEntry = record<IotlbEntry>({ tag: num, iova_pfn: num, paddr_pfn: num });
const pending = record<PendingHwWrite>({
  dev: num,
  ssid: num,
  kind: str,
  fields: nums,
  old: nums,
  target: nums,
});
const hwIommu = record<HwIommu>({
  iotlb: list(iotlbEntry),
  pending: list(pending),
  syncs: () => '',
});
const pasidTableEntry = record<PasidTableEntry>({ pasid: num, entry: nums });
const hwDevice = record<HwDevice>({ rid: nums, pasid_table: nullable(list(pasidTableEntry)) });
const opCalls: Enc<KernelState['op_calls']> = (v) => `[${FAULT_OPS.map((op) => v[op]).join(',')}]`;

export const kernelStateKey: Enc<KernelState> = record<KernelState>({
  iommu_def_domain_type: num,
  iommu_dma_strict: bool,
  groups: list(group),
  devices: list(device),
  domains: list(nullable(domain)),
  global_pasids: nums,
  driver_pasids: nums,
  mms: list(mm),
  svas: list(sva),
  hw: list(hwIommu),
  hwdev: list(hwDevice),
  warnings: list(str),
  op_calls: opCalls,
  armed_faults: list(str),
});
