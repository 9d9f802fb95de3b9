/**
 * The documentation data each statechart keeps next to it (machines/charts/<chart>.doc.ts): what its
 * guards mean in words, what its actions return, where the kernel has the calls the spec's call
 * vocabulary does not cite, and which transitions no bounded scenario can reach, with the reason.
 * Read by machines/runtime/catalog.ts; rendered by `iommu-spec docs` and checked by `iommu-spec coverage`.
 *
 * Citations come, most specific first, from a transition's `meta: { citation }` in the chart,
 * then this file's `citations` by event type, then spec/calls.ts for kernel calls.
 */

/**
 * A transition the built-in scenarios cannot reach on purpose. `transition` is its id in
 * machines/runtime/catalog.ts (`<source>/<event>#<n>`, n counting the guarded alternatives from 1) and
 * `guard` repeats its guard expression (`and(isShared, not(isOnDefaultDomain))`, or null when
 * unguarded), so that reordering a chart cannot silently move a mark onto another transition.
 */
export interface UnreachableMark {
  readonly transition: string;
  readonly guard: string | null;
  readonly reason: string;
}

export interface ChartDoc {
  /** The kernel object, e.g. "struct iommu_group". */
  readonly title: string;
  /** One paragraph for the generated page. */
  readonly summary: string;
  /** Every guard (by its name in `setup`), in words. */
  readonly guards: Readonly<Record<string, string>>;
  /** Guards whose negation reads better than "not <guard in words>". */
  readonly negated?: Readonly<Record<string, string>>;
  /** Every action (by its name in `setup`): what the call returns and what it records. */
  readonly actions: Readonly<Record<string, string>>;
  /** Kernel citations for events that are not kernel calls of spec/calls.ts (and `always`). */
  readonly citations?: Readonly<Record<string, string>>;
  /** Transitions the built-in scenarios cannot reach, with the reason (coverage skips them). */
  readonly unreachable?: readonly UnreachableMark[];
}
