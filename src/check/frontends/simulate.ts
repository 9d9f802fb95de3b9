/**
 * Random runs for scenarios too large to exhaust: fast-check model-based testing (fc.commands),
 * one command per kernel call with arguments drawn from the scenario, each stepped through the
 * same lockstep step as the explorer. Failures shrink, and the shrunk run is printed as a trace.
 */
import fc from 'fast-check';
import { CALLS, type CallName } from '../../../spec/calls.js';
import type { KernelEvent } from '../../../spec/events.js';
import type { Scenario } from '../../../spec/scenario.js';
import { buildTrace, type TraceJson } from '../core/counterexample.js';
import { bootEmulator } from '../core/emulator.js';
import { enabledEvents } from '../core/explore.js';
import {
  createLockstep,
  type Lockstep,
  type LockstepOptions,
  type ProductState,
} from '../core/lockstep.js';
import { exploredCalls, staticUniverse } from '../core/universe.js';

export interface SimulateOptions extends LockstepOptions {
  readonly runs?: number;
  readonly seed: number;
  /** Longest command sequence per run. */
  readonly maxCommands?: number;
  readonly scenarioRef?: string;
}

export interface SimulateResult {
  readonly scenario: string;
  readonly result: 'pass' | 'violation';
  readonly runs: number;
  readonly seed: number;
  /** Commands executed (steps taken) over all runs, skipped commands not counted. */
  readonly steps: number;
  readonly failure?: {
    readonly invariant: string;
    readonly message: string;
    readonly trace: TraceJson;
    /** fast-check's path to replay this exact run: fc.assert(..., { seed, path }). */
    readonly path: string;
    readonly shrinks: number;
  };
}

/** The lockstep state a run carries; fast-check's "model". */
interface RunModel {
  s: ProductState;
  readonly events: KernelEvent[];
}

class Broken extends Error {
  constructor(
    readonly invariant: string,
    message: string,
  ) {
    super(message);
  }
}

/** One kernel call with its arguments: checks the caller contract, then steps spec and emulator. */
class KernelCallCommand implements fc.Command<RunModel, null> {
  constructor(
    private readonly ls: Lockstep,
    private readonly scenario: Scenario,
    private readonly universe: readonly KernelEvent[],
    readonly ev: KernelEvent,
    private readonly counter: { steps: number },
  ) {}
  check(m: Readonly<RunModel>): boolean {
    const live = enabledEvents(this.scenario, this.ls, this.universe, m.s);
    return live.some((e) => sameEvent(e, this.ev));
  }
  run(m: RunModel): void {
    const ev =
      this.ev.map !== undefined
        ? { ...this.ev, iova: m.s.emu.devices[this.ev.dev ?? 0].maps[this.ev.map].iova }
        : this.ev;
    const r = this.ls.step(m.s, ev);
    this.counter.steps++;
    m.events.push(ev);
    if (r.divergence !== null) throw new Broken('Conformance', r.divergence);
    if (r.violation !== null) throw new Broken(r.violation.invariant, r.violation.message);
    m.s = r.next;
  }
  toString(): string {
    const { type, ...args } = this.ev;
    return `${type}(${Object.entries(args)
      .map(
        ([k, v]) => `${k}=${typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)}`,
      )
      .join(', ')})`;
  }
}

function sameEvent(a: KernelEvent, b: KernelEvent): boolean {
  if (a.type !== b.type) return false;
  const { iova: _ai, ...ra } = a;
  const { iova: _bi, ...rb } = b;
  return JSON.stringify(ra) === JSON.stringify(rb);
}

/** The command arbitraries: one per explored call, its arguments drawn from the scenario. */
export function commandArbitraries(
  scenario: Scenario,
  ls: Lockstep,
  counter: { steps: number },
): fc.Arbitrary<fc.Command<RunModel, null>>[] {
  const universe = staticUniverse(scenario);
  const byCall = new Map<CallName, KernelEvent[]>();
  for (const ev of universe) {
    const list = byCall.get(ev.type) ?? [];
    list.push(ev);
    byCall.set(ev.type, list);
  }
  const out: fc.Arbitrary<fc.Command<RunModel, null>>[] = [];
  for (const [, evs] of byCall) {
    out.push(
      fc
        .constantFrom(...evs)
        .map((ev) => new KernelCallCommand(ls, scenario, universe, ev, counter)),
    );
  }
  const calls = new Set(exploredCalls(scenario));
  const devs = scenario.devices.map((_, i) => i);
  const maps = Math.max(1, scenario.bounds.maps);
  for (const c of ['dma_unmap_single', 'device_dma'] as const) {
    if (!calls.has(c) || !(c in CALLS)) continue;
    out.push(
      fc
        .record({ dev: fc.constantFrom(...devs), map: fc.nat({ max: maps - 1 }) })
        .map(
          ({ dev, map }) =>
            new KernelCallCommand(ls, scenario, universe, { type: c, dev, map }, counter),
        ),
    );
  }
  return out;
}

export function simulate(scenario: Scenario, options: SimulateOptions): SimulateResult {
  const emu = bootEmulator(scenario, options);
  const ls = createLockstep(scenario, emu, options);
  const counter = { steps: 0 };
  // A boot state that already breaks a rule needs no random run: report it as explore does.
  const atBoot = ls.check(ls.initial);
  if (atBoot !== null)
    return {
      scenario: scenario.name,
      result: 'violation',
      runs: 0,
      seed: options.seed,
      steps: 0,
      failure: {
        invariant: atBoot.invariant,
        message: atBoot.message,
        trace: buildTrace(scenario, options.scenarioRef ?? scenario, ls, []),
        path: '',
        shrinks: 0,
      },
    };
  const cmds = commandArbitraries(scenario, ls, counter);
  const runs = options.runs ?? 100;
  const prop = fc.property(
    fc.commands(cmds, { maxCommands: options.maxCommands ?? 200, size: 'max' }),
    (commands) => {
      fc.modelRun(() => ({ model: { s: ls.initial, events: [] }, real: null }), commands);
    },
  );
  const details = fc.check(prop, { numRuns: runs, seed: options.seed, endOnFailure: false });
  if (!details.failed)
    return {
      scenario: scenario.name,
      result: 'pass',
      runs,
      seed: options.seed,
      steps: counter.steps,
    };
  const ce = details.counterexample?.[0] as Iterable<fc.Command<RunModel, null>> | undefined;
  const events: KernelEvent[] = [];
  // Re-run the shrunk counterexample to find where it breaks and collect its events.
  let s = ls.initial;
  let invariant = 'unknown';
  let message =
    details.errorInstance instanceof Error
      ? details.errorInstance.message
      : String(details.errorInstance);
  for (const wrapped of ce ?? []) {
    // fast-check hands back its CommandWrapper around each command.
    const c: unknown = (wrapped as { cmd?: unknown }).cmd ?? wrapped;
    if (!(c instanceof KernelCallCommand)) continue;
    if (!c.check({ s, events })) continue;
    const ev =
      c.ev.map !== undefined
        ? { ...c.ev, iova: s.emu.devices[c.ev.dev ?? 0].maps[c.ev.map].iova }
        : c.ev;
    events.push(ev);
    const r = ls.step(s, ev);
    if (r.divergence !== null || r.violation !== null) {
      invariant = r.divergence !== null ? 'Conformance' : r.violation!.invariant;
      message = r.divergence ?? r.violation!.message;
      break;
    }
    s = r.next;
  }
  return {
    scenario: scenario.name,
    result: 'violation',
    runs: details.numRuns,
    seed: options.seed,
    steps: counter.steps,
    failure: {
      invariant,
      message,
      trace: buildTrace(scenario, options.scenarioRef ?? scenario, ls, events),
      path: details.counterexamplePath ?? '',
      shrinks: details.numShrinks,
    },
  };
}

export type { Broken };
