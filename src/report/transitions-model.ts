/**
 * A chart's transitions seen from each of its atomic states, the way xstate selects them: for a
 * state and an event, the alternatives of the state node, then of each ancestor, in order. Guards
 * that test the state (`stateIn` guards such as isOnDefaultDomain) are decided per state, so each
 * state lists only the alternatives it can take, with what is left of the guard; an alternative
 * whose guard is then always true ends the list. The transition docs (tables, Mermaid, DOT) are
 * rendered from this.
 */
import {
  type ChartInfo,
  deriveGuardWords,
  type GuardExpr,
  guardWordsWith,
  type StateInfo,
  type TransitionInfo,
} from '../../machines/runtime/catalog.js';

export interface Alternative {
  readonly transition: TransitionInfo;
  /** What is left of the guard in this state; null when it always holds here. */
  readonly guard: GuardExpr | null;
  readonly guardWords: string | null;
}

/** One event as seen from one atomic state. */
export interface StateEvent {
  readonly state: StateInfo;
  readonly event: string;
  readonly alternatives: readonly Alternative[];
}

type Residual = GuardExpr | boolean;

function decide(chart: ChartInfo, state: StateInfo, paths: readonly string[]): boolean | null {
  let all = true;
  for (const p of paths) {
    const region = chart.parallel ? p.split('.')[0] : '';
    if (region !== state.region) return null;
    if (!(state.path === p || state.path.startsWith(`${p}.`))) all = false;
  }
  return all;
}

/** The guard with every test of this state's own region decided. */
export function residualGuard(chart: ChartInfo, state: StateInfo, g: GuardExpr): Residual {
  switch (g.op) {
    case 'ref': {
      if (g.stateIn === null) return g;
      return decide(chart, state, g.stateIn) ?? g;
    }
    case 'stateIn':
      return decide(chart, state, g.paths) ?? g;
    case 'not': {
      const r = residualGuard(chart, state, g.arg);
      return typeof r === 'boolean' ? !r : { op: 'not', arg: r };
    }
    default: {
      const unit = g.op === 'and';
      const rest: GuardExpr[] = [];
      for (const a of g.args) {
        const r = residualGuard(chart, state, a);
        if (r === !unit) return !unit;
        if (r !== unit) rest.push(r as GuardExpr);
      }
      if (rest.length === 0) return unit;
      return rest.length === 1 ? rest[0] : { op: g.op, args: rest };
    }
  }
}

export function wordsOf(chart: ChartInfo, g: GuardExpr): string {
  return guardWordsWith(
    g,
    (name) => chart.doc.guards[name] ?? deriveGuardWords(name),
    (name) => chart.doc.negated?.[name],
  );
}

/** The node paths xstate consults for a state: the state, then its ancestors up to the root. */
function lineage(path: string): string[] {
  const parts = path.split('.');
  const out: string[] = [];
  for (let i = parts.length; i >= 0; i--) out.push(parts.slice(0, i).join('.'));
  return out;
}

/** The events of a chart in the order its transitions are defined. */
export function eventsOf(chart: ChartInfo): string[] {
  const out: string[] = [];
  for (const t of chart.transitions) if (!out.includes(t.event)) out.push(t.event);
  return out;
}

/** The alternatives `event` has from atomic `state`, stateIn guards decided. */
export function alternativesFrom(chart: ChartInfo, state: StateInfo, event: string): Alternative[] {
  const out: Alternative[] = [];
  for (const source of lineage(state.path)) {
    const list = chart.transitions.filter((t) => t.source === source && t.event === event);
    for (const t of list) {
      const r = t.guard === null ? true : residualGuard(chart, state, t.guard);
      if (r === false) continue;
      const guard = r === true ? null : r;
      out.push({
        transition: t,
        guard,
        guardWords: guard === null ? null : wordsOf(chart, guard),
      });
      if (r === true) return out;
    }
  }
  return out;
}

/** Every (atomic state, event) pair with at least one alternative. */
export function stateEvents(chart: ChartInfo): StateEvent[] {
  const out: StateEvent[] = [];
  const atomic = chart.states.filter((s) => s.atomic);
  for (const event of eventsOf(chart))
    for (const state of atomic) {
      const alternatives = alternativesFrom(chart, state, event);
      if (alternatives.length > 0) out.push({ state, event, alternatives });
    }
  return out;
}

/** Edges between states: (from atomic state, to target state in the same region) with the calls. */
export interface Edge {
  readonly from: string;
  readonly to: string;
  readonly events: readonly string[];
}

/**
 * The edges, leaving out transitions the chart marks unreachable; with `collapse`, the edges every
 * state inside a compound state has alike are drawn once from the compound state.
 */
export function edgesOf(chart: ChartInfo, collapse = true): Edge[] {
  const byPair = new Map<string, { from: string; to: string; events: string[] }>();
  for (const se of stateEvents(chart))
    for (const a of se.alternatives)
      for (const to of a.transition.unreachable === null ? a.transition.targets : []) {
        const region = chart.parallel ? to.split('.')[0] : '';
        if (region !== se.state.region) continue;
        const k = `${se.state.path} ${to}`;
        let e = byPair.get(k);
        if (e === undefined) {
          e = { from: se.state.path, to, events: [] };
          byPair.set(k, e);
        }
        // Eventless transitions are labelled with their condition.
        const label =
          se.event === 'always' && a.guardWords !== null ? `when ${a.guardWords}` : se.event;
        if (!e.events.includes(label)) e.events.push(label);
      }
  return collapse ? collapseEdges(chart, [...byPair.values()]) : [...byPair.values()];
}

/**
 * Edges that every atomic state inside a compound state has alike (same target outside it, same
 * calls) become one edge from the compound state, as the chart defines them: one transition of an
 * ancestor. (Mermaid also draws a nested state outside its parent when an edge from it is
 * declared outside.)
 */
function collapseEdges(chart: ChartInfo, edges: Edge[]): Edge[] {
  const compounds = chart.states.filter((s) => !s.atomic).sort((a, b) => b.depth - a.depth);
  let out = edges;
  for (const c of compounds) {
    const inside = (p: string) => p.startsWith(`${c.path}.`);
    const kids = chart.states.filter((s) => inside(s.path) && s.depth === c.depth + 1);
    const targets = new Set(out.filter((e) => inside(e.from) && !inside(e.to)).map((e) => e.to));
    for (const to of targets) {
      if (to === c.path) continue;
      const from = kids.map((k) => out.find((e) => e.from === k.path && e.to === to));
      const first = from[0];
      if (
        first === undefined ||
        from.some((e) => e === undefined || e.events.join() !== first.events.join())
      )
        continue;
      const merged: Edge = { from: c.path, to, events: first.events };
      const at = out.indexOf(first);
      out = out.filter((e) => !from.includes(e));
      out.splice(Math.min(at, out.length), 0, merged);
    }
  }
  return out;
}
