// The encoder's own thread (node:worker_threads). onnxruntime-node runs session.run synchronously
// on the calling thread (measured: a setInterval does not tick during an encoder run), so an
// encoder in the main thread can never overlap the decoder's runs; here it can. The worker owns
// one encoder InferenceSession, preprocesses exactly as runtime.ts does (the same preprocess())
// and hands the embedding back by transfer, together with the pixels it was lent.
//
// Started by encoder-worker-client.ts; never imported by the rest of the core.
import { parentPort, workerData } from 'node:worker_threads';
import ort from 'onnxruntime-node';
import type { RgbImage } from '../types';
import type { EncoderWorkerInit, FromEncoderWorker, ToEncoderWorker } from './encoder-worker-client';
import { preprocess } from './preprocess';
import { extraFeatures } from './decoder-contract';

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('encoder-worker.ts must run as a worker thread (see encoder-worker-client.ts).');
  const init = workerData as EncoderWorkerInit;
  const post = (m: FromEncoderWorker, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

  let session: ort.InferenceSession;
  try {
    // The provider the main thread's model actually started with, and no other: a different one
    // (or a silent CPU fallback) could change the embeddings, and results must equal the
    // in-process path. If it cannot start here, the client encodes in process instead.
    session = await ort.InferenceSession.create(init.encoderPath, {
      executionProviders: init.provider === 'cpu' ? ['cpu'] : [init.provider, 'cpu'],
      logSeverityLevel: 3,
      ...(init.intraOpNumThreads > 0 ? { intraOpNumThreads: init.intraOpNumThreads } : {}),
    });
  } catch (err) {
    post({ kind: 'startup-failed', message: `${init.encoderPath}: ${message(err)}` });
    return;
  }

  const { channels, gridH, gridW } = init.embedding;
  // Stopping is cooperative: a thread terminated from outside while onnxruntime (or sharp) is
  // inside a native call can abort the whole process ("terminate called after throwing an instance
  // of 'Napi::Error'", seen in testing). So the worker finishes the encode in hand, releases its
  // session and closes its port; the thread then ends on its own.
  let busy = 0;
  let stopping = false;
  let closed = false;
  const finish = async () => {
    if (closed) return;
    closed = true;
    try {
      await session.release();
    } finally {
      port.close();
    }
  };

  const encode = async (m: Extract<ToEncoderWorker, { kind: 'encode' }>): Promise<void> => {
    const image: RgbImage = { width: m.width, height: m.height, data: m.data };
    busy++;
    try {
      const { input, transform } = await preprocess(image, init.flavour, {
        frameSize: init.frameSize,
        mean: init.pixelMean,
        std: init.pixelStd,
        resize: init.resize,
        inputSize: init.inputSize,
      });
      const out = await session.run({ [init.inputName]: new ort.Tensor('float32', input.data, input.dims) });
      const t = out[init.outputName];
      if (t.dims.length !== 4 || t.dims[1] !== channels || t.dims[2] !== gridH || t.dims[3] !== gridW) {
        throw new Error(`${init.encoderPath}: embedding has shape [${t.dims.join(', ')}], model.json says 1x${channels}x${gridH}x${gridW}`);
      }
      let data = t.data as Float32Array;
      // Transfer moves the whole ArrayBuffer; copy only if the tensor is a view into a larger one.
      if (data.byteOffset !== 0 || data.byteLength !== data.buffer.byteLength) data = data.slice();
      const pixels = m.data;
      const extras = extraFeatures(out, init.extraOutputs, init.encoderPath).map((f) => ({ ...f, data: f.data.slice() }));
      const buffers = [data.buffer as ArrayBuffer, pixels.buffer as ArrayBuffer, ...extras.map((f) => f.data.buffer as ArrayBuffer)];
      post({ kind: 'encoded', id: m.id, data, transform, pixels, extras }, buffers);
    } catch (err) {
      post({ kind: 'failed', id: m.id, message: message(err) });
    } finally {
      busy--;
      if (stopping && busy === 0) void finish();
    }
  };

  port.on('message', (m: ToEncoderWorker) => {
    if (m.kind === 'stop') {
      stopping = true;
      if (busy === 0) void finish();
    } else if (m.kind === 'encode' && !stopping) {
      void encode(m);
    }
  });
  post({ kind: 'ready' });
}

void main();
