/**
 * The emulator state as a stream of 32-bit words, the checker's numeric twin of the canonical key
 * (src/kernel/state-key.ts): the same fields in the same fixed order, each read by name, with no
 * string built. A list is its length then its items, a nullable value 0 (null) or 1 then the
 * value, a record its fields in the order written below, a string the id a per-search table gave
 * it, a number one word when it is a 32-bit integer (other than ESCAPE) and else ESCAPE and its
 * low and high halves. Every encoding is prefix-free, so the stream is injective: two states
 * give the same words exactly when they have the same canonical key
 * (test/check/scale/state-store.test.ts checks both directions on every reachable state of every
 * built-in). Every field of every state type must have an encoder (the Encoders type makes a
 * missing one a compile error); the sync counter is a statistic, not state, as in the key.
 *
 * The words of each part of the state (a group, a device, a domain, an IOMMU's IOTLB and pending
 * writes, a device's hardware tables, and the rest together) are delimited with `part`, so that a
 * store can hash-cons them: the exact store replaces each part by the id of its interned words.
 */
import { FAULT_OPS } from '../../../spec/calls.js';
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
} from '../../kernel/types.js';

/** Where words go: a growable buffer, parts delimited by begin/end. */
export class WordWriter {
  words = new Int32Array(1024);
  pos = 0;
  /** Called at the end of each part with the position where it began. */
  onPart: ((begin: number) => void) | null = null;

  /** `strings` numbers the strings met; writers that compare their words share one. */
  constructor(private readonly strings: Map<string, number> = new Map()) {}
  word(x: number): void {
    if (this.pos === this.words.length) {
      const w = new Int32Array(this.words.length * 2);
      w.set(this.words);
      this.words = w;
    }
    this.words[this.pos++] = x;
  }

  num(x: number): void {
    if ((x | 0) === x && x !== ESCAPE) this.word(x);
    else {
      this.word(ESCAPE);
      this.word((x % 2 ** 32) | 0);
      this.word(Math.floor(x / 2 ** 32) | 0);
    }
  }

  str(s: string): void {
    let id = this.strings.get(s);
    if (id === undefined) {
      id = this.strings.size;
      this.strings.set(s, id);
    }
    this.word(id);
  }

  part<T>(enc: Enc<T>, v: T): void {
    const begin = this.pos;
    enc(v, this);
    this.onPart?.(begin);
  }
}

/** Marks a number that is not a 32-bit integer (its two halves follow). */
const ESCAPE = -0x80000000;

type Enc<T> = (v: T, w: WordWriter) => void;
/** One encoder per field: a field without one does not compile. */
type Encoders<T> = { readonly [K in keyof T]-?: Enc<T[K]> };

const num: Enc<number> = (v, w) => w.num(v);
const bool: Enc<boolean> = (v, w) => w.word(v ? 1 : 0);
const str: Enc<string> = (v, w) => w.str(v);
const nums: Enc<readonly number[]> = (v, w) => {
  w.word(v.length);
  for (let i = 0; i < v.length; i++) w.num(v[i]);
};
const pair: Enc<readonly [number, number]> = (v, w) => {
  w.num(v[0]);
  w.num(v[1]);
};

function nullable<T>(enc: Enc<T>): Enc<T | null> {
  return (v, w) => {
    if (v === null) w.word(0);
    else {
      w.word(1);
      enc(v, w);
    }
  };
}

function list<T>(enc: Enc<T>): Enc<readonly T[]> {
  return (v, w) => {
    w.word(v.length);
    for (let i = 0; i < v.length; i++) enc(v[i], w);
  };
}

/** A list whose items are parts. */
function parts<T>(enc: Enc<T>): Enc<readonly T[]> {
  return (v, w) => {
    w.word(v.length);
    for (let i = 0; i < v.length; i++) w.part(enc, v[i]);
  };
}

function record<T>(encoders: Encoders<T>): Enc<T> {
  const fields = Object.keys(encoders) as (keyof T)[];
  const encs = fields.map((f) => encoders[f]) as Enc<T[keyof T]>[];
  return (v, w) => {
    for (let i = 0; i < fields.length; i++) encs[i](v[fields[i]], w);
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
  syncs: () => {},
});
const pasidTableEntry = record<PasidTableEntry>({ pasid: num, entry: nums });
const hwDevice = record<HwDevice>({ rid: nums, pasid_table: nullable(list(pasidTableEntry)) });
const opCalls: Enc<KernelState['op_calls']> = (v, w) => {
  for (const op of FAULT_OPS) w.num(v[op]);
};

/** Every field of the state; the lists of groups, devices, domains and hardware are parts. */
const stateFields: Encoders<KernelState> = {
  iommu_def_domain_type: num,
  iommu_dma_strict: bool,
  groups: parts(group),
  devices: parts(device),
  domains: parts(nullable(domain)),
  global_pasids: nums,
  driver_pasids: nums,
  mms: list(mm),
  svas: list(sva),
  hw: parts(hwIommu),
  hwdev: parts(hwDevice),
  warnings: list(str),
  op_calls: opCalls,
  armed_faults: list(str),
};

const PART_LISTS: ReadonlySet<string> = new Set(['groups', 'devices', 'domains', 'hw', 'hwdev']);
const fieldNames = Object.keys(stateFields) as (keyof KernelState)[];
const listFields = fieldNames.filter((f) => PART_LISTS.has(f));
const restFields = fieldNames.filter((f) => !PART_LISTS.has(f));
const restEncs = restFields.map((f) => stateFields[f]) as Enc<KernelState[keyof KernelState]>[];
const listEncs = listFields.map((f) => stateFields[f]) as Enc<KernelState[keyof KernelState]>[];

/** The fields outside the part lists, together one part. */
const rest: Enc<KernelState> = (v, w) => {
  for (let i = 0; i < restFields.length; i++) restEncs[i](v[restFields[i]], w);
};

/** The state's words: its part lists, then the rest as one part. */
export function writeKernelState(st: KernelState, w: WordWriter): void {
  for (let i = 0; i < listFields.length; i++) listEncs[i](st[listFields[i]], w);
  w.part(rest, st);
}
