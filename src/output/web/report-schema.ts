import { z } from 'zod'
import { GenerationReportSchema } from '../../contracts/generation-report.js'

/**
 * The part of `metadata/generation-report.json` (the image stage's report) the web player shows.
 * Picked from the report's contract (`src/contracts/generation-report.ts`), so the fields keep
 * their meaning, but without the fields the page does not use: a report written by an earlier or
 * later version of the image stage (with fields added since) still reads. `prompt_preparation`
 * is read only for the prompt sent to the model (shown when it differs from the request's
 * prompt, e.g. after translation).
 */
export const ReportViewSchema = GenerationReportSchema.pick({
  schema_version: true,
  generator: true,
  preview: true,
  notices: true,
  request: true,
  generation_summary: true,
  images: true,
  model_comparison: true,
  warnings: true,
}).extend({
  prompt_preparation: z.looseObject({ sent_to_model: z.string() }).optional(),
})
export type ReportView = z.infer<typeof ReportViewSchema>
