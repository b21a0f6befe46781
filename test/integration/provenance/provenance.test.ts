import { execFileSync } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { verifyTelemetry } from '../../../src/output/telemetry/verify.js'
import { runPipeline } from '../../../src/stages/pipeline/run.js'
import { testContext } from '../../helpers/stage-context.js'
import { systemTool, testFfprobe } from '../../helpers/tools.js'
import { listFiles, tempWorkspace } from '../../helpers/workspace.js'

/**
 * Issue 16, acceptance: a reader that is not the suite's own finds the IPTC digital source
 * type, the model and the prompt in every image of a v2 run and of a keyframes run and in the
 * final MP4; preview output says algorithmicMedia; with embed-provenance false none of it is
 * there. The reader is exiftool when the machine has it, otherwise this file's own PNG chunk
 * walker (iTXt `XML:com.adobe.xmp`) and ffprobe's format tags.
 */

const IPTC = 'http://cv.iptc.org/newscodes/digitalsourcetype/'
const CONCEPT = '夕暮れの灯台 — a lighthouse at dusk, café crème & "quotes" <b>'

interface Found {
  sourceType: string | undefined
  model: string | undefined
  prompt: string | undefined
}

/** exiftool when the machine has it (Debian: libimage-exiftool-perl), else undefined. */
const exiftool = systemTool('exiftool')

/** The XMP text of a PNG's `iTXt` chunk keyed `XML:com.adobe.xmp` (uncompressed), or undefined. */
function pngXmp(png: Buffer): string | undefined {
  expect(png.subarray(1, 4).toString('latin1')).toBe('PNG')
  let offset = 8
  while (offset + 8 <= png.length) {
    const length = png.readUInt32BE(offset)
    const type = png.toString('latin1', offset + 4, offset + 8)
    const data = png.subarray(offset + 8, offset + 8 + length)
    if (type === 'iTXt' && data.toString('latin1', 0, 18) === 'XML:com.adobe.xmp\0') {
      // keyword NUL, flag, method, language NUL, translated keyword NUL, text
      let at = 18 + 2
      at = data.indexOf(0, at) + 1
      at = data.indexOf(0, at) + 1
      return data.subarray(at).toString('utf8')
    }
    offset += 12 + length
  }
  return undefined
}

/** The XMP text of a WebP file's RIFF `XMP ` chunk, or undefined. */
function webpXmp(webp: Buffer): string | undefined {
  expect(webp.toString('latin1', 8, 12)).toBe('WEBP')
  let offset = 12
  while (offset + 8 <= webp.length) {
    const type = webp.toString('latin1', offset, offset + 4)
    const length = webp.readUInt32LE(offset + 4)
    if (type === 'XMP ') return webp.toString('utf8', offset + 8, offset + 8 + length)
    offset += 8 + length + (length % 2)
  }
  return undefined
}

/** An attribute of the XMP's rdf:Description, XML entities decoded. */
function attribute(xmp: string, name: string): string | undefined {
  const match = new RegExp(`${name}="([^"]*)"`).exec(xmp)
  if (!match) return undefined
  return (match[1] as string)
    .replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
}

/**
 * exiftool's JSON of `file` (`-n`: raw values, so the source type is the IPTC URI and not its
 * description), one tag group: the first value whose tag name ends with one of `names`.
 */
function exiftoolTags(file: string, group: string): (...names: string[]) => string | undefined {
  const [tags] = JSON.parse(
    execFileSync(exiftool as string, ['-j', '-n', `-${group}:all`, file], { encoding: 'utf8' }),
  ) as Record<string, unknown>[]
  const entries = Object.entries(tags ?? {})
  return (...names) => {
    for (const name of names) {
      const hit = entries.find(([key]) => key.toLowerCase().endsWith(name.toLowerCase()))
      if (hit) return String(hit[1])
    }
    return undefined
  }
}

async function readImage(file: string): Promise<Found> {
  if (exiftool) {
    const tag = exiftoolTags(file, 'XMP')
    return {
      sourceType: tag('DigitalSourceType'),
      model: tag('AISystemUsed', 'Model'),
      prompt: tag('AIPromptInformation', 'Prompt'),
    }
  }
  const bytes = await readFile(file)
  const xmp = file.endsWith('.webp') ? webpXmp(bytes) : pngXmp(bytes)
  if (xmp === undefined) return { sourceType: undefined, model: undefined, prompt: undefined }
  return {
    sourceType: attribute(xmp, 'Iptc4xmpExt:DigitalSourceType'),
    model: attribute(xmp, 'Iptc4xmpExt:AISystemUsed'),
    prompt: attribute(xmp, 'Iptc4xmpExt:AIPromptInformation'),
  }
}

function readMp4(file: string): Found {
  if (exiftool) {
    const tag = exiftoolTags(file, 'QuickTime')
    return { sourceType: tag('DigitalSourceType'), model: tag('Model'), prompt: tag('Prompt') }
  }
  const tags =
    (
      JSON.parse(
        execFileSync(
          testFfprobe().path,
          ['-v', 'error', '-show_entries', 'format_tags', '-of', 'json', file],
          { encoding: 'utf8' },
        ),
      ) as { format: { tags?: Record<string, string> } }
    ).format.tags ?? {}
  return { sourceType: tags['DigitalSourceType'], model: tags['Model'], prompt: tags['Prompt'] }
}

async function pipeline(workspace: string, embed: string): Promise<string> {
  const result = await runPipeline(
    {
      concept: CONCEPT,
      'folder-name': 'out/run',
      'image-count': '2',
      'segment-count': '2',
      'embed-provenance': embed,
      'allow-bundled-ffmpeg': 'true',
    },
    testContext(workspace, { env: { PATH: process.env['PATH'] } }),
  )
  expect(result.runs.filter((r) => r.status !== 'ok')).toEqual([])
  return path.join(workspace, 'out/run')
}

/** The images of the image, keyframes and point-cloud stages in the run folder. */
async function stageImages(folder: string): Promise<string[]> {
  return (await listFiles(folder)).filter((f) =>
    /^(images|keyframes|metadata|pointcloud)\/.*\.png$/.test(f.split(path.sep).join('/')),
  )
}

describe('provenance in every file (issue 16)', () => {
  it(
    'embeds source type, model and prompt in every image and the final MP4, and verify-telemetry checks it',
    { timeout: 300_000 },
    async () => {
      const folder = await pipeline(await tempWorkspace(), 'true')
      const images = await stageImages(folder)
      const kinds = new Set(images.map((f) => f.split(path.sep)[0]))
      expect([...kinds].sort()).toEqual(['images', 'keyframes', 'metadata', 'pointcloud'])
      for (const file of images) {
        const found = await readImage(path.join(folder, file))
        const sheet = file.endsWith('contact-sheet.png')
        const depth = file.startsWith('pointcloud')
        expect(found.sourceType, file).toBe(
          `${IPTC}${sheet ? 'compositeSynthetic' : 'algorithmicMedia'}`,
        )
        if (!depth) {
          expect(found.model, file).toMatch(/preview/)
          // Images and the sheet carry the concept; keyframes the render prompt built from it.
          if (file.startsWith('keyframes')) expect(found.prompt!.length, file).toBeGreaterThan(20)
          else expect(found.prompt, file).toBe(CONCEPT)
        }
      }
      // The image stage's prompt is the concept as given, Japanese and markup characters included.
      expect((await readImage(path.join(folder, 'images/generated-image-1.png'))).prompt).toBe(
        CONCEPT,
      )
      // The web player's WebP thumbnails keep their source image's XMP.
      const thumbnails = (await listFiles(folder)).filter((f) => f.endsWith('.webp'))
      expect(thumbnails.length).toBeGreaterThan(0)
      for (const file of thumbnails) {
        const found = await readImage(path.join(folder, file))
        expect(found.sourceType, file).toMatch(
          /^http:\/\/cv\.iptc\.org\/newscodes\/digitalsourcetype\//,
        )
        expect(found.model, file).toMatch(/preview/)
      }
      const video = readMp4(path.join(folder, 'final/final-music-video.mp4'))
      expect(video.sourceType).toBe(`${IPTC}algorithmicMedia`)
      expect(video.model).toMatch(/preview/)
      expect(video.prompt).toBe(CONCEPT)
      const ply = (await readFile(path.join(folder, 'pointcloud/pointcloud.ply'))).toString(
        'latin1',
        0,
        4096,
      )
      expect(ply).toMatch(/^comment kamui:DigitalSourceType ".*algorithmicMedia"$/m)
      expect(ply).toMatch(/^comment kamui:Source "preview"$/m)

      const verification = await verifyTelemetry(folder)
      expect(verification.problems).toEqual([])
      // The record holds what was embedded, and verify-telemetry notices when they disagree.
      const metadataFile = path.join(folder, 'metadata/artifact-metadata.json')
      type Artifacts = { path: string; provenance?: { prompt: string | null } | null }[]
      const metadata = JSON.parse(await readFile(metadataFile, 'utf8')) as {
        artifacts: Artifacts
        earlier_stages?: { artifacts: Artifacts }[]
      }
      const first = [metadata, ...(metadata.earlier_stages ?? [])]
        .flatMap((record) => record.artifacts)
        .find((a) => a.path === 'images/generated-image-1.png')
      expect(first?.provenance?.prompt).toBe(CONCEPT)
      first!.provenance!.prompt = 'something else'
      await writeFile(metadataFile, JSON.stringify(metadata))
      const tampered = await verifyTelemetry(folder)
      expect(tampered.ok).toBe(false)
      expect(tampered.problems.join('\n')).toMatch(
        /provenance: does not match the provenance embedded in the file \(prompt: recorded "something else"/,
      )
    },
  )

  it(
    'embeds nothing with embed-provenance false; the reports still hold it',
    { timeout: 300_000 },
    async () => {
      const folder = await pipeline(await tempWorkspace(), 'false')
      const images = await stageImages(folder)
      expect(images.length).toBeGreaterThan(5)
      for (const file of images) {
        const bytes = await readFile(path.join(folder, file))
        expect(pngXmp(bytes), file).toBeUndefined()
        expect(bytes.includes('digitalsourcetype'), file).toBe(false)
        expect(await readImage(path.join(folder, file)), file).toEqual({
          sourceType: undefined,
          model: undefined,
          prompt: undefined,
        })
      }
      expect(readMp4(path.join(folder, 'final/final-music-video.mp4')).sourceType).toBeUndefined()
      const ply = await readFile(path.join(folder, 'pointcloud/pointcloud.ply'))
      expect(ply.includes('kamui:DigitalSourceType')).toBe(false)
      const report = JSON.parse(
        await readFile(path.join(folder, 'metadata/generation-report.json'), 'utf8'),
      ) as { request: { prompt: string }; images: { model: string; seed: number }[] }
      expect(report.request.prompt).toBe(CONCEPT)
      expect(report.images.map((i) => i.model)).toEqual([
        expect.stringMatching(/^preview:/),
        expect.stringMatching(/^preview:/),
      ])
      expect((await verifyTelemetry(folder)).problems).toEqual([])
    },
  )
})
