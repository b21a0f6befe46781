import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { parsePipelineInputs, type StageRequest } from '../../../src/stages/pipeline/inputs.js'

function inputsOf<T>(request: StageRequest<T>): T {
  if ('error' in request) throw new Error(`expected inputs, got ${String(request.error)}`)
  return request.inputs
}

describe('parsePipelineInputs', () => {
  it('parses every stage’s typed inputs from the pipeline’s own inputs', () => {
    const p = parsePipelineInputs({
      concept: 'A lighthouse at dusk',
      'folder-name': 'out/run',
      'image-count': '2',
      'segment-count': '3',
      'aspect-ratio': '9:16',
      stages: 'web, image,pointcloud',
    })
    expect([...p.stages].sort()).toEqual(['image', 'pointcloud', 'web'])
    expect(p.primaryImage).toBe('out/run/images/generated-image.png')
    expect(p.music).toEqual({ file: 'out/run/music/preview-music.wav', preview: true })
    const image = inputsOf(p.image)
    expect([image.prompt, image.imageCount, image.folderName, image.mcpConfig]).toEqual([
      'A lighthouse at dusk',
      2,
      'out/run',
      undefined,
    ])
    const keyframes = inputsOf(p.keyframes)
    expect(keyframes.productImages).toEqual(['out/run/images/generated-image.png'])
    expect([keyframes.segmentCount, keyframes.aspectRatio, keyframes.concept]).toEqual([
      3,
      '9:16',
      'A lighthouse at dusk',
    ])
    const video = inputsOf(p.video)
    expect(video.inputImagePath).toBe('out/run/images/generated-image.png')
    expect([video.concatenate, video.musicFile, video.aspect?.text]).toEqual([
      true,
      'out/run/music/preview-music.wav',
      '9:16',
    ])
    expect(video.keyframes).toBeUndefined()
    const pointcloud = inputsOf(p.pointcloud)
    // Without mcp-config: Depth Anything V2 Small on the CPU, else the preview placeholder (issue 17).
    expect([pointcloud.depthModel, pointcloud.outputFolder]).toEqual(['auto', 'out/run/pointcloud'])
    const web = inputsOf(p.web)
    expect([web.concept, web.musicFile, web.plyFile, web.videoFiles]).toEqual([
      'A lighthouse at dusk',
      'out/run/music/preview-music.wav',
      undefined,
      undefined,
    ])
  })

  it('takes a given music file and depth model, and writes no preview music with mcp-config', () => {
    const withMusic = parsePipelineInputs({
      concept: 'x',
      'folder-name': 'out',
      'music-file': 'audio/track.wav',
      'depth-model': 'luminance-heuristic',
    })
    expect(withMusic.music).toEqual({ file: 'audio/track.wav', preview: false })
    expect(inputsOf(withMusic.pointcloud).depthModel).toBe('luminance-heuristic')
    const hosted = parsePipelineInputs({
      concept: 'x',
      'folder-name': 'out',
      'mcp-config': '{"mcpServers":{}}',
    })
    expect(hosted.music).toBeUndefined()
    expect(inputsOf(hosted.video).concatenate).toBe(false)
    // With mcp-config the point-cloud stage's own default depth model applies.
    expect(inputsOf(hosted.pointcloud).depthModel).not.toBe('preview')
  })

  it('keeps a stage’s own input error for that stage, so the others still get their inputs', () => {
    const p = parsePipelineInputs({ concept: 'x', 'folder-name': 'out', 'aspect-ratio': '4:3' })
    expect('error' in p.keyframes && String(p.keyframes.error)).toMatch(/CFG_001: aspect-ratio/)
    expect(inputsOf(p.video).aspect?.text).toBe('4:3')
    expect(inputsOf(p.image).prompt).toBe('x')
    expect(inputsOf(p.pointcloud).inputImagePath).toBe('out/images/generated-image.png')
  })

  it('refuses an empty concept and an unknown stage', () => {
    expect(() => parsePipelineInputs({ concept: ' ', 'folder-name': 'out' })).toThrow(/IMG_009/)
    expect(() =>
      parsePipelineInputs({ concept: 'x', 'folder-name': 'out', stages: 'image,music' }),
    ).toThrow(/CFG_001: stages: unknown stage "music"/)
  })
})

describe('the pipeline’s stage calls', () => {
  it('pass typed values: no JSON.parse in src/stages/pipeline', async () => {
    const folder = path.resolve(import.meta.dirname, '../../../src/stages/pipeline')
    const files = (await readdir(folder)).filter((f) => f.endsWith('.ts'))
    expect(files).toContain('run.ts')
    for (const file of files) {
      const text = await readFile(path.join(folder, file), 'utf8')
      expect(text, file).not.toMatch(/JSON\.parse/)
      expect(text, file).not.toMatch(/Command\.run\(|from '\.\.\/[a-z-]+\/commands\.js'.*Command\b/)
    }
  })
})
