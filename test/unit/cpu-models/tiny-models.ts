/**
 * Tiny ONNX models built in the tests (onnx-proto), with the input and output names and the
 * preprocessing configs of the real models, so that the suite's real loading and inference
 * code (transformers.js on onnxruntime-node) runs without any weights from the Hub.
 */
import { createHash } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import onnxProto, { type onnx as Onnx } from 'onnx-proto'
import type { CpuModel } from '../../../src/models/cpu/catalog.js'

const { onnx } = onnxProto

type Dim = number | string
interface Io {
  name: string
  type: 'float' | 'int64'
  dims: Dim[]
}
interface Node {
  op: string
  inputs: string[]
  outputs: string[]
  attrs?: { name: string; ints?: number[]; i?: number; f?: number }[]
}
interface Init {
  name: string
  dims: number[]
  floats?: number[]
  ints?: number[]
}

function valueInfo(io: Io): Onnx.IValueInfoProto {
  return {
    name: io.name,
    type: {
      tensorType: {
        elemType:
          io.type === 'float' ? onnx.TensorProto.DataType.FLOAT : onnx.TensorProto.DataType.INT64,
        shape: {
          dim: io.dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })),
        },
      },
    },
  }
}

/** Encodes a one-graph ONNX model (opset 13). */
export function onnxModel(spec: {
  inputs: Io[]
  outputs: Io[]
  nodes: Node[]
  inits?: Init[]
}): Buffer {
  const model = onnx.ModelProto.create({
    irVersion: 7,
    opsetImport: [{ domain: '', version: 13 }],
    producerName: 'kamui-tests',
    graph: {
      name: 'tiny',
      input: spec.inputs.map(valueInfo),
      output: spec.outputs.map(valueInfo),
      initializer: (spec.inits ?? []).map((t) => ({
        name: t.name,
        dims: t.dims,
        dataType: t.floats ? onnx.TensorProto.DataType.FLOAT : onnx.TensorProto.DataType.INT64,
        ...(t.floats ? { floatData: t.floats } : { int64Data: t.ints }),
      })),
      node: spec.nodes.map((n, i) => ({
        opType: n.op,
        name: `n${i}`,
        input: n.inputs,
        output: n.outputs,
        attribute: (n.attrs ?? []).map((a) =>
          a.ints
            ? { name: a.name, type: onnx.AttributeProto.AttributeType.INTS, ints: a.ints }
            : a.f !== undefined
              ? { name: a.name, type: onnx.AttributeProto.AttributeType.FLOAT, f: a.f }
              : { name: a.name, type: onnx.AttributeProto.AttributeType.INT, i: a.i ?? 0 },
        ),
      })),
    },
  })
  return Buffer.from(onnx.ModelProto.encode(model).finish())
}

/**
 * A depth model with Depth Anything's interface: `pixel_values` [1, 3, H, W] →
 * `predicted_depth` [1, H, W], the mean over the colour channels of the normalised pixels
 * (so a brighter pixel is "nearer"), and the DPT preprocessor config of the real model with a
 * small size.
 */
export function tinyDepthFiles(size = 28): Record<string, Buffer | string> {
  return {
    'config.json': JSON.stringify({ model_type: 'depth_anything' }),
    'preprocessor_config.json': JSON.stringify({
      do_normalize: true,
      do_pad: false,
      do_rescale: true,
      do_resize: true,
      ensure_multiple_of: 14,
      image_mean: [0.485, 0.456, 0.406],
      image_processor_type: 'DPTImageProcessor',
      image_std: [0.229, 0.224, 0.225],
      keep_aspect_ratio: true,
      resample: 3,
      rescale_factor: 0.00392156862745098,
      size: { height: size, width: size },
    }),
    'onnx/model.onnx': onnxModel({
      inputs: [{ name: 'pixel_values', type: 'float', dims: [1, 3, 'h', 'w'] }],
      outputs: [{ name: 'predicted_depth', type: 'float', dims: [1, 'h', 'w'] }],
      nodes: [
        {
          op: 'ReduceMean',
          inputs: ['pixel_values'],
          outputs: ['predicted_depth'],
          attrs: [
            { name: 'axes', ints: [1] },
            { name: 'keepdims', i: 0 },
          ],
        },
      ],
    }),
  }
}

/** A catalog entry for tiny files: the real entry's shape, pins computed from the files. */
export function tinyCatalogEntry(
  base: CpuModel,
  files: Record<string, Buffer | string>,
  overrides: Partial<CpuModel> = {},
): CpuModel {
  return {
    ...base,
    id: `kamui-tests/tiny-${base.key}`,
    revision: '0123456789abcdef0123456789abcdef01234567',
    ...overrides,
    files: Object.entries(files).map(([file, bytes]) => {
      const buf = Buffer.from(bytes)
      const pinned = file.endsWith('.onnx')
      return {
        path: file,
        sha256: pinned ? createHash('sha256').update(buf).digest('hex') : null,
        bytes: pinned ? buf.length : null,
      }
    }),
  }
}

/** Writes files under `dir`. */
export function writeFiles(dir: string, files: Record<string, Buffer | string>): void {
  for (const [file, bytes] of Object.entries(files)) {
    const target = path.join(dir, ...file.split('/'))
    mkdirSync(path.dirname(target), { recursive: true })
    writeFileSync(target, bytes)
  }
}

/**
 * A local stand-in of the Hub's `/<id>/resolve/<revision>/<file>` route serving `files` of
 * `model`, counting requests; `corrupt` serves other bytes for that file.
 */
export async function fakeHub(
  model: CpuModel,
  files: Record<string, Buffer | string>,
  options: { corrupt?: string; status?: number } = {},
): Promise<{ url: string; requests: string[]; close: () => Promise<void> }> {
  const requests: string[] = []
  const server = http.createServer((req, res) => {
    requests.push(req.url ?? '')
    const prefix = `/${model.id}/resolve/${model.revision}/`
    const file = req.url?.startsWith(prefix) ? decodeURIComponent(req.url.slice(prefix.length)) : ''
    const body = files[file]
    if (options.status || body === undefined) {
      res.writeHead(options.status ?? 404).end('not found')
      return
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream' })
    const bytes = Buffer.from(body)
    if (file === options.corrupt) bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0xff
    res.end(bytes)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}

/** The URL of a loopback port nothing listens on (a server opened and closed). */
export async function closedPortUrl(): Promise<string> {
  const server = http.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return `http://127.0.0.1:${port}`
}

/** A WordPiece tokenizer.json of whole words (lower-cased, split on whitespace and punctuation). */
export function wordTokenizer(words: readonly string[]): string {
  const vocab: Record<string, number> = { '[UNK]': 0, '[PAD]': 1 }
  for (const w of words) vocab[w] ??= Object.keys(vocab).length
  const special = (id: number, content: string): object => ({
    id,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  })
  return JSON.stringify({
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [special(0, '[UNK]'), special(1, '[PAD]')],
    normalizer: { type: 'Lowercase' },
    pre_tokenizer: { type: 'Whitespace' },
    post_processor: null,
    decoder: null,
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab,
    },
  })
}

/**
 * Word vectors of the tiny text encoders: the vocabulary in order ([UNK] and [PAD] first, both
 * zero) and a `[V, D]` table; the text embedding is the mean of its tokens' vectors.
 */
export interface WordVectors {
  words: string[]
  vectors: number[][]
  dim: number
}

function embeddingTable(w: WordVectors): number[] {
  const zero = new Array<number>(w.dim).fill(0)
  return [zero, zero, ...w.vectors].flat()
}

/**
 * A CLIP model with the interface of Xenova/clip-vit-base-patch32 (uint8 file names):
 * `onnx/text_model_uint8.onnx` `input_ids` → `text_embeds` (mean of word vectors),
 * `onnx/vision_model_uint8.onnx` `pixel_values` [B, 3, S, S] → `image_embeds` [B, 3] (the mean of
 * each normalised channel), and CLIP's preprocessor config (CLIP mean and std) with a small size.
 */
export function tinyClipFiles(words: WordVectors, size = 16): Record<string, Buffer | string> {
  return {
    'config.json': JSON.stringify({ model_type: 'clip', projection_dim: words.dim }),
    'preprocessor_config.json': JSON.stringify({
      crop_size: { height: size, width: size },
      do_center_crop: true,
      do_normalize: true,
      do_resize: true,
      feature_extractor_type: 'CLIPFeatureExtractor',
      image_processor_type: 'CLIPImageProcessor',
      image_mean: [0.48145466, 0.4578275, 0.40821073],
      image_std: [0.26862954, 0.26130258, 0.27577711],
      resample: 3,
      size: { shortest_edge: size },
    }),
    'tokenizer.json': wordTokenizer(words.words),
    'tokenizer_config.json': JSON.stringify({
      tokenizer_class: 'CLIPTokenizer',
      model_max_length: 77,
      pad_token: '[PAD]',
      unk_token: '[UNK]',
    }),
    'onnx/text_model_uint8.onnx': textEncoder(words, 'text_embeds', false),
    'onnx/vision_model_uint8.onnx': onnxModel({
      inputs: [{ name: 'pixel_values', type: 'float', dims: ['b', 3, 'h', 'w'] }],
      outputs: [{ name: 'image_embeds', type: 'float', dims: ['b', 3] }],
      nodes: [
        {
          op: 'ReduceMean',
          inputs: ['pixel_values'],
          outputs: ['image_embeds'],
          attrs: [
            { name: 'axes', ints: [2, 3] },
            { name: 'keepdims', i: 0 },
          ],
        },
      ],
    }),
  }
}

/**
 * A text encoder: `input_ids` [B, S] → Gather of the word table. `pooled` false: the mean over
 * the tokens [B, D] (CLIP's `text_embeds`); true: the per-token vectors [B, S, D] (a BERT's
 * `last_hidden_state`, pooled by the pipeline), with `attention_mask` and `token_type_ids`
 * inputs like the real sentence-embedding model.
 */
export function textEncoder(words: WordVectors, output: string, pooled: boolean): Buffer {
  const table = {
    name: 'table',
    dims: [words.words.length + 2, words.dim],
    floats: embeddingTable(words),
  }
  const inputs: Io[] = [{ name: 'input_ids', type: 'int64', dims: ['b', 's'] }]
  if (pooled) {
    inputs.push({ name: 'attention_mask', type: 'int64', dims: ['b', 's'] })
    inputs.push({ name: 'token_type_ids', type: 'int64', dims: ['b', 's'] })
  }
  return onnxModel({
    inputs,
    outputs: [
      { name: output, type: 'float', dims: pooled ? ['b', 's', words.dim] : ['b', words.dim] },
    ],
    inits: [table],
    nodes: pooled
      ? [{ op: 'Gather', inputs: ['table', 'input_ids'], outputs: [output] }]
      : [
          { op: 'Gather', inputs: ['table', 'input_ids'], outputs: ['tokens'] },
          {
            op: 'ReduceMean',
            inputs: ['tokens'],
            outputs: [output],
            attrs: [
              { name: 'axes', ints: [1] },
              { name: 'keepdims', i: 0 },
            ],
          },
        ],
  })
}

/**
 * A sentence-embedding model with the interface of Xenova/all-MiniLM-L6-v2 (q8 file name):
 * `input_ids`, `attention_mask`, `token_type_ids` → `last_hidden_state` [B, S, D] (each token's
 * word vector; the pipeline mean-pools and normalises), a BERT config and tokenizer config.
 */
export function tinyMiniLmFiles(words: WordVectors): Record<string, Buffer | string> {
  return {
    'config.json': JSON.stringify({ model_type: 'bert', hidden_size: words.dim }),
    'tokenizer.json': wordTokenizer(words.words),
    'tokenizer_config.json': JSON.stringify({
      tokenizer_class: 'BertTokenizer',
      model_max_length: 512,
      pad_token: '[PAD]',
      unk_token: '[UNK]',
    }),
    'onnx/model_quantized.onnx': textEncoder(words, 'last_hidden_state', true),
  }
}

/** One axis per word: `words[i]` is the unit vector e_i (dimension = number of words). */
export function axisWords(words: readonly string[]): WordVectors {
  return {
    words: [...words],
    vectors: words.map((_, i) => words.map((__, j) => (i === j ? 1 : 0))),
    dim: words.length,
  }
}

/**
 * The entry of a `KAMUI_CPU_MODEL_CATALOG` file for `model` serving `files`: its id, revision
 * and licence, every file pinned by sha256 and size (a user's catalog pins every file).
 */
export function catalogFileEntry(
  model: CpuModel,
  files: Record<string, Buffer | string>,
): { id: string; revision: string; license: string; dtype: string; files: object[] } {
  return {
    id: model.id,
    revision: model.revision,
    license: model.license,
    dtype: model.dtype,
    files: Object.entries(files).map(([file, bytes]) => {
      const buf = Buffer.from(bytes)
      return {
        path: file,
        sha256: createHash('sha256').update(buf).digest('hex'),
        bytes: buf.length,
      }
    }),
  }
}
