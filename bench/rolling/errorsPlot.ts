// The plot of bench:rolling: failed requests per second over the run, one panel per variant, one line per mode, as
// a self-contained SVG (no script, no external font or style).

export interface PlotSeries {
  readonly label: string;
  readonly color: string;
  /** [seconds since the load started, failed requests in that second]. */
  readonly points: readonly (readonly [number, number])[];
}

export interface PlotPanel {
  readonly title: string;
  readonly series: readonly PlotSeries[];
}

const WIDTH = 760;
const PANEL_HEIGHT = 150;
const LEFT = 56;
const RIGHT = 16;
const TOP = 40;
const GAP = 44;

export function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** A round axis maximum at or above `value` (1, 2, 3, 4, 5, 6, 8 × 10^n; at least 1). */
export function niceMax(value: number): number {
  if (!(value > 1)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 3, 4, 5, 6, 8, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

export function errorsPlotSvg(title: string, panels: readonly PlotPanel[]): string {
  const height = TOP + panels.length * (PANEL_HEIGHT + GAP);
  const plotWidth = WIDTH - LEFT - RIGHT;
  const maxX = Math.max(1, ...panels.flatMap((p) => p.series.flatMap((s) => s.points.map(([x]) => x))));
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${WIDTH}" height="${height}" fill="white"/>`,
    `<text x="${LEFT}" y="16" font-size="13" font-weight="bold">${escapeXml(title)}</text>`,
  ];
  // Legend (the modes of the first panel).
  let legendX = LEFT;
  for (const s of panels[0]?.series ?? []) {
    out.push(`<rect x="${legendX}" y="24" width="12" height="4" fill="${s.color}"/>`, `<text x="${legendX + 16}" y="30">${escapeXml(s.label)}</text>`);
    legendX += 28 + s.label.length * 7;
  }
  panels.forEach((panel, i) => {
    const top = TOP + GAP / 2 + i * (PANEL_HEIGHT + GAP);
    const bottom = top + PANEL_HEIGHT;
    const maxY = niceMax(Math.max(0, ...panel.series.flatMap((s) => s.points.map(([, y]) => y))));
    const x = (v: number): string => (LEFT + (v / maxX) * plotWidth).toFixed(1);
    const y = (v: number): string => (bottom - (v / maxY) * PANEL_HEIGHT).toFixed(1);
    out.push(`<text x="${LEFT}" y="${top - 6}" font-weight="bold">${escapeXml(panel.title)}</text>`);
    out.push(`<rect x="${LEFT}" y="${top}" width="${plotWidth}" height="${PANEL_HEIGHT}" fill="none" stroke="#ccc"/>`);
    for (const tick of [0, maxY / 2, maxY]) {
      out.push(`<line x1="${LEFT - 4}" x2="${LEFT}" y1="${y(tick)}" y2="${y(tick)}" stroke="#999"/>`, `<text x="${LEFT - 6}" y="${Number(y(tick)) + 4}" text-anchor="end">${tick}</text>`);
    }
    const step = niceMax(maxX / 8);
    for (let t = 0; t <= maxX; t += step) {
      out.push(`<line x1="${x(t)}" x2="${x(t)}" y1="${bottom}" y2="${bottom + 4}" stroke="#999"/>`, `<text x="${x(t)}" y="${bottom + 15}" text-anchor="middle">${t} s</text>`);
    }
    out.push(`<text x="12" y="${(top + bottom) / 2}" transform="rotate(-90 12 ${(top + bottom) / 2})" text-anchor="middle">failed req/s</text>`);
    for (const s of panel.series) {
      if (s.points.length === 0) continue;
      const points = s.points.map(([px, py]) => `${x(px)},${y(py)}`).join(" ");
      out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="1.6" points="${points}"><title>${escapeXml(`${panel.title}: ${s.label}`)}</title></polyline>`);
    }
  });
  out.push("</svg>", "");
  return out.join("\n");
}
