/**
 * Reading JSON out of the answer of an MCP tool that answers with text (story writers,
 * composition enhancers): tools send `structuredContent`, plain JSON text, or JSON wrapped in
 * prose or code fences.
 */

/** The parts of a text answer JSON is read from (`JobOutput` of the job runner). */
export interface TextAnswer {
  /** All text content of the result joined with newlines. */
  text: string
  /** `structuredContent`, when the tool sent one. */
  structured: unknown
}

/**
 * The JSON value of a text answer: `structuredContent` when present, else the text parsed as
 * JSON, else the first `{…}` block in the text (models often wrap JSON in prose or fences).
 *
 * @returns undefined when no JSON can be read
 */
export function answerJson(answer: TextAnswer): unknown {
  if (answer.structured !== undefined && answer.structured !== null) return answer.structured
  return parseJsonLoose(answer.text)
}

/** `text` parsed as JSON, or its first balanced `{…}` block; undefined when neither parses. */
export function parseJsonLoose(text: string): unknown {
  const trimmed = text.trim().replace(/^```(?:json)?\s*|\s*```$/g, '')
  try {
    return JSON.parse(trimmed) as unknown
  } catch {
    // look for an object inside
  }
  const start = trimmed.indexOf('{')
  if (start < 0) return undefined
  let depth = 0
  let inString = false
  for (let i = start; i < trimmed.length; i++) {
    const c = trimmed[i]
    if (inString) {
      if (c === '\\') i++
      else if (c === '"') inString = false
    } else if (c === '"') inString = true
    else if (c === '{') depth++
    else if (c === '}' && --depth === 0) {
      try {
        return JSON.parse(trimmed.slice(start, i + 1)) as unknown
      } catch {
        return undefined
      }
    }
  }
  return undefined
}
