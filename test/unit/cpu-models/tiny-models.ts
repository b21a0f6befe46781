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
