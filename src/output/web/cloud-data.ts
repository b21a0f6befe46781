import { createHash } from 'node:crypto'
import { readFile, stat } from 'node:fs/promises'
import { KamuiError } from '../../core/errors.js'

/** The point data a page's viewer loads (see {@link cloudDataScript}). */
export interface CloudData {
  /** The classic script: `(self.KAMUI_CLOUDS = …)[key] = "<base64 of the PLY>"`. */
  script: string
  /** Key of the cloud in `self.KAMUI_CLOUDS`: the first 16 hex digits of the PLY bytes' sha256. */
  key: string
  /** Points in the data (at most the cap). */
  points: number
  /** Points in the source file. */
  total: number
  /** Every `stride`-th vertex of the file was kept (1: all of them). */
  stride: number
}

/**
 * Most points the web player's viewer draws: 30,000 points of a binary PLY (15 bytes each) are
 * 0.6 MB as base64, which keeps the page with its viewer under 1.5 MB before anyone clicks. The
 * full file is a download link. The standalone viewer draws up to {@link VIEWER_MAX_POINTS}.
 */
export const PLAYER_MAX_POINTS = 30_000

/** Most points the standalone viewer page (threejs-pointcloud-viewer) draws. */
export const VIEWER_MAX_POINTS = 2_000_000

/** Largest PLY file read for a page, bytes (a 10-million-point binary cloud is 150 MB). */
const MAX_PLY_BYTES = 512 * 1024 * 1024

const TYPE_BYTES: Record<string, number> = {
  char: 1,
  int8: 1,
  uchar: 1,
  uint8: 1,
  short: 2,
  int16: 2,
  ushort: 2,
  uint16: 2,
  int: 4,
  int32: 4,
  uint: 4,
  uint32: 4,
  float: 4,
  float32: 4,
  double: 8,
  float64: 8,
}

interface Element {
  name: string
  count: number
  /** Header lines of the element (the `element` line and its `property` lines). */
  lines: string[]
  /** Bytes of one record, or undefined when a property is a list or of an unknown type. */
  recordBytes: number | undefined
}

/**
 * The point data of a page's viewer: the PLY file (ASCII or binary) as a classic script that
 * stores its bytes, base64, under `self.KAMUI_CLOUDS[key]`. A script loads from `file://`, where
 * browsers refuse to fetch the `.ply` itself. With more than `maxPoints` vertices, a display copy
 * keeps every s-th vertex (s = ⌈vertices / maxPoints⌉) and drops the other elements (faces);
 * its header says so in a comment. A file whose vertex element is not first or has a list
 * property is kept whole.
 *
 * @param maxPoints most points in the data (the web player keeps its page small with it)
 * @throws KamuiError WEB_001 when the file cannot be read, is over 512 MB or has no PLY header
 */
export async function cloudDataScript(plyFile: string, maxPoints: number): Promise<CloudData> {
  const info = await stat(plyFile).catch(() => undefined)
  if (!info?.isFile() || info.size > MAX_PLY_BYTES) {
    throw new KamuiError(
      'WEB_001',
      `${plyFile}: ${info ? `over ${MAX_PLY_BYTES} bytes` : 'cannot be read'}: not shown in the page.`,
    )
  }
  const bytes = await readFile(plyFile)
  const reduced = reduceCloud(bytes, maxPoints, plyFile)
  const key = createHash('sha256').update(reduced.bytes).digest('hex').slice(0, 16)
  const script =
    `/* kamui point data (kamui-media-actions): ${reduced.points} of ${reduced.total} points */\n` +
    `(self.KAMUI_CLOUDS=self.KAMUI_CLOUDS||{})[${JSON.stringify(key)}]="${reduced.bytes.toString('base64')}";\n`
  return { script, key, points: reduced.points, total: reduced.total, stride: reduced.stride }
}

/** Keeps every s-th vertex of a PLY file (see {@link cloudDataScript}). */
export function reduceCloud(
  bytes: Buffer,
  maxPoints: number,
  shown = 'PLY',
): { bytes: Buffer; points: number; total: number; stride: number } {
  const head = bytes.subarray(0, 64 * 1024).toString('latin1')
  const match = /end_header\r?\n/.exec(head)
  if (!head.startsWith('ply') || match === null) {
    throw new KamuiError('WEB_001', `${shown} is not a usable PLY point cloud: no header.`)
  }
  const bodyStart = match.index + match[0].length
  const lines = head.slice(0, match.index).split(/\r?\n/)
  const elements = parseElements(lines)
  const vertex = elements.find((e) => e.name === 'vertex')
  const total = vertex?.count ?? 0
  const stride = Math.max(1, Math.ceil(total / Math.max(1, maxPoints)))
  const format = lines
    .find((l) => l.trim().startsWith('format '))
    ?.trim()
    .split(/\s+/)[1]
  if (vertex === undefined || stride === 1 || elements[0] !== vertex) {
    return { bytes, points: total, total, stride: 1 }
  }
  const points = Math.ceil(total / stride)
  let body: Buffer
  if (format === 'ascii') {
    const rows = bytes.subarray(bodyStart).toString('latin1').split(/\r?\n/)
    const kept: string[] = []
    for (let i = 0; i < total; i += stride) kept.push(rows[i] ?? '')
    body = Buffer.from(`${kept.join('\n')}\n`, 'latin1')
  } else if (vertex.recordBytes !== undefined) {
    const size = vertex.recordBytes
    body = Buffer.alloc(points * size)
    for (let i = 0, j = 0; i < total; i += stride, j++) {
      bytes.copy(body, j * size, bodyStart + i * size, bodyStart + (i + 1) * size)
    }
  } else {
    return { bytes, points: total, total, stride: 1 }
  }
  const header = headerOf(lines, vertex, points, `one in ${stride} of ${total} vertices`)
  return { bytes: Buffer.concat([Buffer.from(header, 'latin1'), body]), points, total, stride }
}

function parseElements(lines: string[]): Element[] {
  const elements: Element[] = []
  for (const raw of lines) {
    const line = raw.trim()
    const words = line.split(/\s+/)
    if (words[0] === 'element') {
      elements.push({
        name: words[1] ?? '',
        count: Number(words[2]),
        lines: [line],
        recordBytes: 0,
      })
    } else if (words[0] === 'property' && elements.length > 0) {
      const element = elements[elements.length - 1] as Element
      element.lines.push(line)
      const size = words[1] === 'list' ? undefined : TYPE_BYTES[words[1] ?? '']
      element.recordBytes =
        size === undefined || element.recordBytes === undefined
          ? undefined
          : element.recordBytes + size
    }
  }
  return elements
}

/** The header of the display copy: the vertex element only, with a comment. */
function headerOf(lines: string[], vertex: Element, points: number, note: string): string {
  const kept = lines
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('element') && !l.startsWith('property'))
  return [
    ...kept,
    `comment kamui display copy: ${note}`,
    `element vertex ${points}`,
    ...vertex.lines.slice(1),
    'end_header',
    '',
  ].join('\n')
}
