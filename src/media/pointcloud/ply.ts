import type { PointCloud } from './sample.js'

/** PLY encodings this suite writes. */
export const PLY_FORMATS = ['binary', 'ascii'] as const
export type PlyFormat = (typeof PLY_FORMATS)[number]

/** Bytes per vertex in the binary encoding: three float32 and three uchar. */
export const BINARY_VERTEX_BYTES = 15

/**
 * Encodes a cloud as a PLY file: `format binary_little_endian 1.0` (default) or `format ascii
 * 1.0`, one `element vertex N` with `property float x`, `y`, `z` and `property uchar red`,
 * `green`, `blue`, no faces. `comments` become `comment` lines of the header (line breaks
 * replaced by spaces).
 */
export function encodePly(
  cloud: PointCloud,
  format: PlyFormat,
  comments: readonly string[] = [],
): Buffer {
  const header = [
    'ply',
    format === 'binary' ? 'format binary_little_endian 1.0' : 'format ascii 1.0',
    ...comments.map((c) => `comment ${c.replace(/[\r\n]+/g, ' ')}`),
    `element vertex ${cloud.count}`,
    'property float x',
    'property float y',
    'property float z',
    'property uchar red',
    'property uchar green',
    'property uchar blue',
    'end_header',
    '',
  ].join('\n')
  const head = Buffer.from(header, 'ascii')
  if (format === 'ascii') {
    const lines: string[] = []
    for (let i = 0; i < cloud.count; i++) {
      const p = i * 3
      lines.push(
        `${float(cloud.positions[p])} ${float(cloud.positions[p + 1])} ${float(cloud.positions[p + 2])} ` +
          `${cloud.colors[p]} ${cloud.colors[p + 1]} ${cloud.colors[p + 2]}`,
      )
    }
    return Buffer.concat([head, Buffer.from(lines.length ? `${lines.join('\n')}\n` : '', 'ascii')])
  }
  const body = Buffer.alloc(cloud.count * BINARY_VERTEX_BYTES)
  for (let i = 0; i < cloud.count; i++) {
    const o = i * BINARY_VERTEX_BYTES
    const p = i * 3
    body.writeFloatLE(cloud.positions[p] as number, o)
    body.writeFloatLE(cloud.positions[p + 1] as number, o + 4)
    body.writeFloatLE(cloud.positions[p + 2] as number, o + 8)
    body[o + 12] = cloud.colors[p] as number
    body[o + 13] = cloud.colors[p + 1] as number
    body[o + 14] = cloud.colors[p + 2] as number
  }
  return Buffer.concat([head, body])
}

/** A float32 value written so that parsing it back gives the same float32 (shortest form). */
function float(value: number | undefined): string {
  return String(Math.fround(value ?? 0))
}
