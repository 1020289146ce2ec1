import assert from "node:assert/strict";
import { test } from "node:test";
import { errorsPlotSvg, escapeXml, niceMax } from "./errorsPlot.js";

test("niceMax rounds up to 1, 2, 3, 4, 5, 6 or 8 × 10^n, at least 1", () => {
  assert.deepEqual([0, 0.5, 1, 3, 7, 9, 20, 21, 450, 501, 801].map(niceMax), [1, 1, 1, 3, 8, 10, 20, 30, 500, 600, 1000]);
});

test("one polyline per series with points, titles escaped, a zero series stays on the axis", () => {
  const svg = errorsPlotSvg("A <b> & c", [
    {
      title: "well behaved",
      series: [
        { label: "registrar", color: "#f00", points: [[0.5, 0], [1.5, 400], [2.5, 0]] },
        { label: "Berth", color: "#0f0", points: [[0.5, 0], [1.5, 0], [2.5, 0]] },
        { label: "empty", color: "#00f", points: [] },
      ],
    },
  ]);
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.ok(svg.includes("A &lt;b&gt; &amp; c"));
  const polylines = [...svg.matchAll(/<polyline [^>]*points="([^"]+)"/g)].map((m) => (m[1] as string).split(" "));
  assert.equal(polylines.length, 2);
  assert.equal(polylines[0]?.length, 3);
  const ys = (points: string[]): number[] => points.map((p) => Number(p.split(",")[1]));
  // Berth's zeros all at the panel's bottom, the registrar's peak above them (400 is the axis' maximum).
  const berth = ys(polylines[1] as string[]);
  assert.equal(new Set(berth).size, 1);
  assert.ok((ys(polylines[0] as string[])[1] as number) < (berth[0] as number));
  assert.ok(svg.trimEnd().endsWith("</svg>"));
});

test("escapeXml escapes &, <, > and double quotes", () => {
  assert.equal(escapeXml(`<a href="x">&</a>`), "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;");
});
