// The API's mask methods (prompts, new segments, brush/eraser, merge, delete): contract DTOs in,
// core prompt/edit calls, DTOs out. Interactive decoding runs on the project's PromptSession, which
// holds its own model instance, so a click does not wait for the automatic generator's decoder.
import type { DeviceChoice, MaskRle, SamanticApi, SegmentInfo } from '../api/contract';
import { decompressRle, rleToString } from '../coco/rle';
import { SamanticError } from '../errors';
import { loadModel } from '../model/runtime';
import {
  addUserSegment,
  deleteUserSegments,
  editSegmentMask,
  imageOfSegment,
  mergeUserSegments,
  type ClassChoice,
  type MaskEdit,
} from '../prompt/edits';
import { PromptSession } from '../prompt/session';
import type { ProjectStore } from '../store/project-store';
import type { Rle } from '../types';
import { classInfo, segmentInfo } from './views';

/**
 * onnxruntime threads of the interactive decoder: one, so that during processing it takes a core
 * beside the automatic generator instead of competing for all of them.
 */
export const PROMPT_DECODER_THREADS = 1;

export interface MaskProject {
  folder: string;
  store: ProjectStore;
  prompts: PromptSession;
}

export function openPromptSession(
  modelId: string,
  device: string,
  modelsDir: string | undefined,
  onWarning: (m: string) => void,
  onEncoded?: ConstructorParameters<typeof PromptSession>[2],
): PromptSession {
  return new PromptSession(
    () =>
      loadModel(modelId, {
        device: device as DeviceChoice,
        modelsDir,
        onWarning,
        intraOpNumThreads: PROMPT_DECODER_THREADS,
        encoderOnDemand: true,
      }),
    modelId,
    onEncoded,
  );
}

function toRle(mask: MaskRle, what: string): Rle {
  return decompressRle({ size: [mask.size[0], mask.size[1]], counts: mask.counts }, what);
}

function savedSegment(store: ProjectStore, segmentId: number): SegmentInfo {
  const imageId = imageOfSegment(store, segmentId);
  const s = store.listSegments({ imageId }).find((x) => x.id === segmentId);
  if (!s) throw new SamanticError('internal', `Segment ${segmentId} was saved but cannot be read back.`);
  return segmentInfo(s);
}

type MaskApi = Pick<SamanticApi, 'promptMask' | 'preparePrompts' | 'addSegment' | 'editSegmentMask' | 'mergeSegments' | 'deleteSegments'>;

export function maskApi(current: () => MaskProject): MaskApi {
  return {
    async promptMask(args) {
      const p = current();
      const r = await p.prompts.prompt(p.store, p.folder, args);
      return {
        imageId: r.imageId,
        rle: { size: [r.rle.size[0], r.rle.size[1]], counts: rleToString(r.rle.counts) },
        area: r.area,
        bbox: [r.bbox[0], r.bbox[1], r.bbox[2], r.bbox[3]],
        score: r.score,
        encoded: r.encoded,
      };
    },
    async preparePrompts(args) {
      const p = current();
      return { cached: await p.prompts.prepare(p.store, args.imageId) };
    },
    async addSegment(args) {
      const p = current();
      const { embedding } = await p.prompts.embedding(p.store, p.folder, args.imageId);
      const choice: ClassChoice =
        args.newClassName !== undefined
          ? { kind: 'new', name: args.newClassName }
          : args.classId !== undefined
            ? { kind: 'class', classId: args.classId }
            : { kind: 'nearest' };
      const r = addUserSegment(p.store, args.imageId, embedding, toRle(args.rle, 'addSegment: rle'), choice, {
        point: args.point,
        score: args.score,
      });
      p.prompts.reset();
      return { segmentId: r.segmentId, classId: r.classId };
    },
    async editSegmentMask(args) {
      const p = current();
      let edit: MaskEdit;
      if (args.op === 'replace') {
        if (!args.rle) throw new SamanticError('invalid-argument', "editSegmentMask: op 'replace' needs the new mask in 'rle'.");
        edit = { kind: 'replace', rle: toRle(args.rle, 'editSegmentMask: rle') };
      } else {
        if (!args.stroke)
          throw new SamanticError('invalid-argument', `editSegmentMask: op '${args.op}' needs a 'stroke' (points and radius).`);
        edit = { kind: 'stroke', mode: args.op === 'brush' ? 'paint' : 'erase', stroke: args.stroke };
      }
      const imageId = imageOfSegment(p.store, args.segmentId);
      const { embedding } = await p.prompts.embedding(p.store, p.folder, imageId);
      editSegmentMask(p.store, args.segmentId, embedding, edit);
      p.prompts.reset();
      return savedSegment(p.store, args.segmentId);
    },
    async mergeSegments({ segmentIds }) {
      const p = current();
      if (segmentIds.length < 2) throw new SamanticError('invalid-argument', 'mergeSegments: select at least two segments of one object.');
      const imageId = imageOfSegment(p.store, segmentIds[0]);
      const { embedding } = await p.prompts.embedding(p.store, p.folder, imageId);
      mergeUserSegments(p.store, segmentIds, () => embedding);
      return savedSegment(p.store, segmentIds[0]);
    },
    async deleteSegments({ segmentIds }) {
      const p = current();
      deleteUserSegments(p.store, segmentIds);
      return p.store.listClasses().map(classInfo);
    },
  };
}
