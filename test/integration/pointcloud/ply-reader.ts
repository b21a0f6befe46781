import { readFile } from 'node:fs/promises'
import { ColorManagement } from 'three'
import { PLYLoader } from 'three/examples/jsm/loaders/PLYLoader.js'

/** A PLY file as three.js's PLYLoader reads it (an independent reader). */
export interface LoadedPly {
  count: number
  positions: Float32Array
  /** 0–255 per channel (the loader's normalised uint8 colours, without colour management). */
  colors: Uint8Array
  header: string
}

/**
 * Reads a PLY file with three.js's PLYLoader running in Node. Colour management is switched
 * off so the loader keeps the file's sRGB bytes (by default it converts them to linear).
 */
export async function readPlyWithThree(file: string): Promise<LoadedPly> {
  const bytes = await readFile(file)
  const previous = ColorManagement.enabled
  ColorManagement.enabled = false
  try {
    const geometry = new PLYLoader().parse(
      bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
    )
    const position = geometry.getAttribute('position')
    const color = geometry.getAttribute('color')
    const end = bytes.indexOf('end_header')
    return {
      count: position.count,
      positions: position.array as Float32Array,
      colors: Uint8Array.from(color.array as ArrayLike<number>),
      header: bytes.subarray(0, end).toString('latin1'),
    }
  } finally {
    ColorManagement.enabled = previous
  }
}
