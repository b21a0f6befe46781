import { KamuiError } from '../../core/errors.js'
import { withDefaults, type RawInputs } from '../../core/input-spec.js'
import { WEB_PLAYER_INPUTS } from './spec.js'

/** Typed inputs of the web-player-generation stage. Paths as given (workspace-relative). */
export interface WebPlayerInputs {
  folderName: string
  concept: string
  branchName: string
  executionTime: string
  /** Undefined: discover `{folder}/metadata/generation-report.json`. */
  generationReport: string | undefined
  /** Undefined: discover `{folder}/videos/*.mp4` and the final video. */
  videoFiles: string[] | undefined
  /** Undefined: discover `{folder}/music/*`. */
  musicFile: string | undefined
  /** Undefined: discover `{folder}/pointcloud.ply` or `{folder}/pointcloud/pointcloud.ply`. */
  plyFile: string | undefined
  /** Undefined: no docs copy (`none`). */
  docsFolder: string | undefined
}

/** Longest concept accepted (it is shown on the page). */
const MAX_CONCEPT = 10_000

/**
 * Parses the raw inputs (defaults applied).
 *
 * @throws KamuiError CFG_001 for an empty folder-name; WEB_001 for an empty or over-long
 *   music-concept, or a video-files JSON array that does not parse
 */
export function parseWebPlayerInputs(raw: RawInputs): WebPlayerInputs {
  const r = withDefaults(WEB_PLAYER_INPUTS, raw)
  const folderName = (r['folder-name'] ?? '').trim()
  if (folderName === '')
    throw new KamuiError('CFG_001', 'folder-name is empty: name the run folder.')
  const concept = (r['music-concept'] ?? '').trim()
  if (concept === '') {
    throw new KamuiError('WEB_001', 'music-concept is empty: give the concept the page shows.')
  }
  if (concept.length > MAX_CONCEPT) {
    throw new KamuiError(
      'WEB_001',
      `music-concept is ${concept.length} characters long; at most ${MAX_CONCEPT} are accepted.`,
    )
  }
  const optional = (name: string): string | undefined => {
    const value = (r[name] ?? '').trim()
    return value === '' ? undefined : value
  }
  const videos = parsePathList(r['video-files'] ?? '', 'video-files')
  const docs = (r['docs-folder'] ?? '').trim()
  return {
    folderName,
    concept,
    branchName: (r['branch-name'] ?? '').trim(),
    executionTime: (r['execution-time'] ?? '').trim() || 'Unknown',
    generationReport: optional('generation-report'),
    videoFiles: videos.length ? videos : undefined,
    musicFile: optional('music-file'),
    plyFile: optional('ply-file-path'),
    docsFolder: docs === '' || docs.toLowerCase() === 'none' ? undefined : docs,
  }
}

/**
 * A list of paths: a JSON array of strings (such as video-generation's `video-paths` output),
 * or comma- or newline-separated text. Empty entries are dropped.
 *
 * @throws KamuiError WEB_001 when the value starts with `[` but is not a JSON array of strings
 */
export function parsePathList(value: string, inputName: string): string[] {
  const text = value.trim()
  let list: unknown[]
  if (text.startsWith('[')) {
    try {
      list = JSON.parse(text) as unknown[]
    } catch {
      list = [null]
    }
    if (!Array.isArray(list) || list.some((v) => typeof v !== 'string')) {
      throw new KamuiError(
        'WEB_001',
        `${inputName} must be a JSON array of paths or a comma-separated list, got "${value}".`,
      )
    }
  } else {
    list = text.split(/[,\n]/)
  }
  return (list as string[]).map((v) => v.trim()).filter((v) => v !== '')
}
