import { readdir, readFile, stat } from 'node:fs/promises'
import path from 'node:path'
import { hashFile, imageDimensions } from './artifacts.js'
import { describeIssues, jsonPath } from './issues.js'
import { journalProblems } from './verify-journal.js'
import { provenanceProblems } from './verify-provenance.js'
import { JOURNAL_FILE } from '../../contracts/journal.js'
import { ARTIFACT_METADATA_FILE, ArtifactMetadataSchema } from '../../contracts/telemetry.js'

/** The check of one metadata file. */
export interface TelemetryFileReport {
  /** The file, as `folder` was given joined with its path below it (forward slashes). */
  file: string
  /** Artifacts listed (top level and earlier stages), whether valid or not. */
  artifacts: number
  /** One line per problem, each starting with `file`. */
  problems: string[]
}

/** Result of {@link verifyTelemetry}. */
export interface TelemetryVerification {
  /** True when at least one metadata file was found and none has a problem. */
  ok: boolean
  /** Every problem, each naming the file and the JSON path of the field. */
  problems: string[]
  /** The metadata files found, sorted. */
  files: string[]
  /** Per file. */
  reports: TelemetryFileReport[]
}

const SKIPPED_DIRS = new Set(['node_modules', '.git'])

/**
 * Checks every `metadata/artifact-metadata.json` below `folder` (a pipeline folder can hold
 * several stage folders; `node_modules` and `.git` are skipped, symbolic links not followed)
 * against the telemetry contract (SPEC §7):
 *
 * - the file parses as JSON and satisfies {@link ArtifactMetadataSchema}: one problem per
 *   missing or malformed field, e.g.
 *   `out/run/metadata/artifact-metadata.json: artifacts[2].sha256: missing`;
 * - every artifact file exists inside the stage folder (the folder holding `metadata/`), is
 *   listed once, and its SHA-256 and size match the file on disk; raster images also their
 *   width and height; the provenance embedded in it equals the artifact's `provenance` and
 *   agrees with its model (`verify-provenance.ts`);
 * - the stage folder's run journal (`metadata/journal.jsonl`), when present: every line valid,
 *   no line cut short, each output file matching its last `output` line (`verify-journal.ts`).
 *
 * No metadata file at all is a problem too.
 */
export async function verifyTelemetry(folder: string): Promise<TelemetryVerification> {
  const shown = (p: string): string => p.split(path.sep).join('/')
  const info = await stat(folder).catch(() => undefined)
  if (!info?.isDirectory()) {
    const problem = `${shown(folder)}: not a folder (nothing to verify)`
    return { ok: false, problems: [problem], files: [], reports: [] }
  }
  const found = await findMetadataFiles(folder)
  if (found.length === 0) {
    const problem = `${shown(folder)}: no ${ARTIFACT_METADATA_FILE} found in this folder or below it`
    return { ok: false, problems: [problem], files: [], reports: [] }
  }
  const reports: TelemetryFileReport[] = []
  for (const file of found) reports.push(await verifyFile(file, shown(file)))
  const problems = reports.flatMap((r) => r.problems)
  return { ok: problems.length === 0, problems, files: reports.map((r) => r.file), reports }
}

/**
 * The contract problems of a parsed telemetry file: one line per missing or malformed field
 * (`artifacts[2].sha256: missing`); empty when it satisfies {@link ArtifactMetadataSchema}.
 * Checks the JSON only, not the files it lists (see {@link verifyTelemetry}).
 */
export function contractProblems(data: unknown): string[] {
  const parsed = ArtifactMetadataSchema.safeParse(data)
  return parsed.success ? [] : describeIssues(data, parsed.error.issues)
}

/** Every `metadata/artifact-metadata.json` below `folder`, sorted. */
async function findMetadataFiles(folder: string): Promise<string[]> {
  const out: string[] = []
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => [])
    for (const entry of entries) {
      const full = path.join(dir, entry.name)
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) await walk(full)
      } else if (
        entry.isFile() &&
        entry.name === path.basename(ARTIFACT_METADATA_FILE) &&
        path.basename(dir) === path.dirname(ARTIFACT_METADATA_FILE)
      ) {
        out.push(full)
      }
    }
  }
  await walk(folder)
  return out.sort()
}

async function verifyFile(file: string, shownFile: string): Promise<TelemetryFileReport> {
  const problems: string[] = []
  const report = (where: string, what: string): void => {
    problems.push(`${shownFile}: ${where}: ${what}`)
  }
  let data: unknown
  try {
    data = JSON.parse(await readFile(file, 'utf8'))
  } catch (error) {
    report('(root)', `not valid JSON (${(error as Error).message})`)
    return { file: shownFile, artifacts: 0, problems }
  }

  for (const line of contractProblems(data)) problems.push(`${shownFile}: ${line}`)

  // File checks run on the raw data, so that a record with a bad field elsewhere still has
  // its files checked. Each stage record (top level, then earlier_stages[i]) is checked alike.
  const stageFolder = path.dirname(path.dirname(file))
  const records: { prefix: PropertyKey[]; value: unknown }[] = [{ prefix: [], value: data }]
  const earlier = (data as { earlier_stages?: unknown } | null)?.earlier_stages
  if (Array.isArray(earlier)) {
    earlier.forEach((value, i) => records.push({ prefix: ['earlier_stages', i], value }))
  }
  let artifactCount = 0
  const seen = new Map<string, string>()
  for (const { prefix, value } of records) {
    const artifacts = (value as { artifacts?: unknown } | null)?.artifacts
    if (!Array.isArray(artifacts)) continue
    artifactCount += artifacts.length
    for (const [i, artifact] of artifacts.entries()) {
      const at = [...prefix, 'artifacts', i]
      await checkArtifactFile(stageFolder, artifact, at, seen, report)
    }
  }
  const journal = path.join(path.dirname(shownFile), path.basename(JOURNAL_FILE))
  for (const problem of await journalProblems(stageFolder))
    problems.push(`${journal.split(path.sep).join('/')}: ${problem}`)
  return { file: shownFile, artifacts: artifactCount, problems }
}

async function checkArtifactFile(
  stageFolder: string,
  artifact: unknown,
  at: PropertyKey[],
  seen: Map<string, string>,
  report: (where: string, what: string) => void,
): Promise<void> {
  if (artifact === null || typeof artifact !== 'object') return
  const a = artifact as Record<string, unknown>
  const rel = a['path']
  if (typeof rel !== 'string' || rel === '') return
  const where = (field: string): string => jsonPath([...at, field])
  const segments = rel.split('/')
  if (
    rel.includes('\\') ||
    path.isAbsolute(rel) ||
    segments.some((s) => s === '' || s === '.' || s === '..')
  ) {
    return // the schema already named the path as malformed
  }
  const previous = seen.get(rel)
  if (previous !== undefined) {
    report(where('path'), `${rel} is listed twice (also at ${previous})`)
  }
  seen.set(rel, jsonPath(at))
  const file = path.join(stageFolder, ...segments)
  const info = await stat(file).catch(() => undefined)
  if (!info?.isFile()) {
    report(where('path'), `file ${rel} does not exist in the stage folder`)
    return
  }
  const actual = await hashFile(file)
  if (typeof a['sha256'] === 'string' && a['sha256'] !== actual.sha256) {
    report(
      where('sha256'),
      `does not match ${rel} on disk (recorded ${a['sha256']}, file has ${actual.sha256})`,
    )
  }
  if (typeof a['bytes'] === 'number' && a['bytes'] !== actual.bytes) {
    report(
      where('bytes'),
      `does not match ${rel} on disk (recorded ${a['bytes']}, file has ${actual.bytes})`,
    )
  }
  if (typeof a['sha256'] === 'string' && a['sha256'] !== actual.sha256) return
  for (const [field, what] of await provenanceProblems(file, a)) report(where(field), what)
  if (typeof a['media_type'] === 'string' && RASTER.test(a['media_type'])) {
    const dims = await imageDimensions(file).catch(() => undefined)
    if (!dims) {
      report(where('media_type'), `${rel} is not a readable ${a['media_type']} image`)
      return
    }
    for (const field of ['width', 'height', 'frames'] as const) {
      if (typeof a[field] !== 'number' && a[field] !== null) continue
      if (a[field] !== dims[field]) {
        report(
          where(field),
          `does not match ${rel} (recorded ${String(a[field])}, image has ${String(dims[field])})`,
        )
      }
    }
  }
}

const RASTER = /^image\/(?:png|jpeg|webp|gif|avif|tiff)$/
