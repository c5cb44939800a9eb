// The Konva side of the image view: one stage whose world coordinates are image pixels, with a
// photo layer, a mask layer (fill + outlines, each one pre-rendered canvas) and an overlay layer
// (selection, hover, rubber band). No Konva node listens to events: hit testing uses the label map,
// which is exact and O(1), instead of Konva's hit canvas.

import Konva from 'konva';

/** Zoom limits: 5 % shows a whole panorama; 40x makes single pixels big enough to click. */
export const MIN_SCALE = 0.05;
export const MAX_SCALE = 40;
/** Share of the view the image fills when fitted, leaving a margin around it. */
export const FIT_MARGIN = 0.96;

export interface ViewTransform {
  scale: number;
  x: number;
  y: number;
}

export class MaskStage {
  readonly stage: Konva.Stage;
  private readonly photo = new Konva.Image({ image: undefined, listening: false });
  private readonly fill = new Konva.Image({ image: undefined, listening: false });
  private readonly outline = new Konva.Image({ image: undefined, listening: false });
  private readonly selection = new Konva.Group({ listening: false });
  private readonly hover = new Konva.Image({ image: undefined, listening: false, visible: false });
  private readonly band = new Konva.Rect({
    listening: false,
    visible: false,
    stroke: '#ffffff',
    strokeWidth: 1,
    dash: [4, 3],
    fill: 'rgba(91,141,239,0.12)',
    strokeScaleEnabled: false,
  });
  private readonly draft = new Konva.Image({ image: undefined, listening: false, visible: false });
  private readonly prompts = new Konva.Group({ listening: false });
  private readonly brush = new Konva.Line({ listening: false, visible: false, lineCap: 'round', lineJoin: 'round', opacity: 0.5 });
  private readonly maskLayer: Konva.Layer;
  private imageSize = { width: 1, height: 1 };
  onTransform: (t: ViewTransform) => void = () => {};

  constructor(container: HTMLDivElement) {
    this.stage = new Konva.Stage({ container, width: container.clientWidth || 1, height: container.clientHeight || 1 });
    const photoLayer = new Konva.Layer({ listening: false });
    photoLayer.add(this.photo);
    // Masks are pixel-exact: no smoothing, so zoomed-in edges stay where the pixels are.
    this.maskLayer = new Konva.Layer({ listening: false, imageSmoothingEnabled: false });
    this.maskLayer.add(this.fill, this.outline);
    const overlay = new Konva.Layer({ listening: false, imageSmoothingEnabled: false });
    overlay.add(this.selection, this.hover, this.draft, this.brush, this.band, this.prompts);
    this.stage.add(photoLayer, this.maskLayer, overlay);
  }

  get transform(): ViewTransform {
    return { scale: this.stage.scaleX(), x: this.stage.x(), y: this.stage.y() };
  }

  resize(width: number, height: number): void {
    this.stage.size({ width: Math.max(1, width), height: Math.max(1, height) });
  }

  setPhoto(img: HTMLImageElement | null, width: number, height: number): void {
    this.imageSize = { width, height };
    this.photo.image(img ?? undefined);
    this.photo.size({ width, height });
    this.photo.getLayer()?.batchDraw();
  }

  setMasks(fill: HTMLCanvasElement | null, outline: HTMLCanvasElement | null): void {
    this.fill.image(fill ?? undefined);
    this.outline.image(outline ?? undefined);
    this.maskLayer.batchDraw();
  }

  setMaskOpacity(opacity: number): void {
    this.fill.opacity(opacity);
    this.maskLayer.batchDraw();
  }

  setOutlinesVisible(visible: boolean): void {
    this.outline.visible(visible);
    this.maskLayer.batchDraw();
  }

  setSelection(parts: Array<{ canvas: HTMLCanvasElement; x: number; y: number }>): void {
    this.selection.destroyChildren();
    for (const p of parts) this.selection.add(new Konva.Image({ image: p.canvas, x: p.x, y: p.y, listening: false }));
    this.selection.getLayer()?.batchDraw();
  }

  setHover(part: { canvas: HTMLCanvasElement; x: number; y: number } | null): void {
    if (part) this.hover.setAttrs({ image: part.canvas, x: part.x, y: part.y, visible: true });
    else this.hover.visible(false);
    this.hover.getLayer()?.batchDraw();
  }

  setBand(rect: { x: number; y: number; width: number; height: number } | null): void {
    if (rect) this.band.setAttrs({ ...rect, visible: true });
    else this.band.visible(false);
    this.band.getLayer()?.batchDraw();
  }

  /** The mask of the prompt being built (or the hover preview). */
  setDraft(part: { canvas: HTMLCanvasElement; x: number; y: number } | null): void {
    if (part) this.draft.setAttrs({ image: part.canvas, x: part.x, y: part.y, visible: true });
    else this.draft.visible(false);
    this.draft.getLayer()?.batchDraw();
  }

  /** Prompt points (green positive, red negative) and the prompt box, drawn at a fixed screen size. */
  setPrompts(points: [number, number][], labels: number[], box: [number, number, number, number] | null): void {
    this.prompts.destroyChildren();
    if (box) {
      this.prompts.add(
        new Konva.Rect({
          x: box[0],
          y: box[1],
          width: box[2] - box[0],
          height: box[3] - box[1],
          stroke: '#ffd54a',
          strokeWidth: 2,
          strokeScaleEnabled: false,
          listening: false,
        }),
      );
    }
    const r = 5 / this.stage.scaleX();
    points.forEach(([x, y], i) => {
      const fill = labels[i] === 1 ? '#2ecc71' : '#e74c3c';
      this.prompts.add(
        new Konva.Circle({ x, y, radius: r, fill, stroke: '#ffffff', strokeWidth: 1.5, strokeScaleEnabled: false, listening: false }),
      );
    });
    this.prompts.getLayer()?.batchDraw();
  }

  /** A brush or eraser stroke in progress: a round line as wide as the brush (image pixels). */
  setBrushStroke(points: [number, number][] | null, radius: number, erase: boolean): void {
    if (!points || points.length === 0) this.brush.visible(false);
    else {
      const flat = points.length === 1 ? [...points[0], ...points[0]] : points.flat();
      this.brush.points(flat);
      this.brush.strokeWidth(radius * 2);
      this.brush.stroke(erase ? '#e74c3c' : '#2ecc71');
      this.brush.visible(true);
    }
    this.brush.getLayer()?.batchDraw();
  }

  private apply(t: ViewTransform): void {
    this.stage.scale({ x: t.scale, y: t.scale });
    this.stage.position({ x: t.x, y: t.y });
    this.stage.batchDraw();
    this.onTransform(t);
  }

  fit(): void {
    const { width: w, height: h } = this.imageSize;
    const scale = Math.min(this.stage.width() / w, this.stage.height() / h) * FIT_MARGIN;
    this.apply({ scale, x: (this.stage.width() - w * scale) / 2, y: (this.stage.height() - h * scale) / 2 });
  }

  /** Zooms by `factor` keeping the screen point (sx, sy) still (default: the view's centre). */
  zoom(factor: number, sx = this.stage.width() / 2, sy = this.stage.height() / 2): void {
    const t = this.transform;
    const scale = Math.min(MAX_SCALE, Math.max(MIN_SCALE, t.scale * factor));
    const ix = (sx - t.x) / t.scale;
    const iy = (sy - t.y) / t.scale;
    this.apply({ scale, x: sx - ix * scale, y: sy - iy * scale });
  }

  panBy(dx: number, dy: number): void {
    const t = this.transform;
    this.apply({ scale: t.scale, x: t.x + dx, y: t.y + dy });
  }

  /** Screen (container) coordinates to image pixels. */
  toImage(sx: number, sy: number): { x: number; y: number } {
    const t = this.transform;
    return { x: (sx - t.x) / t.scale, y: (sy - t.y) / t.scale };
  }

  destroy(): void {
    this.stage.destroy();
  }
}
