import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { CLIP_VIT_B32, type CpuModel } from '../../src/models/cpu/catalog.js'
import { ClipScorer } from '../../src/quality/scorers/clip.js'
import {
  fakeHub,
  tinyCatalogEntry,
  tinyClipFiles,
  type WordVectors,
} from '../unit/cpu-models/tiny-models.js'

/**
 * Word vectors of the tiny CLIP: colours on the axes, "good" like red, "bad" like blue, "photo"
 * and "." zero. It knows only these words: a prompt without one has a zero text embedding, so
 * its cosine with any image is 0, CLIPScore 0 and alignment 0, whatever the picture (a
 * controlled "the image does not show the prompt").
 */
export const TINY_CLIP_WORDS: WordVectors = {
  words: ['red', 'green', 'blue', 'good', 'bad', 'photo', '.'],
  vectors: [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
    [1, 0, 0],
    [0, 0, 1],
    [0, 0, 0],
    [0, 0, 0],
  ],
  dim: 3,
}

/** The tiny CLIP's files and its catalog entry in the place of CLIP ViT-B/32. */
export function tinyClip(): { files: Record<string, Buffer | string>; model: CpuModel } {
  const files = tinyClipFiles(TINY_CLIP_WORDS)
  return { files, model: tinyCatalogEntry(CLIP_VIT_B32, files) }
}

/**
 * A fresh model cache folder (under the system temp folder, named from `prefix`) holding the
 * tiny CLIP, filled once from a stand-in Hub by the real scorer's `prepare()`, so that the runs
 * after it can be offline. Call it in `beforeAll` and `remove()` in `afterAll`.
 */
export async function tinyClipCache(
  prefix: string,
): Promise<{ cacheDir: string; model: CpuModel; remove: () => void }> {
  const { files, model } = tinyClip()
  const cacheDir = mkdtempSync(path.join(os.tmpdir(), prefix))
  const hub = await fakeHub(model, files)
  try {
    await new ClipScorer({ cacheDir, hubUrl: hub.url, offline: false }, undefined, model).prepare()
  } finally {
    await hub.close()
  }
  return { cacheDir, model, remove: () => rmSync(cacheDir, { recursive: true, force: true }) }
}
