/**
 * Registry files of the budget and dry-run tests (issue 11 §5), as a user would write them:
 * models of the fake servers with a price.
 */

/** The MCP submit/status/result triple of the fake servers' tool base name. */
const triple = (base: string): Record<string, string> => ({
  type: 'async',
  submit: `${base}_submit`,
  status: `${base}_status`,
  result: `${base}_result`,
})

/** hailuo-02-pro (fake video server) at $0.05 per second of video. */
export const PRICED_VIDEO_REGISTRY = {
  models: {
    'hailuo-02-pro': {
      kind: 'video',
      provider: 'mcp',
      call: triple('hailuo_02'),
      serverHints: ['hailuo'],
      price: { usd: 0.05, per: 'second' },
    },
  },
}

/** nano-banana at $0.01 per call, seedream-4 at $0.03 per image (fake keyframes server). */
export const PRICED_KEYFRAMES_REGISTRY = {
  models: {
    'nano-banana': {
      provider: 'mcp',
      call: triple('nano_banana'),
      serverHints: ['nano-banana', 'nanobanana'],
      price: { usd: 0.01, per: 'call' },
    },
    'seedream-4': {
      provider: 'mcp',
      call: triple('seedream_4'),
      serverHints: ['seedream'],
      price: { usd: 0.03, per: 'image' },
    },
  },
}
