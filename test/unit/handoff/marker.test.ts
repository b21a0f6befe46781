import { createHash } from 'node:crypto'
import { readdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  markerPath,
  markerTempPath,
  parseMarkerContent,
} from '../../../src/output/handoff/marker.js'
import { writeDoneMarker } from '../../../src/output/handoff/producer.js'
import { waitForPath } from '../../../src/output/handoff/wait.js'
import { tempWorkspace } from '../../helpers/workspace.js'

describe('done marker', () => {
  it('names the marker <file>.done and its temporary form <file>.done.tmp', () => {
    expect(markerPath('/out/a.png')).toBe('/out/a.png.done')
    expect(markerTempPath('/out/a.png')).toBe('/out/a.png.done.tmp')
  })

  it('writes the size and SHA-256 of the file and leaves no temporary marker', async () => {
    const dir = await tempWorkspace('kamui-marker-')
    const file = path.join(dir, 'img.png')
    const bytes = Buffer.from('not really a png, but bytes')
    await writeFile(file, bytes)
    const { marker, content } = await writeDoneMarker(file)
    expect(marker).toBe(`${file}.done`)
    expect(content).toMatchObject({
      file: 'img.png',
      bytes: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    })
    expect(parseMarkerContent(await readFile(marker, 'utf8'))).toEqual(content)
    expect((await readdir(dir)).sort()).toEqual(['img.png', 'img.png.done'])
  })

  it('accepts markers of other producers as plain signals', () => {
    expect(parseMarkerContent('')).toBeNull()
    expect(parseMarkerContent('2025-11-13T09:30:00Z')).toBeNull()
    expect(parseMarkerContent('{"file":"x"}')).toBeNull()
  })
})

describe('waitForPath', () => {
  it('resolves when the path appears, and reports the wait', async () => {
    const dir = await tempWorkspace('kamui-wait-')
    const target = path.join(dir, 'late.done')
    setTimeout(() => void writeFile(target, ''), 150)
    const result = await waitForPath(target, { timeoutMs: 5_000 })
    expect(result.appeared).toBe(true)
    expect(result.watched).toBe(true)
    expect(result.waitedMs).toBeGreaterThanOrEqual(100)
    expect(result.waitedMs).toBeLessThan(4_000)
  })

  it('polls when the folder does not exist yet (fs.watch cannot watch it)', async () => {
    const dir = await tempWorkspace('kamui-wait-')
    const target = path.join(dir, 'missing-folder', 'x.done')
    const result = await waitForPath(target, { timeoutMs: 200, pollIntervalMs: 20 })
    expect(result).toMatchObject({ appeared: false, watched: false })
    expect(result.waitedMs).toBeGreaterThanOrEqual(200)
  })

  it('returns at once for a path that exists', async () => {
    const dir = await tempWorkspace('kamui-wait-')
    const target = path.join(dir, 'x.done')
    await writeFile(target, '')
    expect(await waitForPath(target, { timeoutMs: 10 })).toMatchObject({ appeared: true })
  })
})
