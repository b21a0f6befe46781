/**
 * Server-sent events as LM Studio's OpenAI-compatible streaming sends them: lines
 * `data: {chat.completion.chunk}` separated by blank lines, ending with `data: [DONE]`
 * (LM Studio docs, streaming). Comment lines (`: …`), `event:`, `id:` and `retry:` fields are
 * read and ignored; several `data:` lines of one event are joined with `\n` (the SSE rule).
 */

/**
 * Yields the `data` of each event of a byte stream, as text, including the final `[DONE]`.
 * An event still open when the stream ends is yielded too (a server that closes without the
 * trailing blank line).
 */
export async function* sseData(stream: AsyncIterable<unknown>): AsyncGenerator<string> {
  let buffer = ''
  let data: string[] = []
  const decoder = new TextDecoder()
  const takeLine = (line: string): string | undefined => {
    if (line === '') {
      if (data.length === 0) return undefined
      const event = data.join('\n')
      data = []
      return event
    }
    if (line.startsWith(':')) return undefined
    const colon = line.indexOf(':')
    const field = colon < 0 ? line : line.slice(0, colon)
    let value = colon < 0 ? '' : line.slice(colon + 1)
    if (value.startsWith(' ')) value = value.slice(1)
    if (field === 'data') data.push(value)
    return undefined
  }
  for await (const chunk of stream) {
    buffer +=
      typeof chunk === 'string' ? chunk : decoder.decode(chunk as Uint8Array, { stream: true })
    let newline = buffer.search(/\r\n|\r|\n/)
    while (newline >= 0) {
      // A lone `\r` at the end may be the first half of `\r\n`: wait for the next chunk.
      if (buffer[newline] === '\r' && newline === buffer.length - 1) break
      const line = buffer.slice(0, newline)
      const width = buffer.startsWith('\r\n', newline) ? 2 : 1
      buffer = buffer.slice(newline + width)
      const event = takeLine(line)
      if (event !== undefined) yield event
      newline = buffer.search(/\r\n|\r|\n/)
    }
  }
  buffer = (buffer + decoder.decode()).replace(/\r$/, '')
  if (buffer !== '') {
    const event = takeLine(buffer)
    if (event !== undefined) yield event
  }
  if (data.length > 0) yield data.join('\n')
}
