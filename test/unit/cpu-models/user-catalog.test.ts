import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MemoryLogger } from '../../../src/core/logger.js'
import { howToFillCache } from '../../../src/models/cpu/cache.js'
import {
  CLIP_VIT_B32,
  DEPTH_ANYTHING_V2_SMALL,
  modelLabel,
} from '../../../src/models/cpu/catalog.js'
import { CPU_MODEL_CATALOG_ENV, loadCpuModelCatalog } from '../../../src/models/cpu/user-catalog.js'
import { removeDir, tempWorkspace } from '../../helpers/workspace.js'
import { catalogFileEntry, tinyCatalogEntry, tinyDepthFiles } from './tiny-models.js'

const files = tinyDepthFiles()
const tiny = tinyCatalogEntry(DEPTH_ANYTHING_V2_SMALL, files)
const goodEntry = catalogFileEntry(tiny, files)

describe('loadCpuModelCatalog (KAMUI_CPU_MODEL_CATALOG)', () => {
  let ws: string
  beforeAll(async () => {
    ws = await tempWorkspace('kamui-cpu-catalog-')
  })
  afterAll(async () => removeDir(ws))

  /** Writes `content` as `name` in the workspace and loads it through the env variable. */
  async function load(name: string, content: unknown, logger = new MemoryLogger()) {
    const text = typeof content === 'string' ? content : JSON.stringify(content)
    await writeFile(path.join(ws, name), text)
    return loadCpuModelCatalog({ workspace: ws, env: { [CPU_MODEL_CATALOG_ENV]: name }, logger })
  }

  it('is empty when the variable is unset or blank', async () => {
    const logger = new MemoryLogger()
    expect(await loadCpuModelCatalog({ workspace: ws, env: {}, logger })).toEqual([])
    expect(
      await loadCpuModelCatalog({ workspace: ws, env: { [CPU_MODEL_CATALOG_ENV]: '  ' }, logger }),
    ).toEqual([])
    expect(logger.lines).toEqual([])
  })

  it('turns an entry into a CPU model that replaces the built-in one, names it in the log and the label', async () => {
    const logger = new MemoryLogger()
    const [model, ...rest] = await load(
      'cpu-models.json',
      { models: { 'depth-anything-v2-small': goodEntry } },
      logger,
    )
    expect(rest).toEqual([])
    expect(model).toEqual({
      key: 'depth-anything-v2-small',
      id: tiny.id,
      revision: tiny.revision,
      license: DEPTH_ANYTHING_V2_SMALL.license,
      task: 'depth-estimation',
      dtype: 'fp32',
      files: goodEntry.files,
      catalog: {
        file: 'cpu-models.json',
        replaces: {
          id: DEPTH_ANYTHING_V2_SMALL.id,
          revision: DEPTH_ANYTHING_V2_SMALL.revision,
        },
      },
    })
    expect(logger.lines.map((l) => l.message)).toEqual([
      `The CPU model catalog cpu-models.json (KAMUI_CPU_MODEL_CATALOG): depth-anything-v2-small is ` +
        `${tiny.id}@0123456 (Apache-2.0), replacing the built-in onnx-community/depth-anything-v2-small@4472b73.`,
    ])
    expect(modelLabel(model!)).toBe(`${tiny.id}@0123456 from catalog cpu-models.json`)
    // The cache message does not send the user to check:models, which fills only the built-in pins.
    expect(howToFillCache(model!, '/cache')).toMatch(/HF_ENDPOINT for a mirror.*cpu-models\.json/)
    expect(howToFillCache(model!, '/cache')).not.toMatch(/check:models/)
  })

  it('derives the needed ONNX file from the dtype (uint8 CLIP export at q8 needs the _quantized names)', async () => {
    const entry = {
      id: 'me/clip-finetune',
      revision: 'a'.repeat(40),
      license: 'MIT',
      dtype: 'q8',
      files: [
        'config.json',
        'preprocessor_config.json',
        'tokenizer.json',
        'tokenizer_config.json',
        'onnx/text_model_uint8.onnx',
        'onnx/vision_model_uint8.onnx',
      ].map((p) => ({ path: p, sha256: 'b'.repeat(64) })),
    }
    await expect(load('clip.json', { models: { [CLIP_VIT_B32.key]: entry } })).rejects.toThrow(
      /^CFG_003: .*models\.clip-vit-base-patch32\.files lacks onnx\/text_model_quantized\.onnx, onnx\/vision_model_quantized\.onnx \(clip at dtype q8 needs/,
    )
    const renamed = {
      ...entry,
      files: entry.files.map((f) => ({ ...f, path: f.path.replace('_uint8', '_quantized') })),
    }
    const [model] = await load('clip.json', { models: { [CLIP_VIT_B32.key]: renamed } })
    expect(model).toMatchObject({ key: CLIP_VIT_B32.key, task: 'clip', dtype: 'q8' })
    expect(model!.files.every((f) => f.bytes === null && f.sha256 === 'b'.repeat(64))).toBe(true)
  })

  it.each([
    [
      'a branch as revision',
      { revision: 'main' },
      /models\.depth-anything-v2-small\.revision: must be a commit: 40 lower-case hex digits/,
    ],
    [
      'a file without sha256',
      { files: [{ path: 'config.json' }] },
      /models\.depth-anything-v2-small\.files\.0\.sha256: /,
    ],
    [
      'a file path that leaves the repository',
      { files: [{ path: '../../evil.onnx', sha256: 'c'.repeat(64) }] },
      /files\.0\.path: must be a relative path inside the repository/,
    ],
    [
      'an id that is not owner/name',
      { id: '../x' },
      /\.id: must be a Hugging Face Hub repository id/,
    ],
    ['a typo in a field name', { licence: 'MIT' }, /Unrecognized key.*licence/],
    ['no licence', { license: ' ' }, /\.license: must name the licence/],
  ])('refuses %s with CFG_003 naming the file and the field', async (_what, change, message) => {
    const entry = { ...goodEntry, ...change }
    const error = await load('bad.json', { models: { 'depth-anything-v2-small': entry } }).catch(
      (e: Error) => e,
    )
    expect(error).toBeInstanceOf(Error)
    expect((error as Error).message).toMatch(
      /^CFG_003: The CPU model catalog bad\.json \(KAMUI_CPU_MODEL_CATALOG\) is invalid: /,
    )
    expect((error as Error).message).toMatch(message)
  })

  it('refuses an unknown key, a listed-twice file, bad JSON, a missing file and a file outside the workspace', async () => {
    await expect(load('k.json', { models: { 'depth-pro': goodEntry } })).rejects.toThrow(
      /^CFG_003: .*"depth-pro" is not a CPU model of this suite\. .*by key: depth-anything-v2-small, clip-vit-base-patch32, all-minilm-l6-v2\.$/,
    )
    const twice = { ...goodEntry, files: [...goodEntry.files, goodEntry.files[0]] }
    await expect(load('t.json', { models: { 'depth-anything-v2-small': twice } })).rejects.toThrow(
      /^CFG_003: .*files lists config\.json twice/,
    )
    await expect(load('j.json', '{ "models": ')).rejects.toThrow(
      /^CFG_003: The CPU model catalog j\.json \(KAMUI_CPU_MODEL_CATALOG\) is not valid JSON/,
    )
    const env = (value: string) => ({
      workspace: ws,
      env: { [CPU_MODEL_CATALOG_ENV]: value },
      logger: new MemoryLogger(),
    })
    await expect(loadCpuModelCatalog(env('nowhere.json'))).rejects.toThrow(
      /^CFG_003: The CPU model catalog nowhere\.json \(KAMUI_CPU_MODEL_CATALOG\) cannot be read: ENOENT/,
    )
    await expect(loadCpuModelCatalog(env('../outside.json'))).rejects.toThrow(
      /^FS_001: KAMUI_CPU_MODEL_CATALOG "\.\.\/outside\.json" resolves to .* outside the workspace/,
    )
  })
})
