// A segmenter that passes through to another, for tests that watch or break calls. Tests only.
import type { RgbImage } from '../types';
import type { SegmentOptions, SegmentResult, Segmenter } from './segmenter';

export class PassThroughSegmenter implements Segmenter {
  constructor(protected readonly inner: Segmenter) {}
  get modelId() {
    return this.inner.modelId;
  }
  get provider() {
    return this.inner.provider;
  }
  get preprocessVersion() {
    return this.inner.preprocessVersion;
  }
  async segment(image: RgbImage, options: SegmentOptions): Promise<SegmentResult> {
    return this.inner.segment(image, options);
  }
  async close(): Promise<void> {}
}
