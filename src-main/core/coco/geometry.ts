// Plane geometry for COCO polygons: Douglas-Peucker on closed rings, shoelace area, and a
// rasteriser with pycocotools' sampling convention (a pixel is in when its centre is).

/**
 * Douglas-Peucker simplification of a closed ring given flat [x0, y0, x1, y1, ...] (first point not
 * repeated at the end). The ring is split at its first point and the point farthest from it (both
 * are kept: on a traced contour the first point is a true corner), and each half is simplified
 * against the segment between its ends. Returns a new flat array; a ring of fewer than 4 points is
 * returned as a copy.
 */
export function simplifyClosedRing(ring: readonly number[], tolerance: number): number[] {
  const n = ring.length / 2;
  if (n < 4 || !(tolerance >= 0)) return ring.slice();
  let far = 0;
  let best = -1;
  for (let i = 1; i < n; i++) {
    const d = (ring[2 * i] - ring[0]) ** 2 + (ring[2 * i + 1] - ring[1]) ** 2;
    if (d > best) {
      best = d;
      far = i;
    }
  }
  const keep = new Uint8Array(n);
  keep[0] = 1;
  keep[far] = 1;
  markChain(ring, 0, far, n, tolerance, keep);
  markChain(ring, far, n, n, tolerance, keep);
  const out: number[] = [];
  for (let i = 0; i < n; i++) if (keep[i]) out.push(ring[2 * i], ring[2 * i + 1]);
  return out;
}

/**
 * Marks the points to keep on the chain from index a to index b (b may equal n, meaning point 0
 * again), iteratively so long contours cannot overflow the call stack.
 */
function markChain(ring: readonly number[], a: number, b: number, n: number, tol: number, keep: Uint8Array): void {
  const stack: [number, number][] = [[a, b]];
  while (stack.length > 0) {
    const [s, e] = stack.pop()!;
    if (e - s < 2) continue;
    const ax = ring[2 * (s % n)];
    const ay = ring[2 * (s % n) + 1];
    const bx = ring[2 * (e % n)];
    const by = ring[2 * (e % n) + 1];
    let worst = -1;
    let at = -1;
    for (let i = s + 1; i < e; i++) {
      const d = segmentDistance(ring[2 * i], ring[2 * i + 1], ax, ay, bx, by);
      if (d > worst) {
        worst = d;
        at = i;
      }
    }
    if (worst > tol) {
      keep[at] = 1;
      stack.push([s, at], [at, e]);
    }
  }
}

/** Distance from (px, py) to the segment (ax, ay)-(bx, by). */
export function segmentDistance(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const vx = bx - ax;
  const vy = by - ay;
  const len2 = vx * vx + vy * vy;
  let t = len2 === 0 ? 0 : ((px - ax) * vx + (py - ay) * vy) / len2;
  t = Math.max(0, Math.min(1, t));
  return Math.hypot(px - (ax + t * vx), py - (ay + t * vy));
}

/** Absolute shoelace area of a closed flat ring. */
export function polygonArea(ring: readonly number[]): number {
  const n = ring.length / 2;
  let s = 0;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    s += ring[2 * j] * ring[2 * i + 1] - ring[2 * i] * ring[2 * j + 1];
  }
  return Math.abs(s) / 2;
}

/**
 * Rasterises COCO polygons (flat rings in pixel-corner coordinates) into a row-major 0/1 mask of
 * width x height: a pixel is inside a ring when its centre (x + 0.5, y + 0.5) is, by the even-odd
 * rule, and an annotation's rings are united, as pycocotools' annToRLE does with frPyObjects and
 * merge. pycocotools additionally snaps vertices to a 1/5 px grid, which only matters for centres
 * lying within 0.1 px of an edge.
 */
export function rasterizePolygons(polygons: readonly (readonly number[])[], width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height);
  const row = new Uint8Array(width);
  const xs: number[] = [];
  for (const ring of polygons) {
    const n = ring.length / 2;
    for (let y = 0; y < height; y++) {
      const cy = y + 0.5;
      xs.length = 0;
      for (let i = 0, j = n - 1; i < n; j = i++) {
        const x1 = ring[2 * j];
        const y1 = ring[2 * j + 1];
        const x2 = ring[2 * i];
        const y2 = ring[2 * i + 1];
        // Half-open in y so a vertex exactly on the scanline is counted once.
        if (y1 <= cy !== y2 <= cy) xs.push(x1 + ((cy - y1) * (x2 - x1)) / (y2 - y1));
      }
      if (xs.length === 0) continue;
      xs.sort((p, q) => p - q);
      row.fill(0);
      for (let k = 0; k + 1 < xs.length; k += 2) {
        // Pixels whose centre x + 0.5 lies in [xs[k], xs[k+1]).
        const from = Math.max(0, Math.ceil(xs[k] - 0.5));
        const to = Math.min(width - 1, Math.ceil(xs[k + 1] - 0.5) - 1);
        for (let x = from; x <= to; x++) row[x] = 1;
      }
      const base = y * width;
      for (let x = 0; x < width; x++) if (row[x]) out[base + x] = 1;
    }
  }
  return out;
}
