import path from 'node:path'
import type { SummaryLinks } from '../../core/stage-command.js'
import type { PublishResult } from '../../output/publish/index.js'

/** The run's GitHub coordinates (`GITHUB_SERVER_URL`, `GITHUB_REPOSITORY`, `GITHUB_RUN_ID`). */
export interface RunCoordinates {
  serverUrl: string | undefined
  repository: string | undefined
  runId: string | undefined
}

/** Reads {@link RunCoordinates} from an environment (the adapter passes `process.env`). */
export function runCoordinates(env: Record<string, string | undefined>): RunCoordinates {
  return {
    serverUrl: env['GITHUB_SERVER_URL'] || 'https://github.com',
    repository: env['GITHUB_REPOSITORY'] || undefined,
    runId: env['GITHUB_RUN_ID'] || undefined,
  }
}

/**
 * The links of a job summary (issue 16 §3) after publishing `folder` (absolute, inside
 * `workspace`, the repository root of an Actions checkout):
 * - published to a branch: each file at the pushed commit,
 *   `{server}/{owner}/{repo}/raw/{commit}/{folder}/{file}` (an image URL the summary renders
 *   for readers with access to the repository), and, for a folder under `docs/` on
 *   github.com, its Pages page `https://{owner}.github.io/{repo}/{path under docs}/` (assumed:
 *   Pages serves `docs/` of that branch; the summary says so);
 * - uploaded as an artifact: the artifact's page `{server}/{repo}/actions/runs/{run}/artifacts/{id}`
 *   (the run page when the id is unknown); files are then inside the artifact, not linkable;
 * - not published: workspace-relative paths (`fileUrl`, `published: false`).
 */
export function summaryLinks(
  published: PublishResult | undefined,
  workspace: string,
  folder: string,
  run: RunCoordinates,
): SummaryLinks {
  const relativeFolder = path.relative(workspace, folder).split(path.sep).join('/')
  const join = (file: string): string => (relativeFolder ? `${relativeFolder}/${file}` : file)
  const repoUrl =
    run.serverUrl && run.repository
      ? `${run.serverUrl.replace(/\/+$/, '')}/${run.repository}`
      : undefined
  if (published?.mode === 'commit' && published.pushed && published.commit && repoUrl) {
    const commit = published.commit
    const links: SummaryLinks = {
      published: true,
      fileUrl: (file) => `${repoUrl}/raw/${commit}/${encodePath(join(file))}`,
    }
    const pages = pagesUrl(run, relativeFolder)
    if (pages) links.pagesUrl = pages
    return links
  }
  if (published?.mode === 'artifact' && published.artifact && repoUrl && run.runId) {
    const id = published.artifact.id
    return {
      artifactUrl: `${repoUrl}/actions/runs/${run.runId}${id !== undefined ? `/artifacts/${id}` : ''}`,
    }
  }
  return { published: false, fileUrl: (file) => encodePath(join(file)) }
}

function pagesUrl(run: RunCoordinates, relativeFolder: string): string | undefined {
  if (run.serverUrl !== 'https://github.com' || !run.repository) return undefined
  if (relativeFolder !== 'docs' && !relativeFolder.startsWith('docs/')) return undefined
  const [owner, repo] = run.repository.split('/')
  if (!owner || !repo) return undefined
  const host = `${owner.toLowerCase()}.github.io`
  const base = repo.toLowerCase() === host ? '' : `/${repo}`
  const under = relativeFolder.slice('docs'.length).replace(/^\//, '')
  return `https://${host}${base}/${under ? `${encodePath(under)}/` : ''}`
}

/**
 * Percent-encodes each segment of a `/`-separated path (spaces, `#`, `?`, non-ASCII, and the
 * parentheses that would end a Markdown link destination).
 */
function encodePath(relative: string): string {
  return relative
    .split('/')
    .map((segment) =>
      encodeURIComponent(segment).replace(
        /[()'!*]/g,
        (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
      ),
    )
    .join('/')
}
