import { describe, expect, it } from 'vitest';
import { generatePizzaScene } from '../../tools/synth/pizza';
import type { BinaryMask } from '../types';
import { maskToRle } from '../mask';
import { polygonArea, rasterizePolygons, segmentDistance, simplifyClosedRing } from './geometry';
import { DEFAULT_POLYGON_OPTIONS, maskToPolygons, rleToPolygons } from './polygon';

function paint(w: number, h: number, inside: (cx: number, cy: number) => boolean): BinaryMask {
  const data = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[y * w + x] = inside(x + 0.5, y + 0.5) ? 1 : 0;
  return { width: w, height: h, data };
}

function ellipse(w: number, h: number, cx: number, cy: number, rx: number, ry: number, rot = 0): BinaryMask {
  const c = Math.cos(rot);
  const s = Math.sin(rot);
  return paint(w, h, (px, py) => {
    const u = (px - cx) * c + (py - cy) * s;
    const v = -(px - cx) * s + (py - cy) * c;
    return (u / rx) ** 2 + (v / ry) ** 2 <= 1;
  });
}

function fromRows(rows: string[]): BinaryMask {
  const w = rows[0].length;
  return paint(w, rows.length, (px, py) => rows[Math.floor(py)][Math.floor(px)] === '1');
}

function count(data: Uint8Array): number {
  let n = 0;
  for (const v of data) n += v;
  return n;
}

function iou(a: Uint8Array, b: Uint8Array): number {
  let i = 0;
  let u = 0;
  for (let k = 0; k < a.length; k++) {
    i += a[k] & b[k];
    u += a[k] | b[k];
  }
  return u === 0 ? 1 : i / u;
}

/** Polygon area and raster IoU against the mask; every ring has >= 3 points. */
function check(mask: BinaryMask, tolerance?: number): { areaError: number; iou: number; points: number } {
  const res = maskToPolygons(mask, tolerance === undefined ? {} : { tolerance });
  for (const p of res.polygons) {
    expect(p.length % 2).toBe(0);
    expect(p.length).toBeGreaterThanOrEqual(6);
  }
  const area = count(mask.data);
  expect(res.area).toBe(area);
  const polyArea = res.polygons.reduce((s, p) => s + polygonArea(p), 0);
  const back = rasterizePolygons(res.polygons, mask.width, mask.height);
  return {
    areaError: Math.abs(polyArea - area) / area,
    iou: iou(back, mask.data),
    points: res.polygons.reduce((s, p) => s + p.length / 2, 0),
  };
}

describe('maskToPolygons on simple shapes', () => {
  it('uses 0.5 px as the default tolerance', () => {
    expect(DEFAULT_POLYGON_OPTIONS.tolerance).toBe(0.5);
  });

  const radii = [3, 5, 8, 13, 21, 40, 90, 200];
  for (const r of radii) {
    it(`disc r=${r} and rotated ellipses: area within 3%, raster IoU > 0.95`, () => {
      const size = Math.ceil(2 * r + 8);
      const shapes = [
        ellipse(size, size, size / 2 + 0.3, size / 2 - 0.2, r, r),
        ellipse(size, size, size / 2, size / 2, r, Math.max(2, r * 0.45), 0.4),
        ellipse(size, size, size / 2, size / 2, r, Math.max(2, r * 0.2), 2.2),
      ];
      for (const m of shapes) {
        const { areaError, iou: v } = check(m);
        expect(areaError).toBeLessThan(0.03);
        expect(v).toBeGreaterThan(0.95);
      }
    });
  }

  it('rectangles of many sizes, including ones touching the image border, come out exact', () => {
    for (const [x0, y0, rw, rh] of [
      [0, 0, 1, 1],
      [3, 2, 1, 9],
      [2, 5, 17, 1],
      [0, 0, 30, 20],
      [4, 7, 13, 6],
      [10, 0, 20, 20],
    ]) {
      const m = paint(30, 20, (px, py) => px > x0 && px < x0 + rw && py > y0 && py < y0 + rh);
      const res = maskToPolygons(m);
      expect(res.polygons.length).toBe(1);
      // A rectangle simplifies to its 4 corners, on pixel corners.
      expect(res.polygons[0].length).toBe(8);
      expect(polygonArea(res.polygons[0])).toBe(rw * rh);
      expect(iou(rasterizePolygons(res.polygons, 30, 20), m.data)).toBe(1);
    }
  });

  it('tolerance 0 keeps the exact pixel boundary: area and pixels identical', () => {
    const m = ellipse(64, 50, 30.2, 24.9, 27, 13, 0.7);
    const { areaError, iou: v, points } = check(m, 0);
    expect(areaError).toBe(0);
    expect(v).toBe(1);
    // A larger tolerance never keeps more vertices.
    expect(check(m, 1).points).toBeLessThan(points);
  });

  it('gives one polygon per 8-connected part, in column-major order of their first pixel', () => {
    const m = fromRows([
      '1100000000', //
      '1100000110',
      '0010000110',
      '0001000000',
      '0000000000',
      '0000001111',
    ]);
    const res = maskToPolygons(m);
    // The diagonal chain (top-left) is one part; the bar (from column 6) and the 2x2 square (from
    // column 7) are two more. Each ring starts at the top-left corner of its part's first pixel.
    expect(res.polygons.length).toBe(3);
    expect(res.polygons[0].slice(0, 2)).toEqual([0, 0]);
    expect(res.polygons[1].slice(0, 2)).toEqual([6, 5]);
    expect(res.polygons[2].slice(0, 2)).toEqual([7, 1]);
    expect(iou(rasterizePolygons(res.polygons, 10, 6), m.data)).toBe(1);
    expect(res.polygons.reduce((s, p) => s + polygonArea(p), 0)).toBe(count(m.data));
  });

  it('a diagonal staircase and a single pixel rasterise back exactly', () => {
    const stairs = paint(12, 12, (px, py) => Math.abs(Math.floor(px) - Math.floor(py)) <= 0);
    const res = maskToPolygons(stairs);
    expect(res.polygons.length).toBe(1);
    expect(polygonArea(res.polygons[0])).toBe(12);
    expect(iou(rasterizePolygons(res.polygons, 12, 12), stairs.data)).toBe(1);
    const dot = fromRows(['000', '010', '000']);
    expect(maskToPolygons(dot).polygons).toEqual([[1, 1, 1, 2, 2, 2, 2, 1]]);
  });

  it('a checkerboard is one 8-connected part whose inner background pixels are holes', () => {
    const checker = paint(9, 7, (px, py) => (Math.floor(px) + Math.floor(py)) % 2 === 0);
    const res = maskToPolygons(checker);
    expect(res.polygons.length).toBe(1);
    let inner = 0;
    for (let y = 1; y < 6; y++) for (let x = 1; x < 8; x++) inner += checker.data[y * 9 + x] ? 0 : 1;
    expect(res.holeArea).toBe(inner);
    expect(polygonArea(res.polygons[0])).toBe(count(checker.data) + inner);
    expect(res.useRle).toBe(true);
  });

  it('an empty mask gives no polygons and no error', () => {
    const res = maskToPolygons({ width: 5, height: 4, data: new Uint8Array(20) });
    expect(res).toMatchObject({ polygons: [], area: 0, holeArea: 0, useRle: false });
  });

  it('rejects a mask whose data does not match its size', () => {
    expect(() => maskToPolygons({ width: 5, height: 4, data: new Uint8Array(19) })).toThrow(/19 bytes but 5x4 needs 20/);
  });
});

describe('holes', () => {
  const ring = paint(60, 60, (px, py) => {
    const d = Math.hypot(px - 30, py - 30);
    return d <= 25 && d > 10;
  });

  it('a ring with a big hole falls back to RLE and says why', () => {
    const res = maskToPolygons(ring);
    expect(res.holeArea).toBeGreaterThan(300);
    expect(res.useRle).toBe(true);
    expect(res.reason).toMatch(/holes cover \d+ px/);
    // The outer polygon still encloses mask + hole.
    expect(polygonArea(res.polygons[0])).toBe(res.area + res.holeArea);
  });

  it('a pin-hole below both limits keeps polygons; raising the limits keeps them for the ring too', () => {
    const disc = ellipse(60, 60, 30, 30, 25, 25);
    disc.data[30 * 60 + 30] = 0;
    const res = maskToPolygons(disc);
    expect(res.holeArea).toBe(1);
    expect(res.useRle).toBe(false);
    expect(res.reason).toBeNull();
    expect(maskToPolygons(ring, { maxHoleFraction: 1, maxHolePixels: 1e6 }).useRle).toBe(false);
  });

  it('the absolute limit catches a hole that is a small fraction of a big mask', () => {
    const big = paint(300, 300, (px, py) => !(px > 100 && px < 125 && py > 100 && py < 125));
    const res = maskToPolygons(big);
    expect(res.holeArea).toBe(625);
    expect(res.holeArea / res.area).toBeLessThan(DEFAULT_POLYGON_OPTIONS.maxHoleFraction);
    expect(res.useRle).toBe(true);
    expect(res.reason).toMatch(/more than 400 px/);
  });

  it('background that touches the image border is not a hole', () => {
    const u = fromRows(['1111', '1001', '1001', '1001']);
    expect(maskToPolygons(u).holeArea).toBe(0);
  });
});

describe('parts and holes agree with pixel flood fills', () => {
  /** Brute force: 8-connected parts of the mask and 4-connected background not reaching the border. */
  function bruteForce(m: BinaryMask): { parts: number; holes: number } {
    const { width: w, height: h, data } = m;
    const seen = new Uint8Array(w * h);
    const fill = (start: number, fg: boolean): boolean => {
      const stack = [start];
      seen[start] = 1;
      let border = false;
      while (stack.length > 0) {
        const p = stack.pop()!;
        const x = p % w;
        const y = (p - x) / w;
        if (x === 0 || y === 0 || x === w - 1 || y === h - 1) border = true;
        for (let dy = -1; dy <= 1; dy++) {
          for (let dx = -1; dx <= 1; dx++) {
            if ((!fg && dx !== 0 && dy !== 0) || (dx === 0 && dy === 0)) continue;
            const xx = x + dx;
            const yy = y + dy;
            if (xx < 0 || yy < 0 || xx >= w || yy >= h) continue;
            const q = yy * w + xx;
            if (!seen[q] && (data[q] !== 0) === fg) {
              seen[q] = 1;
              stack.push(q);
            }
          }
        }
      }
      return border;
    };
    let parts = 0;
    let holes = 0;
    for (let i = 0; i < w * h; i++) {
      if (seen[i]) continue;
      if (data[i]) {
        parts++;
        fill(i, true);
      } else {
        const before = seen.reduce((a, v) => a + v, 0);
        const border = fill(i, false);
        if (!border) holes += seen.reduce((a, v) => a + v, 0) - before;
      }
    }
    return { parts, holes };
  }

  it('on 150 seeded random masks of varied density and shape', () => {
    let seed = 77;
    const rand = (): number => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    for (let t = 0; t < 150; t++) {
      const w = 1 + Math.floor(rand() * 24);
      const h = 1 + Math.floor(rand() * 24);
      const density = 0.2 + rand() * 0.7;
      const m = paint(w, h, () => rand() < density);
      const res = maskToPolygons(m, { tolerance: 0 });
      const truth = bruteForce(m);
      expect(res.polygons.length).toBe(truth.parts);
      expect(res.holeArea).toBe(truth.holes);
      // Unsimplified rings enclose exactly the parts plus their holes, and rasterise to them.
      const filled = rasterizePolygons(res.polygons, w, h);
      expect(count(filled)).toBe(count(m.data) + truth.holes);
      for (let i = 0; i < w * h; i++) if (m.data[i]) expect(filled[i]).toBe(1);
    }
  });
});

describe('rleToPolygons', () => {
  it('moving a shape around the image (and against its edges) moves its polygons with it', () => {
    const shape = ellipse(30, 20, 15, 10, 12, 7, 0.3);
    const base = rleToPolygons(maskToRle(shape));
    for (const [dx, dy] of [
      [0, 0],
      [7, 3],
      [50, 40],
    ]) {
      const moved = paint(80, 60, (px, py) => {
        const x = Math.floor(px) - dx;
        const y = Math.floor(py) - dy;
        return x >= 0 && y >= 0 && x < 30 && y < 20 && shape.data[y * 30 + x] === 1;
      });
      const res = rleToPolygons(maskToRle(moved));
      expect(res.polygons).toEqual(base.polygons.map((p) => p.map((v, i) => v + (i % 2 === 0 ? dx : dy))));
      expect(res.area).toBe(base.area);
    }
  });

  it('rejects runs that do not fill the size', () => {
    expect(() => rleToPolygons({ size: [4, 4], counts: [3, 2] })).toThrow(/sum to 5 but size 4x4 needs 16/);
  });
});

describe('simplifyClosedRing', () => {
  it('drops points within the tolerance and keeps the rest', () => {
    // A square with a midpoint on each side, one of them bulging by 0.4 and one by 2.
    const ring = [0, 0, 5, 0.4, 10, 0, 10, 10, 5, 12, 0, 10];
    expect(simplifyClosedRing(ring, 0.5)).toEqual([0, 0, 10, 0, 10, 10, 5, 12, 0, 10]);
    expect(simplifyClosedRing(ring, 0.3)).toEqual(ring);
  });
});

describe('synthetic pizza instances', () => {
  for (const seed of [1, 2]) {
    it(`seed ${seed}: every instance's polygons are within 3% of its area and rasterise to IoU > 0.95`, () => {
      const scene = generatePizzaScene({ seed });
      let polygonCount = 0;
      for (const inst of scene.instances) {
        const res = maskToPolygons(inst.mask);
        expect(res.area).toBe(inst.area);
        if (res.useRle) {
          // Only masks with real holes (board around the pizza, cheese under toppings, olive rings).
          expect(res.holeArea).toBeGreaterThan(Math.min(0.01 * res.area, 400));
          continue;
        }
        polygonCount++;
        const polyArea = res.polygons.reduce((s, p) => s + polygonArea(p), 0);
        expect(Math.abs(polyArea - inst.area) / inst.area).toBeLessThan(0.03);
        const back = rasterizePolygons(res.polygons, inst.mask.width, inst.mask.height);
        expect(iou(back, inst.mask.data)).toBeGreaterThan(0.95);
      }
      // Pepperoni and basil are solid, olive slices are rings, board/crust/cheese surround
      // things: a good share of the instances must still export as polygons.
      expect(polygonCount).toBeGreaterThan(scene.instances.length / 4);
    });
  }
});

function pixels(mask: Uint8Array, w: number): string[] {
  const out: string[] = [];
  mask.forEach((v, i) => v && out.push(`${i % w},${Math.floor(i / w)}`));
  return out;
}

describe('rasterizePolygons', () => {
  it('takes a pixel when its centre is inside (pycocotools sampling)', () => {
    // Centres (x+0.5, y+0.5) inside x + y < 4.2 - 1: the 10 pixels with x + y <= 3.
    const m = rasterizePolygons([[0, 0, 4.2, 0, 0, 4.2]], 6, 6);
    const expected: string[] = [];
    for (let y = 0; y < 6; y++) for (let x = 0; x < 6; x++) if (x + y <= 3) expected.push(`${x},${y}`);
    expect(pixels(m, 6)).toEqual(expected);
  });

  it("unions an annotation's polygons and clips to the image", () => {
    const m = rasterizePolygons(
      [
        [1, 1, 3, 1, 3, 3, 1, 3],
        [2, 2, 9, 2, 9, 9, 2, 9],
      ],
      5,
      4,
    );
    expect(pixels(m, 5)).toEqual(['1,1', '2,1', '1,2', '2,2', '3,2', '4,2', '2,3', '3,3', '4,3']);
  });

  it('uses the even-odd rule inside one ring', () => {
    // An outer square and an inner square traced as one ring joined by a zero-width slit.
    const ring = [0, 0, 6, 0, 6, 6, 0, 6, 0, 2, 2, 2, 2, 4, 4, 4, 4, 2, 0, 2];
    const m = rasterizePolygons([ring], 6, 6);
    expect(m.reduce((s, v) => s + v, 0)).toBe(36 - 4);
    expect(m[2 * 6 + 2]).toBe(0);
  });
});

describe('polygonArea and segmentDistance', () => {
  it('shoelace area ignores orientation', () => {
    expect(polygonArea([0, 0, 4, 0, 4, 3])).toBe(6);
    expect(polygonArea([0, 0, 4, 3, 4, 0])).toBe(6);
  });

  it('measures to the segment, not the infinite line', () => {
    expect(segmentDistance(5, 0, 0, 0, 3, 0)).toBe(2);
    expect(segmentDistance(1, 2, 0, 0, 3, 0)).toBe(2);
    expect(segmentDistance(1, 1, 2, 2, 2, 2)).toBeCloseTo(Math.SQRT2, 12);
  });

  it('leaves tiny rings alone', () => {
    expect(simplifyClosedRing([0, 0, 1, 0, 0, 1], 10)).toEqual([0, 0, 1, 0, 0, 1]);
  });
});
