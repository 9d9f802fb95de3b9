/**
 * The explorer's seen-set, on the numeric words of a product state (state-tokens.ts) rather than
 * on key text:
 *   - exact (the default): hash-consed. Each part of the emulator state (a group, a device, a
 *     domain, an IOMMU, a device's tables, the rest) is interned once in a part table, and a state
 *     is stored as the short list of its part ids, its spec state's id and its user slots, in an
 *     arena of 32-bit words with an open-addressing index. Injective, as the canonical key is;
 *   - fingerprint: the 64-bit hash of the same words in a FingerprintSet (fingerprint.ts).
 * Under symmetry the state's words are those of the least (word by word) of its relabellings,
 * a function of the orbit, as the canonical key is (symmetry.ts).
 */
import type { DevicePermutation } from '../../../spec/symmetry.js';
import type { KernelConfig } from '../../kernel/types.js';
import type { ProductState } from '../core/lockstep.js';
import { FingerprintSet } from './fingerprint.js';
import { WordWriter, writeKernelState } from './state-tokens.js';
import { permuteProduct, type SymmetryOptions } from './symmetry.js';

/** Two 32-bit hashes of words[begin, end): murmur3's mix in two lanes with different seeds. */
export function hashWords(words: Int32Array, begin: number, end: number): [number, number] {
  let h1 = 0x9747b28c ^ (end - begin);
  let h2 = 0x2545f491 ^ Math.imul(end - begin, 0x9e3779b1);
  for (let i = begin; i < end; i++) {
    let k = Math.imul(words[i], 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h1 ^= k;
    h1 = (h1 << 13) | (h1 >>> 19);
    h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
    let j = Math.imul(words[i] ^ 0x5bd1e995, 0x85ebca77);
    j = (j << 17) | (j >>> 15);
    h2 = Math.imul(h2 ^ j, 0xc2b2ae3d);
    h2 = (h2 << 11) | (h2 >>> 21);
    h2 = (h2 + 0x27d4eb2f) | 0;
  }
  return [fmix(h1), fmix(h2 ^ 0x165667b1)];
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * An exact set of word sequences, each given an id (0, 1, ...) in insertion order: the words in
 * one arena (length first), an index of ids by hash with open addressing (load <= 0.75).
 */
export class ExactWordSet {
  private arena = new Int32Array(4096);
  private top = 0;
  private offsets = new Int32Array(256);
  private hashes = new Int32Array(256);
  private index = new Int32Array(512).fill(-1);
  size = 0;

  /** The id of words[begin, end), or -1; `hash` is hashWords' first lane. */
  find(words: Int32Array, begin: number, end: number, hash: number): number {
    const mask = this.index.length - 1;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const id = this.index[i];
      if (id < 0) return -1;
      if (this.hashes[id] === (hash | 0) && this.equals(id, words, begin, end)) return id;
    }
  }

  /** Adds words[begin, end) (not present: find said -1); returns its id. */
  add(words: Int32Array, begin: number, end: number, hash: number): number {
    const id = this.size++;
    if (id === this.offsets.length) {
      this.offsets = grown(this.offsets, this.offsets.length * 2);
      this.hashes = grown(this.hashes, this.hashes.length * 2);
    }
    const n = end - begin;
    if (this.top + n + 1 > this.arena.length)
      this.arena = grown(this.arena, Math.max(this.arena.length * 2, this.top + n + 1));
    this.offsets[id] = this.top;
    this.hashes[id] = hash | 0;
    this.arena[this.top++] = n;
    this.arena.set(words.subarray(begin, end), this.top);
    this.top += n;
    if (this.size * 4 > this.index.length * 3) this.rehash(this.index.length * 2);
    else this.place(id);
    return id;
  }

  private equals(id: number, words: Int32Array, begin: number, end: number): boolean {
    let o = this.offsets[id];
    if (this.arena[o++] !== end - begin) return false;
    for (let i = begin; i < end; i++) if (this.arena[o++] !== words[i]) return false;
    return true;
  }

  private place(id: number): void {
    const mask = this.index.length - 1;
    let i = this.hashes[id] & mask;
    while (this.index[i] >= 0) i = (i + 1) & mask;
    this.index[i] = id;
  }

  private rehash(slots: number): void {
    this.index = new Int32Array(slots).fill(-1);
    for (let id = 0; id < this.size; id++) this.place(id);
  }

  /** Bytes allocated: the arena, the per-id offsets and hashes, the index. */
  get bytes(): number {
    return (
      this.arena.byteLength +
      this.offsets.byteLength +
      this.hashes.byteLength +
      this.index.byteLength
    );
  }
}

function grown(a: Int32Array, n: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(n);
  b.set(a);
  return b;
}

/** The explorer's seen-set over product states. */
export interface StateStore {
  /** Whether the state is not in the set; its key is kept for `add`. */
  probe(s: ProductState): boolean;
  /** Adds the state last probed. */
  add(): void;
  readonly size: number;
  /** Bytes allocated by the set. */
  readonly bytes: number;
}

export interface StateStoreOptions extends SymmetryOptions {
  readonly fingerprint?: boolean;
}

/**
 * The seen-set for a search with these options; `perms` are the symmetry group's permutations
 * other than the identity (empty: no symmetry).
 */
export function createStateStore(
  cfg: KernelConfig,
  options: StateStoreOptions,
  perms: readonly DevicePermutation[],
): StateStore {
  const spec = options.spec ?? null;
  // Without conformance (design variants) the emulator alone identifies a state (Lockstep.key).
  const specKeyed = spec !== null && (options.conformance ?? true);
  const specIds = new Map<string, number>();
  const strings = new Map<string, number>();
  const exact = options.fingerprint ? null : new ExactWordSet();
  const partSet = exact === null ? null : new ExactWordSet();
  const writers = [new WordWriter(strings), new WordWriter(strings)];
  if (partSet !== null) {
    // Hash-consing: a part's words give way to the id of the part.
    for (const w of writers)
      w.onPart = (begin) => {
        const [h] = hashWords(w.words, begin, w.pos);
        let id = partSet.find(w.words, begin, w.pos, h);
        if (id < 0) id = partSet.add(w.words, begin, w.pos, h);
        w.pos = begin;
        w.word(id);
      };
  }

  const write = (s: ProductState, w: WordWriter): void => {
    w.pos = 0;
    if (specKeyed) {
      const k = spec!.key(s.spec);
      let id = specIds.get(k);
      if (id === undefined) {
        id = specIds.size;
        specIds.set(k, id);
      }
      w.word(id);
    }
    w.word(s.users.length);
    for (const u of s.users) w.num(u);
    writeKernelState(s.emu, w);
  };

  /** The writer holding the state's words (the least over its relabellings). */
  const wordsOf = (s: ProductState): WordWriter => {
    let best = writers[0];
    write(s, best);
    for (const p of perms) {
      const other = best === writers[0] ? writers[1] : writers[0];
      write(permuteProduct(cfg, options, s, p), other);
      if (lessThan(other, best)) best = other;
    }
    return best;
  };

  if (exact !== null) {
    let last: WordWriter = writers[0];
    let lastHash = 0;
    return {
      probe(s) {
        last = wordsOf(s);
        lastHash = hashWords(last.words, 0, last.pos)[0];
        return exact.find(last.words, 0, last.pos, lastHash) < 0;
      },
      add() {
        exact.add(last.words, 0, last.pos, lastHash);
      },
      get size() {
        return exact.size;
      },
      get bytes() {
        return exact.bytes + partSet!.bytes;
      },
    };
  }
  const fp = new FingerprintSet();
  let a = 0;
  let b = 0;
  return {
    probe(s) {
      const w = wordsOf(s);
      [a, b] = hashWords(w.words, 0, w.pos);
      return !fp.has(a, b);
    },
    add() {
      fp.add(a, b);
    },
    get size() {
      return fp.size;
    },
    get bytes() {
      return fp.bytes;
    },
  };
}

function lessThan(x: WordWriter, y: WordWriter): boolean {
  const n = Math.min(x.pos, y.pos);
  for (let i = 0; i < n; i++) if (x.words[i] !== y.words[i]) return x.words[i] < y.words[i];
  return x.pos < y.pos;
}
