import { readFile } from 'node:fs/promises'
import { z } from 'zod'
import { KamuiError } from '../../core/errors.js'
import type { Logger } from '../../core/logger.js'
import { resolveInWorkspace } from '../../core/workspace.js'
import { MANIFEST_FILE } from './cache.js'
import { CPU_MODELS, modelLabel, shortRevision, type CpuModel } from './catalog.js'

/**
 * The environment variable naming a user's CPU model catalog: a JSON file inside the workspace
 * whose entries replace built-in CPU models by key (a private mirror, a fine-tuned export).
 */
export const CPU_MODEL_CATALOG_ENV = 'KAMUI_CPU_MODEL_CATALOG'

/** transformers.js's ONNX file suffix of each `dtype` (`onnx/model_uint8.onnx`). */
const DTYPE_SUFFIX: Record<CpuModel['dtype'], string> = {
  fp32: '',
  uint8: '_uint8',
  q8: '_quantized',
}

/** Path segments of letters, digits, `_`, `.`, `-`; none is `.` or `..`; `/`-separated. */
const SEGMENT = '[A-Za-z0-9_][A-Za-z0-9._-]*'

const FileSchema = z.strictObject({
  path: z
    .string()
    .regex(
      new RegExp(`^${SEGMENT}(?:/${SEGMENT})*$`),
      'must be a relative path inside the repository (no "..", no leading "/")',
    )
    .refine((p) => p !== MANIFEST_FILE, `${MANIFEST_FILE} is the cache's own manifest`),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, "must be the file's sha256: 64 lower-case hex digits"),
  bytes: z.number().int().positive().optional(),
})

const EntrySchema = z.strictObject({
  id: z
    .string()
    .regex(
      new RegExp(`^${SEGMENT}/${SEGMENT}$`),
      'must be a Hugging Face Hub repository id, owner/name',
    ),
  revision: z
    .string()
    .regex(/^[0-9a-f]{40}$/, 'must be a commit: 40 lower-case hex digits (not a branch or a tag)'),
  license: z.string().trim().min(1, 'must name the licence of the weights (SPDX)'),
  dtype: z.enum(['fp32', 'uint8', 'q8']).optional(),
  files: z.array(FileSchema).min(1),
})

const CatalogFileSchema = z.strictObject({ models: z.record(z.string(), EntrySchema) })

/** One entry of a catalog file, as written there. */
export type CpuModelCatalogEntry = z.infer<typeof EntrySchema>

/**
 * Reads the CPU model catalog named by {@link CPU_MODEL_CATALOG_ENV} in `context.env`, when it
 * is set: `{ "models": { "<key>": { id, revision, license, dtype?, files: [{ path, sha256,
 * bytes? }] } } }`. Each entry replaces the built-in CPU model of that key (`catalog.ts`) as a
 * whole: its own Hub id, a pinned commit (40 hex digits), every file pinned by sha256 (no trust
 * on first use), the files the built-in model's task needs at the entry's `dtype` (default the
 * built-in's). The entries returned carry `catalog` (the file and the pin they replace), so logs,
 * labels and telemetry name them; each replacement is logged here.
 *
 * @returns the replacing entries; empty when the variable is unset or blank
 * @throws KamuiError FS_001 when the file is outside the workspace; CFG_003 when it cannot be
 *   read or parsed, an entry is invalid (the message names the file and the field), a key is not
 *   a built-in CPU model, or a needed file is missing from an entry
 */
export async function loadCpuModelCatalog(context: {
  workspace: string
  env: Record<string, string | undefined>
  logger: Logger
}): Promise<CpuModel[]> {
  const shown = context.env[CPU_MODEL_CATALOG_ENV]?.trim()
  if (!shown) return []
  const file = resolveInWorkspace(context.workspace, shown, CPU_MODEL_CATALOG_ENV)
  const where = `The CPU model catalog ${shown} (${CPU_MODEL_CATALOG_ENV})`
  let data: unknown
  try {
    data = JSON.parse(await readFile(file, 'utf8'))
  } catch (error) {
    const reason =
      error instanceof SyntaxError
        ? `is not valid JSON: ${error.message}`
        : `cannot be read: ${(error as Error).message}`
    throw new KamuiError('CFG_003', `${where} ${reason}.`, { cause: error })
  }
  const parsed = CatalogFileSchema.safeParse(data)
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    throw new KamuiError('CFG_003', `${where} is invalid: ${issues.join('; ')}.`)
  }
  const models = Object.entries(parsed.data.models).map(([key, entry]) =>
    replacingModel(key, entry, shown, where),
  )
  for (const model of models) {
    const builtin = builtinCpuModel(model.key) as CpuModel
    context.logger.info(
      `${where}: ${model.key} is ${model.id}@${shortRevision(model.revision)} (${model.license}), ` +
        `replacing the built-in ${modelLabel(builtin)}.`,
    )
  }
  return models
}

/** The built-in CPU model of `key`, or undefined. */
export function builtinCpuModel(key: string): CpuModel | undefined {
  return CPU_MODELS.find((m) => m.key === key)
}

/**
 * The catalog entry of `key` as a {@link CpuModel} replacing the built-in one.
 *
 * @throws KamuiError CFG_003 for an unknown key or a missing needed file
 */
function replacingModel(
  key: string,
  entry: CpuModelCatalogEntry,
  shown: string,
  where: string,
): CpuModel {
  const builtin = builtinCpuModel(key)
  if (!builtin) {
    throw new KamuiError(
      'CFG_003',
      `${where}: "${key}" is not a CPU model of this suite. The catalog replaces built-in CPU models by key: ` +
        `${CPU_MODELS.map((m) => m.key).join(', ')}.`,
    )
  }
  const dtype = entry.dtype ?? builtin.dtype
  const paths = entry.files.map((f) => f.path)
  const duplicate = paths.find((p, i) => paths.indexOf(p) !== i)
  const missing = neededFiles(builtin, dtype).filter((p) => !paths.includes(p))
  if (duplicate || missing.length > 0) {
    throw new KamuiError(
      'CFG_003',
      `${where}: models.${key}.files ${duplicate ? `lists ${duplicate} twice` : `lacks ${missing.join(', ')}`} ` +
        `(${builtin.task} at dtype ${dtype} needs ${neededFiles(builtin, dtype).join(', ')}).`,
    )
  }
  return {
    key,
    id: entry.id,
    revision: entry.revision,
    license: entry.license,
    task: builtin.task,
    dtype,
    files: entry.files.map((f) => ({ path: f.path, sha256: f.sha256, bytes: f.bytes ?? null })),
    catalog: { file: shown, replaces: { id: builtin.id, revision: builtin.revision } },
  }
}

/** The files transformers.js loads for `builtin`'s task at `dtype`: the built-in's, ONNX names re-suffixed. */
function neededFiles(builtin: CpuModel, dtype: CpuModel['dtype']): string[] {
  const from = new RegExp(`${DTYPE_SUFFIX[builtin.dtype]}\\.onnx$`)
  return builtin.files.map((f) =>
    f.path.endsWith('.onnx') ? f.path.replace(from, `${DTYPE_SUFFIX[dtype]}.onnx`) : f.path,
  )
}
