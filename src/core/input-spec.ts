/**
 * One input of an action, as declared in its `action.yml` and mirrored by the `kamui` command
 * line (a flag `--<name>`). The spec is the single source of the names, defaults and
 * descriptions; a test checks that every `action.yml` matches it.
 */
export interface InputSpec {
  name: string
  description: string
  /** Required inputs have no default and must be non-empty. */
  required?: boolean
  /** Default as the string the runner would pass. */
  default?: string
  /** A secret: masked in logs and never written to the workspace. */
  secret?: boolean
}

/** One output of an action. */
export interface OutputSpec {
  name: string
  description: string
}

/** Raw inputs: input name → string value exactly as the runner or the CLI passed it. */
export type RawInputs = Record<string, string>

/**
 * Applies the spec's defaults to `raw` (empty strings count as unset, as on the runner) and
 * drops names the spec does not know.
 */
export function withDefaults(spec: readonly InputSpec[], raw: RawInputs): RawInputs {
  const out: RawInputs = {}
  for (const input of spec) {
    const value = raw[input.name]
    out[input.name] = value !== undefined && value !== '' ? value : (input.default ?? '')
  }
  return out
}
