import { z } from 'zod'
import { KamuiError } from '../../core/errors.js'
import type { Redactor } from '../../core/redactor.js'
import {
  canBeCredential,
  credentialsInArgs,
  credentialsInAuthorization,
  credentialsInEnv,
  credentialsInHeader,
  credentialsInUrl,
} from '../../core/secrets.js'
import { expandEnv } from './expand-env.js'
import { findJsonError, jsonNestingDepth } from './json-position.js'
import type { McpProviderContext } from './types.js'

/**
 * Parsing of the `mcp-config` input: the Claude Code `mcpServers` JSON (SPEC §3.1; the format of Claude Code's
 * `.mcp.json`), plus the Gemini-CLI `httpUrl` form.
 */

/** A stdio server: a command started as a child process, spoken to over stdin/stdout. */
export interface StdioServerEntry {
  kind: 'stdio'
  command: string
  args: string[]
  /** Extra environment of the child, on top of the SDK's safe default environment. */
  env: Record<string, string>
  /** Working directory of the child; the runner's cwd when absent. */
  cwd?: string
}

/** A remote server reached over HTTP. */
export interface RemoteServerEntry {
  kind: 'remote'
  /** Absolute http(s) URL of the MCP endpoint (e.g. `https://host/mcp` or `…/sse`). */
  url: string
  /** Sent unchanged with every request (e.g. `Authorization`, `KAMUI-CODE-PASS`). */
  headers: Record<string, string>
  /**
   * `http`: Streamable HTTP first, SSE as fallback on a 4xx other than 401/403 (`type: "http"`,
   * Gemini `httpUrl`, or a bare `url`). `sse`: the legacy SSE transport only (`type: "sse"`).
   */
  transport: 'http' | 'sse'
}

/** One configured MCP server, normalised: variables expanded, defaults filled in. */
export type McpServerEntry = StdioServerEntry | RemoteServerEntry

/** Servers by their `mcpServers` key (the key is only a label: tools are found by name). */
export type McpServersConfig = Record<string, McpServerEntry>

const scalarAsString = z.union([z.string(), z.number(), z.boolean()]).transform((v) => String(v))

/**
 * One raw `mcpServers` entry as users write it. Unknown fields (`description`, `trust`,
 * `disabled`, …) are allowed and ignored. Which form it is gets decided by
 * {@link parseMcpConfig}: `type`, else `command` (stdio), else `url` / `httpUrl` (remote).
 */
export const McpServerEntrySchema = z.looseObject({
  type: z.enum(['stdio', 'http', 'sse', 'streamable-http', 'streamableHttp']).optional(),
  command: z.string().optional(),
  args: z.array(scalarAsString).optional(),
  env: z.record(z.string(), scalarAsString).optional(),
  cwd: z.string().optional(),
  url: z.string().optional(),
  /** Gemini CLI: a Streamable HTTP endpoint. */
  httpUrl: z.string().optional(),
  headers: z.record(z.string(), scalarAsString).optional(),
  /** Gemini CLI: request timeout in ms (accepted, not used). */
  timeout: z.number().optional(),
})

/** The whole `mcp-config` document: `{ "mcpServers": { "<key>": entry } }`. */
export const McpConfigSchema = z.looseObject({
  mcpServers: z.record(z.string().min(1), McpServerEntrySchema),
})

/** What {@link parseMcpConfig} uses of the provider context (a whole `McpProviderContext` fits). */
export type McpConfigContext = Pick<McpProviderContext, 'redactor' | 'env'> &
  Partial<Pick<McpProviderContext, 'logger'>>

/** At most this many problems are listed in one CFG_002 message. */
const MAX_LISTED_PROBLEMS = 5
/** Deepest nesting of arrays and objects accepted in `mcp-config` (real configs use 4). */
export const MAX_MCP_CONFIG_DEPTH = 32

/**
 * Parses and normalises an `mcp-config` text.
 *
 * Before anything can throw, the secrets are registered with `ctx.redactor` (see
 * {@link registerMcpConfigSecrets}), so no later log line, error, output or file can show them.
 *
 * `${VAR}` and `${VAR:-default}` are expanded from `ctx.env` in `command`, `args`, `env` values,
 * `url` / `httpUrl` and `headers` values (as Claude Code does).
 *
 * @param text the JSON text (a leading BOM is ignored)
 * @param ctx `redactor` to register secrets with, `env` for expansion
 * @returns the servers by key, normalised
 * @throws KamuiError CFG_002 when the text is empty, nested deeper than
 *   {@link MAX_MCP_CONFIG_DEPTH} levels, or not JSON (the message gives line and
 *   column, never any part of the text, and carries no `cause`), when it does not match the
 *   schema (the message names the server key and field path, never values), when a server has
 *   neither `command` nor `url` / `httpUrl`, when a URL is not http(s), or when a variable used
 *   without default is not set in `ctx.env`
 */
export function parseMcpConfig(text: string, ctx: McpConfigContext): McpServersConfig {
  const raw = registerMcpConfigSecrets(text, ctx.redactor, ctx.env)

  const parsed = McpConfigSchema.safeParse(raw)
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => describeIssue(issue))
    throw invalid(problems, ctx)
  }

  const servers: McpServersConfig = {}
  const problems: string[] = []
  for (const [key, entry] of Object.entries(parsed.data.mcpServers)) {
    const normalised = normaliseEntry(key, entry, ctx.env, problems)
    if (normalised) servers[key] = normalised
  }
  if (problems.length > 0) throw invalid(problems, ctx)
  return servers
}

/**
 * Registers a secret input of an adapter (action entry or CLI): its whole value as one
 * credential (the runner masks repository secrets such as `MCP_CONFIG` whole anyway), and for
 * `mcp-config` also the credentials inside it ({@link registerMcpConfigSecrets}), so that one
 * appearing alone in a server's error text is masked too. An `mcp-config` that does not parse
 * is masked as a whole only; the stage reports the problem with CFG_002.
 */
export function registerSecretInput(
  redactor: Redactor,
  name: string,
  value: string,
  env: Record<string, string | undefined>,
): void {
  redactor.add(value)
  if (name !== 'mcp-config' || value.trim() === '') return
  try {
    registerMcpConfigSecrets(value, redactor, env)
  } catch {
    // masked as a whole above
  }
}

/**
 * Merges two server maps; on the same key `b` wins. Neither input is modified.
 */
export function mergeServers(a: McpServersConfig, b: McpServersConfig): McpServersConfig {
  return { ...a, ...b }
}

type RawEntry = z.infer<typeof McpServerEntrySchema>

function parseJsonQuietly(text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    // The engine's message quotes the input: build our own from a position scan, and do not
    // chain the original error as cause.
  }
  const position = findJsonError(text)
  const where = position
    ? `at line ${position.line}, column ${position.column} (expected ${position.expected})`
    : 'at an unknown position'
  throw new KamuiError(
    'CFG_002',
    `mcp-config is not valid JSON: syntax error ${where}. ` +
      'It must be a JSON object in the Claude Code .mcp.json format.',
  )
}

/**
 * Registers the secrets of an `mcp-config` text with `redactor` and returns the parsed JSON.
 *
 * - the whole text, and `${VAR}` references as written: local entries (masked, never handed to
 *   the runner: they are not credentials themselves);
 * - credentials, as written and after `${VAR}` expansion (src/core/secrets.ts): header values
 *   (all of a credential-named header such as `Authorization` or `KAMUI-CODE-PASS` with the
 *   token of its scheme; others when they look like credentials), env values (credential
 *   names, credential-looking values), credential arguments of stdio servers (`--api-key=…`,
 *   `--token …`, `NAME=…`), URL userinfo and query credentials of `url` / `httpUrl` / args /
 *   env, and any value written as a `${VAR}` reference in headers or env.
 *
 * Values that are not credentials (`true`, `1024`, `on`, `production`, plain URLs) are never
 * registered, so they stay readable in outputs and reports.
 *
 * @throws KamuiError CFG_002 when the text is empty, too deeply nested or not JSON
 */
export function registerMcpConfigSecrets(
  text: string,
  redactor: Redactor,
  env: Record<string, string | undefined>,
): unknown {
  redactor.addLocal(text)
  const source = text.replace(/^\uFEFF/, '')
  if (source.trim() === '') throw new KamuiError('CFG_002', 'mcp-config is empty.')
  if (jsonNestingDepth(source, MAX_MCP_CONFIG_DEPTH) > MAX_MCP_CONFIG_DEPTH) {
    throw new KamuiError(
      'CFG_002',
      `mcp-config is nested more than ${MAX_MCP_CONFIG_DEPTH} levels deep; an mcpServers ` +
        'document needs about 4.',
    )
  }
  const raw = parseJsonQuietly(source)
  const servers = isRecord(raw) ? raw['mcpServers'] : undefined
  if (!isRecord(servers)) return raw
  for (const entry of Object.values(servers)) {
    if (isRecord(entry)) registerEntrySecrets(entry, redactor, env)
  }
  return raw
}

function registerEntrySecrets(
  entry: Record<string, unknown>,
  redactor: Redactor,
  env: Record<string, string | undefined>,
): void {
  const both = (written: string): string[] => {
    if (written.includes('${')) redactor.addLocal(written)
    return [written, expandEnv(written, env).value]
  }
  for (const [field, find] of [
    ['headers', credentialsInHeader],
    ['env', credentialsInEnv],
  ] as const) {
    const values = entry[field]
    if (!isRecord(values)) continue
    for (const [name, value] of Object.entries(values)) {
      if (typeof value !== 'string' && typeof value !== 'number') continue
      const written = String(value)
      for (const form of both(written)) redactor.add(...find(name, form))
      const expanded = expandEnv(written, env).value
      if (written.includes('${') && expanded !== written && canBeCredential(expanded)) {
        redactor.add(...credentialsInAuthorization(expanded))
      }
    }
  }
  const args = Array.isArray(entry['args'])
    ? entry['args'].filter(
        (a): a is string | number => typeof a === 'string' || typeof a === 'number',
      )
    : []
  const writtenArgs = args.map(String)
  redactor.add(...credentialsInArgs(writtenArgs))
  redactor.add(...credentialsInArgs(writtenArgs.map((a) => both(a)[1] as string)))
  for (const field of ['url', 'httpUrl'] as const) {
    const value = entry[field]
    if (typeof value === 'string')
      for (const form of both(value)) redactor.add(...credentialsInUrl(form))
  }
}

function normaliseEntry(
  key: string,
  entry: RawEntry,
  env: Record<string, string | undefined>,
  problems: string[],
): McpServerEntry | undefined {
  const at = `mcpServers.${key}`
  const expand = (value: string, field: string): string => {
    const { value: expanded, missing } = expandEnv(value, env)
    for (const name of missing) {
      problems.push(
        `${at}.${field}: environment variable ${name} is not set and has no default (use \${${name}:-default})`,
      )
    }
    return expanded
  }
  const type = entry.type
  const remoteUrl = entry.httpUrl ?? entry.url
  const isStdio = type === 'stdio' || (type === undefined && entry.command !== undefined)

  if (isStdio) {
    if (entry.command === undefined || entry.command.trim() === '') {
      problems.push(`${at}.command: a stdio server needs a command`)
      return undefined
    }
    if (type === undefined && remoteUrl !== undefined) {
      problems.push(`${at}: set either command (stdio) or url / httpUrl (remote), not both`)
      return undefined
    }
    const out: StdioServerEntry = {
      kind: 'stdio',
      command: expand(entry.command, 'command'),
      args: (entry.args ?? []).map((arg, i) => expand(arg, `args[${i}]`)),
      env: mapValues(entry.env ?? {}, (value, name) => expand(value, `env.${name}`)),
    }
    if (entry.cwd !== undefined) out.cwd = entry.cwd
    return out
  }

  if (remoteUrl === undefined) {
    problems.push(
      type === undefined
        ? `${at}: needs either command (stdio server) or url / httpUrl (remote server)`
        : `${at}.url: a server of type "${type}" needs a url`,
    )
    return undefined
  }
  const urlField = entry.httpUrl !== undefined ? 'httpUrl' : 'url'
  const url = expand(remoteUrl, urlField)
  if (!isHttpUrl(url)) {
    problems.push(`${at}.${urlField}: must be an absolute http:// or https:// URL`)
    return undefined
  }
  return {
    kind: 'remote',
    url,
    headers: mapValues(entry.headers ?? {}, (value, name) => expand(value, `headers.${name}`)),
    transport: type === 'sse' && entry.httpUrl === undefined ? 'sse' : 'http',
  }
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const path = formatPath(issue.path)
  let what: string
  switch (issue.code) {
    case 'invalid_type':
      what = `expected ${issue.expected}`
      break
    case 'invalid_value':
      what = `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`
      break
    case 'too_small':
      what = 'must not be empty'
      break
    default:
      what = 'is not valid'
  }
  return `${path === '' ? 'the document' : path}: ${what}`
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = ''
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`
    else out += out === '' ? String(part) : `.${String(part)}`
  }
  return out
}

function invalid(problems: string[], ctx: Pick<McpProviderContext, 'redactor'>): KamuiError {
  const listed = problems.slice(0, MAX_LISTED_PROBLEMS).map((p) => ctx.redactor.redact(p))
  const more =
    problems.length > listed.length ? ` (and ${problems.length - listed.length} more)` : ''
  return new KamuiError('CFG_002', `mcp-config is invalid: ${listed.join('; ')}${more}.`)
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text)
    return url.protocol === 'http:' || url.protocol === 'https:'
  } catch {
    return false
  }
}

function mapValues(
  record: Record<string, string>,
  fn: (value: string, key: string) => string,
): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [key, value] of Object.entries(record)) out[key] = fn(value, key)
  return out
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
