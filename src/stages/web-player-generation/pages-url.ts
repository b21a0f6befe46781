import { relativeUrl } from '../../output/web/html.js'

/**
 * The GitHub Pages URL of a folder of the published site: `https://{owner}.github.io/{repo}/{path}/`
 * (for the user site repository `{owner}/{owner}.github.io`: `https://{owner}.github.io/{path}/`).
 *
 * @param repository `owner/name` (`GITHUB_REPOSITORY`, passed in by the adapter)
 * @param pathInSite the folder below the published root, forward slashes
 * @returns the URL, or undefined when `repository` is not `owner/name`
 */
export function pagesUrl(repository: string | undefined, pathInSite: string): string | undefined {
  const match = /^([A-Za-z0-9-]+)\/([A-Za-z0-9._-]+)$/.exec(repository?.trim() ?? '')
  if (!match) return undefined
  const owner = (match[1] as string).toLowerCase()
  const repo = match[2] as string
  const host = `https://${owner}.github.io/`
  const base =
    repo.toLowerCase() === `${owner}.github.io` ? host : `${host}${encodeURIComponent(repo)}/`
  const folder = pathInSite.replace(/^\/+|\/+$/g, '')
  return folder === '' ? base : `${base}${relativeUrl(folder)}/`
}
