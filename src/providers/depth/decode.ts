import { isKamuiError, KamuiError } from '../../core/errors.js'
import { toPng } from '../../media/to-png.js'
import type { DepthMap } from '../../media/pointcloud/depth-map.js'
import { decodeDepthPng } from '../../media/pointcloud/gray-png.js'

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

/**
 * Decodes a depth image of any format sharp reads: PNGs directly (8 or 16 bits, see
 * `decodeDepthPng`), other formats converted to PNG first (8 bits). Brighter = nearer.
 *
 * @throws KamuiError PC_002 naming `what` when the bytes are not a readable image
 */
export async function decodeDepthImage(
  bytes: Uint8Array,
  what: string,
): Promise<DepthMap & { bitDepth: number }> {
  if (Buffer.from(bytes.subarray(0, 8)).equals(PNG_MAGIC)) return decodeDepthPng(bytes, what)
  try {
    return decodeDepthPng((await toPng(bytes)).png, what)
  } catch (error) {
    if (isKamuiError(error, 'PC_002')) throw error
    throw new KamuiError(
      'PC_002',
      `${what} is not a readable image (${(error as Error).message}).`,
      {
        cause: error,
      },
    )
  }
}
