import { z } from 'zod'
import { PriceSchema } from '../contracts/cost.js'

/** How a model's MCP tools are called (SPEC §3.1). */
export const McpCallSchema = z.discriminatedUnion('type', [
  /** One tool that returns the media in its result. */
  z.object({ type: z.literal('sync'), tool: z.string().min(1) }),
  /** submit → status (polled) → result; submit returns a `request_id`. */
  z.object({
    type: z.literal('async'),
    submit: z.string().min(1),
    status: z.string().min(1),
    result: z.string().min(1),
  }),
])
export type McpCall = z.infer<typeof McpCallSchema>

/** Requests-per-minute and concurrent-request limits of one model. */
export const RateLimitSchema = z.object({
  /** Requests started per rolling 60 s window. */
  rpm: z.number().int().positive().optional(),
  /** Requests in flight at once. */
  concurrency: z.number().int().positive().optional(),
})
export type RateLimit = z.infer<typeof RateLimitSchema>

export { PRICE_UNITS, PriceSchema, type Price, type PriceUnit } from '../contracts/cost.js'

/**
 * One model alias of the registry. `provider: mcp` entries are called through MCP tools found
 * by name on any configured server; `embedded: preview` marks the project's own preview server;
 * `provider: comfyui` entries run an API-format workflow template on a ComfyUI server.
 */
export const ModelEntrySchema = z.object({
  /** What the model makes. */
  kind: z.enum(['image', 'video', 'scorer']).default('image'),
  provider: z.enum(['mcp', 'comfyui']),
  /** Human-readable name for reports. */
  displayName: z.string().optional(),
  /** MCP call shape; required for `provider: mcp`. */
  call: McpCallSchema.optional(),
  /** Constant arguments added to every submit / sync call (e.g. `output_format: png`). */
  arguments: z.record(z.string(), z.unknown()).default({}),
  /**
   * Substrings of `mcpServers` keys to search first when looking the tool up (a heuristic for
   * speed only: the tool is found by name on any server).
   */
  serverHints: z.array(z.string()).default([]),
  rateLimit: RateLimitSchema.default({}),
  /** Set on the built-in preview entry: the tools live on the embedded preview server. */
  embedded: z.literal('preview').optional(),
  /** ComfyUI workflow template name, for `provider: comfyui`. */
  workflow: z.string().optional(),
  /**
   * Status polling interval of the submit/status/result form, ms (default 2000; at least
   * 100 ms, so a registry cannot make the suite hammer a server).
   */
  pollIntervalMs: z
    .number()
    .int()
    .min(100, 'pollIntervalMs must be at least 100 ms (a status call per 0.1 s at most)')
    .optional(),
  /**
   * Price of one successful call in US dollars, when known (the older per-call form; `price`
   * wins when both are set).
   */
  priceUsd: z.number().nonnegative().optional(),
  /**
   * The model's price (issue 11): `{ usd, per: image | second | call | megapixel }`, or null
   * when unknown (then `priceUsd`, when set, is the price per call). Used by the budget
   * (`max-cost-usd`), the dry run's plan and the cost reports.
   */
  price: PriceSchema.nullable().default(null),
  /**
   * For `kind: scorer`: the top of the scale the scoring tool answers on (e.g. 10 for 0–10
   * scores); its scores are divided by it. Absent: the tool answers in 0–1.
   */
  scoreScale: z.number().positive().optional(),
})
export type ModelEntryInput = z.input<typeof ModelEntrySchema>
export type ModelEntryData = z.infer<typeof ModelEntrySchema>

/** A registry entry with its alias. */
export interface ModelEntry extends ModelEntryData {
  alias: string
}

/** The registry file format: `{ models: { <alias>: entry } }`, JSON or YAML. */
export const RegistryFileSchema = z.object({
  models: z.record(
    z.string().regex(/^[a-z0-9][a-z0-9._-]*$/i, 'aliases use letters, digits, ".", "_" and "-"'),
    ModelEntrySchema,
  ),
})
