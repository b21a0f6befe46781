/**
 * `npm run check:models` (opt-in; needs the Hugging Face Hub): downloads the pinned CPU models
 * into the model cache (or checks the cached ones), prints every file's sha256 (so that the
 * unpinned ones can be pinned in src/models/cpu/catalog.ts), runs each real model once and
 * records the figures: time per image or text, peak memory, and a sanity result —
 *
 * - Depth Anything V2 Small: a synthetic scene (sky, a floor receding to the horizon, a box
 *   standing near the camera); the box must come out nearer than the sky and the far floor;
 * - CLIP ViT-B/32: CLIPScore of a picture with its matching prompt against an unrelated one
 *   (the matching one must score higher), and the CLIP-IQA score of a sharp and a blurred copy;
 * - all-MiniLM-L6-v2: a paraphrase must be closer to the sentence than an unrelated one.
 *
 * Options: `--model-cache-dir <dir>` (default: the stages' default folder), `--out <file>`
 * (default `.tmp/check-models.json`). `HF_ENDPOINT` picks another Hub. Exit code 1, with a
 * message saying so, when the Hub cannot be reached and a model is not cached.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { errorMessage } from '../src/core/errors.js'
import type { Logger } from '../src/core/logger.js'
import { ensureCpuModel, MANIFEST_FILE } from '../src/models/cpu/cache.js'
import { CPU_MODELS, MINILM_L6_V2, modelLabel, type CpuModel } from '../src/models/cpu/catalog.js'
import { cpuModelOptions } from '../src/models/cpu/options.js'
import { peakRssMib } from '../src/models/cpu/transformers.js'
import { encodeRgbPng } from '../src/media/preview/png.js'
import { DepthAnythingProvider } from '../src/providers/depth/depth-anything.js'
import { ClipScorer } from '../src/quality/scorers/clip.js'
import { cosine } from '../src/stages/keyframes/story-figures.js'
import { cpuTextEmbedder } from '../src/stages/keyframes/story-figures-embedder.js'

const args = process.argv.slice(2)
const option = (name: string): string | undefined => {
  const i = args.indexOf(name)
  return i >= 0 ? args[i + 1] : undefined
}
const options = cpuModelOptions(option('--model-cache-dir'), {
  workspace: process.cwd(),
  env: process.env,
})
const out = path.resolve(option('--out') ?? '.tmp/check-models.json')
const logger: Logger = {
  debug: () => undefined,
  info: (m) => process.stderr.write(`${m}\n`),
  warn: (m) => process.stderr.write(`warning: ${m}\n`),
  error: (m) => process.stderr.write(`error: ${m}\n`),
}

/** A 384×288 scene: sky, a floor of stripes receding to a horizon, a box near the camera. */
function scene(): {
  width: number
  height: number
  data: Uint8Array
  box: (x: number, y: number) => boolean
} {
  const width = 384
  const height = 288
  const horizon = 110
  const box = (x: number, y: number): boolean => x >= 150 && x < 234 && y >= 170 && y < 270
  const data = new Uint8Array(width * height * 3)
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let rgb: [number, number, number]
      if (box(x, y)) rgb = x < 160 || y < 180 ? [150, 60, 40] : [200, 90, 60]
      else if (y < horizon) rgb = [120 + Math.round((y / horizon) * 80), 170, 235]
      else {
        const depth = 1 / (y - horizon + 1)
        const stripe = Math.floor(depth * 400) % 2 === 0
        rgb = stripe ? [110, 100, 90] : [160, 150, 135]
      }
      data.set(rgb, (y * width + x) * 3)
    }
  }
  return { width, height, data, box }
}

async function cacheAll(): Promise<Record<string, unknown>[]> {
  const files: Record<string, unknown>[] = []
  for (const model of CPU_MODELS) {
    const cached = await ensureCpuModel(model, options, { code: 'QA_001', logger })
    const manifest = JSON.parse(await readFile(path.join(cached.dir, MANIFEST_FILE), 'utf8')) as {
      files: { path: string; sha256: string; bytes: number }[]
    }
    for (const f of manifest.files) {
      const pinned = model.files.find((p) => p.path === f.path)?.sha256 ?? null
      files.push({ model: modelLabel(model), ...f, pinned: pinned !== null })
      logger.info(
        `${modelLabel(model)} ${f.path}: sha256 ${f.sha256} (${f.bytes} bytes)${pinned ? ' pinned' : ' not pinned yet'}`,
      )
    }
  }
  return files
}

async function checkDepth(model: CpuModel): Promise<Record<string, unknown>> {
  const image = scene()
  const provider = new DepthAnythingProvider(options, model)
  const started = performance.now()
  const estimate = await provider.estimate({
    png: Buffer.alloc(0),
    width: image.width,
    height: image.height,
    rgb: image,
    signal: new AbortController().signal,
    logger,
  })
  const ms = Math.round(performance.now() - started)
  const d = estimate.depth
  const mean = (keep: (x: number, y: number) => boolean): number => {
    let sum = 0
    let n = 0
    for (let y = 0; y < d.height; y++)
      for (let x = 0; x < d.width; x++) {
        const sx = Math.floor((x * image.width) / d.width)
        const sy = Math.floor((y * image.height) / d.height)
        if (keep(sx, sy)) {
          sum += d.values[y * d.width + x] as number
          n++
        }
      }
    return n ? sum / n : NaN
  }
  const boxDepth = mean(image.box)
  const skyDepth = mean((_x, y) => y < 100)
  const farFloor = mean((x, y) => y >= 112 && y < 130 && !image.box(x, y))
  return {
    model: modelLabel(model),
    ms_per_image: ms,
    cpu_model: estimate.cpuModel,
    near_box_depth: boxDepth,
    sky_depth: skyDepth,
    far_floor_depth: farFloor,
    sane: boxDepth > skyDepth && boxDepth > farFloor,
  }
}

async function checkClip(): Promise<Record<string, unknown>> {
  const scorer = new ClipScorer(options, logger)
  const image = scene()
  const png = encodeRgbPng(image)
  const started = performance.now()
  const matching = await scorer.measure(
    png,
    'a red box standing on a striped floor under a blue sky',
  )
  const ms = Math.round(performance.now() - started)
  const unrelated = await scorer.measure(png, 'a plate of spaghetti with tomato sauce')
  return {
    model: modelLabel(scorer.model),
    ms_per_image: ms,
    matching: {
      cosine: matching.cosine,
      clipScore: matching.clipScore,
      alignment: matching.alignment,
    },
    unrelated: {
      cosine: unrelated.cosine,
      clipScore: unrelated.clipScore,
      alignment: unrelated.alignment,
    },
    aesthetic: matching.aesthetic,
    iqa_pairs: matching.pairs,
    sane: matching.clipScore > unrelated.clipScore,
  }
}

async function checkEmbeddings(): Promise<Record<string, unknown>> {
  const embedder = await cpuTextEmbedder(MINILM_L6_V2, options, { logger })
  if ('unavailable' in embedder) throw new Error(embedder.unavailable)
  const started = performance.now()
  const [a, b, c] = await embedder.embed([
    'A red ceramic mug of hot coffee on a kitchen table.',
    'A cup of coffee in a red clay mug on the table.',
    'A rocket lifts off from the launch pad at night.',
  ])
  const ms = Math.round((performance.now() - started) / 3)
  const paraphrase = cosine(a as Float32Array, b as Float32Array)
  const unrelated = cosine(a as Float32Array, c as Float32Array)
  return {
    model: modelLabel(MINILM_L6_V2),
    ms_per_text: ms,
    paraphrase,
    unrelated,
    sane: paraphrase > unrelated,
  }
}

try {
  logger.info(
    `Model cache: ${options.cacheDir}; Hub: ${options.hubUrl}${options.offline ? ' (offline)' : ''}.`,
  )
  const files = await cacheAll()
  const depth = await checkDepth(CPU_MODELS[0] as CpuModel)
  const clip = await checkClip()
  const embeddings = await checkEmbeddings()
  const report = {
    checked_at: new Date().toISOString(),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cache_dir: options.cacheDir,
    files,
    depth,
    clip,
    embeddings,
    peak_rss_mib: peakRssMib(),
  }
  await mkdir(path.dirname(out), { recursive: true })
  await writeFile(out, `${JSON.stringify(report, null, 2)}\n`)
  logger.info(
    JSON.stringify({ depth, clip, embeddings, peak_rss_mib: report.peak_rss_mib }, null, 2),
  )
  logger.info(`Figures written to ${out}.`)
  const sane = [depth, clip, embeddings].every((r) => r['sane'] === true)
  if (!sane) {
    logger.error('check:models: a sanity check failed (see "sane" above).')
    process.exitCode = 1
  }
} catch (error) {
  logger.error(
    `check:models failed: ${errorMessage(error)}\n` +
      `check:models needs the Hugging Face Hub (${options.hubUrl}) for models that are not in ${options.cacheDir}; ` +
      'run it where the Hub is reachable (or set HF_ENDPOINT to a mirror).',
  )
  process.exitCode = 1
}
