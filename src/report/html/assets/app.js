// The report page's script (inlined into index.html by src/report/html/page.ts): hash routing
// between the overview, the charts (drawn with the Graphviz wasm build, window.Viz) and the
// counterexample stepper. Plain DOM, no framework; the data is the JSON in #report-data.
(() => {
  const data = JSON.parse(document.getElementById('report-data').textContent);
  const invariantById = new Map(data.invariants.map((i) => [i.id, i]));
  const traces = data.traces.slice();
  const $ = (id) => document.getElementById(id);

  /** Build an element: h('td', {class: 'x'}, 'text', child). */
  function h(tag, attrs, ...kids) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'onclick') el.addEventListener('click', v);
      else el.setAttribute(k, v === true ? '' : String(v));
    }
    for (const kid of kids.flat()) {
      if (kid === null || kid === undefined || kid === false) continue;
      el.append(typeof kid === 'string' || typeof kid === 'number' ? String(kid) : kid);
    }
    return el;
  }
  const hex = (n) => `0x${Number(n).toString(16)}`;

  /* ---------------------------------------------------------------- routing */

  const state = { page: 'overview', chart: null, transition: null, trace: null, step: 0 };

  function parseHash() {
    const parts = decodeURIComponent(location.hash.replace(/^#/, '')).split('/');
    const page = ['overview', 'charts', 'stepper'].includes(parts[0]) ? parts[0] : 'overview';
    return { page, a: parts[1] || null, b: parts[2] || null };
  }

  function route() {
    const { page, a, b } = parseHash();
    state.page = page;
    for (const p of ['overview', 'charts', 'stepper']) $(`page-${p}`).hidden = p !== page;
    for (const link of document.querySelectorAll('nav a'))
      link.classList.toggle('active', link.dataset.page === page);
    if (page === 'charts') showChart(a || data.charts[0]?.id, b);
    if (page === 'stepper') {
      const id = a && traces.some((t) => t.id === a) ? a : traces[0]?.id;
      showTrace(id, b === null ? null : Number(b));
    }
  }
  window.addEventListener('hashchange', route);

  /* ---------------------------------------------------------------- charts */

  let vizPromise = null;
  function viz() {
    if (vizPromise === null) {
      vizPromise =
        typeof window.Viz === 'undefined'
          ? Promise.reject(new Error('the Graphviz build (viz-global.js) did not load'))
          : window.Viz.instance();
    }
    return vizPromise;
  }

  const rendered = new Map();

  function showChart(id, transition) {
    const chart = data.charts.find((c) => c.id === id);
    if (!chart) return;
    state.chart = id;
    const tabs = $('chart-tabs');
    if (tabs.childElementCount === 0)
      for (const c of data.charts)
        tabs.append(h('a', { href: `#charts/${c.id}`, 'data-chart': c.id }, c.id));
    for (const a of tabs.children) a.classList.toggle('active', a.dataset.chart === id);
    const taken = chart.transitions.filter((t) => t.status === 'taken').length;
    const unreachable = chart.transitions.filter((t) => t.status === 'unreachable').length;
    const untaken = chart.transitions.filter((t) => t.status === 'untaken').length;
    $('chart-summary').replaceChildren(
      h('h2', {}, `${chart.id}: ${chart.title}`),
      h('p', {}, chart.summary),
      h(
        'p',
        { class: 'counts' },
        `${chart.transitions.length} transitions: ${taken} taken, ${unreachable} marked unreachable, ${untaken} untaken`,
        chart.states ? `; states ${chart.states.covered}/${chart.states.total} reached` : '',
        chart.guards ? `; guard outcomes ${chart.guards.covered}/${chart.guards.total}` : '',
      ),
    );
    const box = $('chart-svg');
    const done = rendered.get(id);
    if (done) {
      box.replaceChildren(done);
      selectTransition(chart, transition);
      return;
    }
    box.replaceChildren(h('p', { class: 'muted' }, 'Laying out the chart…'));
    viz()
      .then((v) => {
        const svg = v.renderSVGElement(chart.dot);
        svg.setAttribute('id', `svg-${chart.id}`);
        for (const g of svg.querySelectorAll('g.edge')) {
          const t = chart.transitions.find((x) => x.elementId === g.id);
          if (!t) continue;
          g.classList.add('clickable');
          g.addEventListener('click', () => {
            location.hash = `#charts/${chart.id}/${t.elementId}`;
          });
        }
        rendered.set(id, svg);
        if (state.chart === id) {
          box.replaceChildren(svg);
          selectTransition(chart, transition);
        }
      })
      .catch((err) => {
        box.replaceChildren(h('p', { class: 'bad' }, `Cannot draw the chart: ${err.message}`));
      });
  }

  function selectTransition(chart, elementId) {
    const panel = $('transition-panel');
    for (const g of document.querySelectorAll('#chart-svg g.edge.selected'))
      g.classList.remove('selected');
    const t = chart.transitions.find((x) => x.elementId === elementId);
    if (!t) {
      panel.replaceChildren(
        h('p', { class: 'muted' }, 'Click a transition (an edge or its label).'),
      );
      return;
    }
    document.getElementById(t.elementId)?.classList.add('selected');
    const statusText = {
      taken: `taken: ${t.generated} steps, ${t.distinct} distinct chart situations`,
      unreachable: 'marked unreachable by its chart',
      untaken: 'untaken: no scenario takes it and no reason is recorded',
      unknown: 'coverage not measured for this report',
    }[t.status];
    const kids = [
      h('h3', {}, h('code', {}, t.id)),
      h('p', { class: `status ${t.status}`, id: 'transition-status' }, statusText),
      t.reason ? h('p', { class: 'reason', id: 'transition-reason' }, `Why: ${t.reason}`) : null,
      h(
        'dl',
        {},
        h('dt', {}, 'call'),
        h('dd', {}, h('code', {}, t.event)),
        h('dt', {}, 'from'),
        h('dd', {}, t.source === '' ? `any ${chart.id} state` : t.source),
        h('dt', {}, 'to'),
        h('dd', {}, t.targets.length ? t.targets.join(' + ') : 'stays'),
        h('dt', {}, 'guard'),
        h(
          'dd',
          { id: 'transition-guard' },
          t.guardWords ? t.guardWords : 'none',
          t.guardText ? h('div', { class: 'muted' }, h('code', {}, t.guardText)) : null,
        ),
        h('dt', {}, 'result'),
        h('dd', {}, t.result || '(moves only)'),
        h('dt', {}, 'kernel'),
        h('dd', { class: 'cite' }, t.citation || '—'),
        t.scenarios.length ? h('dt', {}, 'taken on') : null,
        t.scenarios.length ? h('dd', {}, t.scenarios.join(', ')) : null,
      ),
      t.witness
        ? h(
            'p',
            {},
            h(
              'a',
              { href: `#stepper/${t.witness}`, id: 'witness-link' },
              'Step through a witness trace',
            ),
            ' (the shortest kernel-call sequence found whose last step takes it)',
          )
        : t.status === 'taken'
          ? h('p', { class: 'muted' }, 'No witness trace was searched for this report.')
          : null,
    ];
    panel.replaceChildren(...kids.filter((k) => k !== null));
  }

  /* ---------------------------------------------------------------- stepper */

  function fillTraceSelect() {
    const sel = $('trace-select');
    sel.replaceChildren();
    const groups = [
      ['finding', 'Counterexamples'],
      ['variant', 'Design variants'],
      ['file', 'Trace files'],
      ['witness', 'Witness traces'],
    ];
    for (const [kind, label] of groups) {
      const list = traces.filter((t) => t.kind === kind);
      if (list.length === 0) continue;
      sel.append(
        h(
          'optgroup',
          { label },
          list.map((t) => h('option', { value: t.id }, t.title)),
        ),
      );
    }
    if (traces.length === 0) sel.append(h('option', { value: '' }, 'no traces in this report'));
  }
  $('trace-select').addEventListener('change', (ev) => {
    ev.target.blur();
    location.hash = `#stepper/${ev.target.value}/0`;
  });

  function currentTrace() {
    return traces.find((t) => t.id === state.trace);
  }

  function stepCount(t) {
    return t?.snapshots ? t.snapshots.steps.length : 0;
  }

  function showTrace(id, step) {
    const t = traces.find((x) => x.id === id);
    if ($('trace-select').childElementCount === 0) fillTraceSelect();
    if (!t) {
      $('trace-info').textContent = 'No trace to show: this report found no counterexample.';
      $('step-view').replaceChildren();
      return;
    }
    $('trace-select').value = t.id;
    if (state.trace !== id && step === null) {
      // Open a finding at its violating step's predecessor: the stepper starts at the boot state.
      step = 0;
    }
    state.trace = id;
    state.step = Math.max(0, Math.min(step ?? 0, stepCount(t)));
    renderStep();
  }

  function go(delta) {
    const t = currentTrace();
    if (!t) return;
    const n = Math.max(0, Math.min(state.step + delta, stepCount(t)));
    if (n !== state.step) history.replaceState(null, '', `#stepper/${t.id}/${n}`);
    state.step = n;
    renderStep();
  }
  $('step-prev').addEventListener('click', () => go(-1));
  $('step-next').addEventListener('click', () => go(1));
  document.addEventListener('keydown', (ev) => {
    if (state.page !== 'stepper') return;
    const t = ev.target;
    if (t instanceof HTMLSelectElement || (t instanceof HTMLInputElement && t.type !== 'file'))
      return;
    if (ev.key === 'ArrowRight') {
      go(1);
      ev.preventDefault();
    } else if (ev.key === 'ArrowLeft') {
      go(-1);
      ev.preventDefault();
    }
  });

  function traceText(t) {
    return `${JSON.stringify(t.trace, null, 2)}\n`;
  }
  $('copy-trace').addEventListener('click', (ev) => {
    ev.preventDefault();
    const t = currentTrace();
    if (!t) return;
    const text = traceText(t);
    const done = (ok) => {
      $('copy-status').textContent = ok
        ? ' copied: save it as trace.json and run the command'
        : ' could not copy; the JSON is selected below';
    };
    const fallback = () => {
      const ta = h('textarea', { id: 'trace-json', rows: 8, cols: 80 });
      ta.value = text;
      $('copy-status').replaceChildren(ta);
      ta.select();
      done(document.execCommand?.('copy') === true);
    };
    if (navigator.clipboard?.writeText)
      navigator.clipboard.writeText(text).then(() => done(true), fallback);
    else fallback();
  });

  $('trace-file').addEventListener('change', async (ev) => {
    const file = ev.target.files?.[0];
    ev.target.blur();
    if (!file) return;
    const text = await file.text();
    const info = $('trace-info');
    if (location.protocol !== 'http:' && location.protocol !== 'https:') {
      info.textContent = `${file.name}: replaying a trace needs the checker. Run \`iommu-spec report --trace ${file.name} --out DIR\`, or open this report with \`iommu-spec report --serve\`.`;
      return;
    }
    try {
      const res = await fetch('api/trace', { method: 'POST', body: text });
      const body = await res.json();
      if (!res.ok) throw new Error(body.error || res.statusText);
      body.title = `${file.name}: ${body.title}`;
      traces.push(body);
      fillTraceSelect();
      location.hash = `#stepper/${body.id}/0`;
    } catch (err) {
      info.textContent = `${file.name}: ${err.message}`;
    }
  });

  function fmtRange([lo, hi]) {
    return lo === hi ? hex(lo) : `${hex(lo)}-${hex(hi)}`;
  }

  /** Row class: changed at this step, or added. */
  function mark(changes, key) {
    if (changes.has(`+${key}`)) return 'changed added';
    if (changes.has(key)) return 'changed';
    return undefined;
  }

  function table(id, head, rows) {
    return h(
      'table',
      { id, class: 'snap' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          head.map((x) => h('th', {}, x)),
        ),
      ),
      h(
        'tbody',
        {},
        rows.length
          ? rows
          : h('tr', {}, h('td', { colspan: head.length, class: 'muted' }, 'empty')),
      ),
    );
  }

  function specPanel(s, changes, groupNames) {
    const view = s.spec ?? s.emulator;
    const rows = view.groups.map((g, i) =>
      h(
        'tr',
        {},
        h('td', {}, groupNames[i]),
        h(
          'td',
          { 'data-key': `group:${i}:default`, class: mark(changes, `group:${i}:default`) },
          g.default_type,
        ),
        h(
          'td',
          { 'data-key': `group:${i}:domain`, class: mark(changes, `group:${i}:domain`) },
          g.domain,
        ),
        h(
          'td',
          { 'data-key': `group:${i}:owner`, class: mark(changes, `group:${i}:owner`) },
          g.owner === null
            ? g.owner_cnt
              ? `DMA API (${g.owner_cnt})`
              : 'none'
            : `${g.owner} (${g.owner_cnt})`,
        ),
        h(
          'td',
          {},
          g.pasids.length
            ? g.pasids.map(([p, d]) =>
                h(
                  'span',
                  {
                    'data-key': `group:${i}:pasid:${p}`,
                    class: `pill ${mark(changes, `group:${i}:pasid:${p}`) || ''}`,
                  },
                  `${p} → ${d}`,
                ),
              )
            : h('span', { class: 'muted' }, 'none'),
        ),
      ),
    );
    const differs = s.spec && JSON.stringify(s.spec) !== JSON.stringify(s.emulator);
    return h(
      'section',
      { class: 'panel' },
      h('h3', {}, s.spec ? "Spec's view, per group" : "Emulator's view, per group (no spec held)"),
      table('spec-groups', ['group', 'default domain', 'current domain', 'owner', 'PASIDs'], rows),
      h(
        'p',
        { class: 'muted' },
        `user domains: ${view.user_domains.map((d) => `d${d}`).join(', ') || 'none'}; driver PASIDs: ${view.driver_pasids.join(', ') || 'none'}; `,
        `devices: ${view.devices.map((d, i) => `${i}: ${d.bound ? 'bound' : 'unbound'}, ${d.maps} maps`).join('; ')}`,
      ),
      differs
        ? h(
            'p',
            { class: 'bad' },
            "The emulator's view differs: ",
            h('code', {}, JSON.stringify(s.emulator.groups)),
          )
        : null,
    );
  }

  function hardwarePanel(s, changes) {
    const devRows = [];
    s.devices.forEach((d, i) => {
      devRows.push(
        h(
          'tr',
          {},
          h('td', {}, d.dev),
          h('td', {}, `${d.ridKind} (RID)`),
          h(
            'td',
            { 'data-key': `dev:${i}:rid`, class: mark(changes, `dev:${i}:rid`) },
            h('code', {}, d.rid.text),
          ),
          h(
            'td',
            { 'data-key': `dev:${i}:route:rid`, class: mark(changes, `dev:${i}:route:rid`) },
            d.routes.find((r) => r.pasid === null)?.route ?? '',
          ),
        ),
      );
      for (const p of d.pasidTable) {
        const route = d.routes.find((r) => r.pasid === p.pasid);
        devRows.push(
          h(
            'tr',
            {},
            h('td', {}, ''),
            h('td', {}, `${d.pasidKind} ${p.pasid}`),
            h(
              'td',
              {
                'data-key': `dev:${i}:pasid:${p.pasid}`,
                class: mark(changes, `dev:${i}:pasid:${p.pasid}`),
              },
              h('code', {}, p.entry.text),
            ),
            h(
              'td',
              {
                'data-key': `dev:${i}:route:${p.pasid}`,
                class: mark(changes, `dev:${i}:route:${p.pasid}`),
              },
              route ? route.route : '',
            ),
          ),
        );
      }
      for (const r of d.routes)
        if (r.pasid !== null && !d.pasidTable.some((p) => p.pasid === r.pasid))
          devRows.push(
            h(
              'tr',
              {},
              h('td', {}, ''),
              h('td', {}, `PASID ${r.pasid}`),
              h('td', { class: 'muted' }, 'no entry'),
              h(
                'td',
                {
                  'data-key': `dev:${i}:route:${r.pasid}`,
                  class: mark(changes, `dev:${i}:route:${r.pasid}`),
                },
                r.route,
              ),
            ),
          );
    });
    const tlbRows = [];
    s.iommus.forEach((m, i) => {
      for (const e of m.iotlb)
        tlbRows.push(
          h(
            'tr',
            {
              'data-key': `iotlb:${i}:${e.tag}:${e.iova_pfn}`,
              class: mark(changes, `iotlb:${i}:${e.tag}:${e.iova_pfn}`),
            },
            h('td', {}, m.name),
            h('td', {}, String(e.tag)),
            h('td', { class: e.domain === 'freed' ? 'bad' : undefined }, e.domain),
            h('td', {}, hex(e.iova_pfn)),
            h('td', {}, hex(e.paddr_pfn)),
          ),
        );
    });
    const domRows = s.domains.map((d) => {
      const k = `domain:${d.id}`;
      const fq = d.fq
        ? `${d.fq.entries.length}/${d.fq.size} queued${d.fq.entries.map((x) => ` ${hex(x.iova_pfn)}+${x.pages}@${x.counter}`).join('')}; flushes started ${d.fq.start}, finished ${d.fq.finish}${d.fq.timer ? '; timer armed' : ''}`
        : '—';
      return h(
        'tr',
        { 'data-key': k, class: mark(changes, k) },
        h('td', {}, `#${d.id} ${d.name}`),
        h('td', {}, d.type),
        h('td', {}, d.iommu),
        h(
          'td',
          { 'data-key': `${k}:map`, class: mark(changes, `${k}:map`) },
          d.mappings.map(([iova, pa, n]) => `${hex(iova)}→${hex(pa)} ×${n}`).join(', ') || '—',
        ),
        h(
          'td',
          { 'data-key': `${k}:iova`, class: mark(changes, `${k}:iova`) },
          d.iova === null ? '—' : d.iova.map(fmtRange).join(', ') || 'none',
          d.rcached.length
            ? h('div', { class: 'muted' }, `rcache: ${d.rcached.map(hex).join(', ')}`)
            : null,
          d.gather.length
            ? h('div', { class: 'muted' }, `not yet synced: ${d.gather.map(fmtRange).join(', ')}`)
            : null,
        ),
        h('td', { 'data-key': `${k}:fq`, class: mark(changes, `${k}:fq`) }, fq),
      );
    });
    const pending = s.iommus
      .filter((m) => m.pending > 0)
      .map((m) => `${m.name}: ${m.pending} syncs pending`);
    return h(
      'section',
      { class: 'panel' },
      h('h3', {}, 'Hardware: RID and PASID entries, and where an access goes'),
      table('hw-entries', ['device', 'entry', 'value', 'access goes'], devRows),
      h('h3', {}, 'IOTLB entries'),
      table('iotlb', ['IOMMU', 'tag', 'domain of the tag', 'IOVA pfn', 'phys pfn'], tlbRows),
      h('h3', {}, 'Domains: page tables, IOVA allocations, flush queues'),
      table(
        'domains',
        ['domain', 'type', 'IOMMU', 'mappings', 'IOVAs allocated', 'flush queue'],
        domRows,
      ),
      h(
        'p',
        { class: 'muted' },
        `global PASIDs: ${s.globalPasids.join(', ') || 'none'}`,
        pending.length ? `; ${pending.join('; ')}` : '',
      ),
      s.warnings.length
        ? h('p', { class: 'bad' }, `WARN_ON fired: ${s.warnings.join('; ')}`)
        : null,
    );
  }

  /** A row key of src/report/html/diff.ts in words, named from the snapshot that has the row. */
  function describeKey(key, snap) {
    const p = key.split(':');
    const dev = (i) => snap.devices[Number(i)]?.dev ?? `device ${i}`;
    switch (p[0]) {
      case 'group': {
        const g = `group ${snap.groups[Number(p[1])] ?? p[1]}`;
        if (p[2] === 'default') return `${g} default domain`;
        if (p[2] === 'domain') return `${g} current domain`;
        if (p[2] === 'owner') return `${g} owner`;
        return `${g} PASID ${p[3]}`;
      }
      case 'spec-device':
        return `${dev(p[1])} driver and maps`;
      case 'mm':
        return `mm ${p[1]}`;
      case 'user-domains':
        return 'user domains';
      case 'driver-pasids':
        return 'driver PASIDs';
      case 'dev': {
        const d = snap.devices[Number(p[1])];
        if (p[2] === 'rid') return `${dev(p[1])} ${d?.ridKind ?? 'RID entry'}`;
        if (p[2] === 'pasid') return `${dev(p[1])} ${d?.pasidKind ?? 'PASID entry'} ${p[3]}`;
        return `where ${dev(p[1])} ${p[3] === 'rid' ? 'RID' : `PASID ${p[3]}`} accesses go`;
      }
      case 'iotlb':
        return `IOTLB entry of ${snap.iommus[Number(p[1])]?.name ?? p[1]} tag ${p[2]} IOVA pfn ${hex(p[3])}`;
      case 'iommu':
        return `${snap.iommus[Number(p[1])]?.name ?? p[1]} pending syncs`;
      case 'domain': {
        const d = `domain #${p[1]}`;
        const what = {
          map: 'page table',
          iova: 'IOVA allocations',
          gather: 'unsynced unmaps',
          fq: 'flush queue',
        };
        return p[2] ? `${d} ${what[p[2]] ?? p[2]}` : d;
      }
      case 'global-pasids':
        return 'global PASIDs';
      case 'warning':
        return 'WARN_ON';
      default:
        return key;
    }
  }

  /** The violated invariant: its name, statement, what is wrong, and the kernel citation. */
  function violationBox(v, when) {
    const inv = invariantById.get(v.invariant);
    return h(
      'div',
      { class: 'violation', id: 'step-violation' },
      h('b', {}, `${v.invariant} ${when}`),
      inv ? h('p', { class: 'statement' }, inv.statement) : null,
      h('p', {}, v.message),
      h('p', { class: 'cite' }, v.citation),
    );
  }

  function renderStep() {
    const t = currentTrace();
    if (!t) return;
    const n = stepCount(t);
    const info = [
      `${t.title}. Scenario `,
      h('code', {}, t.snapshots ? t.snapshots.scenario : t.scenario),
    ];
    if (t.mutants.length) info.push(`, mutants ${t.mutants.join(', ')}`);
    if (t.variant) info.push(`, variant ${t.variant}`);
    $('trace-info').replaceChildren(...info);
    $('replay-cmd').textContent = t.replay;
    $('copy-status').textContent = '';
    if (!t.snapshots) {
      $('step-pos').textContent = '';
      $('step-view').replaceChildren(
        h('p', { class: 'bad' }, `This trace could not be replayed: ${t.error}`),
      );
      return;
    }
    const i = state.step;
    $('step-pos').textContent = i === 0 ? `boot (0 of ${n} steps)` : `step ${i} of ${n}`;
    $('step-prev').disabled = i === 0;
    $('step-next').disabled = i >= n;
    const snap = i === 0 ? t.snapshots.initial : t.snapshots.steps[i - 1].state;
    const step = i === 0 ? null : t.snapshots.steps[i - 1];
    const changes = new Set(i === 0 ? [] : t.changes[i - 1]);
    const groupNames = snap.groups;
    const parts = [];
    if (step === null) {
      parts.push(
        h('div', { id: 'step-call', class: 'call' }, 'The booted state, before the first call.'),
      );
      // An invariant the booted state already breaks (index -1).
      const o = t.snapshots.outcome;
      const atBoot =
        o.result === 'violation' && o.index === -1
          ? [o]
          : t.focus && t.focus.step === -1
            ? [t.focus]
            : [];
      for (const v of atBoot) parts.push(violationBox(v, 'broke in the booted state'));
    } else {
      const args = Object.entries(step.args)
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
        .join(', ');
      parts.push(
        h(
          'div',
          { id: 'step-call', class: 'call' },
          h('code', { class: 'fn' }, `${step.call}(${args})`),
          h(
            'div',
            { class: 'rets' },
            `emulator returned `,
            h('b', { id: 'emu-ret' }, step.emuRet),
            '; spec says ',
            h(
              'b',
              { id: 'spec-ret' },
              step.specRet === null
                ? '(no spec held)'
                : step.specRet === '*'
                  ? 'any value'
                  : step.specRet,
            ),
            step.expect !== undefined ? `; the trace expects ${step.expect}` : '',
          ),
          step.warnings.length
            ? h('div', { class: 'bad' }, `WARN_ON: ${step.warnings.join('; ')}`)
            : null,
        ),
      );
      const focused = t.focus && t.focus.step === i - 1;
      const broken = step.violations.length ? step.violations : focused ? [t.focus] : [];
      for (const v of broken) parts.push(violationBox(v, 'broke at this step'));
      if (step.divergence)
        parts.push(
          h(
            'div',
            { class: 'violation', id: 'step-violation' },
            h('b', {}, 'Spec and emulator disagree'),
            h('p', {}, step.divergence),
          ),
        );
      const before = i === 1 ? t.snapshots.initial : t.snapshots.steps[i - 2].state;
      const added = [...changes]
        .filter((k) => k.startsWith('+'))
        .map((k) => describeKey(k.slice(1), snap));
      const changed = [...changes].filter((k) => !/^[+-]/.test(k)).map((k) => describeKey(k, snap));
      const removed = [...changes]
        .filter((k) => k.startsWith('-'))
        .map((k) => describeKey(k.slice(1), before));
      const said = [
        changed.length ? `changed: ${changed.join('; ')}` : '',
        added.length ? `added: ${added.join('; ')}` : '',
        removed.length ? `removed: ${removed.join('; ')}` : '',
      ].filter((x) => x !== '');
      parts.push(
        h(
          'p',
          { class: 'changes', id: 'step-changes' },
          said.length
            ? `At this step, ${said.join('. ')}.`
            : 'Nothing in the state changed at this step.',
        ),
      );
    }
    const o = t.snapshots.outcome;
    if (i === n && o.result !== 'pass' && o.result !== 'violation' && o.result !== 'divergence')
      parts.push(h('p', { class: 'bad' }, `Replay stopped: ${JSON.stringify(o)}`));
    parts.push(
      h(
        'div',
        { class: 'panels' },
        specPanel(snap, changes, groupNames),
        hardwarePanel(snap, changes),
      ),
    );
    $('step-view').replaceChildren(...parts);
  }

  route();
})();
