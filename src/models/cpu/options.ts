import os from 'node:os'
import path from 'node:path'
import { resolveInWorkspace } from '../../core/workspace.js'
import type { CpuModelOptions } from './cache.js'

/** The default Hub. */
export const DEFAULT_HUB_URL = 'https://huggingface.co'

/** The `model-cache-dir` input of every stage that can run a CPU model. */
export const MODEL_CACHE_DIR_INPUT = {
  name: 'model-cache-dir',
  default: '',
  description:
    'Folder of the CPU models (CLIP scoring, Depth Anything V2 depth, story embeddings), downloaded from the ' +
    'Hugging Face Hub on first use, pinned to a revision and checked by sha256. Empty: ' +
    '$RUNNER_TOOL_CACHE/kamui-media-actions/models (else ~/.cache/kamui-media-actions/models). Restore it with ' +
    'actions/cache to skip the download; with HF_HUB_OFFLINE=1 only the cache is used.',
} as const

/**
 * The model-cache options of a stage run: `model-cache-dir` (a workspace path, or an absolute
 * folder such as one restored by actions/cache; empty: the default below), the Hub from
 * `HF_ENDPOINT` (default {@link DEFAULT_HUB_URL}) and offline mode from `HF_HUB_OFFLINE`
 * (`1`/`true`: no download, the cache only).
 *
 * Default folder: `$RUNNER_TOOL_CACHE/kamui-media-actions/models` on a runner, else
 * `$XDG_CACHE_HOME` or `~/.cache`, then `kamui-media-actions/models`.
 *
 * @throws KamuiError FS_001 when a relative `model-cache-dir` leaves the workspace
 */
export function cpuModelOptions(
  input: string | undefined,
  context: { workspace: string; env: Record<string, string | undefined> },
): CpuModelOptions {
  const env = context.env
  const given = input?.trim()
  const cacheDir = given
    ? path.isAbsolute(given)
      ? path.resolve(given)
      : resolveInWorkspace(context.workspace, given, 'model-cache-dir')
    : defaultCacheDir(env)
  const offline = /^(1|true|yes|on)$/i.test(env['HF_HUB_OFFLINE']?.trim() ?? '')
  const hubUrl = env['HF_ENDPOINT']?.trim() || DEFAULT_HUB_URL
  return { cacheDir, hubUrl, offline }
}

function defaultCacheDir(env: Record<string, string | undefined>): string {
  const toolCache = env['RUNNER_TOOL_CACHE']?.trim()
  if (toolCache) return path.join(toolCache, 'kamui-media-actions', 'models')
  const base = env['XDG_CACHE_HOME']?.trim() || path.join(env['HOME'] ?? os.homedir(), '.cache')
  return path.join(base, 'kamui-media-actions', 'models')
}
