// A small SVG line chart: lineChart(title, series {name: [[t, y]]}, unit).
const NS = 'http://www.w3.org/2000/svg';
const COLORS = ['#0b5cad', '#b35c00', '#1e7b34', '#7a1fa2', '#b3261e'];

function el(tag, attrs, text) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

export function lineChart(title, series, unit, id) {
  const W = 400, H = 160, L = 48, B = 18;
  const svg = el('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': title, id });
  const points = Object.values(series).flat();
  const fig = document.createElement('figure');
  fig.className = 'chart';
  const cap = document.createElement('figcaption');
  cap.textContent = title;
  fig.append(cap, svg);
  if (!points.length) { svg.append(el('text', { x: L, y: H / 2, fill: '#5b6470' }, 'waiting for samples…')); return fig; }
  const t0 = Math.min(...points.map((p) => p[0])), t1 = Math.max(...points.map((p) => p[0]), t0 + 1);
  const ymax = Math.max(...points.map((p) => p[1]), 1e-9) * 1.1;
  const x = (t) => L + ((t - t0) / (t1 - t0)) * (W - L - 8);
  const y = (v) => H - B - (v / ymax) * (H - B - 8);
  svg.append(el('line', { x1: L, y1: H - B, x2: W - 8, y2: H - B, stroke: '#d4d9df' }));
  svg.append(el('text', { x: 2, y: 14, 'font-size': 10, fill: '#5b6470' }, `${fmt(ymax / 1.1)} ${unit}`));
  svg.append(el('text', { x: 2, y: H - B, 'font-size': 10, fill: '#5b6470' }, `0`));
  svg.append(el('text', { x: L, y: H - 4, 'font-size': 10, fill: '#5b6470' }, `last ${Math.round((t1 - t0) / 1000)} s`));
  const legend = document.createElement('div');
  legend.className = 'legend';
  Object.entries(series).forEach(([name, pts], i) => {
    const color = COLORS[i % COLORS.length];
    if (pts.length) {
      svg.append(el('polyline', { fill: 'none', stroke: color, 'stroke-width': 2,
        points: pts.map(([t, v]) => `${x(t).toFixed(1)},${y(v).toFixed(1)}`).join(' ') }));
    }
    const last = pts.length ? pts[pts.length - 1][1] : NaN;
    const item = document.createElement('span');
    item.textContent = `■ ${name}: ${Number.isNaN(last) ? '–' : fmt(last)} ${unit}  `;
    item.style.color = color;
    legend.append(item);
  });
  fig.append(legend);
  return fig;
}

function fmt(v) {
  if (v >= 1e9) return (v / 1e9).toFixed(1) + 'G';
  if (v >= 1e6) return (v / 1e6).toFixed(1) + 'M';
  if (v >= 1e3) return (v / 1e3).toFixed(1) + 'k';
  return v >= 10 ? v.toFixed(0) : v.toFixed(2);
}
