// Cluster: every node's role, term, commit/applied index, lag, per-ledger
// tip and digest, divergence; command latency, OCC conflicts and journal
// storage plotted over the last minutes. Data: the signed read-only view
// GET /console/api/cluster, polled every 2 s while this page is open; the
// samples stay in memory for this tab (10 minutes).
import { clusterView } from './control.js';
import { h, showError } from './dom.js';
import { lineChart } from './chart.js';

const WINDOW_MS = 10 * 60 * 1000;
const samples = [];   // [{t, nodes: {name: {latencySum, latencyCount, occ, journal}}}]

function figures(node) {
  const f = { latencySum: 0, latencyCount: 0, occ: 0, journal: 0 };
  for (const m of node.metrics || []) {
    if (m.name === 'tally_command_latency_seconds_sum') f.latencySum += m.value;
    else if (m.name === 'tally_command_latency_seconds_count') f.latencyCount += m.value;
    else if (m.name === 'tally_occ_conflict_exceptions_total') f.occ += m.value;
    else if (m.name === 'tally_journal_storage_bytes') f.journal += m.value;
  }
  return f;
}

/** Per node: mean command latency (ms) and OCC conflicts per interval, journal bytes. */
function series() {
  const lat = {}, occ = {}, journal = {};
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i], prev = samples[i - 1];
    for (const [name, f] of Object.entries(s.nodes)) {
      for (const m of [lat, occ, journal]) m[name] = m[name] || [];
      journal[name].push([s.t, f.journal]);
      const p = prev && prev.nodes[name];
      if (!p) continue;
      const dc = f.latencyCount - p.latencyCount;
      lat[name].push([s.t, dc > 0 ? ((f.latencySum - p.latencySum) / dc) * 1000 : 0]);
      occ[name].push([s.t, Math.max(0, f.occ - p.occ)]);
    }
  }
  return { lat, occ, journal };
}

export function render(main) {
  const table = h('div', { id: 'cluster-nodes', class: 'scroll' }, h('p', { class: 'muted' }, 'Loading…'));
  const ledgers = h('div', { id: 'cluster-ledgers', class: 'scroll' });
  const charts = h('div', { class: 'charts', id: 'cluster-charts' });
  main.append(h('h1', {}, 'Cluster'), table, h('h2', {}, 'Ledgers on each node'), ledgers,
    h('h2', {}, 'Last minutes'), charts,
    h('p', { class: 'muted' }, 'From each node\'s /metrics registry through the signed view /console/api/cluster, sampled every 2 s while this page is open.'));
  let stopped = false;

  async function poll() {
    try {
      const view = await clusterView();
      const now = Date.now();
      samples.push({ t: now, nodes: Object.fromEntries(view.nodes.filter((n) => !n.error).map((n) => [n.node, figures(n)])) });
      while (samples.length && samples[0].t < now - WINDOW_MS) samples.shift();
      draw(view);
    } catch (e) { showError(table, e); }
    if (!stopped) timer = setTimeout(poll, 2000);
  }

  function draw(view) {
    const up = view.nodes.filter((n) => !n.error);
    const commit = Math.max(0, ...up.map((n) => Number(n.commitIndex)));
    const leader = up.find((n) => n.role === 'leader');
    table.replaceChildren(h('table', { id: 'cluster-table' },
      h('thead', {}, h('tr', {}, ['Node', 'Role', 'Term', 'Leader', 'Commit', 'Applied', 'Lag', 'Diverged'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, view.nodes.map((n) => n.error
        ? h('tr', { 'data-node': n.node }, h('td', {}, n.node), h('td', { colspan: 7, class: 'error' }, `unreachable: ${n.error}`))
        : h('tr', { 'data-node': n.node, class: 'node-row' },
          h('td', {}, n.node + (n.node === view.servedBy ? ' (this page)' : '')), h('td', { class: 'role' }, n.role),
          h('td', {}, n.term), h('td', {}, n.leader || '—'), h('td', {}, n.commitIndex), h('td', {}, n.appliedIndex),
          h('td', {}, leader && leader.peerLag[n.node] !== undefined ? `${leader.peerLag[n.node]} (leader's view)` : String(commit - Number(n.appliedIndex))),
          h('td', {}, n.divergence ? h('span', { class: 'badge bad' }, 'DIVERGED') : 'no'))))));
    const names = [...new Set(up.flatMap((n) => n.ledgers.map((l) => l.name)))];
    ledgers.replaceChildren(h('table', { id: 'cluster-ledgers-table' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Ledger'), up.map((n) => h('th', { scope: 'col' }, n.node)))),
      h('tbody', {}, names.map((name) => {
        const digests = new Set(up.map((n) => n.ledgers.find((l) => l.name === name)?.digest));
        return h('tr', {}, h('td', {}, name, digests.size > 1 ? h('span', { class: 'muted' }, ' (catching up or diverged)') : ''),
          up.map((n) => {
            const l = n.ledgers.find((x) => x.name === name);
            return h('td', { class: 'mono' }, l ? [`#${l.tipAddress ? l.tipAddress.sequenceNo : '–'} `,
              h('span', { title: l.digest || '' }, l.digest ? l.digest.slice(0, 12) + '…' : 'no block'),
              l.divergent ? h('span', { class: 'badge bad' }, ' diverged') : ''] : '—');
          }));
      }))));
    const s = series();
    charts.replaceChildren(lineChart('Mean command latency', s.lat, 'ms', 'chart-latency'),
      lineChart('OCC conflicts per 2 s', s.occ, '', 'chart-occ'),
      lineChart('Journal storage', s.journal, 'B', 'chart-journal'));
  }

  let timer = null;
  poll();
  return () => { stopped = true; clearTimeout(timer); };
}
