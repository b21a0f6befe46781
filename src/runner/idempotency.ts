import type { ToolLocation } from '../providers/mcp/types.js'

/**
 * Idempotent MCP submission (issue 11 §3). No MCP convention names an idempotency argument,
 * so the runner recognises these input-schema property names of a sync or submit tool, in
 * this order: `idempotency_key`, `idempotencyKey`, `client_request_id`, `clientRequestId`.
 * When a tool declares one, every submit of a journalled job carries a key derived from the
 * job key and the stage folder (`promptIdOf`, a UUID): a resubmit of the same job after an
 * unknown outcome (the connection was lost after the submit was sent, the run was killed
 * before the request id was journalled) carries the same key, so a server that honours it
 * answers with the job it already holds instead of starting (and billing) a second one. A tool
 * that declares none gets no extra argument.
 */
export const IDEMPOTENCY_ARGUMENTS = [
  'idempotency_key',
  'idempotencyKey',
  'client_request_id',
  'clientRequestId',
] as const

/** The idempotency argument `tool` declares, or undefined. */
export function idempotencyArgument(tool: ToolLocation): string | undefined {
  return IDEMPOTENCY_ARGUMENTS.find((name) => tool.inputProperties.includes(name))
}

/**
 * `args` with the idempotency key under the argument `tool` declares (an argument the caller
 * set itself is kept), and the key when it was added.
 */
export function withIdempotencyKey(
  tool: ToolLocation,
  args: Record<string, unknown>,
  key: string | undefined,
): { args: Record<string, unknown>; sent: string | undefined } {
  const name = key === undefined ? undefined : idempotencyArgument(tool)
  if (name === undefined || args[name] !== undefined) return { args, sent: undefined }
  return { args: { ...args, [name]: key }, sent: key }
}
