/**
 * Locates the first JSON syntax error in a text without quoting the text.
 *
 * Node's `JSON.parse` messages embed a snippet of the input (`Unexpected token '}', "{"a": tru}"
 * is not valid JSON`), which would leak secrets of an `mcp-config`. This scanner follows the
 * JSON grammar (RFC 8259) and reports only where the first error is and what was expected.
 */

/** Where a JSON text stops being valid. Positions are 1-based; `index` is 0-based (UTF-16). */
export interface JsonErrorPosition {
  index: number
  line: number
  column: number
  /** What the grammar expected there, in words that never quote the input. */
  expected: string
}

class Stop extends Error {
  constructor(
    readonly index: number,
    readonly expected: string,
  ) {
    super(expected)
  }
}

/**
 * Returns the position of the first syntax error of `text`, or `undefined` when `text` is valid
 * JSON.
 */
export function findJsonError(text: string): JsonErrorPosition | undefined {
  const scanner = new Scanner(text)
  try {
    scanner.document()
    return undefined
  } catch (error) {
    if (!(error instanceof Stop)) throw error
    return { index: error.index, ...lineColumn(text, error.index), expected: error.expected }
  }
}

/** 1-based line and column of a 0-based index. */
export function lineColumn(text: string, index: number): { line: number; column: number } {
  let line = 1
  let lineStart = 0
  for (let i = 0; i < index && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++
      lineStart = i + 1
    }
  }
  return { line, column: index - lineStart + 1 }
}

class Scanner {
  private i = 0
  constructor(private readonly s: string) {}

  document(): void {
    this.ws()
    this.value()
    this.ws()
    if (this.i < this.s.length) throw new Stop(this.i, 'the end of the text after the JSON value')
  }

  private ws(): void {
    while (this.i < this.s.length && ' \t\n\r'.includes(this.s[this.i] as string)) this.i++
  }

  private value(): void {
    const c = this.s[this.i]
    if (c === '{') return this.object()
    if (c === '[') return this.array()
    if (c === '"') return this.string()
    if (c === 't') return this.literal('true')
    if (c === 'f') return this.literal('false')
    if (c === 'n') return this.literal('null')
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.number()
    throw new Stop(this.i, 'a value (object, array, string, number, true, false or null)')
  }

  private object(): void {
    this.i++
    this.ws()
    if (this.s[this.i] === '}') {
      this.i++
      return
    }
    for (;;) {
      this.ws()
      if (this.s[this.i] !== '"') throw new Stop(this.i, 'a double-quoted property name')
      this.string()
      this.ws()
      if (this.s[this.i] !== ':') throw new Stop(this.i, "':' after the property name")
      this.i++
      this.ws()
      this.value()
      this.ws()
      const c = this.s[this.i]
      if (c === ',') {
        this.i++
        continue
      }
      if (c === '}') {
        this.i++
        return
      }
      throw new Stop(this.i, "',' or '}' after the property value")
    }
  }

  private array(): void {
    this.i++
    this.ws()
    if (this.s[this.i] === ']') {
      this.i++
      return
    }
    for (;;) {
      this.ws()
      this.value()
      this.ws()
      const c = this.s[this.i]
      if (c === ',') {
        this.i++
        continue
      }
      if (c === ']') {
        this.i++
        return
      }
      throw new Stop(this.i, "',' or ']' after the array element")
    }
  }

  private string(): void {
    const start = this.i
    this.i++
    while (this.i < this.s.length) {
      const code = this.s.charCodeAt(this.i)
      if (code === 34) {
        this.i++
        return
      }
      if (code < 0x20)
        throw new Stop(this.i, 'no raw control character (line break, tab) inside a string')
      if (code === 92) {
        const e = this.s[this.i + 1]
        if (e !== undefined && '"\\/bfnrt'.includes(e)) {
          this.i += 2
          continue
        }
        if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(this.s.slice(this.i + 2, this.i + 6))) {
          this.i += 6
          continue
        }
        throw new Stop(this.i, 'a valid escape sequence')
      }
      this.i++
    }
    throw new Stop(start, 'a closing double quote for the string that starts here')
  }

  private literal(word: string): void {
    if (this.s.startsWith(word, this.i)) {
      this.i += word.length
      return
    }
    throw new Stop(this.i, 'a value (strings need double quotes)')
  }

  private number(): void {
    const match = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(this.s.slice(this.i, this.i + 400))
    if (!match) throw new Stop(this.i, 'a number')
    this.i += match[0].length
  }
}

/**
 * The deepest nesting of arrays and objects in `text`, counted without parsing (brackets inside
 * strings are skipped), so a hostile document cannot exhaust the stack of a recursive reader.
 * Stops counting at `limit + 1`.
 */
export function jsonNestingDepth(text: string, limit = Infinity): number {
  let depth = 0
  let deepest = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 0x5c) i++
      else if (c === 0x22) inString = false
      continue
    }
    if (c === 0x22) inString = true
    else if (c === 0x7b || c === 0x5b) {
      depth++
      if (depth > deepest) deepest = depth
      if (deepest > limit) return deepest
    } else if (c === 0x7d || c === 0x5d) depth = Math.max(0, depth - 1)
  }
  return deepest
}
