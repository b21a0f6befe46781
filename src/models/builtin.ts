import type { ModelEntryInput } from './types.js'

/** Triple of tool names `<base>_submit`, `<base>_status`, `<base>_result`. */
function triple(base: string): { type: 'async'; submit: string; status: string; result: string } {
  return {
    type: 'async',
    submit: `${base}_submit`,
    status: `${base}_status`,
    result: `${base}_result`,
  }
}

/**
 * The built-in model registry (SPEC §3). Tool names and arguments come from the legacy
 * KamuiCode tool catalogue (the legacy `kamuicode-workflow` modules' MCP calls); rate limits are the
 * defaults of the original design (imagen4-ultra 10 rpm / 3, imagen4-fast 20 rpm / 5,
 * flux-schnell 30 rpm / 8); unlisted models inherit `max-parallel`. Prices (issue 11) carry
 * their source and the date they were read; an unknown price is `null`, never 0.
 */
export const BUILTIN_MODELS: Record<string, ModelEntryInput> = {
  'imagen4-ultra': {
    provider: 'mcp',
    displayName: 'Imagen4 Ultra',
    call: triple('imagen4_ultra'),
    serverHints: ['imagen4-ultra'],
    rateLimit: { rpm: 10, concurrency: 3 },
    // Source: https://lumenfall.ai/models/google/imagen-4.0-ultra-generate-001 ("per-image
    // pricing starting at $0.06 through fal.ai"), read 2026-12-02. A third-party listing of the
    // upstream price; the KamuiCode server may bill differently: override with model-registry.
    price: { usd: 0.06, per: 'image' },
  },
  'imagen4-fast': {
    provider: 'mcp',
    displayName: 'Imagen4 Fast',
    call: triple('imagen4_fast'),
    serverHints: ['imagen4-fast'],
    rateLimit: { rpm: 20, concurrency: 5 },
    // Source: https://www.codegateway.dev/en/blog/imagen-4-api-quickstart (Imagen 4 Fast
    // "$0.02/image", citing Google Cloud Vertex AI documentation of May 2026), read 2026-12-02.
    // Upstream list price; the KamuiCode server may bill differently: override with model-registry.
    price: { usd: 0.02, per: 'image' },
  },
  imagen3: {
    provider: 'mcp',
    displayName: 'Imagen3',
    call: triple('imagen3'),
    serverHints: ['imagen3'],
    // No price: none found for this tool as of 2026-12-02 (unknown, never 0).
    price: null,
  },
  'flux-schnell': {
    provider: 'mcp',
    displayName: 'FLUX.1 [schnell]',
    call: triple('flux_schnell'),
    serverHints: ['flux-schnell'],
    rateLimit: { rpm: 30, concurrency: 8 },
    // Source: https://www.workflowlab.dev/cost/flux-api-options-compared (fal.ai FLUX.1
    // [schnell] "$0.003/MP", verified there 2026-05-11), read 2026-12-02. fal rounds up to whole
    // megapixels; the estimate counts exact megapixels.
    price: { usd: 0.003, per: 'megapixel' },
  },
  'photo-flux': {
    provider: 'mcp',
    displayName: 'RunDiffusion Photo Flux',
    call: triple('rundiffusion_photo_flux'),
    serverHints: ['photo-flux'],
    // No price: none found for this tool as of 2026-12-02 (unknown, never 0).
    price: null,
  },
  'hailuo-02-pro': {
    kind: 'video',
    provider: 'mcp',
    displayName: 'Hailuo-02 Pro',
    call: triple('hailuo_02'),
    serverHints: ['hailuo'],
    // No price: none checked for this tool as of 2026-12-02 (unknown, never 0).
    price: null,
  },
  'veo31-flf2v': {
    kind: 'video',
    provider: 'mcp',
    displayName: 'Veo 3.1 first/last frame to video',
    call: triple('veo31_flf2v'),
    serverHints: ['veo'],
    // No price: none checked for this tool as of 2026-12-02 (unknown, never 0).
    price: null,
  },
  'sdxl-local': {
    provider: 'comfyui',
    displayName: 'SDXL (local ComfyUI)',
    workflow: 'sdxl-text-to-image',
    // Runs on the user's own ComfyUI server: what its GPU time costs is not known here (null).
    // Set price { usd: 0, per: call } in a model-registry file to run it under max-cost-usd.
    price: null,
  },
  preview: {
    provider: 'mcp',
    displayName: 'Preview (offline, not a model)',
    embedded: 'preview',
    call: triple('preview_image'),
    // A local process: poll often, a status call costs nothing.
    pollIntervalMs: 100,
    // The embedded preview server renders locally: no provider bills it (this project's code).
    price: { usd: 0, per: 'call' },
  },
  'preview-video': {
    kind: 'video',
    provider: 'mcp',
    displayName: 'Preview video (offline pan-and-zoom, not a model)',
    embedded: 'preview',
    call: triple('preview_video'),
    pollIntervalMs: 100,
    // The embedded preview server renders locally: no provider bills it (this project's code).
    price: { usd: 0, per: 'call' },
  },
  // Keyframes (SPEC §6). No catalogue lists these tools; the names are this project's: the
  // enhancer answers a text composition (JSON `composition`, or plain text), the keyframe model
  // renders with `image_urls` references. No price: none is documented for these tools (checked
  // 2026-12-02), so cost reports say "price unknown" (add `price` with a model-registry file).
  'nano-banana': {
    provider: 'mcp',
    displayName: 'Nano-banana (keyframe composition enhancer, answers text)',
    call: triple('nano_banana'),
    serverHints: ['nano-banana', 'nanobanana'],
    price: null,
  },
  'seedream-4': {
    provider: 'mcp',
    displayName: 'Seedream 4 (image generation with reference images)',
    call: triple('seedream_4'),
    serverHints: ['seedream'],
    price: null,
  },
  // Keyframes on a self-hosted GPU runner: the shipped image-to-image template on ComfyUI.
  'sdxl-img2img-local': {
    provider: 'comfyui',
    displayName: 'SDXL image to image (local ComfyUI, keyframes)',
    workflow: 'sdxl-image-to-image',
    // The user's own ComfyUI server: unknown (see sdxl-local).
    price: null,
  },
}

/** The key of the embedded preview server in the merged `mcpServers` map. */
export const PREVIEW_SERVER_KEY = 'kamui-preview'

/** Order in which other models are tried when a model is not available (IMG_002). */
export const FALLBACK_ORDER = [
  'imagen4-fast',
  'flux-schnell',
  'imagen4-ultra',
  'imagen3',
  'photo-flux',
]
