import path from 'node:path'
import { readFile } from 'node:fs/promises'
import { abortReason } from '../../core/abort.js'
import { KamuiError, errorMessage } from '../../core/errors.js'
import { silentLogger, type Logger } from '../../core/logger.js'
import type { Redactor } from '../../core/redactor.js'
import {
  checkFolder,
  secretLocation,
  listFolderFiles,
  warnStale,
  secretFilesError,
} from './files.js'
import {
  PUBLISH_ERROR_CODE,
  type PublishRequest,
  type PublishResult,
  type Publisher,
} from './types.js'

/** The part of `@actions/artifact`'s `DefaultArtifactClient` the publisher uses. */
export interface ArtifactUploader {
  uploadArtifact(
    name: string,
    files: string[],
    rootDirectory: string,
    options?: { retentionDays?: number; compressionLevel?: number },
  ): Promise<{ id?: number; size?: number; digest?: string }>
}

/** Options of {@link ArtifactPublisher}. */
export interface ArtifactPublisherOptions {
  /** Files holding any of its secrets are never uploaded. */
  redactor: Redactor
  logger?: Logger
  /**
   * Creates the client (default: `new DefaultArtifactClient()` from `@actions/artifact`,
   * imported on first use only, so the CLI never loads it).
   */
  client?: () => ArtifactUploader | Promise<ArtifactUploader>
  /** Retention in days (default: the repository's setting). */
  retentionDays?: number
  /** Zlib level 0–9 (default: the library's, 6). */
  compressionLevel?: number
}

/** Characters `@actions/artifact` refuses in artifact names. */
const INVALID_NAME_CHARACTERS = /[":<>|*?\r\n\\/]/

/**
 * The default artifact name, `kamui-<stage>-<folder basename>`, reduced to letters, digits,
 * `.`, `_` and `-` (anything else becomes `-`).
 */
export function defaultArtifactName(stage: string, folder: string): string {
  const raw = `kamui-${stage}-${path.basename(folder)}`
  const clean = raw
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, 200)
  return clean === '' ? 'kamui-results' : clean
}

/**
 * The artifact name to use: `requested` when given (it must not hold characters the artifact
 * service refuses), otherwise {@link defaultArtifactName}.
 *
 * @throws KamuiError CFG_001 for a name with `"`, `:`, `<`, `>`, `|`, `*`, `?`, `\`, `/` or a
 *   line break
 */
export function artifactNameFor(request: PublishRequest): string {
  const requested = request.artifactName?.trim() ?? ''
  if (requested === '') return defaultArtifactName(request.stage, request.folder)
  if (INVALID_NAME_CHARACTERS.test(requested)) {
    throw new KamuiError(
      'CFG_001',
      `artifact-name "${requested}" holds a character artifacts may not use ` +
        '(" : < > | * ? \\ / or a line break).',
    )
  }
  return requested
}

/**
 * Uploads a results folder as one workflow artifact with `@actions/artifact` (the client is
 * injected, like `actions/cache` does with its services). Every regular file below the folder
 * is uploaded with the folder's parent as root directory, so the artifact unpacks to
 * `<folder name>/…`. Files holding a registered secret fail the upload before anything is sent.
 */
export class ArtifactPublisher implements Publisher {
  private readonly redactor: Redactor
  private readonly logger: Logger
  private readonly createClient: () => ArtifactUploader | Promise<ArtifactUploader>
  private readonly retentionDays: number | undefined
  private readonly compressionLevel: number | undefined

  constructor(options: ArtifactPublisherOptions) {
    this.redactor = options.redactor
    this.logger = options.logger ?? silentLogger
    this.createClient = options.client ?? defaultArtifactClient
    this.retentionDays = options.retentionDays
    this.compressionLevel = options.compressionLevel
  }

  async unavailableReason(): Promise<string | null> {
    return null
  }

  async publish(request: PublishRequest, signal?: AbortSignal): Promise<PublishResult> {
    if (signal?.aborted) throw abortReason(signal)
    const name = artifactNameFor(request)
    const { folder } = await checkFolder(request)
    const { files, skipped, stale } = await listFolderFiles(folder, request.since)
    warnStale(this.logger, stale, 'uploaded')
    if (skipped.length > 0) {
      this.logger.warn(
        `Not uploaded (symbolic links and .git entries are never published): ${skipped.join(', ')}`,
      )
    }
    const base = {
      mode: 'artifact' as const,
      committed: false,
      pushed: false,
      commit: null,
      branch: null,
    }
    if (files.length === 0) {
      return {
        ...base,
        attempts: 0,
        artifact: null,
        skippedReason: `${path.basename(folder)}/ holds no files: nothing to upload`,
      }
    }
    const refused: string[] = []
    for (const file of files) {
      const found = secretLocation(this.redactor, await readFile(file.absolute), file.relative)
      if (found !== undefined) {
        refused.push(this.redactor.redact(`${path.basename(folder)}/${file.relative} (${found})`))
      }
    }
    if (refused.length > 0) throw secretFilesError(refused, `artifact ${name}`)
    if (signal?.aborted) throw abortReason(signal)

    const options = {
      ...(this.retentionDays !== undefined ? { retentionDays: this.retentionDays } : {}),
      ...(this.compressionLevel !== undefined ? { compressionLevel: this.compressionLevel } : {}),
    }
    let uploaded: { id?: number; size?: number }
    try {
      const client = await this.createClient()
      uploaded = await client.uploadArtifact(
        name,
        files.map((f) => f.absolute),
        path.dirname(folder),
        options,
      )
    } catch (error) {
      throw new KamuiError(
        PUBLISH_ERROR_CODE,
        `Uploading artifact ${name} failed: ${this.redactor.redact(errorMessage(error))}`,
        { cause: error },
      )
    }
    const details = [
      ...(uploaded.id !== undefined ? [`id ${uploaded.id}`] : []),
      ...(uploaded.size !== undefined ? [`${uploaded.size} bytes`] : []),
    ]
    this.logger.info(
      `Uploaded ${files.length} file(s) of ${path.basename(folder)}/ as artifact ${name}` +
        (details.length > 0 ? ` (${details.join(', ')}).` : '.'),
    )
    return {
      ...base,
      attempts: 1,
      artifact: {
        name,
        ...(uploaded.id !== undefined ? { id: uploaded.id } : {}),
        ...(uploaded.size !== undefined ? { size: uploaded.size } : {}),
      },
      skippedReason: null,
    }
  }
}

async function defaultArtifactClient(): Promise<ArtifactUploader> {
  const { DefaultArtifactClient } = await import('@actions/artifact')
  return new DefaultArtifactClient()
}
