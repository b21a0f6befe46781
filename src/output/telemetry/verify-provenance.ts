import { isDeepStrictEqual } from 'node:util'
import { ProvenanceSchema, type Provenance } from '../../contracts/provenance.js'
import { readFileProvenance } from '../../media/provenance/read.js'

/**
 * The provenance check of one artifact of a telemetry file (issue 16), run by
 * `kamui verify-telemetry` once the file's SHA-256 matched:
 *
 * - the provenance the file carries (XMP, MP4 tags, PLY comments) equals the artifact's
 *   recorded `provenance` (null: the file must carry none);
 * - it agrees with the rest of the record: its model names the artifact's `model.alias`, and
 *   preview output (`model.provider` `preview`) is labelled `algorithmicMedia`.
 *
 * Artifacts without a `provenance` field (records of earlier versions) are not checked.
 *
 * @param file the artifact's absolute path
 * @param artifact the artifact record as parsed from JSON
 * @returns one line per problem, `[field, what is wrong]`
 */
export async function provenanceProblems(
  file: string,
  artifact: Record<string, unknown>,
): Promise<[string, string][]> {
  if (!('provenance' in artifact) || artifact['provenance'] === undefined) return []
  const parsed = ProvenanceSchema.nullable().safeParse(artifact['provenance'])
  if (!parsed.success) return [] // the contract check names the malformed field
  const recorded = parsed.data
  const embedded = await readFileProvenance(file)
  const problems: [string, string][] = []
  if (recorded === null) {
    if (embedded !== null)
      problems.push(['provenance', 'is null but the file carries embedded provenance'])
    return problems
  }
  if (embedded === null) {
    problems.push(['provenance', 'is recorded but the file carries no embedded provenance'])
    return problems
  }
  const differing = (Object.keys(recorded) as (keyof Provenance)[]).filter(
    (key) => !isDeepStrictEqual(recorded[key], embedded[key]),
  )
  if (differing.length > 0) {
    problems.push([
      'provenance',
      `does not match the provenance embedded in the file (${differing
        .map(
          (k) =>
            `${k}: recorded ${JSON.stringify(recorded[k])}, file has ${JSON.stringify(embedded[k])}`,
        )
        .join('; ')})`,
    ])
  }
  const model = artifact['model'] as { alias?: unknown; provider?: unknown } | null | undefined
  if (model && typeof model.alias === 'string') {
    const names = embedded.model?.split(', ') ?? []
    if (!names.includes(model.alias)) {
      problems.push([
        'provenance.model',
        `the file's embedded model ${JSON.stringify(embedded.model)} is not the artifact's model ${JSON.stringify(model.alias)}`,
      ])
    }
    if (model.provider === 'preview' && embedded.digital_source_type !== 'algorithmicMedia') {
      problems.push([
        'provenance.digital_source_type',
        `preview output is embedded as ${embedded.digital_source_type}, not algorithmicMedia`,
      ])
    }
  }
  return problems
}
