import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isKamuiError } from '../../../src/core/errors.js'
import { readPlyHeader } from '../../../src/output/web/ply-header.js'
import { removeDir, tempWorkspace } from '../../helpers/workspace.js'
import { writeTestPly } from '../../integration/web/fixtures.js'

describe('readPlyHeader', () => {
  let dir: string
  beforeAll(async () => {
    dir = await tempWorkspace('kamui-ply-')
  })
  afterAll(async () => {
    await removeDir(dir)
  })

  it('reads a binary coloured cloud and an ASCII one without colours', async () => {
    await writeTestPly(path.join(dir, 'b.ply'), 4, 3)
    expect(await readPlyHeader(path.join(dir, 'b.ply'))).toEqual({
      format: 'binary_little_endian',
      vertices: 12,
      properties: ['x', 'y', 'z', 'red', 'green', 'blue'],
      hasColor: true,
    })
    await writeFile(
      path.join(dir, 'a.ply'),
      'ply\r\nformat ascii 1.0\r\nelement vertex 2\r\nproperty float x\r\nproperty float y\r\nproperty float z\r\n' +
        'element face 0\r\nproperty list uchar int vertex_indices\r\nend_header\r\n0 0 0\r\n1 1 1\r\n',
    )
    expect(await readPlyHeader(path.join(dir, 'a.ply'))).toMatchObject({
      format: 'ascii',
      vertices: 2,
      properties: ['x', 'y', 'z'],
      hasColor: false,
    })
  })

  it('rejects files that are not usable point clouds with WEB_001', async () => {
    const cases: [string, string, RegExp][] = [
      ['png.ply', '\x89PNG\r\n', /no "ply … end_header" header/],
      [
        'fmt.ply',
        'ply\nformat binary_middle_endian 1.0\nelement vertex 1\nend_header\n',
        /unknown format/,
      ],
      [
        'empty.ply',
        'ply\nformat ascii 1.0\nelement vertex 0\nproperty float x\nend_header\n',
        /no vertices/,
      ],
      [
        'noz.ply',
        'ply\nformat ascii 1.0\nelement vertex 1\nproperty float x\nproperty float y\nend_header\n',
        /lack x, y or z/,
      ],
    ]
    for (const [name, text, message] of cases) {
      await writeFile(path.join(dir, name), text, 'latin1')
      const error = await readPlyHeader(path.join(dir, name)).catch((e: unknown) => e)
      expect(isKamuiError(error, 'WEB_001'), String(error)).toBe(true)
      expect((error as Error).message).toMatch(message)
    }
    const missing = await readPlyHeader(path.join(dir, 'nope.ply')).catch((e: unknown) => e)
    expect(isKamuiError(missing, 'WEB_001')).toBe(true)
  })
})
