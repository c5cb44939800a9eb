// Geometry of the pizza toppings and its rasterisation. A pixel (x, y) belongs to a shape when its
// centre (x + 0.5, y + 0.5) lies inside; edges are hard on purpose so the ground truth is exact.

/** A filled disc (pepperoni). */
export interface DiscShape {
  kind: 'disc';
  cx: number;
  cy: number;
  r: number;
}

/** An annulus (olive slice): the hole shows whatever lies underneath. */
export interface RingShape {
  kind: 'ring';
  cx: number;
  cy: number;
  r: number;
  inner: number;
}

/**
 * A leaf (basil): along its axis u in [-halfLength, halfLength] it is as wide as
 * halfWidth * sin(pi * t)^0.7 with t = (u + halfLength) / (2 * halfLength), which gives two pointed
 * ends and a full belly; `bend` curves the axis into a gentle arc.
 */
export interface LeafShape {
  kind: 'leaf';
  cx: number;
  cy: number;
  halfLength: number;
  halfWidth: number;
  /** Direction of the axis, radians. */
  angle: number;
  /** Offset of the axis midpoint relative to its ends, as a fraction of halfWidth. */
  bend: number;
}

export type ToppingShape = DiscShape | RingShape | LeafShape;

/** Local leaf coordinates of a point: u along the axis, v across it (bend removed). */
export function leafCoords(s: LeafShape, px: number, py: number): { u: number; v: number } {
  const dx = px - s.cx;
  const dy = py - s.cy;
  const c = Math.cos(s.angle);
  const sn = Math.sin(s.angle);
  const u = dx * c + dy * sn;
  const t = u / s.halfLength;
  const v = -dx * sn + dy * c - s.bend * s.halfWidth * (1 - t * t);
  return { u, v };
}

/** Half-width of the leaf at axis position u (0 outside the leaf's length). */
export function leafHalfWidthAt(s: LeafShape, u: number): number {
  if (u <= -s.halfLength || u >= s.halfLength) return 0;
  const t = (u + s.halfLength) / (2 * s.halfLength);
  return s.halfWidth * Math.pow(Math.sin(Math.PI * t), 0.7);
}

export function containsPoint(s: ToppingShape, px: number, py: number): boolean {
  switch (s.kind) {
    case 'disc': {
      const dx = px - s.cx;
      const dy = py - s.cy;
      return dx * dx + dy * dy <= s.r * s.r;
    }
    case 'ring': {
      const dx = px - s.cx;
      const dy = py - s.cy;
      const d2 = dx * dx + dy * dy;
      return d2 <= s.r * s.r && d2 > s.inner * s.inner;
    }
    case 'leaf': {
      const { u, v } = leafCoords(s, px, py);
      return Math.abs(v) <= leafHalfWidthAt(s, u);
    }
  }
}

/** Radius of a circle around (cx, cy) that contains the whole shape. */
export function boundingRadius(s: ToppingShape): number {
  if (s.kind === 'leaf') return s.halfLength + s.halfWidth * (1 + Math.abs(s.bend));
  return s.r;
}

/**
 * Flat pixel indices (y * width + x) covered by the shape, clipped to the image, in raster order.
 * Only the shape's bounding square is scanned, so this is cheap enough for rejection sampling.
 */
export function rasterize(s: ToppingShape, width: number, height: number): Int32Array {
  const br = boundingRadius(s) + 1;
  const x0 = Math.max(0, Math.floor(s.cx - br));
  const x1 = Math.min(width - 1, Math.ceil(s.cx + br));
  const y0 = Math.max(0, Math.floor(s.cy - br));
  const y1 = Math.min(height - 1, Math.ceil(s.cy + br));
  const out: number[] = [];
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      if (containsPoint(s, x + 0.5, y + 0.5)) out.push(y * width + x);
    }
  }
  return Int32Array.from(out);
}

/**
 * A closed curve r(theta) = radius * (1 + sum_k a_k sin(k theta + phi_k)): the slightly irregular
 * outline of a hand-made pizza or of its cheese layer.
 */
export interface WobblyCircle {
  cx: number;
  cy: number;
  radius: number;
  /** Harmonic amplitudes (fractions of radius) for k = 2, 3, ... */
  amplitudes: number[];
  phases: number[];
}

export function wobblyRadiusAt(c: WobblyCircle, theta: number): number {
  let f = 1;
  for (let i = 0; i < c.amplitudes.length; i++) {
    f += (c.amplitudes[i] ?? 0) * Math.sin((i + 2) * theta + (c.phases[i] ?? 0));
  }
  return c.radius * f;
}

/** The smallest radius the curve reaches: a disc of this radius lies entirely inside it. */
export function wobblyMinRadius(c: WobblyCircle): number {
  return c.radius * (1 - c.amplitudes.reduce((a, b) => a + Math.abs(b), 0));
}

/** The largest radius the curve reaches: everything outside this disc is outside the curve. */
export function wobblyMaxRadius(c: WobblyCircle): number {
  return c.radius * (1 + c.amplitudes.reduce((a, b) => a + Math.abs(b), 0));
}

export function insideWobbly(c: WobblyCircle, px: number, py: number): boolean {
  const dx = px - c.cx;
  const dy = py - c.cy;
  const d = Math.hypot(dx, dy);
  return d <= wobblyRadiusAt(c, Math.atan2(dy, dx));
}
