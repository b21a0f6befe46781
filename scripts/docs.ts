/**
 * Markdown tables of a stage's inputs and outputs, rendered from its spec. The build writes
 * them into `actions/<stage>/README.md` and between `<!-- BEGIN <stage> -->` / `<!-- END <stage> -->`
 * markers of the top-level README.
 */
import type { StageCommand } from '../src/core/stage-command.js'

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ')
}

export function renderIoTables(command: StageCommand): string {
  const inputs = command.inputs.map(
    (i) =>
      `| \`${i.name}\` | ${i.required ? 'yes' : 'no'} | ${i.default ? `\`${i.default}\`` : ''} | ${cell(i.description)} |`,
  )
  const outputs = command.outputs.map((o) => `| \`${o.name}\` | ${cell(o.description)} |`)
  return [
    '| input | required | default | description |',
    '| --- | --- | --- | --- |',
    ...inputs,
    '',
    '| output | description |',
    '| --- | --- |',
    ...outputs,
  ].join('\n')
}

/** Replaces the text between the markers of `name` in `markdown` (unchanged when absent). */
export function replaceBetweenMarkers(markdown: string, name: string, body: string): string {
  const begin = `<!-- BEGIN ${name} -->`
  const end = `<!-- END ${name} -->`
  const start = markdown.indexOf(begin)
  const stop = markdown.indexOf(end)
  if (start < 0 || stop < start) return markdown
  return `${markdown.slice(0, start + begin.length)}\n${body}\n${markdown.slice(stop)}`
}

/** The built-in registry entries as the models table shows them. */
export interface ModelRow {
  kind?: string
  provider: string
  displayName?: string
  call?:
    | { type: 'sync'; tool: string }
    | { type: 'async'; submit: string; status: string; result: string }
  embedded?: string
  workflow?: string
  rateLimit?: { rpm?: number; concurrency?: number }
  priceUsd?: number
}

function callCell(entry: ModelRow): string {
  if (entry.provider === 'comfyui') {
    return `workflow template \`${entry.workflow ?? '?'}\` on the ComfyUI servers of \`comfyui-url\``
  }
  const call = entry.call
  if (!call) return ''
  const tools =
    call.type === 'sync'
      ? `\`${call.tool}\``
      : `\`${call.submit}\` / \`${call.status.replace(/^.*(_status)$/, '$1')}\` / \`${call.result.replace(/^.*(_result)$/, '$1')}\``
  return entry.embedded ? `${tools} on the embedded preview server` : tools
}

function limitsCell(entry: ModelRow): string {
  const parts: string[] = []
  if (entry.rateLimit?.rpm !== undefined) parts.push(`${entry.rateLimit.rpm} rpm`)
  if (entry.rateLimit?.concurrency !== undefined)
    parts.push(`${entry.rateLimit.concurrency} at once`)
  return parts.join(', ')
}

/**
 * The models table of the README, rendered from the built-in registry (src/models/builtin.ts):
 * alias, kind, provider, display name, what is called and the rate limits.
 */
export function renderModelsTable(models: Record<string, ModelRow>): string {
  const rows = Object.entries(models).map(([alias, entry]) => {
    const provider = entry.embedded
      ? 'preview (embedded MCP server)'
      : entry.provider === 'mcp'
        ? 'MCP'
        : 'ComfyUI'
    return `| \`${alias}\` | ${entry.kind ?? 'image'} | ${provider} | ${cell(entry.displayName ?? '')} | ${callCell(entry)} | ${limitsCell(entry)} |`
  })
  return [
    '| alias | kind | provider | name | called as | limits |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n')
}

/**
 * The error-code table of the README, rendered from `ERROR_CODES` (src/core/errors.ts): every
 * code, its meaning, and whether the queue retries it.
 */
export function renderErrorTable(
  codes: Readonly<Record<string, string>>,
  retried: (code: string) => boolean,
): string {
  const rows = Object.entries(codes).map(
    ([code, meaning]) => `| \`${code}\` | ${cell(meaning)} | ${retried(code) ? 'yes' : 'no'} |`,
  )
  return ['| code | meaning | retried by default |', '| --- | --- | --- |', ...rows].join('\n')
}

/**
 * `owner/repo` of the package's `repository` field (`git+https://github.com/owner/repo.git`,
 * `github:owner/repo` or `owner/repo`): the one place the `uses:` lines of the docs take it from.
 *
 * @throws Error when the field names no GitHub repository
 */
export function repositorySlug(repository: string | { url?: string } | undefined): string {
  const url = typeof repository === 'string' ? repository : (repository?.url ?? '')
  const match =
    /github\.com[/:]([\w.-]+)\/([\w.-]+?)(?:\.git)?\/?$/.exec(url) ??
    /^(?:github:)?([\w.-]+)\/([\w.-]+)$/.exec(url)
  if (!match) throw new Error(`package.json repository "${url}" names no GitHub owner/repo`)
  return `${match[1]}/${match[2]}`
}

/**
 * Rewrites every `uses:` line of this suite's actions in a Markdown or YAML text to
 * `uses: <slug>/actions/<stage>@v<major>`, and every `uses: <owner>/<repo>@vN` to the root
 * action `uses: <slug>@v<major>`. `actions/*` and `github/*` are left alone (they are pinned by
 * commit SHA, never `@vN`).
 */
export function renderUsesLines(
  text: string,
  slug: string,
  major: number,
  stages: readonly string[],
): string {
  const stage = stages.map((s) => s.replace(/[-]/g, '\\-')).join('|')
  const staged = new RegExp(`(uses: )[\\w.-]+/[\\w.-]+/actions/(${stage})@v\\d+\\b`, 'g')
  const root = /(uses: )(?!actions\/|github\/)[\w.-]+\/[\w.-]+@v\d+\b/g
  return text
    .replace(
      staged,
      (_m, prefix: string, name: string) => `${prefix}${slug}/actions/${name}@v${major}`,
    )
    .replace(root, (_m, prefix: string) => `${prefix}${slug}@v${major}`)
}
