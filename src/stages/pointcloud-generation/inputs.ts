import { KamuiError } from '../../core/errors.js'
import { withDefaults, type RawInputs } from '../../core/input-spec.js'
import { COLOR_MODES, type ColorMode } from '../../media/pointcloud/color-mode.js'
import { PLY_FORMATS, type PlyFormat } from '../../media/pointcloud/ply.js'
import {
  optionalInput,
  parseBooleanInput,
  parseEnumInput,
  parseNumberInput,
} from '../../core/parse-input.js'
import { parseProvenanceInput } from '../../contracts/provenance.js'
import { parseResumeInput, type ResumeInput } from '../../contracts/resume-input.js'
import { parseMaxCost } from '../../contracts/budget-inputs.js'
import { parseCacheInputs, type CacheInputs } from '../../contracts/cache-inputs.js'
import { POINTCLOUD_GENERATION_INPUTS } from './spec.js'

/** Typed inputs of the point-cloud stage. */
export interface PointcloudInputs {
  /** As given; resolved inside the workspace by the stage. */
  inputImagePath: string
  outputFolder: string
  branchName: string
  depthModel: string
  colorMode: ColorMode
  depthImage: string | undefined
  mcpConfig: string | undefined
  maxPoints: number
  plyFormat: PlyFormat
  /** Deadline of the depth estimation, ms. */
  depthTimeoutMs: number
  /** How the folder's run journal is used (input `resume`, issue 11; absent: auto). */
  resume?: ResumeInput
  /** `max-cost-usd` (issue 11): the run's budget in US dollars; undefined: no cap. */
  maxCostUsd?: number | undefined
  /** `dry-run` (issue 11): plan the depth job and estimate its cost, call no model; absent: false. */
  dryRun?: boolean
  /** The job cache (`cache-folder`, `cache-ttl-hours`); absent: the default folder and TTL. */
  cache?: CacheInputs
  /** `embed-provenance`: embed provenance in the depth PNGs and the PLY header (absent: true). */
  embedProvenance?: boolean
  /** ComfyUI server URLs (comma list) for `depth-model: comfyui:<template>`; undefined: the default. */
  comfyuiUrl?: string | undefined
  /** `model-cache-dir` (CPU models such as depth-anything-v2-small); undefined: the default folder. */
  modelCacheDir?: string | undefined
}

/**
 * Parses the action's raw string inputs (defaults applied).
 *
 * @throws KamuiError CFG_001 naming the input for an empty required input or a malformed value
 */
export function parsePointcloudInputs(raw: RawInputs): PointcloudInputs {
  const r = withDefaults(POINTCLOUD_GENERATION_INPUTS, raw)
  const inputImagePath = optionalInput(r, 'input-image-path')
  if (!inputImagePath) throw new KamuiError('CFG_001', 'input-image-path is empty: name the image.')
  const outputFolder = optionalInput(r, 'output-folder')
  if (!outputFolder)
    throw new KamuiError('CFG_001', 'output-folder is empty: name the folder for the results.')
  return {
    inputImagePath,
    outputFolder,
    branchName: (r['branch-name'] ?? '').trim(),
    depthModel: (r['depth-model'] ?? '').trim(),
    colorMode: parseEnumInput(r, 'color-mode', COLOR_MODES),
    depthImage: optionalInput(r, 'depth-image'),
    mcpConfig: optionalInput(r, 'mcp-config'),
    maxPoints: parseNumberInput(r, 'max-points', 1, 10_000_000, true),
    plyFormat: parseEnumInput(r, 'ply-format', PLY_FORMATS),
    depthTimeoutMs: parseNumberInput(r, 'depth-timeout', 1, 86_400, false) * 1000,
    resume: parseResumeInput(r),
    maxCostUsd: parseMaxCost(r),
    dryRun: parseBooleanInput(r, 'dry-run'),
    cache: parseCacheInputs(r),
    embedProvenance: parseProvenanceInput(r),
    comfyuiUrl: optionalInput(r, 'comfyui-url'),
    modelCacheDir: optionalInput(r, 'model-cache-dir'),
  }
}
