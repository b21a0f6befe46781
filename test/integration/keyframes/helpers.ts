import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import sharp from 'sharp'
import { isKamuiError, type KamuiError } from '../../../src/core/errors.js'
import type { StageContext } from '../../../src/core/stage-context.js'
import { parseKeyframesInputs } from '../../../src/stages/keyframes/inputs.js'
import type { KeyframesProviders } from '../../../src/stages/keyframes/providers.js'
import { runKeyframes, type KeyframesResult } from '../../../src/stages/keyframes/run.js'
import { testContext } from '../../helpers/stage-context.js'

/** Fast retries for tests. */
export const TEST_RETRY_POLICY = { retries: 3, minDelayMs: 20, maxDelayMs: 100 }

/** The four segments of the test storyboard (Hook, Body 1, Body 2, CTA). */
export const FOUR_SEGMENTS = [
  {
    type: 'hook',
    description: 'Steam rises from a red mug on a wooden table at dawn.',
    duration: 5,
  },
  {
    type: 'body',
    description: 'A hand lifts the mug; morning light through the window.',
    duration: 5,
  },
  {
    type: 'body',
    description: 'The mug on a desk next to a laptop on a busy morning.',
    duration: 5,
  },
  {
    type: 'cta',
    description: 'The mug centred on a clean background with the brand name.',
    duration: 4,
  },
]

/** Writes three small product photos (PNG, JPEG, WebP) into `workspace` and returns their paths. */
export async function productPhotos(workspace: string): Promise<string[]> {
  await mkdir(path.join(workspace, 'photos'), { recursive: true })
  const files = ['photos/front.png', 'photos/side.jpg', 'photos/top.webp']
  const colours = ['#c03030', '#3050c0', '#30c050']
  await Promise.all(
    files.map((file, i) => {
      const image = sharp({
        create: { width: 200 + 40 * i, height: 240, channels: 3, background: colours[i] as string },
      })
      const typed = file.endsWith('.png')
        ? image.png()
        : file.endsWith('.jpg')
          ? image.jpeg()
          : image.webp()
      return typed.toFile(path.join(workspace, file))
    }),
  )
  return files
}

/** Writes a storyboard file and returns its workspace path. */
export async function storyboardFile(
  workspace: string,
  segments: readonly object[] = FOUR_SEGMENTS,
  name = 'storyboard.json',
): Promise<string> {
  await writeFile(
    path.join(workspace, name),
    JSON.stringify({ concept: 'A red ceramic mug', segments }),
  )
  return name
}

/** Runs the stage in-process; returns the result or the KamuiError it threw. */
export async function runStage(
  workspace: string,
  raw: Record<string, string>,
  overrides: Partial<StageContext> = {},
  providers: KeyframesProviders = {},
): Promise<{
  result?: KeyframesResult
  error?: KamuiError
  context: ReturnType<typeof testContext>
}> {
  const context = testContext(workspace, { retryPolicy: TEST_RETRY_POLICY, ...overrides })
  try {
    const result = await runKeyframes(
      parseKeyframesInputs({ 'folder-name': 'out', ...raw }),
      context,
      providers,
    )
    return { result, context }
  } catch (error) {
    if (!isKamuiError(error)) throw error
    return { error, context }
  }
}
