import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  labelSegments,
  loadStoryboardFile,
  StoryboardFileSchema,
} from '../../../src/stages/keyframes/storyboard.js'

const seg = (
  type: string,
  description = `a ${type} shot`,
  duration = 5,
): Record<string, unknown> => ({
  type,
  description,
  duration,
})

async function file(content: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'kf-sb-'))
  const target = path.join(dir, 'board.json')
  await writeFile(target, content)
  return target
}

describe('StoryboardFileSchema', () => {
  it('accepts Hook → Body… → CTA with optional story and concept', () => {
    const parsed = StoryboardFileSchema.parse({
      concept: 'A mug',
      story: { title: 'T', narrative: 'N', tone: 'calm', visualStyle: 'soft', keyMoments: ['a'] },
      segments: [seg('hook'), seg('body'), seg('body'), seg('cta')],
    })
    expect(parsed.segments).toHaveLength(4)
    expect(StoryboardFileSchema.safeParse({ segments: [seg('hook'), seg('cta')] }).success).toBe(
      true,
    )
  })

  it.each([
    ['a body first', [seg('body'), seg('cta')], 'segments.0.type'],
    ['a hook in the middle', [seg('hook'), seg('hook'), seg('cta')], 'segments.1.type'],
    ['no CTA at the end', [seg('hook'), seg('body')], 'segments.1.type'],
    ['one segment', [seg('hook')], 'segments'],
    [
      '13 segments',
      [seg('hook'), ...Array.from({ length: 11 }, () => seg('body')), seg('cta')],
      'segments',
    ],
    ['an empty description', [seg('hook', '  '), seg('cta')], 'segments.0.description'],
    ['a zero duration', [seg('hook', 'x', 0), seg('cta')], 'segments.0.duration'],
    ['a 61 s segment', [seg('hook', 'x', 61), seg('cta')], 'segments.0.duration'],
  ])('refuses %s', (_name, segments, field) => {
    const result = StoryboardFileSchema.safeParse({ segments })
    expect(result.success).toBe(false)
    expect(result.error?.issues.map((i) => i.path.join('.'))).toContain(field)
  })

  it('refuses unknown fields so typos do not pass silently', () => {
    const result = StoryboardFileSchema.safeParse({
      segmnets: [],
      segments: [seg('hook'), seg('cta')],
    })
    expect(result.success).toBe(false)
  })
})

describe('labelSegments', () => {
  it('numbers segments and labels bodies 1…n', () => {
    const labelled = labelSegments([seg('hook'), seg('body'), seg('body'), seg('cta')] as never)
    expect(labelled.map((s) => [s.index, s.label])).toEqual([
      [1, 'Hook'],
      [2, 'Body 1'],
      [3, 'Body 2'],
      [4, 'CTA'],
    ])
  })
})

describe('loadStoryboardFile', () => {
  it('names the file and the problem (KF_002)', async () => {
    await expect(
      loadStoryboardFile(path.join(tmpdir(), 'nope-kf.json'), 'nope-kf.json'),
    ).rejects.toThrow(/KF_002: storyboard-file "nope-kf\.json" cannot be read \(no such file\)/)
    await expect(loadStoryboardFile(await file('{"segments": ['), 'b.json')).rejects.toThrow(
      /KF_002: storyboard-file "b\.json" is not valid JSON/,
    )
    await expect(
      loadStoryboardFile(
        await file(JSON.stringify({ segments: [seg('cta'), seg('hook')] })),
        'c.json',
      ),
    ).rejects.toThrow(
      /KF_002: storyboard-file "c\.json" is invalid: segments\.0\.type: segment 1 of 2 must be "hook"/,
    )
  })

  it('reads a valid file as a labelled storyboard', async () => {
    const board = await loadStoryboardFile(
      await file(
        JSON.stringify({ concept: 'A mug', segments: [seg('hook'), seg('body'), seg('cta')] }),
      ),
      'ok.json',
    )
    expect(board).toMatchObject({ source: 'file', concept: 'A mug', story: null })
    expect(board.segments.map((s) => s.label)).toEqual(['Hook', 'Body 1', 'CTA'])
  })
})
