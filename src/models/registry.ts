import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { parse as parseYaml } from 'yaml'
import { KamuiError } from '../core/errors.js'
import { resolveInWorkspace } from '../core/workspace.js'
import { BUILTIN_MODELS } from './builtin.js'
import { ModelEntrySchema, RegistryFileSchema, type ModelEntry } from './types.js'

/**
 * The model registry: built-in aliases (SPEC §3) plus the entries of an optional override
 * file. An override entry replaces the built-in entry of the same alias as a whole.
 */
export class ModelRegistry {
  private readonly entries: Map<string, ModelEntry>

  constructor(entries: Iterable<ModelEntry>) {
    this.entries = new Map([...entries].map((e) => [e.alias, e]))
  }

  /** The registry of built-in aliases only. */
  static builtin(): ModelRegistry {
    return new ModelRegistry(
      Object.entries(BUILTIN_MODELS).map(([alias, raw]) => ({
        alias,
        ...ModelEntrySchema.parse(raw),
      })),
    )
  }

  /** A new registry with `overrides` replacing or adding entries. */
  with(overrides: Iterable<ModelEntry>): ModelRegistry {
    return new ModelRegistry([...this.entries.values(), ...overrides])
  }

  /** Every alias, sorted. */
  aliases(kind?: ModelEntry['kind']): string[] {
    return [...this.entries.values()]
      .filter((e) => kind === undefined || e.kind === kind)
      .map((e) => e.alias)
      .sort()
  }

  /** The entry of `alias`, or undefined. */
  find(alias: string): ModelEntry | undefined {
    return this.entries.get(alias)
  }

  /**
   * The entry of `alias`.
   *
   * @throws KamuiError IMG_002 naming the known aliases of that kind when the alias is unknown
   */
  get(alias: string, kind: ModelEntry['kind'] = 'image'): ModelEntry {
    const entry = this.entries.get(alias)
    if (!entry || entry.kind !== kind) {
      throw new KamuiError(
        'IMG_002',
        `Unknown ${kind} model "${alias}". Known ${kind} models: ${this.aliases(kind).join(', ')}` +
          (kind === 'image' ? ', or "auto"' : '') +
          '. Add your own with a model-registry file.',
      )
    }
    return entry
  }
}

/**
 * Reads a registry override file (`.json`, `.yaml` or `.yml`; any other extension is parsed
 * as YAML, which also accepts JSON) of the form `{ models: { <alias>: entry } }`.
 *
 * @throws KamuiError CFG_003 when the file cannot be read, parsed or validated (the message
 *   names the file and the field path)
 */
export async function loadRegistryFile(file: string): Promise<ModelEntry[]> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    throw new KamuiError('CFG_003', `Cannot read the model registry file ${file}.`, {
      cause: error,
    })
  }
  let data: unknown
  try {
    data = path.extname(file).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text)
  } catch (error) {
    throw new KamuiError('CFG_003', `The model registry file ${file} is not valid JSON or YAML.`, {
      cause: error,
    })
  }
  const parsed = RegistryFileSchema.safeParse(data)
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    throw new KamuiError(
      'CFG_003',
      `The model registry file ${file} is invalid: ${issues.join('; ')}.`,
    )
  }
  const entries: ModelEntry[] = []
  for (const [alias, entry] of Object.entries(parsed.data.models)) {
    if (entry.provider === 'mcp' && !entry.call) {
      throw new KamuiError(
        'CFG_003',
        `Model "${alias}" in ${file} uses provider mcp but has no "call".`,
      )
    }
    entries.push({ alias, ...entry })
  }
  return entries
}

/**
 * The built-in registry plus the entries of the override file `registryPath` (relative to the
 * workspace, as the `model-registry` input gives it), when there is one.
 *
 * @throws KamuiError FS_001 when the path leaves the workspace, CFG_003 when the file is invalid
 */
export async function loadModelRegistry(
  workspace: string,
  registryPath: string | undefined,
): Promise<ModelRegistry> {
  const builtin = ModelRegistry.builtin()
  if (!registryPath) return builtin
  return builtin.with(
    await loadRegistryFile(resolveInWorkspace(workspace, registryPath, 'model-registry')),
  )
}
