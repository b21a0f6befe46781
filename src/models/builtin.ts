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
 * flux-schnell 30 rpm / 8); unlisted models inherit `max-parallel`.
 */
export const BUILTIN_MODELS: Record<string, ModelEntryInput> = {
  'imagen4-ultra': {
    provider: 'mcp',
    displayName: 'Imagen4 Ultra',
    call: triple('imagen4_ultra'),
    serverHints: ['imagen4-ultra'],
    rateLimit: { rpm: 10, concurrency: 3 },
  },
  'imagen4-fast': {
    provider: 'mcp',
    displayName: 'Imagen4 Fast',
    call: triple('imagen4_fast'),
    serverHints: ['imagen4-fast'],
    rateLimit: { rpm: 20, concurrency: 5 },
  },
  imagen3: {
    provider: 'mcp',
    displayName: 'Imagen3',
    call: triple('imagen3'),
    serverHints: ['imagen3'],
  },
  'flux-schnell': {
    provider: 'mcp',
    displayName: 'FLUX.1 [schnell]',
    call: triple('flux_schnell'),
    serverHints: ['flux-schnell'],
    rateLimit: { rpm: 30, concurrency: 8 },
  },
  'photo-flux': {
    provider: 'mcp',
    displayName: 'RunDiffusion Photo Flux',
    call: triple('rundiffusion_photo_flux'),
    serverHints: ['photo-flux'],
  },
  'hailuo-02-pro': {
    kind: 'video',
    provider: 'mcp',
    displayName: 'Hailuo-02 Pro',
    call: triple('hailuo_02'),
    serverHints: ['hailuo'],
  },
  'veo31-flf2v': {
    kind: 'video',
    provider: 'mcp',
    displayName: 'Veo 3.1 first/last frame to video',
    call: triple('veo31_flf2v'),
    serverHints: ['veo'],
  },
  'sdxl-local': {
    provider: 'comfyui',
    displayName: 'SDXL (local ComfyUI)',
    workflow: 'sdxl-text-to-image',
  },
  preview: {
    provider: 'mcp',
    displayName: 'Preview (offline, not a model)',
    embedded: 'preview',
    call: triple('preview_image'),
    // A local process: poll often, a status call costs nothing.
    pollIntervalMs: 100,
  },
  'preview-video': {
    kind: 'video',
    provider: 'mcp',
    displayName: 'Preview video (offline pan-and-zoom, not a model)',
    embedded: 'preview',
    call: triple('preview_video'),
    pollIntervalMs: 100,
  },
  // Keyframes (SPEC §6). No catalogue lists these tools; the names are this project's: the
  // enhancer answers a text composition (JSON `composition`, or plain text), the keyframe model
  // renders with `image_urls` references. No priceUsd: no price is documented, so cost reports
  // say "price unknown" (add priceUsd with a model-registry file).
  'nano-banana': {
    provider: 'mcp',
    displayName: 'Nano-banana (keyframe composition enhancer, answers text)',
    call: triple('nano_banana'),
    serverHints: ['nano-banana', 'nanobanana'],
  },
  'seedream-4': {
    provider: 'mcp',
    displayName: 'Seedream 4 (image generation with reference images)',
    call: triple('seedream_4'),
    serverHints: ['seedream'],
  },
  // Keyframes on a self-hosted GPU runner: the shipped image-to-image template on ComfyUI.
  'sdxl-img2img-local': {
    provider: 'comfyui',
    displayName: 'SDXL image to image (local ComfyUI, keyframes)',
    workflow: 'sdxl-image-to-image',
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
